"""rmaplab.onevalue.sat (the SAT formulation of "M(B, W) > g?") against
brute force over every set on tiny words, and the tiny-cell table's
invariants (issue 20)."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from rmaplab._data import data_stream
from rmaplab.onevalue import sat, search2


def brute(bits: int, w: int) -> int:
    best = 0
    for rest in itertools.combinations(range(1, 1 << w), (1 << bits) - 1):
        best = max(best, search2.fewest_others((0, *rest), w, 1 << w))
    return best


@pytest.mark.parametrize(("bits", "w"), [(2, 4), (2, 5), (3, 4)])
def test_sat_matches_brute_force(bits, w):
    m = brute(bits, w)
    low = sat.sat_decide(bits, w, m - 1) if m > 2 else {"answer": "found"}
    up = sat.sat_decide(bits, w, m)
    assert low["answer"] == "found" and up["answer"] == "none", (m, low, up)
    if low.get("table"):
        assert search2.fewest_others(low["table"], low["width"], 1 << w) >= m


def test_sat_budget_says_undecided():
    r = sat.sat_decide(2, 6, 8, conflicts=1)
    assert r["answer"] == "undecided"


def test_tiny_cells_table():
    df = pd.read_csv(data_stream("tiny_cells.csv"), comment="#")
    assert set(zip(df.slice_bits, df.word_bits, strict=True)) == {
        (b, w) for b in (2, 3, 4, 5) for w in (8, 10, 12, 14, 16)
    }
    assert (df.lower >= 1).all() and (df.lower <= df.upper).all()
    assert df.lower_kind.str.len().gt(0).all() and df.upper_kind.str.len().gt(0).all()
    ex = df[df.exact]
    # exact only when two methods agree
    assert all(len(set(s.split("; "))) >= 2 for s in ex.exact_by)
    # monotone: M(B, W) <= M(B - 1, W), M(B, W) >= M(B, W - 2) (lifted)
    cell = {(r.slice_bits, r.word_bits): r for r in df.itertuples()}
    for (b, w), r in cell.items():
        if (b - 1, w) in cell:
            assert r.upper <= cell[(b - 1, w)].upper
        if (b, w - 2) in cell:
            assert r.lower >= cell[(b, w - 2)].lower


def test_sat_data_witnesses_and_agreement():
    """Every SAT row: a found set really has N' > g (plain BFS here); a none
    answer is not below a set the shipped search found."""
    sat_rows = pd.read_csv(data_stream("table_frontier_sat.csv"), comment="#")
    ex = pd.read_csv(data_stream("table_frontier_exact.csv"), comment="#")
    best = {(r.slice_bits, r.word_bits): r.best for r in ex.itertuples()}
    assert len(sat_rows) >= 4
    for r in sat_rows.itertuples():
        if r.answer == "found":
            t = [int(v) for v in str(r.witness).split()]
            assert len(t) == 1 << r.slice_bits
            assert search2.fewest_others(t, r.word_bits, 1 << r.word_bits) > r.g
        elif r.answer == "none":
            assert best[(r.slice_bits, r.word_bits)] <= r.g
