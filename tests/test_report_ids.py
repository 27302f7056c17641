"""Allocators (rmaplab.allocators) and the report's collision section under real ids.

Expectations are worked by hand or computed independently (a plain scan for
the lowest free id, Python-int sums, collide's own exact enumeration)."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmaplab.allocators import (
    LowestFree,
    adversary,
    adversary_plan,
    collide_ids,
    family_ids,
    fooled,
    fooled_trials,
    lowest_free_reference,
    replay_plan,
)
from rmaplab.collide import exact_probability, resolve_encoding
from rmaplab.config import DEFAULT_CONFIG, ConfigError
from rmaplab.encodings import digits, moments


def test_lowest_free_hands_out_1_2_3_then_reuses_the_lowest_hole():
    a = LowestFree(1, 10)
    assert [a.alloc() for _ in range(5)] == [1, 2, 3, 4, 5]
    a.free(4)
    a.free(2)
    assert a.alloc() == 2  # lowest first, not last freed
    assert a.alloc() == 4
    assert a.alloc() == 6


def test_lowest_free_runs_out_with_a_one_line_error():
    a = LowestFree(1, 2)
    a.alloc(), a.alloc()
    with pytest.raises(ConfigError, match="exhausted"):
        a.alloc()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=200), st.randoms(use_true_random=False))
def test_lowest_free_matches_the_plain_scan(ops, rnd):
    a = LowestFree(1, 1 << 20)
    live: set[int] = set()
    for op in ops:
        if op or not live:
            want = lowest_free_reference(live, 1)
            assert a.alloc() == want
            live.add(want)
        else:
            i = rnd.choice(sorted(live))
            a.free(i)
            live.remove(i)


def test_families_are_seeded_distinct_and_small():
    for alloc in ("lowest-free", "consecutive", "random"):
        x = family_ids(alloc, 4, 300, seed=7)
        assert np.array_equal(x, family_ids(alloc, 4, 300, seed=7))
        assert all(len(set(r)) == 4 for r in x.tolist())
        assert x.min() >= 1 and x.max() < 1 << 24
    lf = family_ids("lowest-free", 4, 300, seed=7, live=50)
    assert lf.max() < 200  # dense: a few churn events above the live count at most
    c = family_ids("consecutive", 3, 50, seed=1, live=9)
    assert all(r == [r[0], r[0] + 1, r[0] + 2] and 1 <= r[0] <= 9 for r in c.tolist())


def _exact_fooled_fraction(enc, ids, n):
    """Every composition of n into len(ids) positive counts and every victim:
    Python ints, independent of fooled_trials' numpy arithmetic."""
    m = len(ids)
    hits = total = 0
    for counts in product(range(1, n + 1), repeat=m):
        if sum(counts) != n:
            continue
        for v in range(m):
            total += 1
            hits += fooled(enc, ids, counts, v)
    return Fraction(hits, total)


def test_fooled_by_hand_on_tiny_moments_and_digits():
    # moments in 4-bit words, 3-bit ids: victim 2 with ids 1 and 3, one mapping each
    enc = moments(3, 4)
    assert not fooled(enc, [2, 1, 3], [1, 1, 1], 0)  # S1 6 = 3*2, S2 14 != 12
    # digits with one 2-bit slice, base 3, 8-bit words: id 3 -> 1 + 3 = 4, 1 -> 1, 2 -> 3;
    # victim 3 (count 1) with ids 1 and 2 once each: 4 + 1 + 3 = 8 = 2 * 4 at n = 3? 3*4 = 12: no
    d = digits(2, 8, values=1, base=3)
    assert d.addends(3) == [4] and d.addends(1) == [1] and d.addends(2) == [3]
    assert not fooled(d, [3, 1, 2], [1, 1, 1], 0)
    # in 3-bit words 8 == 12 - 4: 12 mod 8 = 4, sum 8 mod 8 = 0: still no; 2-bit words: 0 == 0
    assert fooled(digits(2, 2, values=1, base=3), [3, 1, 2], [1, 1, 1], 0)


def test_consecutive_ids_agree_with_collide_exact_enumeration():
    """collide's lowest-free population is ids 1..m: its exact fraction
    must match an enumeration of fooled() over the same ids."""
    enc = resolve_encoding("posted", 9, DEFAULT_CONFIG, word_bits=8, id_bits=6)
    for m, n in ((2, 5), (3, 6)):
        want = exact_probability(enc, 9, "lowest-free", m, n)
        assert want == _exact_fooled_fraction(enc, list(range(1, m + 1)), n)


