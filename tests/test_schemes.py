import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmaplab import ConfigError, RmapError
from rmaplab.cli import main
from rmaplab.compare import (
    compare,
    counterexample_workload,
    replay_schemes,
    replay_schemes_python,
    trace,
)
from rmaplab.schemes import make_scheme
from rmaplab.workloads import IdAllocator, make_workload, workload_names

ALL = ["legacy", "total-mapcount", "owner-counter", "mm-owner", "bit-counters", "rmap-id"]


def test_mm_owner_says_shared_when_one_mm_maps():
    """Two slot owners leave while a third, slot-less mm still maps 2 pages."""
    s = make_scheme("mm-owner", 4)
    s.map(1, 0b1, 1)  # A takes slot 0
    s.map(2, 0b1, 1)  # B takes slot 1, bit set
    s.map(3, 0b11, 2)  # C: no free slot, only the total changes
    assert s.ids == [1, 2] and s.maybe_shared and s.total == 4
    s.unmap(1, 0b1, 1)  # A leaves: slot freed, slot 1 count 1 != total 3
    s.unmap(2, 0b1, 1)  # B leaves: both free, counts 0 != total 2
    assert s.ids == [0, 0] and s.total == 2
    assert s.shared(3) is True  # only C maps the folio: a false "shared"
    t = make_scheme("truth", 4)
    t.map(3, 0b11, 2)
    assert t.shared(3) is False


def test_mm_owner_slot_below_zero_corner_case():
    s = make_scheme("mm-owner", 4)
    s.map(1, 0b1, 1)
    s.map(2, 0b1, 1)
    s.map(3, 0b110, 2)  # C without a slot
    s.unmap(1, 0b1, 1)  # slot 0 freed
    s.map(3, 0b1000, 1)  # C takes slot 0 with count 1 (it really holds 3)
    s.unmap(3, 0b110, 2)  # slot count 1 - 2 < 0: freed
    assert s.ids == [0, 2] and s.counts == [0, 1] and s.total == 2
    assert s.shared(2) is True  # C still maps 1 page: truly shared, and it says so


def test_mm_owner_total_at_most_one_is_exclusive():
    s = make_scheme("mm-owner", 4)
    s.map(1, 1, 1)
    s.map(2, 2, 1)
    s.unmap(2, 2, 1)
    assert s.total == 1 and s.shared(1) is False


def test_legacy_false_exclusive_after_first_page_copy():
    ops = [("map", 0, 1, 0, 4), ("fork", -1, 1, 2, 0), ("cow", 0, 1, 0, 0), ("cow", 0, 1, 1, 0)]
    stats = replay_schemes_python(ops, 2, ["legacy"])
    # page 0 was copied for mm 1, so page 0's mapcount is 1: legacy says
    # "exclusive" for page 1 although the child maps the folio
    assert stats["legacy"] == {"checks": 2, "false_exclusive": 1, "false_shared": 0}


def test_owner_counter_owner_exit_makes_survivor_shared_forever():
    ops = [
        ("map", 0, 1, 0, 4),
        ("fork", -1, 1, 2, 0),
        ("exit", -1, 1, 0, 0),
        ("cow", 0, 2, 0, 0),
        ("cow", 0, 2, 1, 0),
    ]
    stats = replay_schemes_python(ops, 2, ["owner-counter", "mm-owner", "rmap-id", "bit-counters"])
    assert stats["owner-counter"]["false_shared"] == 2
    for n in ("mm-owner", "rmap-id", "bit-counters"):
        assert stats[n] == {"checks": 2, "false_exclusive": 0, "false_shared": 0}


def test_owner_counter_fork_exit_parent_reuses():
    ops = [("map", 0, 1, 0, 8), ("fork", -1, 1, 2, 0), ("exit", -1, 2, 0, 0), ("cow", 0, 1, 3, 0)]
    stats = replay_schemes_python(ops, 3, ["owner-counter", "total-mapcount"])
    assert stats["owner-counter"]["false_shared"] == 0
    assert stats["total-mapcount"]["false_shared"] == 1


def test_rmap_id_counterexample_is_the_only_false_exclusive():
    df = compare("counterexample", order=9).set_index("scheme")
    assert df.loc["rmap-id", "false_exclusive"] == 1
    assert df.drop("rmap-id")["false_exclusive"].sum() == 0
    with pytest.raises(ConfigError, match="order=10: the verifier proves the check safe"):
        counterexample_workload(10)


