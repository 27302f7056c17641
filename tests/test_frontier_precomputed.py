"""``frontier_table(precomputed=True)`` reads what rmaplab ships and
computes nothing it already has; the shipped linear columns are right."""

from __future__ import annotations

import pytest

import rmaplab.frontier_tables as F


# the cheap cells; beyond W = 8 the searches are meant for the JIT
@pytest.mark.parametrize("bits", [2, 3, 4])
@pytest.mark.parametrize(
    "word_bits",
    [
        8,
        pytest.param(10, marks=pytest.mark.jit_heavy),
        pytest.param(14, marks=pytest.mark.jit_heavy),
    ],
)
def test_shipped_linear_columns_recompute(bits, word_bits):
    got = F.load_linear_frontier().loc[(bits, word_bits)]
    want = F.linear_columns(bits, word_bits)
    assert {k: int(got[k]) for k in F.LINEAR_COLUMNS} == want


def test_shipped_grids_agree():
    lin = F.load_linear_frontier()
    exact = F.load_exact_frontier().set_index(["slice_bits", "word_bits"])
    assert sorted(lin.index) == sorted(exact.index)


def test_precomputed_computes_nothing_shipped(monkeypatch):
    def refuse(*args):
        raise AssertionError("recomputed a shipped column")

    for name in ("_best_linear", "_moments_table", "exact_frontier", "table_min_others"):
        monkeypatch.setattr(F, name, refuse)
    df = F.frontier_table(bits_list=(2, 3, 4), words=(8, 10, 12, 14, 16), precomputed=True)
    lin = F.load_linear_frontier()
    for _, r in df.iterrows():
        shipped = lin.loc[(r["slice_bits"], r["word_bits"])]
        assert r["best_linear"] == shipped["best_linear"]
        assert r["moments_table"] == shipped["moments_table"]
