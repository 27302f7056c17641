"""The shape workloads (where 6.15 is imprecise) and their sweep view."""

from __future__ import annotations

import pytest

from rmaplab.config import ConfigError
from rmaplab.plotting import shape_cost_chart
from rmaplab.shape_sweep import shape_cost_table, sweep_shapes
from rmaplab.workloads import SHAPES, make_workload


def _max_mappers(ops):
    """Most mms mapping folio 0 at once (forks copy, exits drop)."""
    live: set[int] = set()
    best = 0
    for kind, f, mm, a, _ in ops:
        if kind == "map" and f == 0:
            live.add(mm)
        elif kind == "fork" and mm in live:
            live.add(a)
        elif kind == "exit":
            live.discard(mm)
        best = max(best, len(live))
    return best


@pytest.mark.parametrize("name", list(SHAPES))
def test_shapes_are_deterministic_and_named(name):
    a = make_workload(name, 4, 4, 3, 2)
    assert a == make_workload(name, 4, 4, 3, 2)
    doc = SHAPES[name].__doc__ or ""
    assert "Stands for" in doc  # the real programs it models are named


def test_three_or_more_mms_except_the_control():
    for name in ("double-fork", "preload-server", "zygote-exit", "fork-tree"):
        assert _max_mappers(make_workload(name, 4, 3, 0, 1)) >= 3, name
    # BGSAVE: two mms at a time, whatever procs is
    assert _max_mappers(make_workload("bgsave", 4, 5, 0, 1)) == 2


def test_double_fork_order_of_events():
    ops = make_workload("double-fork", 2, 1, 0, 1)
    kinds = [(k, mm, a) for k, _, mm, a, _ in ops]
    # launcher 1 maps, forks 2, 2 forks the daemon 3, 2 exits, 1 exits, 3 writes
    assert kinds[:5] == [
        ("map", 1, 0),
        ("fork", 1, 2),
        ("fork", 2, 3),
        ("exit", 2, 0),
        ("exit", 1, 0),
    ]
    assert {k for k, *_ in kinds[5:]} == {"cow"} and {mm for _, mm, _ in kinds[5:]} == {3}
    assert sorted(a for _, _, a in kinds[5:]) == [0, 1, 2, 3]  # every page once


def test_shape_parameters():
    d3 = make_workload("double-fork", 2, 1, 0, 1, depth=3)
    assert sum(op[0] == "fork" for op in d3) == 3 and sum(op[0] == "exit" for op in d3) == 3
    tree = make_workload("fork-tree", 2, 1, 0, 1, depth=2, fanout=3)
    assert sum(op[0] == "fork" for op in tree) == 3 + 9
    w = make_workload("double-fork", 4, 1, 0, 1, writes=5)
    assert sum(op[0] == "cow" for op in w) == 5
    pte = make_workload("bgsave", 9, 1, 0, 1, pte=1)
    assert [op for op in pte if op[0] == "map"] == [("map", 0, 1, 0, 256), ("map", 0, 1, 256, 256)]
    for bad, msg in (
        ({"depth": 0}, "depth"),
        ({"writes": 17}, "writes"),
        ({"pte": 2}, "pte"),
        ({"fanout": 64, "depth": 3}, "fanout"),
    ):
        with pytest.raises(ConfigError, match=msg):
            make_workload("fork-tree", 4, 1, 0, 1, **bad)


def test_sweep_view_and_chart():
    df = sweep_shapes(orders=(4, 9), procs=(2,), depth=(2,), fanout=(2,), pte=(0, 1), folios=1)
    assert set(df["workload"]) == set(SHAPES)
    assert {"needless_copies", "copied_bytes", "broken_folios", "corruptions"} <= set(df)
    assert (df[df["scheme"] == "rmap-moments"]["needless_copies"] == 0).all()
    t = shape_cost_table(df)
    assert list(t.columns[:3]) == ["workload", "order", "mapped"]
    assert "needless/GiB mm-owner" in t and "needless/GiB rmap-moments" in t
    row = t[(t["workload"] == "double-fork") & (t["order"] == 4)].iloc[0]
    # 2 daemons; the last one alone copies 15 of its 16 pages needlessly;
    # writes: 2 daemons x 16 pages x 4 KiB
    assert row["needless/GiB mm-owner"] == pytest.approx(15 / (32 * 4096 / 2**30))
    bg = t[t["workload"] == "bgsave"]
    assert (bg["needless/GiB mm-owner"] == 0).all()  # two mms: 6.15 is exact
    pmd = t[(t["workload"] == "double-fork") & (t["mapped"] == "PMD")].iloc[0]
    assert pmd["needless/GiB mm-owner"] == 0  # do_huge_pmd_wp_page reuses alone
    spec = shape_cost_chart(t).to_dict()
    assert "6.15" in spec["title"]["text"] and spec["encoding"]["facet"]["field"] == "workload"
    assert "procs 2; depth 2; fanout 2" in spec["title"]["subtitle"]


def test_sweep_through_an_executor_gives_the_same_rows():
    from concurrent.futures import ThreadPoolExecutor

    kw = dict(workloads=["double-fork", "bgsave"], orders=(4,), procs=(1, 2), depth=(2,), folios=1)
    here = sweep_shapes(**kw)
    with ThreadPoolExecutor(2) as ex:
        there = sweep_shapes(executor=ex, **kw)
    assert here.equals(there) and len(here) == 2 * 2 * 2  # workloads x procs x schemes


def test_sweep_refuses_a_non_shape_workload():
    with pytest.raises(ConfigError, match="not a shape workload"):
        sweep_shapes(workloads=["zygote"])
