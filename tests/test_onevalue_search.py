"""rmaplab.onevalue.search2 / bounds: the second search against brute
force over every {0, 1}-set on tiny words, chunks against the whole, the
JIT against the plain body, resume from the state file, and dask."""

from __future__ import annotations

import itertools

import pytest

from rmaplab.onevalue import bounds, search2


def brute(bits: int, w: int) -> int:
    """Largest N' over every set of 2**bits residues mod 2**w (all sets,
    no normalisation: the answer search2 + halving must reproduce)."""
    best = 0
    for rest in itertools.combinations(range(1, 1 << w), (1 << bits) - 1):
        best = max(best, search2.fewest_others((0, *rest), w, 1 << w))
    return best


@pytest.mark.parametrize(("bits", "w"), [(2, 4), (2, 5), (2, 6), (3, 4)])
def test_decide_matches_brute_force(bits, w):
    m = brute(bits, w)
    low = bounds.decide(bits, w, m - 1)
    up = bounds.decide(bits, w, m)
    assert low["answer"] == "found" and up["answer"] == "none"
    t = low["table"]
    assert search2.fewest_others(t, low["width"], 1 << w) >= m


@pytest.mark.parametrize(("bits", "w", "g"), [(2, 6, 7), (2, 6, 8), (3, 6, 3), (3, 6, 4)])
def test_jit_and_python_agree(bits, w, g):
    a = search2.search(bits, w, g)
    b = search2.search(bits, w, g, python=True)
    assert (a.status, a.nodes, a.table) == (b.status, b.nodes, b.table)


def test_chunks_partition_the_search():
    full = search2.search(2, 10, 32)
    parts = [search2.search(2, 10, 32, third=c) for c in bounds._edges(10, 5)]
    assert full.status == "none" and all(p.status == "none" for p in parts)
    # every chunk evaluates the root once more
    assert sum(p.nodes for p in parts) == full.nodes + len(parts) - 1


def test_budget_stops_and_state_resumes(tmp_path):
    st = tmp_path / "s.json"
    r1 = bounds.decide(3, 7, 5, chunks=4, max_nodes=3, state=st)
    assert r1["answer"] == "undecided"
    r2 = bounds.decide(3, 7, 5, chunks=4, max_nodes=10**6, state=st)
    r3 = bounds.decide(3, 7, 5, chunks=4, max_nodes=10**6)
    assert r2["answer"] == r3["answer"] != "undecided"


def test_dask_gives_the_local_answer():
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cl,
        distributed.Client(cl) as client,
    ):
        on_dask = bounds.decide(2, 10, 32, chunks=6, client=client)
    local = bounds.decide(2, 10, 32, chunks=6)
    assert on_dask["answer"] == local["answer"] == "none"
    assert on_dask["nodes"] == local["nodes"]


def test_refuses_bad_input():
    with pytest.raises(ValueError, match="bits"):
        search2.search(5, 8, 3)
    with pytest.raises(ValueError, match="word_bits"):
        search2.search(3, 17, 3)
    with pytest.raises(ValueError, match="g="):
        search2.search(3, 8, 0)


def test_second_method_data_agrees_with_the_shipped_search():
    """Every row of table_frontier_second.csv marked exact equals the
    exact cell of table_frontier_exact.csv, and its witness has that N'."""
    import pandas as pd

    from rmaplab._data import data_stream
    from rmaplab.frontier_tables import load_exact_frontier

    second = pd.read_csv(data_stream("table_frontier_second.csv"), comment="#")
    shipped = load_exact_frontier().set_index(["slice_bits", "word_bits"])
    exact = second[second["exact"].astype(str) == "True"]
    assert len(exact) >= 6
    for _, r in exact.iterrows():
        b, w = int(r["slice_bits"]), int(r["word_bits"])
        ref = shipped.loc[(b, w)]
        assert bool(ref["complete"]) and int(ref["best"]) == int(r["upper"]) == int(r["lower"])
        t = [int(v) for v in str(r["witness"]).split()]
        assert len(t) == 1 << b
        assert search2.fewest_others(t, w, 1 << w) == int(r["upper"])
