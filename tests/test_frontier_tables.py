"""One-value frontier on tiny analogues: kernel vs twin, the bounds hold."""

import pytest

from rmaplab.certify import verify_encoding
from rmaplab.encodings import table
from rmaplab.frontier_tables import (
    linear_bound,
    pair_frontier,
    pair_frontier_python,
    table_bound,
    table_min_others,
)


@pytest.mark.parametrize("w", [4, 5, 6])
def test_pair_frontier_kernel_matches_twin_and_bounds(w):
    k = pair_frontier(w)
    assert k == pair_frontier_python(w)
    # exhaustive: 4-value tables do exactly as well as linear weights here
    assert k[0] == linear_bound(2, w) <= table_bound(w)


@pytest.mark.parametrize("w", [6, 8])
def test_hexagon_bound_holds_for_every_three_value_table(w):
    # every {0, 1, a}: the fewest fooling others never exceeds the bound
    worst = max(
        table_min_others([0, 1, a], w, table_bound(w) + 5) or 10**9 for a in range(2, 1 << w)
    )
    assert worst <= table_bound(w)


def test_a_table_beats_every_linear_weight_choice_at_3_bits_16_bit_words():
    # v + 2^e v^2: 43 others needed; linear weights: at most iroot(2^16, 3) = 40
    best, found = 0, {}
    for e in range(16):
        tab = [(v + (v * v << e)) & 0xFFFF for v in range(8)]
        if len(set(tab)) == 8:
            m = table_min_others(tab, 16, 60)
            found[e] = m
            best = max(best, 60 if m is None else m)
    assert best == 43 > linear_bound(3, 16) == 40
    # the verifier agrees (6-bit ids: two 3-bit slices, every slice value)
    e = next(e for e, m in found.items() if m == 43)
    enc = table(6, 16, [(v + (v * v << e)) & 0xFFFF for v in range(8)], bits=3)
    assert verify_encoding(enc, 5).verdict == "safe"  # 32 pages
    v = verify_encoding(enc, 6)  # 64 pages
    assert v.verdict == "unsafe" and v.min_mappings == 44 and v.proven_minimal


@pytest.mark.jit_heavy  # searches and BFS at 8..16-bit words: minutes as Python
def test_frontier_table_marks_exact_only_where_the_search_completed():
    from rmaplab.frontier_tables import EXACT_STATUS, frontier_table

    # B = 2, W = 8: the search completes (the pair kernel agrees: 16)
    df = frontier_table(bits_list=(2, 3), words=(8,), seconds=0.2, max_nodes=10**6)
    row = df.set_index("slice_bits").loc[2]
    assert row["best_table"] == 16 == pair_frontier(8)[0] == row["upper_bound"]
    assert row["best_table_status"] == EXACT_STATUS
    # B = 3, W = 8 exact too: 6, the linear bound
    assert df.set_index("slice_bits").loc[3, "best_table"] == 6
    # a budget of 5 nodes: a lower bound, saying where it stopped
    df = frontier_table(bits_list=(3,), words=(10,), seconds=0.2, max_nodes=5)
    row = df.iloc[0]
    assert row["best_table_status"] == "lower bound (search stopped at 5 nodes)"
    assert row["upper_bound"] == table_bound(10) and row["search_nodes"] == 5
    tab = [int(v) for v in row["table"].split()]
    assert table_min_others(tab, 10, table_bound(10) + 1) == row["best_table"] >= 10


@pytest.mark.jit_heavy  # searches and BFS at 8..16-bit words: minutes as Python
def test_cli_table_frontier_json_and_text_are_the_view(capsys):
    import json

    from rmaplab.cli import main
    from rmaplab.frontier_tables import EXACT_STATUS, frontier_table
    from rmaplab.views import tiny_frontier_text

    argv = ["table-frontier", "--slice-bits", "2", "--word-bits", "6,8", "--seconds", "0.2"]
    assert main([*argv, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["word_bits"], r["best_table"]) for r in rows] == [(6, 8), (8, 16)]
    assert all(r["best_table_status"] == EXACT_STATUS for r in rows)
    assert main(argv) == 0
    out = capsys.readouterr().out
    df = frontier_table(bits_list=(2,), words=(6, 8), seconds=0.2)
    assert out.strip() == tiny_frontier_text(df).strip()
    assert max(len(line) for line in out.splitlines()) <= 72


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["--slice-bits", "4", "--word-bits", "3"], "--word-bits"),
        (["--slice-bits", "5"], "--slice-bits"),
        (["--search-seconds", "700"], "--search-seconds"),
        (["--max-nodes", "-1"], "--max-nodes"),
    ],
)
def test_cli_table_frontier_bad_input(capsys, args, name):
    from rmaplab.cli import main

    assert main(["table-frontier", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and name in err


@pytest.mark.jit_heavy  # searches and BFS at 8..16-bit words: minutes as Python
def test_report_frontier_view_reads_the_shipped_search():
    from rmaplab.frontier_tables import EXACT_STATUS, load_exact_frontier
    from rmaplab.views import Params, tiny_frontier_text, view

    v = view("frontier_tables")
    df = v.build(Params(quick=True))
    shipped = load_exact_frontier().set_index(["slice_bits", "word_bits"])
    ups = {}
    for r in df.itertuples():
        s = shipped.loc[(r.slice_bits, r.word_bits)]
        assert r.best_table == s["best"]
        assert (r.best_table_status == EXACT_STATUS) == bool(s["complete"])
        # the search's bound, or the case with one slice bit fewer (a subset)
        want = min(s["upper_bound"], ups.get((r.slice_bits - 1, r.word_bits), 10**9))
        assert r.upper_bound == want >= r.best_table
        ups[r.slice_bits, r.word_bits] = want
    # 16 values in 14-bit words: the search stopped at 12, the 8-value case
    # (exact, 47) caps it better than the search's own bound
    row = df.set_index(["slice_bits", "word_bits"]).loc[(4, 14)]
    assert row["upper_bound"] == 47 < shipped.loc[(4, 14), "upper_bound"]
    text = tiny_frontier_text(df)
    assert max(len(line) for line in text.splitlines()) <= 72
    assert "exact: exhaustive, symmetry-reduced" in " ".join(text.split())
