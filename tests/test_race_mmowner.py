"""6.15's MM-owner tracking as a race protocol (rmaplab.race.mmowner).

Hand traces from the merged logic (include/linux/rmap.h, 6.15; restated in
../shared/reference/rmap-id.md section 3 item 4): a map by an mm with a slot
adds to it; else the first free slot is taken, and the "maybe shared" bit is
set if the new total is not the mm's own count (always for slot 1); with no
free slot only the total changes. An unmap subtracts from the mm's slot and
frees it at zero or below; then (or if the mm had no slot) the bit is cleared
when a slot's count equals the new total. The reader: total <= 1 ->
exclusive, else the bit.
"""

import json

import pytest

from rmaplab import race
from rmaplab.cli import main
from rmaplab.race.mmowner import LOCK, SHARED_BIT, add_slots, sub_slots

FREE = (0, 0, 0, 0)


def test_slot_logic_against_a_hand_trace():
    # mm1 maps 1: slot 0, total 1 = its own count: bit stays clear
    s, b = add_slots(FREE, False, 1, 1, 1)
    assert (s, b) == ((1, 1, 0, 0), False)
    # mm2 maps 1: slot 1 (slot 0 certainly maps too): bit set
    s, b = add_slots(s, b, 2, 1, 2)
    assert (s, b) == ((1, 1, 2, 1), True)
    # mm3 maps 2: no free slot, only the total (4) changes
    s, b = add_slots(s, b, 3, 2, 4)
    assert (s, b) == ((1, 1, 2, 1), True)
    # mm1 unmaps 1: slot 0 freed; no slot equals total 3 (0, 1): bit stays
    s, b = sub_slots(s, b, 1, 1, 3)
    assert (s, b) == ((0, 0, 2, 1), True)
    # mm3 maps 1 more: takes slot 0 with count 1 (it has 3); total 4 != 1: bit set
    s, b = add_slots(s, b, 3, 1, 4)
    assert (s, b) == ((3, 1, 2, 1), True)
    # mm2 unmaps 1: slot 1 freed; slot counts 1, 0 vs total 3: bit stays
    s, b = sub_slots(s, b, 2, 1, 3)
    assert (s, b) == ((3, 1, 0, 0), True)
    # mm3 unmaps 2: its slot goes to -1 (the below-zero corner case), freed; slot
    # counts 0, 0 vs total 1: stays set, although only mm3 maps
    s, b = sub_slots(s, b, 3, 2, 1)
    assert (s, b) == (FREE, True)
    # mm3 unmaps its last page: total 0 equals a free slot's 0: cleared
    assert sub_slots(s, b, 3, 1, 0) == (FREE, False)
    # an mm whose slot keeps a count > 0 leaves the bit alone
    assert sub_slots((1, 2, 2, 1), True, 1, 1, 2) == ((1, 1, 2, 1), True)


def test_replay_both_slot_owners_leave_gives_a_false_shared():
    m = race.Model("3mm-own-go", "mm-owner")
    word, n, slots, _ws, _rd = m.initial()
    assert (word, n, slots) == (SHARED_BIT, 4, (1, 1, 2, 1))
    df = race.replay("3mm-own-go", "mm-owner", ["W0"] * 4 + ["W1"] * 4 + ["R", "R"])
    assert list(df["mapcount"]) == [4, 4, 3, 3, 3, 3, 2, 2, 2, 2, 2]
    last = df.iloc[-1]
    assert (last["value0"], last["value2"]) == (0, 0)  # both slots free
    assert last["verdict"] == "false_shared" and not last["other_mm_possibly_maps"]
    assert "test shared bit -> 1: return shared" in last["action"]


def test_the_bit_lock_serialises_writers():
    m = race.Model("3mm-own-go", "mm-owner")
    s = m.run(["W0"])
    assert s[0] & LOCK
    assert m.step(s, 1) is None  # W1 spins on the lock
    s = m.run(["W0"] * 4 + ["W1"])
    assert s[0] & LOCK and not s[0] & ~(LOCK | SHARED_BIT)


def test_every_scenario_explores_completely_with_no_false_exclusive():
    df = race.explore_all(protocols=["mm-owner"])
    assert len(df) == len(race.SCENARIOS) and df["complete"].all()
    assert (df["false_exclusive"] == 0).all() and (df["stuck_states"] == 0).all()
    by = df.set_index("scenario")
    assert by.loc["3mm-own-go", "false_shared"] == 1
    assert by.loc["3mm-own-swap", "false_shared"] > 0
    assert by.loc["tiny", "false_shared"] == 0


def test_answers_while_the_reader_maps_nothing_are_counted_apart():
    # 3mm-3w: W2 unmaps mm3's only page; then the total can be 1 (mm1's page):
    # "exclusive" for mm3, which the kernel never asks about a folio it does not map
    r = race.explore("3mm-3w", "mm-owner")
    assert r.false_exclusive == 0 and r.outside_contract > 0
    assert race.explore("3mm-3w", "seqcount").outside_contract == 0


@pytest.mark.parametrize("scenario", ["3mm-own-go", "3mm-churn"])
def test_explorer_matches_naive_enumeration(scenario):
    states, wrong, _shortest, _n = race.naive_enumerate(scenario, "mm-owner")
    r = race.explore(scenario, "mm-owner")
    assert r.states == len(states) and r.false_shared == len(wrong["false_shared"])


def test_cli_mm_owner_json(capsys):
    argv = ["race", "--scenario", "3mm-own-go", "--protocol", "mm-owner", "--json"]
    assert main(argv) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["complete"] and d["false_exclusive"] == 0 and d["false_shared"] == 1
    assert d["example_kind"] == "false_shared" and d["stuck_states"] == 0
    assert d["outside_contract"] == 0


def test_walker_text_shows_slots_and_bit():
    from rmaplab.race_widgets import walk_text

    text, n = walk_text("3mm-own-go", "mm-owner", 99)
    assert n == 10 and "step 10 of 10" in text
    assert "maybe-shared bit 1" in text and "slot 0: free" in text and "R: false_shared" in text
    text, _ = walk_text("3mm-own-go", "mm-owner", 0)
    assert "slot 0: mm1 count 1" in text and "slot 1: mm2 count 1" in text
