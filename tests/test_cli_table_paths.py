"""``rmaplab verify --encoding table`` and ``rmaplab table-frontier`` on tiny
inputs: their printed numbers checked by hand and by brute force."""

import json

import naive

from rmaplab.cli import main

ARGS = ["verify", "--encoding", "table", "--id-bits", "2", "--word-bits", "8"]
ARGS += ["--table", "[0,0,64,192]", "--order", "2"]


def test_verify_table_json_hand_counterexample(capsys):
    # ids 1, 2, 3 add 0, 64, 192: 0 + 64 + 192 = 256 = 0 mod 2**8, and no two
    # addends are equal, so the fewest mappings is the victim plus two others
    assert main([*ARGS, "--json"]) == 0
    (v,) = json.loads(capsys.readouterr().out)
    assert v["verdict"] == "unsafe" and v["min_mappings"] == 3 and v["proven_minimal"]
    ms = v["counterexample"]["mappings"]
    assert sorted(m for m, _ in ms) == [1, 2, 3] and all(c == 1 for _, c in ms)


def test_verify_table_text_names_the_counterexample(capsys):
    assert main(ARGS) == 0
    out = capsys.readouterr().out
    assert "order 2: UNSAFE" in out
    assert "[1, 1], [2, 1], [3, 1]" in out


def test_table_frontier_json_and_csv(capsys, tmp_path):
    csv = tmp_path / "f.csv"
    argv = ["table-frontier", "--slice-bits", "2", "--word-bits", "5", "--csv", str(csv)]
    assert main([*argv, "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    tab = [int(t) for t in row["table"].split()]
    assert len(set(tab)) == 4
    # the shown table's score, by brute force, is the best table's value
    assert naive.min_others_one_word(tab, 5, row["table_bound"] + 1) == row["best_table"]
    assert row["best_linear"] <= row["linear_bound"] <= row["table_bound"]
    assert row["best_table"] >= row["best_linear"]
    assert csv.read_text().startswith("# regenerate: rmaplab table-frontier")
    assert main(argv) == 0
    assert capsys.readouterr().out.strip()