@pytest.mark.parametrize("workload", [w for w in workload_names() if w != "counterexample"])
def test_every_workload_runs_and_exact_schemes_are_exact(workload):
    df = compare(workload, order=3, procs=6, folios=2, seed=1).set_index("scheme")
    assert df.loc["bit-counters", ["false_exclusive", "false_shared"]].sum() == 0
    assert df.loc["mm-owner", "false_exclusive"] == 0  # never a wrong "exclusive"
    assert df.loc["rmap-id", "false_exclusive"] == 0  # order 3: carry-free safe


@settings(max_examples=30)
@given(st.integers(0, 10_000), st.integers(2, 12), st.sampled_from([2, 4, 9]))
def test_random_mix_safety(seed, procs, order):
    df = compare("random", order=order, procs=procs, folios=2, seed=seed).set_index("scheme")
    for n in ("bit-counters", "mm-owner", "owner-counter", "total-mapcount"):
        assert df.loc[n, "false_exclusive"] == 0, n
    assert df.loc["bit-counters", "false_shared"] == 0


def test_cover_letter_cow_numbers():
    df = compare("cow-reuse", order=9, folios=2).set_index("scheme")
    assert df.loc["total-mapcount", "false_shared"] == 1024  # every reuse becomes a copy
    assert df.loc["rmap-id", "checks"] == 1024 and df.loc["rmap-id", "false_shared"] == 0


def test_trace_shows_each_state():
    ops = make_workload("fork", order=2, folios=1)
    t = trace(ops, 2)
    assert list(t["op"]) == [0, 1, 2]
    assert t.loc[1, "mm-owner"].startswith("[1:4, 2:4] bit=1")
    assert t.loc[2, "truth"] == "1:4"


def test_bad_operations():
    with pytest.raises(RmapError, match=r"op 1: mm 1 already maps some of pages 1..1 of folio 0"):
        replay_schemes_python([("map", 0, 1, 0, 2), ("map", 0, 1, 1, 1)], 2)
    with pytest.raises(RmapError, match=r"op 0: pages 3..4 are out of range: allowed 0..3"):
        replay_schemes_python([("map", 0, 1, 3, 2)], 2)
    with pytest.raises(ConfigError, match="scheme='nope' is unknown"):
        compare("fork", ["nope"])
    with pytest.raises(ConfigError, match="workload='nope' is unknown"):
        compare("nope")


def test_id_allocator_lowest_free():
    a = IdAllocator()
    assert [a.alloc() for _ in range(3)] == [1, 2, 3]
    a.free(2)
    assert a.alloc() == 2


