"""Text and CSV outputs of `verify --encoding`, `design --mapcount-bits` and
`table-frontier`, against facts derived here (the carry-free rule, a
counterexample replayed by hand) and against the JSON of the same run; the
bad inputs of `verify --encoding` are one line and exit 2."""

import csv
import io
import json
import re

import pytest

from rmaplab.cli import main


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_verify_table_text_counterexample_replays(capsys):
    tab, W = [71, 227, 64, 67], 8
    argv = ["verify", "--encoding", "table", "--id-bits", "2", "--word-bits", str(W)]
    argv += ["--order", "4", "--table", json.dumps(tab)]
    code, text, _ = _run(capsys, *argv)
    assert code == 0
    row = next(ln.split() for ln in text.splitlines() if ln.strip().startswith("4 "))
    assert row[:5] == ["4", "1", "unsafe", "bfs", "9"]
    pairs = [(int(a), int(b)) for a, b in re.findall(r"\[(\d+), (\d+)\]", text)]
    victim = pairs[0][0]
    n = sum(c for _, c in pairs)
    # the wrong "exclusive": the word's sum equals n times the victim's addend
    assert n == 9 and len(pairs) >= 2
    assert sum(c * tab[m] for m, c in pairs) % (1 << W) == n * tab[victim] % (1 << W)
    code, js, _ = _run(capsys, *argv, "--json")
    (v,) = json.loads(js)
    assert (v["verdict"], v["min_mappings"]) == ("unsafe", 9)
    assert [list(p) for p in pairs] == v["counterexample"]["mappings"]


def _fewest_k(order, id_bits, word_bits):
    """Fewest base-(2^order + 1) digit values, B = ceil(id_bits / K) bits each,
    that cannot carry: (2^order + 1)^B <= 2^W (the series' rule)."""
    return next(
        k for k in range(1, id_bits + 1) if ((1 << order) + 1) ** -(-id_bits // k) <= 1 << word_bits
    )


def test_verify_digits_all_orders_text_meets_the_carry_free_rule(capsys):
    code, text, _ = _run(
        capsys,
        "verify",
        *("--encoding", "digits", "--id-bits", "8", "--word-bits", "16", "--max-order", "6"),
        "--all",
    )
    assert code == 0
    rows = [ln.split() for ln in text.splitlines() if re.match(r"^\s+\d+\s+\d+\s", ln)]
    assert [int(r[0]) for r in rows] == list(range(7))
    for r in rows:
        o, k = int(r[0]), int(r[1])
        assert r[2] == "safe"
        if o >= 1:
            assert k == _fewest_k(o, 8, 16), r
    assert max(map(len, text.splitlines())) <= 72


@pytest.mark.parametrize(
    ("extra", "names"),
    [
        (["--word-bits", "16", "--order", "3"], "--id-bits"),
        (["--id-bits", "8", "--word-bits", "16"], "--max-order"),
        (
            ["--id-bits", "8", "--word-bits", "16", "--max-order", "4", "--order", "2", "--all"],
            "--all",
        ),
    ],
)
def test_verify_encoding_bad_inputs_are_one_line(capsys, extra, names):
    code, out, err = _run(capsys, "verify", "--encoding", "digits", *extra)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and names in err, err


def test_design_mapcount_csv_text_and_json_agree(capsys, tmp_path):
    path = tmp_path / "dm.csv"
    argv = ["design", "--id-bits", "8", "--word-bits", "16", "--max-order", "4"]
    argv += ["--mapcount-bits", "2"]
    code, text, _ = _run(capsys, *argv, "--csv", str(path))
    assert code == 0
    head, *body = path.read_text().splitlines()
    assert head.startswith("# regenerate: rmaplab design --id-bits 8")
    rows = list(csv.DictReader(io.StringIO("\n".join(body))))
    _, js, _ = _run(capsys, *argv, "--json")
    want = json.loads(js)
    assert [int(r["order"]) for r in rows] == [r["order"] for r in want] == [1, 2, 3, 4]
    assert [r["exact"] == "True" for r in rows] == [r["exact"] for r in want]
    # order 1 (2 pages: at most one other mapping) is exact; the text says so
    assert want[0]["exact"] and "exact up to order 1" in " ".join(text.split())
    assert max(map(len, text.splitlines())) <= 72


def test_table_frontier_csv_and_text(capsys, tmp_path):
    path = tmp_path / "tf.csv"
    argv = ["table-frontier", "--slice-bits", "2", "--word-bits", "4"]
    code, text, _ = _run(capsys, *argv, "--csv", str(path))
    assert code == 0
    head, *body = path.read_text().splitlines()
    assert head == f"# regenerate: rmaplab table-frontier --slice-bits 2 --word-bits 4 --csv {path}"
    (row,) = list(csv.DictReader(io.StringIO("\n".join(body))))
    _, js, _ = _run(capsys, *argv, "--json")
    (j,) = json.loads(js)
    assert int(row["best_table"]) == j["best_table"] and row["table"] == j["table"]
    # the table found is a table of 4 distinct 4-bit words
    t = [int(x) for x in row["table"].split()]
    assert len(t) == 4 and len(set(t)) == 4 and max(t) < 16
    assert max(map(len, text.splitlines())) <= 72