def test_fooled_trials_matches_plain_python_on_a_collision_prone_code():
    """One mapping per mm (the only split of n = m): the fooled fraction is
    the mean over families of the fraction of victims fooled, computed
    here on Python ints; the sample must sit within 5 sigma of it."""
    enc = resolve_encoding("posted", 4, DEFAULT_CONFIG, word_bits=3, id_bits=6)
    ids = family_ids("lowest-free", 3, 3000, seed=3, live=30)
    h, t = fooled_trials(enc, 4, ids, seed=5, mappings=3)
    per = [sum(fooled(enc, list(r), [1, 1, 1], v) for v in range(3)) / 3 for r in ids.tolist()]
    p = sum(per) / len(per)
    assert t == 3000 and 0 < p < 1
    assert abs(h / t - p) <= 5 * (p * (1 - p) / t) ** 0.5


def test_adversary_plan_replays_through_the_allocator():
    taken = [1, 2, 3, 7, 8, 200]
    want, plan = adversary_plan([85, 43, 77, 105, 170], taken, block_bits=8)
    assert want == [85, 43, 77, 105, 170]  # block 0 is free there
    assert replay_plan(plan, taken) == sorted(want)
    want, plan = adversary_plan([85, 43], [43], block_bits=8)
    assert want == [85 + 256, 43 + 256]
    assert sum(op == "fork" for op, _ in plan) == 85 + 256 - 1
    assert replay_plan(plan, [43]) == [43 + 256, 85 + 256]


def test_the_adversary_fools_posted_with_the_counterexample_and_never_moments():
    enc = resolve_encoding("posted", 9, DEFAULT_CONFIG)
    a = adversary(enc, 9, range(1, 100))
    assert a["fooled"] and a["mappings"] == 71
    # independent: the sums of the ids it holds, on Python ints
    mod = 1 << 64
    for k in range(3):
        s = sum(c * enc.addends(i)[k] for i, c in zip(a["ids"], a["counts"], strict=True))
        assert s % mod == 71 * enc.addends(a["ids"][0])[k] % mod
    assert adversary(resolve_encoding("moments", 9, DEFAULT_CONFIG), 9) is None
    r = collide_ids(resolve_encoding("moments", 9, DEFAULT_CONFIG), 9, "lowest-free")
    assert r["method"] == "proof" and r["probability"] == 0.0


def test_collide_ids_refuses_bad_inputs():
    enc = resolve_encoding("posted", 2, DEFAULT_CONFIG)
    with pytest.raises(ConfigError, match="mms=5"):
        collide_ids(enc, 2, "random", mms=5)
    with pytest.raises(ConfigError, match="ids='fifo'"):
        collide_ids(enc, 2, "fifo")


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "rmaplab", "collide", *args], capture_output=True, text=True
    )


@pytest.mark.slow
def test_cli_ids_json_keeps_collides_fields_and_refuses_bad_names():
    r = _cli("--encoding", "digits-k2", "--ids", "adversary", "--json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    for k in ("probability", "ci_low", "ci_high", "method", "trials"):
        assert k in j
    assert j["method"] == "adversary" and j["probability"] == 1.0 and j["ids"] == "adversary"
    bad = _cli("--encoding", "posted", "--ids", "fifo")
    assert bad.returncode == 2 and "--ids" in bad.stderr and len(bad.stderr.splitlines()) == 1


@pytest.mark.slow
def test_report_section_says_proof_in_one_line_and_names_digits_k2():
    from rmaplab.report_ids import ids_facts, ids_post, ids_text

    f = ids_facts(DEFAULT_CONFIG, 9, quick=True, seed=0)
    assert "moments" in f["proof"] and "moments" not in f["rows"]
    text = ids_text(f)
    post = "\n".join(x for x in ids_post(f) if isinstance(x, str))
    assert "two-values" not in text + post and "digits-k2" in post
    assert all(len(line) <= 72 for line in text.splitlines())
    for per in f["rows"].values():
        for h, t, lo, hi in per.values():
            assert t == 2000 and lo <= h / t <= hi <= 1
