"""6.15's MM-owner tracking (``mm-owner``) against traces written out by hand.

Every expected value below was derived on paper from the merged functions'
logic (include/linux/rmap.h: folio_add_return_large_mapcount,
folio_sub_return_large_mapcount; include/linux/mm.h:
folio_maybe_mapped_shared), not computed by rmaplab. Notation per step:
slots ``[id:count, -]`` (``-`` = free, MM_ID_DUMMY), the "maybe mapped
shared" bit, the total mapcount, and folio_maybe_mapped_shared's answer.
mm ids: A = 1, B = 2, C = 3. Folio order 2 (4 pages).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmaplab.compare import (
    replay_costs,
    replay_costs_python,
    replay_schemes,
    replay_schemes_python,
)
from rmaplab.schemes import make_scheme

A, B, C = 1, 2, 3


def _m(*pages):
    return sum(1 << p for p in pages)


# (operation, mm, pages, expected state after it, expected answer for the asker)
HISTORY_1 = [
    # A faults in the folio: slot 0 free -> A takes it; nobody else mapped it
    # before (total was 0), so the bit stays clear.
    ("map", A, (0, 1, 2, 3), "[1:4, -] bit=0 total=4", (A, False)),
    # fork: B maps all 4; A owns slot 0, slot 1 free -> B takes slot 1 and
    # the bit is set unconditionally (slot 0 is occupied).
    ("map", B, (0, 1, 2, 3), "[1:4, 2:4] bit=1 total=8", (A, True)),
    # B forks C: no slot free, only the total changes.
    ("map", C, (0, 1, 2, 3), "[1:4, 2:4] bit=1 total=12", (C, True)),
    # C copies page 3 (unmaps it): C has no slot -> the clear check runs:
    # 4 == 11? no, 4 == 11? no -> bit stays.
    ("unmap", C, (3,), "[1:4, 2:4] bit=1 total=11", (C, True)),
    # A copies page 0: A's slot 4 -> 3, still > 0 -> done, no check.
    ("unmap", A, (0,), "[1:3, 2:4] bit=1 total=10", (A, True)),
    # B exits: slot 1 4 -> 0, freed; check: 3 == 6? 0 == 6? no -> bit stays.
    ("unmap", B, (0, 1, 2, 3), "[1:3, -] bit=1 total=6", (A, True)),
    # A exits: slot 0 3 -> 0, freed; check: 0 == 3? no -> bit stays set
    # although only C maps the folio: the documented false "shared".
    ("unmap", A, (1, 2, 3), "[-, -] bit=1 total=3", (C, True)),
    # C maps page 3 again: slot 0 is free -> C takes it with count 1; the
    # total before was 3 > 0, so the bit is set (it already is).
    ("map", C, (3,), "[3:1, -] bit=1 total=4", (C, True)),
    # C unmaps pages 0 and 1: its slot 1 - 2 = -1, below zero (the merged
    # comment's corner case: mappings made while no slot was free) -> freed;
    # check: 0 == 2? no -> bit stays.
    ("unmap", C, (0, 1), "[-, -] bit=1 total=2", (C, True)),
    # C unmaps page 2: no slot; check 0 == 1? no -> bit stays, but the total
    # is now 1, and folio_maybe_mapped_shared answers "exclusive" for a
    # total <= 1 whatever the bit says.
    ("unmap", C, (2,), "[-, -] bit=1 total=1", (C, False)),
    # C unmaps page 3: total 0; check 0 == 0 -> bit cleared.
    ("unmap", C, (3,), "[-, -] bit=0 total=0", (C, False)),
]

HISTORY_2 = [
    ("map", A, (0, 1, 2, 3), "[1:4, -] bit=0 total=4", (A, False)),
    ("map", B, (0, 1, 2, 3), "[1:4, 2:4] bit=1 total=8", (B, True)),
    ("map", C, (0, 1, 2, 3), "[1:4, 2:4] bit=1 total=12", (A, True)),
    # B exits: slot 1 freed; check: 4 == 8? 0 == 8? no -> bit stays.
    ("unmap", B, (0, 1, 2, 3), "[1:4, -] bit=1 total=8", (A, True)),
    # C (no slot) exits: the check runs: slot 0's 4 == total 4 -> cleared.
    ("unmap", C, (0, 1, 2, 3), "[1:4, -] bit=0 total=4", (A, False)),
    # C' (id 3 again, lowest free) forks from A: slot 1 free -> taken, bit set.
    ("map", C, (0, 1, 2, 3), "[1:4, 3:4] bit=1 total=8", (C, True)),
    # A exits: slot 0 freed; check: 0 == 4? 4 == 4 -> cleared: C' alone.
    ("unmap", A, (0, 1, 2, 3), "[-, 3:4] bit=0 total=4", (C, False)),
]


@pytest.mark.parametrize("history", [HISTORY_1, HISTORY_2], ids=["owners-leave", "bit-clears"])
def test_mm_owner_follows_the_hand_trace(history):
    s = make_scheme("mm-owner", 2)
    for i, (kind, mm, pages, state, (asker, shared)) in enumerate(history):
        getattr(s, kind)(mm, _m(*pages), len(pages))
        assert s.state() == state, f"step {i}: {kind} {mm} {pages}"
        assert s.shared(asker) is shared, f"step {i}: answer for mm {asker}"


# The same 3-mm history as a workload with write faults ("cow"), replayed by
# the ground truth (a truly shared page is copied) and by each scheme's own
# answers (the cost replay). Expected values by hand, step by step:
OPS = [
    ("map", 0, A, 0, 4),  # [A:4, -] bit 0, total 4
    ("fork", -1, A, B, 0),  # [A:4, B:4] bit 1, total 8
    ("fork", -1, B, C, 0),  # no free slot: total 12
    ("cow", 0, C, 3, 0),  # truly shared, 6.15 "shared": right; C copies page 3 -> 11
    ("cow", 0, A, 0, 0),  # truly shared, "shared": right; A copies page 0 -> 10
    ("exit", -1, B, 0, 0),  # slot 1 freed, 3 != 6: bit stays
    ("exit", -1, A, 0, 0),  # slot 0 freed, 0 != 3: bit stays; C maps pages 0..2
    ("cow", 0, C, 0, 0),  # C alone, total 3, bit 1: FALSE SHARED (1)
    ("map", 0, C, 3, 1),  # C takes slot 0 with 1 (total 3 before > 0: bit set)
    ("cow", 0, C, 1, 0),  # C alone, total 4 (truth) / 3 (6.15's own run): FALSE SHARED (2)
    ("unmap", 0, C, 0, 2),  # truth run: slot 1 - 2 = -1 -> freed (the corner case)
    ("cow", 0, C, 2, 0),  # C alone, total 2, bit 1: FALSE SHARED (3)
    ("unmap", 0, C, 2, 1),
    ("cow", 0, C, 3, 0),  # total 1: "exclusive" whatever the bit: right
]


@pytest.mark.parametrize("replay", [replay_schemes, replay_schemes_python])
def test_hand_history_answers(replay):
    st = replay(OPS, 2, ["mm-owner", "rmap-moments"])
    # 6 write faults; 6.15 answers "shared" wrongly at the 3 marked steps
    assert st["mm-owner"] == {"checks": 6, "false_exclusive": 0, "false_shared": 3}
    assert st["rmap-moments"] == {"checks": 6, "false_exclusive": 0, "false_shared": 0}


@pytest.mark.parametrize("replay", [replay_costs, replay_costs_python])
def test_hand_history_costs(replay):
    c = replay(OPS, 2, ["mm-owner", "rmap-moments"])
    # 6.15 driving its own faults: the two truly shared writes copy (needed);
    # after the exits C is alone but its copies at pages 0, 1 and 2 are made
    # because the bit stays set (3 needless; the folio was no longer whole,
    # page 3 had gone first, so nothing is "broken"); the last write finds
    # total 1 and reuses. ("unmap 0..1" then finds pages 0, 1 already copied.)
    assert c["mm-owner"] == {
        "writes": 6,
        "faults": 6,
        "reuses": 1,
        "copies": 5,
        "needless_copies": 3,
        "pmd_splits": 0,
        "broken_folios": 0,
        "corruptions": 0,
    }
    # exact: the 2 shared writes copy, C's 4 writes alone reuse
    assert c["rmap-moments"] == {
        "writes": 6,
        "faults": 6,
        "reuses": 4,
        "copies": 2,
        "needless_copies": 0,
        "pmd_splits": 0,
        "broken_folios": 0,
        "corruptions": 0,
    }


def _double_fork_ops(order, pte=False):
    """Launcher L=1 maps one folio, forks C=2, C forks G=3, C exits, L exits,
    G writes every page once (ascending)."""
    P = 1 << order
    ops = [("map", 0, 1, 0, P // 2), ("map", 0, 1, P // 2, P // 2)] if pte else []
    ops = ops or [("map", 0, 1, 0, P)]
    ops += [("fork", -1, 1, 2, 0), ("fork", -1, 2, 3, 0), ("exit", -1, 2, 0, 0)]
    ops += [("exit", -1, 1, 0, 0)] + [("cow", 0, 3, p, 0) for p in range(P)]
    return ops


@pytest.mark.parametrize("replay", [replay_costs, replay_costs_python])
def test_double_fork_costs_by_hand(replay):
    # order 4 (64 KiB mTHP, PTE-mapped): L slot 0, C slot 1, G none; C and L
    # exit, freeing both slots with 16 != 32 and 0 != 16: the bit stays set.
    # G's writes 1..15 find total 16..2 > 1 and copy: 15 needless copies, the
    # first breaks the folio; write 16 finds total 1 and reuses.
    c = replay(_double_fork_ops(4), 4, ["mm-owner", "rmap-moments"])
    assert c["mm-owner"]["needless_copies"] == 15
    assert c["mm-owner"]["copies"] == 15
    assert c["mm-owner"]["broken_folios"] == 1
    assert c["mm-owner"]["reuses"] == 1
    assert c["rmap-moments"]["needless_copies"] == 0
    assert c["rmap-moments"]["reuses"] == 16  # each PTE faults once and is reused
    # order 9, PMD-mapped (inherited by both forks): do_huge_pmd_wp_page sees
    # refcount 1 and reuses the whole PMD without asking: 1 fault, no copy.
    c = replay(_double_fork_ops(9), 9, ["mm-owner"])
    assert c["mm-owner"]["faults"] == 1 and c["mm-owner"]["reuses"] == 1
    assert c["mm-owner"]["needless_copies"] == 0
    # order 9 PTE-mapped (e.g. after a partial mprotect): 511 needless copies.
    c = replay(_double_fork_ops(9, pte=True), 9, ["mm-owner"])
    assert c["mm-owner"]["needless_copies"] == 511
    assert c["mm-owner"]["broken_folios"] == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 4), st.booleans(), st.integers(1, 15)), max_size=40))
def test_exact_while_at_most_two_mms_map_at_once(steps):
    """The merged series' claim, on the model: with at most two mms mapping
    the folio at any one time, folio_maybe_mapped_shared is exact (order 2)."""
    s = make_scheme("mm-owner", 2)
    held: dict[int, int] = {}
    for mm, is_map, mask in steps:
        if is_map:
            new = mask & ~held.get(mm, 0)
            if not new or len(set(held) - {mm}) >= 2:
                continue  # a third concurrent mm is outside the claim
            s.map(mm, new, bin(new).count("1"))
            held[mm] = held.get(mm, 0) | new
        else:
            gone = mask & held.get(mm, 0)
            if not gone:
                continue
            s.unmap(mm, gone, bin(gone).count("1"))
            held[mm] &= ~gone
            if not held[mm]:
                del held[mm]
        for m in held:
            assert s.shared(m) == (len(held) > 1), (steps, s.state())