def test_cli_compare(capsys):
    assert main(["compare", "--workload", "counterexample", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    keys = [
        "scheme",
        "workload",
        "checks",
        "false_exclusive",
        "false_shared",
        "bytes_per_folio",
        "atomics_per_update",
    ]
    # the original fields first and unchanged; the cost fields are added after them
    assert all(list(r)[: len(keys)] == keys for r in rows)
    assert {r["scheme"]: r["false_exclusive"] for r in rows}["rmap-id"] == 1
    assert main(["compare", "--list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert "zygote" in listing["workloads"] and "mm-owner" in listing["schemes"]
    assert main(["compare", "--workload", "zygote", "--order", "4"]) == 0
    assert max(map(len, capsys.readouterr().out.splitlines())) <= 72


@settings(max_examples=40)
@given(
    st.sampled_from([w for w in workload_names() if w != "counterexample"]),
    st.sampled_from([0, 2, 4, 6, 9]),
    st.integers(1, 10),
    st.integers(0, 999),
    st.integers(1, 3),
)
def test_numba_replay_matches_python_schemes(workload, order, procs, seed, folios):
    ops = make_workload(workload, order, procs, seed, folios)
    assert replay_schemes(ops, order) == replay_schemes_python(ops, order)


def test_numba_replay_counterexample_and_errors():
    ops = counterexample_workload(9)
    assert replay_schemes(ops, 9) == replay_schemes_python(ops, 9)
    with pytest.raises(RmapError, match=r"op 1: the mm already maps some of those pages"):
        replay_schemes([("map", 0, 1, 0, 2), ("map", 0, 1, 1, 1)], 2)
    with pytest.raises(RmapError, match=r"op 0: pages are out of range"):
        replay_schemes([("map", 0, 1, 3, 2)], 2)
    with pytest.raises(RmapError, match=r"op 0: kind='poke' is unknown"):
        replay_schemes([("poke", 0, 1, 0, 1)], 2)


def test_notebook_04_claims():
    from rmaplab.compare import compare_all

    t = compare_all(order=9, procs=8, folios=4)
    by = t.set_index(["workload", "scheme"])
    assert by.loc[("cow", "legacy"), "false_exclusive"] > 0
    assert (
        by.loc[("cow-reuse", "total-mapcount"), "false_shared"]
        == by.loc[("cow-reuse", "total-mapcount"), "checks"]
    )
    for s in ("owner-counter", "mm-owner", "bit-counters", "rmap-id"):
        assert t.loc[t["scheme"] == s, "false_exclusive"].sum() == 0
    for s in ("bit-counters", "rmap-id"):
        assert t.loc[t["scheme"] == s, "false_shared"].sum() == 0
    assert by.loc[("cow", "bit-counters"), "bytes_per_folio"] == 100


def test_sweep_and_chart():
    from rmaplab.compare import sweep_procs
    from rmaplab.plotting import false_shared_chart

    sw = sweep_procs(workloads=("prefork",), procs=(2, 4), order=4, seeds=range(2))
    assert set(sw["procs"]) == {2, 4} and set(sw["workload"]) == {"prefork"}
    d = false_shared_chart(sw).to_dict()
    rows = d["datasets"][d["data"]["name"]]
    assert all(0 <= r["rate"] <= 1 for r in rows)
    assert {r["scheme"] for r in rows} >= {"mm-owner", "rmap-id"}


# every family the rmap-id scheme can take, for 24-bit ids in 64-bit words and
# the same ids in 16-bit words (so the sums wrap on every workload)
_ENCODINGS = [
    ("moments", 64),
    ("moments", 16),
    ("table", 64),
    ("digits", 16),
    ("raw-id", 64),
    ("hash64", 64),
]


@settings(max_examples=25)
@given(
    st.sampled_from(_ENCODINGS),
    st.sampled_from([w for w in workload_names() if w != "counterexample"]),
    st.sampled_from([2, 6, 9]),
    st.integers(1, 8),
    st.integers(0, 999),
)
def test_numba_replay_matches_python_schemes_under_any_encoding(
    fam_w, workload, order, procs, seed
):
    from rmaplab.encodings import default_encoding

    fam, w = fam_w
    # PDEP tables need narrow slices: 3 of 8 bits at every order
    opts = {"values": 3} if fam == "table" else {}
    enc = default_encoding(fam, 24, w, order, order, **opts)
    ops = make_workload(workload, order, procs, seed, 2)
    fast = replay_schemes(ops, order, encoding=enc)
    assert fast == replay_schemes_python(ops, order, encoding=enc)
    # the other schemes never see the encoding
    plain = replay_schemes(ops, order)
    assert {n: s for n, s in fast.items() if n != "rmap-id"} == {
        n: s for n, s in plain.items() if n != "rmap-id"
    }


def test_the_posted_counterexample_does_not_fool_moments():
    from rmaplab.config import DEFAULT_CONFIG
    from rmaplab.encodings import default_encoding, from_config

    posted = compare("counterexample", ["rmap-id"], order=9)
    same = compare("counterexample", ["rmap-id"], order=9, encoding=from_config(DEFAULT_CONFIG, 9))
    mom = compare(
        "counterexample", ["rmap-id"], order=9, encoding=default_encoding("moments", 24, 64, 9)
    )
    assert posted.equals(same) and posted["false_exclusive"].item() == 1
    assert mom["false_exclusive"].item() == 0 and mom["checks"].item() == 1
    # 2 words of 8 bytes + mapcount + seqcount; 1 + 2 + K atomics
    assert (mom["bytes_per_folio"].item(), mom["atomics_per_update"].item()) == (24, 5)
    slow = compare(
        "counterexample",
        ["rmap-id"],
        order=9,
        fast=False,
        encoding=default_encoding("moments", 24, 64, 9),
    )
    assert slow.equals(mom)


def test_the_workloads_ids_must_be_the_encodings(capsys):
    from rmaplab.encodings import moments

    ops = [("map", 0, 1 << 16, 0, 1)]  # one past the 16-bit ids
    with pytest.raises(ConfigError, match=r"mm id 65536 is out of range: allowed \[1, 65535\]"):
        replay_schemes(ops, 2, ["rmap-id"], moments(16, 32))
    with pytest.raises(ConfigError, match=r"mm_id=65536 is out of range: allowed \[1, 65535\]"):
        replay_schemes_python(ops, 2, ["rmap-id"], moments(16, 32))
    assert main(["compare", "--workload", "random", "--encoding", "nope"]) == 2
    assert "encoding='nope' is unknown" in capsys.readouterr().err
