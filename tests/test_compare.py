"""compare's cost fields, rmap-moments and the caption: numba against the
Python twin, exact designs against the truth, and the JSON interface."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmaplab.cli import main
from rmaplab.compare import (
    COST_COLUMNS,
    caption,
    compare,
    compare_all,
    replay_costs,
    replay_costs_python,
    replay_schemes,
    replay_schemes_python,
)
from rmaplab.config import ConfigError
from rmaplab.encodings.recommended import max_mappings as moments_max_mappings
from rmaplab.schemes import scheme_names
from rmaplab.workloads import SHAPES, make_workload, workload_names

ALL = [n for n in scheme_names() if n != "truth"]
SMALL = [w for w in workload_names() if w != "counterexample"]


@pytest.mark.parametrize("workload", SMALL)
@pytest.mark.parametrize("order", [2, 4])
def test_costs_numba_matches_python(workload, order):
    ops = make_workload(workload, order, 4, 1, 2)
    assert replay_costs(ops, order) == replay_costs_python(ops, order)
    assert replay_schemes(ops, order) == replay_schemes_python(ops, order)


@pytest.mark.parametrize("workload", list(SHAPES))
def test_costs_numba_matches_python_at_the_pmd_order(workload):
    for pte in (0, 1):
        ops = make_workload(workload, 9, 3, 0, 1, pte=pte, writes=40, lifetime=3)
        assert replay_costs(ops, 9) == replay_costs_python(ops, 9)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), procs=st.integers(1, 6), order=st.sampled_from([1, 3, 9]))
def test_costs_random_mix_twins_agree_and_exact_designs_cost_nothing(seed, procs, order):
    ops = make_workload("random", order, procs, seed, 2)
    c = replay_costs(ops, order)
    assert c == replay_costs_python(ops, order)
    for n in ("rmap-moments", "bit-counters"):  # exact: no false answer, no cost
        assert c[n]["needless_copies"] == 0 and c[n]["corruptions"] == 0
    assert c["mm-owner"]["corruptions"] == 0  # never a wrong "exclusive"
    for n in ALL:
        x = c[n]
        assert x["reuses"] + x["copies"] == x["faults"] <= x["writes"]
        assert x["needless_copies"] <= x["copies"]
        assert x["broken_folios"] <= x["needless_copies"]


def test_rmap_moments_is_exact_where_compare_runs():
    # 24-bit ids, 64-bit words: no wrap up to 65536 mappings of one folio
    assert moments_max_mappings(24) == 65536
    assert 65536 * (2**24 - 1) ** 2 < 2**64 <= 65537 * (2**24 - 1) ** 2
    df = compare_all(order=6, procs=8, folios=2)
    mo = df[df["scheme"] == "rmap-moments"]
    assert len(mo) and (mo["false_exclusive"] == 0).all() and (mo["false_shared"] == 0).all()


def test_double_fork_json_has_the_cost_fields(capsys):
    argv = ["compare", "--workload", "double-fork", "--schemes", "mm-owner,rmap-moments,rmap-id"]
    assert main([*argv, "--order", "4", "--procs", "1", "--json"]) == 0
    rows = {r["scheme"]: r for r in json.loads(capsys.readouterr().out)}
    assert list(rows) == ["mm-owner", "rmap-moments", "rmap-id"]
    for r in rows.values():
        assert set(COST_COLUMNS) <= set(r)
    # 4 folios of 16 pages: the daemon's 15 writes per folio before the last copy
    assert rows["mm-owner"]["needless_copies"] == 4 * 15
    assert rows["mm-owner"]["copied_bytes"] == 4 * 15 * 4096
    assert rows["mm-owner"]["broken_folios"] == 4
    assert rows["rmap-moments"]["needless_copies"] == 0
    assert all(r["corruptions"] == 0 and r["false_exclusive"] == 0 for r in rows.values())
    # PMD-mapped at order 9: do_huge_pmd_wp_page reuses without asking
    assert main([*argv, "--procs", "1", "--json"]) == 0
    rows = {r["scheme"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["mm-owner"]["needless_copies"] == 0 and rows["mm-owner"]["false_shared"] > 0
    assert main([*argv, "--procs", "1", "--pte", "1", "--json"]) == 0
    rows = {r["scheme"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["mm-owner"]["needless_copies"] == 4 * 511


def test_compare_list_names_the_new_scheme_and_workloads(capsys):
    assert main(["compare", "--list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert "rmap-moments" in listing["schemes"]
    assert set(SHAPES) <= set(listing["workloads"])


def test_caption_comes_from_the_run():
    df = compare("bgsave", ["mm-owner"], order=5, procs=3, seed=2, folios=1, shape={"depth": 2})
    c = caption(df)
    assert c.startswith("Order 5, 3 processes, seed 2, workload bgsave; 1 folios, depth 2")
    all_ = compare_all(["fork", "cow"], order=4, procs=2, folios=1)
    assert "summed over 2 workloads (not the counterexample)" in caption(all_)
    assert caption(all_.copy(), {"order": 9}).startswith("Order 4")  # attrs win over defaults


def test_compare_text_caption_is_not_hard_coded(capsys):
    assert main(["compare", "--workload", "bgsave", "--order", "5", "--procs", "2"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "workload bgsave (wip-v1): order 5, 2 processes, 4 folios, seed 0." in out
    assert main(["compare", "--workload", "double-fork", "--order", "4", "--depth", "3"]) == 0
    assert "order 4, 8 processes, 4 folios, seed 0, depth 3." in " ".join(
        capsys.readouterr().out.split()
    )
    assert "Order 9, 8 processes" not in out


def test_shape_options_are_refused_for_other_workloads():
    with pytest.raises(ConfigError, match="depth shapes only the workloads"):
        compare("zygote", order=4, shape={"depth": 3})
    assert main(["compare", "--workload", "double-fork", "--depth", "0"]) == 2


def test_the_posted_counterexample_is_a_corruption_for_rmap_id_only():
    # order 9's posted sub-IDs: one false "exclusive"; reused, two mms write
    # one page. Every other design copies the victim's page (it is shared).
    for fast in (True, False):
        df = compare("counterexample", fast=fast).set_index("scheme")
        assert df.loc["rmap-id", "corruptions"] == 1 == df.loc["rmap-id", "false_exclusive"]
        others = df.drop(index="rmap-id")
        assert (others["corruptions"] == 0).all() and (others["copies"] == 1).all()


def test_compare_text_prints_the_costs_in_72_columns(capsys):
    assert main(["compare", "--workload", "double-fork", "--order", "4", "--procs", "1"]) == 0
    out = capsys.readouterr().out
    assert max(map(len, out.splitlines())) <= 72
    line = [x for x in out.splitlines() if x.startswith("mm-owner")][-1]  # the cost table
    # faults, reuses, copies, needless, KiB, broken, corrupt: 4 folios x 16 pages
    assert line.split()[1:] == ["64", "4", "60", "60", str(60 * 4), "4", "0"]


# -- edges of the replays (hand-built operations) ----------------------------------


def test_no_operations_replay_to_no_checks():
    from rmaplab.compare import ops_to_arrays

    arrays = ops_to_arrays([])
    assert [a.size for a in arrays] == [0] * 6 and arrays[0].dtype.name == "int8"
    zero = {"checks": 0, "false_exclusive": 0, "false_shared": 0}
    assert replay_schemes([], 2, ["rmap-id"]) == {"rmap-id": zero}
    assert replay_schemes_python([], 2, ["rmap-id"]) == {"rmap-id": zero}


def test_bad_operations_are_refused_by_both_replays():
    from rmaplab.folio import RmapError

    with pytest.raises(RmapError, match="op 0: kind='poke' is unknown"):
        replay_schemes_python([("poke", 0, 1, 0, 1)], 2)
    with pytest.raises(RmapError, match="op 0: kind='poke' is unknown"):
        replay_schemes([("poke", 0, 1, 0, 1)], 2)
    # ids of the default configuration are 1..2^24 - 1
    with pytest.raises(
        ConfigError, match=r"mm id 16777216 is out of range: allowed \[1, 16777215\]"
    ):
        replay_schemes([("map", 0, 1 << 24, 0, 1)], 2)
    with pytest.raises(ConfigError, match=r"allowed an rmaplab\.encodings\.Encoding"):
        replay_schemes_python([("map", 0, 1, 0, 1)], 2, encoding="moments")
    with pytest.raises(ConfigError, match=r"encoding='x': allowed an rmaplab\.encodings\.Encoding"):
        compare("zygote", None, "x")  # type: ignore[arg-type]


def test_a_pmd_mapped_folio_reuses_alone_and_splits_when_shared():
    """Order 2 as the PMD order: mm 1 maps all 4 pages with one PMD and writes
    page 0 alone (do_huge_pmd_wp_page reuses the whole PMD), forks mm 2 (which
    inherits the PMD), then both write page 1: each write splits its PMD and
    the PTE fault asks the design, which (exact) says shared: two copies, mm 1
    still mapping pages 0, 2, 3 when mm 2 writes."""
    ops = [
        ("map", 0, 1, 0, 4),
        ("cow", 0, 1, 0, -1),
        ("fork", -1, 1, 2, -1),
        ("cow", 0, 1, 1, -1),
        ("cow", 0, 2, 1, -1),
        ("exit", -1, 2, -1, -1),
    ]
    py = replay_costs_python(ops, 2, ["bit-counters"], pmd_order=2)["bit-counters"]
    assert py == replay_costs(ops, 2, ["bit-counters"], pmd_order=2)["bit-counters"]
    assert (py["writes"], py["faults"], py["reuses"], py["pmd_splits"], py["copies"]) == (
        3,
        3,
        1,
        2,
        2,
    )
    assert py["needless_copies"] == 0 and py["corruptions"] == 0


def test_trace_of_a_folio_never_touched_is_empty_and_progress_bars_run():
    from rmaplab.compare import sweep_procs, trace

    ops = make_workload("fork", 2, 2, 0, 1)
    assert trace(ops, 2, ["rmap-id"], folio=7).empty
    assert not trace(ops, 2, ["rmap-id"], folio=0).empty
    df = compare_all(["fork"], progress=True, order=2, procs=2, folios=1)
    assert df["workload"].unique().tolist() == ["fork"]
    sw = sweep_procs(["fork"], procs=(2,), order=2, seeds=(0,), folios=1, progress=True)
    assert sw["procs"].unique().tolist() == [2]
