"""Tests that kill mutants of the arithmetic core which the rest of the suite let survive
(``tools/mutation.py``, see MUTATION.md). Expected values come from brute force over every
integer vector in a box (``tests/naive.py`` style) or from a hand derivation in a comment,
never from the code under test."""

import itertools

import naive
import pytest

from rmaplab import Group, RmapConfig
from rmaplab.collide import TASK_TRIALS, monte_carlo, resolve_encoding
from rmaplab.lattice import lattice_basis, lll, shortest_linf
from rmaplab.verify import verify


def _box_shortest(weights, word_bits, bound, counts=lambda d: True):
    """Every nonzero D with ||D||_inf <= bound, sum D_j w_j == 0 mod 2^W and counts(D),
    of least ||D||_inf, sign-normalised (first nonzero entry positive); by brute force."""
    mod = 2**word_bits
    best, out = None, set()
    for d in itertools.product(range(-bound, bound + 1), repeat=len(weights)):
        if not any(d) or sum(a * w for a, w in zip(d, weights, strict=True)) % mod:
            continue
        if not counts(d):
            continue
        first = next(a for a in d if a)
        key = d if first > 0 else tuple(-a for a in d)
        n = max(abs(a) for a in d)
        if best is None or n < best:
            best, out = n, {key}
        elif n == best:
            out.add(key)
    return best, sorted(out)


# W = 5, weights 1, 5, 20. Shortest nonzero ||D||_inf is 2, by hand: norm 1 gives
# |D_0 + 5 D_1 + 20 D_2| <= 26 and, of the 13 sign-normalised D, none sums to 0 or +-32;
# norm 2: (2, 2, 1) sums to 2 + 10 + 20 = 32 and (2, -2, 2) to 2 - 10 + 40 = 32.
# In the LLL basis of this lattice one enumeration level has an interval narrower than 1
# holding ceil(c) but not floor(c); (2, -2, 2) sits there. A search that starts each level
# at floor(c) instead of the nearest integer (mutant `x0 += 1` -> `x0 += 0`) skips it.
WEIGHTS, W = [1, 5, 20], 5


def test_shortest_linf_lists_every_shortest_vector():
    want_norm, want = _box_shortest(WEIGHTS, W, 2)
    assert want_norm == 2 == naive.shortest_linf_box(WEIGHTS, W, 2)
    assert want == [(2, -2, 2), (2, 2, 1)]
    for bound in (2, 3, 8):
        got = shortest_linf(lll(lattice_basis(WEIGHTS, W)), bound)
        assert got.complete and got.norm == want_norm and got.vectors == want


def test_shortest_linf_finds_the_unique_vector_that_counts():
    # a cost that counts only vectors with an even last entry (as the verifier's cost
    # drops vectors it cannot realise): (2, -2, 2) is then the unique shortest one
    def even_last(d):
        return d[-1] % 2 == 0

    want_norm, want = _box_shortest(WEIGHTS, W, 3, even_last)
    assert (want_norm, want) == (2, [(2, -2, 2)])

    def cost(v):
        return max(abs(a) for a in v) if even_last(v) else None

    got = shortest_linf(lll(lattice_basis(WEIGHTS, W)), want_norm, cost=cost)
    assert got.complete and got.norm == 2 and got.vectors == want


@pytest.mark.parametrize("keep", [1, 2, 3])
def test_shortest_linf_keeps_at_most_keep_vectors(keep):
    """Two shortest vectors (brute force above: (2, -2, 2) and (2, 2, 1)); ``keep``
    caps the list: 1 gives one of them, 2 and 3 both. (Mutant `len(found) < keep` ->
    `<= keep` keeps keep + 1.)"""
    want_norm, want = _box_shortest(WEIGHTS, W, 3)
    assert (want_norm, len(want)) == (2, 2)
    got = shortest_linf(lll(lattice_basis(WEIGHTS, W)), 3, keep=keep)
    assert got.complete and got.norm == want_norm
    assert len(got.vectors) == min(keep, len(want))
    assert set(got.vectors) <= set(want)


def test_shortest_linf_of_a_one_bit_slice():
    """A 1-bit slice: D has one entry, and D_0 * 1 == 0 mod 2^3 holds first at D_0 = 8
    (by hand). A search bounded by 8 finds it; bounded by 7 it completes with nothing.
    (Mutant `len(rows[0])` -> `len(rows[1])` fails on a 1-row basis.)"""
    rows = lll(lattice_basis([1], 3))
    assert rows == [[8]]
    got = shortest_linf(rows, 8)
    assert (got.complete, got.norm, got.vectors) == (True, 8, [(8,)])
    got = shortest_linf(rows, 7)
    assert (got.complete, got.norm, got.vectors) == (True, None, [])


@pytest.mark.parametrize("bound", [2, 3, 4])
def test_shortest_linf_offers_every_lattice_vector_once_per_sign(bound):
    """With a cost that accepts nothing the bound never shrinks, so the enumeration must
    offer ``cost`` every nonzero lattice vector with ||v||_inf <= bound, v and -v once
    each (both sign-normalised to the same key): each key exactly twice. Expected: every
    such vector of the box, by brute force. (Mutants that start a level's downward walk
    at the nearest integer again, `x0 - 1` -> `x0 + 1` or `direction == 0` -> `!= 0`,
    visit points twice.)"""
    from collections import Counter

    mod = 2**W
    want = set()
    for d in itertools.product(range(-bound, bound + 1), repeat=len(WEIGHTS)):
        if any(d) and not sum(a * w for a, w in zip(d, WEIGHTS, strict=True)) % mod:
            first = next(a for a in d if a)
            want.add(d if first > 0 else tuple(-a for a in d))
    offered: Counter = Counter()

    def cost(v):
        offered[v] += 1
        return None

    got = shortest_linf(lll(lattice_basis(WEIGHTS, W)), bound, cost=cost)
    assert got.complete and got.norm is None
    assert offered == Counter({k: 2 for k in want})


@pytest.mark.parametrize("bound", [2, 3, 8])
def test_exact_twin_lists_sign_normalised_vectors_once(bound):
    """The exact twin (``engine="python"``, which the kernel hands ties and wide lattices
    to) offers v and -v; each is listed once, first nonzero entry positive: the same
    list as the brute force. (Mutant `_shortest_linf: -a -> a`: the twin keeps -v
    unnormalised, so (2, -2, 2) and (-2, 2, -2) or (-2, -2, -1) are both listed.)"""
    from rmaplab.lattice import _shortest_linf

    want_norm, want = _box_shortest(WEIGHTS, W, 2)
    rows = lll(lattice_basis(WEIGHTS, W))
    got = _shortest_linf(rows, bound, None, 2_000_000, 256, None, engine="python")
    assert got.complete and got.norm == want_norm and got.vectors == want


# -- _construct's fallback (one-value groups, mixed signs, every bit used) ------------


def _realized(victim, mappings, d):
    """The difference vector a construction realizes: per bit j, the sum over the unit
    mappings of (bit j of the mapping's id) - (bit j of the victim's id)."""
    return tuple(
        sum(n * (((mid >> j) & 1) - ((victim >> j) & 1)) for mid, n in mappings) for j in range(d)
    )


def test_construct_reaching_the_fallback_by_hand():
    """D = (-6, -6, 1) in a one-value group of 3 bits. For the sign as given the victim
    holds bits 0, 1 (where D < 0) and the nested units (bits with |D_j| >= t) include
    0b011, the victim's own bits: an id 0, so the fallback search runs (D is marked
    inexact). For -D = (6, 6, -1) the victim holds bit 2 (id 4) and the nested units are
    0b111 once (t = 1) and 0b011 five times (t = 6), ids 4 ^ 7 = 3 and 4 ^ 3 = 7: six
    units, ||D||_inf, which no fallback (>= 7 units) can beat."""
    from rmaplab.verify import _construct

    cfg = RmapConfig("one-value", 3, 64, (Group(1, 1, 1, 3, 2),))
    inexact: set = set()
    got = _construct(cfg.encoding(1), 0, (-6, -6, 1), inexact)
    assert got == (4, [[3, 1], [7, 5]])
    assert inexact == {(-6, -6, 1)}
    assert _realized(*got, 3) == (6, 6, -1)


def test_construct_never_needs_more_than_the_norm_for_mixed_signs():
    """Every mixed-sign D without zeros, d <= 4 bits, |D_j| <= 4, in a one-value group:
    a construction with ||D||_inf units realizing +-D exists (checked bit by bit).
    Why: the nested units are a chain of bit sets, so at most one of the victim sets
    {D_j < 0} and {D_j > 0} (disjoint, both nonempty) is among them; the other sign needs
    no fallback. Hence the fallback's range (mutant `c + 2 * d` -> `c + 1 * d`) never
    decides a result: MUTATION.md lists that mutant as equivalent."""
    from rmaplab.verify import _construct

    for d in range(2, 5):
        cfg = RmapConfig("one-value", d, 64, (Group(1, 1, 1, d, 2),))
        amps = [a for a in range(-4, 5) if a]
        for dv in itertools.product(amps, repeat=d):
            if min(dv) > 0 or max(dv) < 0:
                continue
            victim, mappings = _construct(cfg.encoding(1), 0, dv)
            assert sum(n for _, n in mappings) == max(abs(a) for a in dv)
            assert _realized(victim, mappings, d) in (dv, tuple(-a for a in dv))
            assert 0 not in [victim] + [m for m, _ in mappings]


def _fewest_and_smallest(dv, d):
    """By brute force over every victim id and every multiset of unit ids in [1, 2^d):
    the fewest units realizing +-D, and of those constructions the least largest id."""
    targets = {tuple(dv), tuple(-a for a in dv)}
    for units in range(1, max(abs(a) for a in dv) + 1):
        best = None
        for victim in range(1, 1 << d):
            others = [i for i in range(1, 1 << d) if i != victim]
            for ids in itertools.combinations_with_replacement(others, units):
                got = tuple(
                    sum(((i >> j) & 1) - ((victim >> j) & 1) for i in ids) for j in range(d)
                )
                if got in targets and (best is None or max(victim, *ids) < best):
                    best = max(victim, *ids)
        if best is not None:
            return units, best
    return None


@pytest.mark.parametrize("dv", [(-3, -2, 1, 1), (-4, -3, 1, 2)])
def test_mixed_signs_one_value_group_takes_the_smaller_sign(dv):
    """One-value group of 4 bits, mixed-sign D without zeros. For the sign as given the
    victim holds bits 0, 1 (where D < 0) and the nested units include 0b0011, the victim's
    own bits (an id 0), so ``_mixed_assign`` builds the units: with D = (-3, -2, 1, 1)
    the positive flips go to rows 0 and 1, bit 0 (|D_0| = 3) to every row, bit 1 to all
    but the uncovered row 2: rows 0b0111, 0b1011 and 0b0001 (bit 0 alone). Victim 3,
    ids 3 ^ row = 4, 8, 2: ||D||_inf = 3 units, largest id 8. The other sign (victim
    0b1100) gets rows 0b1111, 0b0011, 0b0001, ids 3, 15, 13: largest 15.
    Brute force over every victim and multiset of ids says 3 units are the fewest and 8 is
    the least largest id with 3 units. (Mutant `r == 0` -> `r == 1` in `_mixed_assign`
    rejects the row 0b0001, the first sign falls back, and the answer has id 15.)"""
    from rmaplab.verify import _construct

    d = len(dv)
    cfg = RmapConfig("one-value", d, 64, (Group(1, 1, 1, d, 2),))
    victim, mappings = _construct(cfg.encoding(1), 0, dv)
    ids = [victim] + [m for m, _ in mappings]
    assert _realized(victim, mappings, d) in (dv, tuple(-a for a in dv))
    assert (sum(n for _, n in mappings), max(ids)) == _fewest_and_smallest(dv, d)
    assert 0 not in ids and len(set(ids)) == len(ids)


@pytest.mark.parametrize("word_bits,base,order", [(4, 14, 2), (3, 6, 3), (4, 13, 3)])
def test_two_bit_one_value_group_with_a_same_sign_difference(word_bits, base, order):
    """One value of 2 bits: the only short D can have both entries of one sign, which
    needs the victim to be id 3 and each unit to flip one bit. E.g. W = 4, P = 14: the
    sub-IDs of ids 1, 2, 3 are 1, 15, 16 = 0 (mod 16); victim 3 (sub-ID 0) with ids 1 and
    2 once each: value 1 + 15 + 0 = 0 = 3 * 0, a false exclusive with 3 mappings.
    Expected: the breadth-first search of tests/naive.py over every mapping count.
    (Mutant `d < 2` -> `d <= 2` in `_construct` skips that D: "safe", or a larger n.)"""
    cfg = RmapConfig("two-bit", 2, word_bits, (Group(order, order, 1, 2, base),))
    v = verify(cfg, order)
    rows = [[naive.subid(base, i, word_bits)] for i in range(1, 4)]
    want = naive.bfs_min_mappings(rows, word_bits, 2**order - 1)
    assert want is not None
    assert (v.verdict, v.min_mappings) == ("unsafe", want)
    counts = dict(map(tuple, v.counterexample["mappings"]))
    assert sum(counts.values()) == want
    x = v.counterexample["victim"]
    assert naive.mapped_shared(1, 2, base, word_bits, order, counts, x) is False


@pytest.mark.parametrize(
    "id_bits,word_bits,values,order",
    [
        # K = 1: D has a zero entry and the sign whose victim bits are empty wins with
        # a free bit (mutant `_construct:25` `x |= 1 << free[0]` -> `&=`: "safe")
        (4, 8, 1, 2),
        (6, 8, 1, 1),
        # K = 2: the filler of slice 0 belongs in slice 1 (mutant `_construct:39`
        # `1 if k == 0` -> `2 if k == 0`: an id past max_id, the candidate dropped: "safe")
        (3, 4, 2, 2),
        (3, 6, 2, 3),
    ],
)
def test_counterexample_needs_a_free_bit_or_a_filler(id_bits, word_bits, values, order):
    """Expected: the breadth-first search of tests/naive.py over every mapping count of
    every id (P_g = 2^order); the verifier must find the same fewest mappings, and its
    counterexample must fool the naive check. (Both mutants, found by the fourth
    mutation run, turn these configurations "safe".)"""
    from rmaplab.config import single_group_config

    bits = -(-id_bits // values)
    cfg = single_group_config(id_bits, word_bits, values, bits, order, min_order=order, name="p")
    base = 1 << order
    rows = [naive.subids(values, bits, base, word_bits, i) for i in range(1, 1 << id_bits)]
    want = naive.bfs_min_mappings(rows, word_bits, 2**order - 1)
    assert want is not None
    v = verify(cfg, order)
    assert (v.verdict, v.min_mappings) == ("unsafe", want)
    counts = dict(map(tuple, v.counterexample["mappings"]))
    x = v.counterexample["victim"]
    assert naive.mapped_shared(values, bits, base, word_bits, order, counts, x) is False


# -- small survivors of the sampled run (tools/mutation.py --sample, MUTATION.md) -------


def test_subid_digits_keeps_every_digit_without_ndigits():
    # base P + 1 = 513: 2 * 513 + 5 = 1031 has the digits 5, 2 (least significant first)
    from rmaplab.subid import subid_digits

    assert subid_digits(2 * 513 + 5, 512) == [5, 2]
    assert subid_digits(513**2, 512) == [0, 0, 1]
    assert subid_digits(0, 512) == [0]


def test_cheapest_safe_refuses_an_order_at_the_word_size():
    # a folio of 2**order pages must have order < word_bits (allowed [min_order, W - 1])
    from rmaplab import ConfigError
    from rmaplab.cost import cheapest_safe

    with pytest.raises(ConfigError, match=r"max_order=4 is out of range.*\[0, 3\]"):
        cheapest_safe(4, 4, 4)


class _Accumulator:
    """An executor that runs the tasks here and keeps every batch it was given."""

    def __init__(self):
        self.batches = []

    def map(self, fn, jobs):
        out = [tuple(fn(j)) for j in jobs]
        self.batches.append(out)
        return iter(out)


@pytest.mark.parametrize("cpus", [None, 8])
def test_monte_carlo_runs_its_tasks_whatever_os_cpu_count_says(monkeypatch, cpus):
    # os.cpu_count() may return None (unknown) and may exceed 4; either way the one task of
    # TASK_TRIALS trials runs, in one batch
    enc = resolve_encoding("raw-id", 4, word_bits=2, id_bits=4)
    monkeypatch.setattr("os.cpu_count", lambda: cpus)
    rec = _Accumulator()
    hits, trials = monte_carlo(enc, 4, "uniform", 2, 2, TASK_TRIALS, seed=7, executor=rec)
    assert hits == rec.batches[0][0][0]
    assert trials == TASK_TRIALS and len(rec.batches) == 1
    assert [t for _, t in rec.batches[0]] == [TASK_TRIALS]


def test_monte_carlo_budget_below_one_second_is_allowed():
    # the allowed range is budget_seconds > 0 (a fraction of a second included)
    from rmaplab import ConfigError

    enc = resolve_encoding("raw-id", 4, word_bits=2, id_bits=4)
    assert monte_carlo(enc, 4, "uniform", 2, 2, 1000, seed=1, budget_seconds=0.5)[1] == 1000
    with pytest.raises(ConfigError, match=r"budget_seconds=0 is out of range: allowed > 0"):
        monte_carlo(enc, 4, "uniform", 2, 2, 1000, seed=1, budget_seconds=0)


def test_monte_carlo_progress_bar_counts_each_task_once(monkeypatch):
    # TASK_TRIALS + 1 trials are 2 tasks: the bar's total is 2 and it advances by 2
    made = []

    class Bar:
        def __init__(self, total, **_):
            self.total, self.n = total, 0
            made.append(self)

        def update(self, k):
            self.n += k

        def close(self):
            pass

    monkeypatch.setattr("tqdm.auto.tqdm", Bar)
    enc = resolve_encoding("raw-id", 4, word_bits=2, id_bits=4)
    _, trials = monte_carlo(enc, 4, "uniform", 2, 2, TASK_TRIALS + 1, seed=3, progress=True)
    assert trials == TASK_TRIALS + 1
    assert [(b.total, b.n) for b in made] == [(2, 2)]


def test_search_stays_within_the_question_bound():
    """One value of 2 bits, base 14, 4-bit words, order 1 (P = 2): weights 1, 15, so
    D = (1, 1) is in the lattice (1 + 15 = 16), but in a one-value group a same-sign D
    needs the all-ones victim (id 3) and units flipping proper subsets: 2 mappings (ids 2,
    1), n = 3 > P. So the question "n <= P fools the check?" is answered "safe" by a search
    bounded by P - 1 = 1 that finds nothing (a seed row costing 2 must not raise the
    bound: mutant `min([bound, *seeds])` -> `max(...)` reported shortest 2, searched 2)."""
    cfg = RmapConfig("one-2bit", 2, 4, (Group(1, 1, 1, 2, 14),))
    v = verify(cfg, 1)
    assert (v.verdict, v.searched_bound, v.shortest_norm) == ("safe", 1, None)
    # safe by brute force: the victim and one other mapping (n = 2 = P), every pair of ids
    for victim in (1, 2, 3):
        for other in (1, 2, 3):
            if other != victim:
                counts = {victim: 1, other: 1}
                assert naive.mapped_shared(1, 2, 14, 4, 1, counts, victim)
    # and the 3-mapping population above does fool an order-2 folio's check
    assert naive.mapped_shared(1, 2, 14, 4, 2, {3: 1, 2: 1, 1: 1}, 3) is False


def test_monte_carlo_input_ranges_at_their_ends():
    # trials: allowed [1, 2**40]; seed: allowed [0, 2**64 - 1]
    from rmaplab import ConfigError

    enc = resolve_encoding("raw-id", 4, word_bits=2, id_bits=4)
    assert monte_carlo(enc, 4, "uniform", 2, 2, 1, seed=2**64 - 1)[1] == 1
    with pytest.raises(ConfigError, match=r"seed=18446744073709551616 is out of range"):
        monte_carlo(enc, 4, "uniform", 2, 2, 1, seed=2**64)


def test_a_sole_mapper_is_not_a_false_exclusive():
    # one mm maps one page: the check answers exclusive, which is true: correct, and not
    # the dangerous error; a second mm mapping a page makes both answers "shared"
    from rmaplab import Folio

    f = Folio(RmapConfig("g", 24, 64, (Group(0, 9, 3, 8),)), 9).map(5)
    r = f.check(5)
    assert (r.shared, r.truly_shared, r.correct, r.false_exclusive) == (
        False,
        False,
        True,
        False,
    )
    r = f.map(6).check(5)
    assert (r.shared, r.truly_shared, r.correct, r.false_exclusive) == (True, True, True, False)


def test_round_robin_units_flip_each_bit_its_amplitude_times():
    # the spec of _assign(nested=False): `units` unit mappings, bit j flipped in exactly
    # amp[j] of them, sizes differing by at most one. By hand for amp (1, 1, 2), 2 units:
    # bit 0 on unit 0, bit 1 on unit 1, bit 2 on both: masks 0b101 and 0b110
    from rmaplab.verify import _assign

    assert _assign([1, 1, 2], 2, nested=False) == {0b101: 1, 0b110: 1}
    for amp in itertools.product(range(4), repeat=3):
        for units in range(max(max(amp), 1), 7):
            out = _assign(list(amp), units, nested=False)
            assert sum(out.values()) == units
            flips = [sum(n for mk, n in out.items() if mk >> j & 1) for j in range(3)]
            assert flips == list(amp)
            sizes = [bin(mk).count("1") for mk, n in out.items() for _ in range(n)]
            assert max(sizes) - min(sizes) <= 1


def test_cheapest_safe_accepts_32_bit_ids():
    # id_bits allowed [1, 32]: at 32 bits and order 0 (1 page), one value of 32 bits is
    # enough (a 1-page folio has one mapping: carry-free), 8 bytes per the 64-bit word
    from rmaplab.cost import cheapest_safe

    row = cheapest_safe(32, 64, 0).iloc[0]
    assert (row["values"], row["bits"], row["bytes"]) == (1, 32, 8)


def test_cheapest_safe_counts_the_undecided_smaller_splits():
    # 8-bit ids, 16-bit words, order 2 (P = 4), a 2-node budget. K = 1 (one 8-bit value,
    # base P_g + 1 = 5) is not carry-free: max sub-ID = (5^8 - 1) / 4 = 97656 and
    # (P - 1) * 97656 = 292968 > 2^16; its search stops undecided. K = 2 (4 bits) is
    # carry-free: 3 * (5^4 - 1) / 4 = 468 < 2^16. The row counts the one undecided split.
    from rmaplab.config import single_group_config
    from rmaplab.cost import cheapest_safe

    one = verify(single_group_config(8, 16, 1, 8, 2, min_order=2, name="k1"), 2, node_limit=2)
    assert one.verdict == "undecided"
    row = cheapest_safe(8, 16, 2, min_order=2, node_limit=2).iloc[0]
    assert (row["values"], row["undecided_smaller_k"]) == (2, 1)


def test_check_names_the_values_that_differ():
    # 3 values of 8 bits: ids 5 and 6 differ only in slice 0 (slices 1, 2 are 0 for both),
    # so after one mapping each only value 0 differs from mapcount * subid(5)
    from rmaplab import Folio

    f = Folio(RmapConfig("g", 24, 64, (Group(0, 9, 3, 8),)), 9).map(5).map(6)
    r = f.check(5)
    assert r.shared and r.reason == "value(s) [0] differ from mapcount * subid"


def test_cheapest_safe_accepts_two_bit_words():
    # word_bits allowed [2, 64]: 1-bit ids in 2-bit words at order 0 (1 page, 1 mapping):
    # one value, carry-free
    from rmaplab.cost import cheapest_safe

    row = cheapest_safe(1, 2, 0).iloc[0]
    assert (row["values"], row["bits"], row["method"]) == (1, 1, "carry-free")


def test_shortest_linf_with_bound_zero_finds_nothing():
    # bound 0 is allowed (>= 0): no nonzero vector has ||v||_inf <= 0, so the search
    # completes with no norm. (Mutant `_shortest_linf:4` `bound < 0` -> `bound <= 0`
    # refuses it with a ValueError.)
    from rmaplab.lattice import _shortest_linf

    rows = lll(lattice_basis(WEIGHTS, W))
    for engine in ("auto", "python"):
        got = _shortest_linf(rows, 0, None, 1000, 256, None, engine=engine)
        assert got.complete and got.norm is None and got.vectors == []


# -- survivors of the full run of issue 18 (tools/mutation.py --workers 2) ------------------


def _fewest(id_bits, bits, k, dv, max_n):
    """(units, largest id) of the best way to realize +-dv in value k alone, by brute force:
    a victim id and a multiset of n other ids (all in 1..2^id_bits - 1, none equal to the
    victim) whose bit differences are dv on slice k's bits and 0 on every other bit; least
    n first, then least largest id. None if no n <= max_n works."""
    ids = range(1, 1 << id_bits)
    for n in range(1, max_n + 1):
        best = None
        for v in ids:
            for ms in itertools.combinations_with_replacement([m for m in ids if m != v], n):
                diff = [sum(((m >> j) & 1) - ((v >> j) & 1) for m in ms) for j in range(id_bits)]
                for s in (1, -1):
                    want = [0] * id_bits
                    for j, a in enumerate(dv):
                        want[k * bits + j] = s * a
                    if diff == want and (best is None or max(v, *ms) < best):
                        best = max(v, *ms)
        if best is not None:
            return n, best
    return None


@pytest.mark.parametrize(
    ("id_bits", "bits", "k", "dv", "hand"),
    [
        # value 0 of 2 bits (ids of 3 bits). For D: victim bit 0 set, bit 1 clear; 3 units
        # with bit 1, 2 of them without bit 0: ids 2, 2, 3, victim 1 (bit 2 clear): largest
        # id 3. For -D the victim is 0b10 and a unit 0b00 needs bit 2 set: largest id 6.
        # (Mutant `_construct:18` `x == 0` -> `x == 1` moves the victim to 6.)
        (3, 2, 0, (-2, 3), (3, 3)),
        # value 1 of two 1-bit values: the victim holds bit 1, two units clear it and keep
        # bit 0 equal to the victim's: victim 3, ids 1, 1 (victim 2 would need id 0).
        # (Mutant `_construct:41` puts the filler in slice 1 for k = 1 too: no construction.)
        (2, 1, 1, (-2,), (2, 3)),
        # one value of 3 bits: bit 0 cleared in 4 units, bit 1 set in 1, bit 2 in 3: the
        # victim is 1, the units 2 + 4 * 3 (an id 0 otherwise): largest id 4. For -D the
        # best is victim 6 with units 5, 3, 3, 3: largest 5. (Mutant `_construct:44`
        # `x == 0` -> `x == 1` skips the sign whose victim is 1: largest id 7.)
        (3, 3, 0, (-4, 1, 3), (4, 4)),
        # one value of 3 bits, D = (2, -1, -1): victim 6 (bit 0 clear, bits 1, 2 set) needs
        # units 1 + 7 or 5 + 3 (largest 7 or 5); for -D victim 1 and units 2 + 4: largest
        # id 4. (Mutant `_construct:91` ranks the signs by their smallest id: 7.)
        (3, 3, 0, (2, -1, -1), (2, 4)),
    ],
)
def test_construct_takes_fewest_units_then_the_smallest_largest_id(id_bits, bits, k, dv, hand):
    from rmaplab.encodings import digits
    from rmaplab.verify import _construct

    assert _fewest(id_bits, bits, k, dv, max(map(abs, dv)) + 1) == hand
    victim, mappings = _construct(digits(id_bits, 8, bits=bits, base=5), k, dv)
    got = _realized(victim, mappings, id_bits)
    want = [0] * id_bits
    want[k * bits : k * bits + len(dv)] = dv
    assert got in (tuple(want), tuple(-a for a in want))
    assert (sum(n for _, n in mappings), max(victim, *(m for m, _ in mappings))) == hand


def test_construct_with_a_single_id_finds_nothing():
    # 1-bit ids: the only id is 1, so no mm other than the victim exists and no D is
    # realizable. (Mutants `_construct:42` `x == 0 or d < 2` -> `and` and `:47`
    # `d < 2` -> `d < 1` reach the all-negative branch and divide by d - 1 = 0.)
    from rmaplab.encodings import digits
    from rmaplab.verify import _construct

    enc = digits(1, 8, bits=1, base=5)
    for dv in [(-4,), (4,), (-1,), (1,)]:
        assert _construct(enc, 0, dv) is None


def test_subid_digits_accepts_base_pages_1_and_refuses_0():
    # base_pages >= 1: base P + 1 = 2, and 5 = 0b101 has the binary digits 1, 0, 1 (least
    # significant first); base_pages 0 (base 1) is refused. (Mutants `subid_digits:3`
    # minimum 2 and `:4` minimum 0.)
    from rmaplab.subid import subid_digits

    assert subid_digits(5, 1) == [1, 0, 1]
    with pytest.raises(ValueError, match="base_pages"):
        subid_digits(0, 0)


def test_folio_mapcount_may_reach_the_atomic_t_maximum():
    # The folio mapcount is an atomic_t: 2^31 - 1 total mappings are allowed, one more is
    # refused. (Mutant `Folio.map:1` `>` -> `>=` refuses the last one.)
    from rmaplab.folio import Folio, RmapError

    f = Folio(RmapConfig("g", 24, 64, (Group(0, 9, 3, 8),)), 9)
    f.map(5, 2**31 - 2).map(6, 1)
    assert f.mapcount == 2**31 - 1
    with pytest.raises(RmapError, match="count"):
        f.map(7, 1)


def test_iroot_refuses_a_negative_x_and_k_below_1():
    # iroot needs x >= 0 and k >= 1, each on its own. (Mutants `iroot:1` `or` -> `and`
    # and `iroot:6` `k < 1` -> `k < 0`, which divides by k = 0.)
    from rmaplab.lattice import iroot

    with pytest.raises(ValueError, match="x >= 0"):
        iroot(-1, 2)
    with pytest.raises(ValueError, match="k >= 1"):
        iroot(8, 0)


@pytest.mark.parametrize("rows", [[[1, 0], [0]], [[1, 0], [0], [0, 1]], []])
def test_shortest_linf_refuses_rows_of_unequal_length(rows):
    # (Mutants `_shortest_linf:6` `or` -> `and` and `:9` `any` -> `all`: row 0 always has
    # its own length, so `all` never holds.)
    with pytest.raises(ValueError, match="equally long"):
        shortest_linf(rows, 1)


def test_shortest_linf_reports_progress_to_on_nodes():
    # Identity basis of Z^5, bound 4, no vector counts: every nonzero v in [-4, 4]^5 is
    # offered (sign-normalised: (9^5 - 1) / 2 = 29524 of them), so at least 2 reports of
    # PROGRESS_NODES = 10 000 nodes. (Mutant `_shortest_linf:51` asserts `on_nodes is None`
    # where a report is due.)
    from rmaplab.lattice import PROGRESS_NODES

    seen, calls = [], []
    got = shortest_linf(
        [[int(i == j) for j in range(5)] for i in range(5)],
        4,
        cost=lambda v: seen.append(v),
        on_nodes=calls.append,
    )
    assert len(set(seen)) == (9**5 - 1) // 2
    assert got.complete and got.norm is None
    assert len(calls) >= 2 and set(calls) == {PROGRESS_NODES}


def test_rule_note_at_the_word_size():
    # P_g * max sub-ID = (b - 1)(1 + b + ... + b^(B-1)) = b^B - 1.
    # b = 4, B = 4: 255 = 2^8 - 1 fits 8 bits exactly (mutants `rule_note:1` `+ 1`,
    # `:4` `- 0` and `:5` `<` say it fails); needs 8 bits, so 7 fails.
    # b = 9, B = 1: 8 = 2^3 needs 4 bits: fails at 3 (mutant `:3` `- 2` counts 7, 3 bits).
    from rmaplab.encodings import digits
    from rmaplab.encodings.digits_lattice import rule_note

    assert rule_note(digits(8, 8, bits=4, base=4)) == ""
    assert "fails" in rule_note(digits(8, 7, bits=4, base=4))
    assert "fails" in rule_note(digits(4, 3, bits=1, base=9))
    assert rule_note(digits(4, 4, bits=1, base=9)) == ""


def test_one_bit_ids_are_safe_at_any_order():
    # With 1-bit ids the only valid id is 1: no other mm can map the folio, so nothing
    # fools the check, even past the pigeonhole frontier (W = 2: 1 + iroot(4, 1) = 5 <= 8
    # pages). The lattice's only short row, D = (4,), has no construction (cost None).
    # (Mutant `_search:6` `c is not None` -> `c is None` seeds the bound with that None.)
    from rmaplab.encodings import digits
    from rmaplab.verify import verify_digits

    v = verify_digits(digits(1, 2, bits=1, base=5), 3)
    assert (v.verdict, v.min_mappings, v.counterexample) == ("safe", None, None)


def test_verify_with_a_tiny_node_budget_never_says_safe():
    # One value of 2 bits, base 2, W = 3: sub-IDs 1, 2, 3 for ids 1, 2, 3. Victim 2 and
    # ids 1, 3 once each: the value is 2 + 1 + 3 = 6 = 3 * subid(2), so n = 3 <= 4 pages
    # fool the check at order 2 (and no n = 2 does: D_0 + 2 D_1 == 0 mod 8 has no nonzero
    # solution with |D_j| <= 1). With a node budget too small to finish the search the
    # answer must stay honest: undecided or unsafe, never safe, and no crash. (Mutant
    # `_search:12` `res.norm or start` -> `and` compares with None when the search stops
    # before it finds anything.)
    from rmaplab.encodings import digits
    from rmaplab.verify import verify_digits

    enc = digits(2, 3, bits=2, base=2)
    assert naive.mapped_shared(1, 2, 1, 3, 2, {2: 1, 1: 1, 3: 1}, 2) is False
    for node_limit in (1, 2, 3):
        v = verify_digits(enc, 2, node_limit=node_limit)
        assert v.verdict in ("undecided", "unsafe")
        if v.verdict == "undecided":
            # nothing was found, so nothing is proven (mutant `digits_verdict:54`)
            assert (v.min_mappings, v.proven_minimal) == (None, False)
    v = verify_digits(enc, 2)
    assert (v.verdict, v.min_mappings) == ("unsafe", 3)


def test_searched_bound_is_what_every_value_covered():
    # 3-bit ids in two values (bits 0-1, bit 2), base 2, W = 3, order 2 (4 pages: each
    # value is searched up to 3). Value 0: D_0 + 2 D_1 == 0 mod 8 has no nonzero solution
    # with |D_j| <= 1 and has (2, -1): its enumeration shrinks to 2. Value 1: D_0 == 0
    # mod 8, nothing up to 3. So every D with ||D||_inf <= 2 was searched in both values,
    # not every D up to 3: searched_bound 2; n = 1 + 2 = 3 <= 4, unsafe. (Mutant
    # `digits_verdict:30` takes the largest covered bound, 3.)
    from rmaplab.encodings import digits
    from rmaplab.verify import verify_digits

    v = verify_digits(digits(3, 3, bits=2, base=2), 2)
    assert (v.verdict, v.min_mappings, v.shortest_norm) == ("unsafe", 3, 2)
    assert v.searched_bound == 2


def test_one_value_group_minimum_is_proven_when_no_heuristic_cost_could_beat_it():
    # One value of 2 bits, base 5 (P_g = 4), W = 4, order 3 (8 pages). Brute force over
    # every population of the 3 ids with n <= 8 (naive model): the fewest mappings that
    # fool the check is 5 (victim 1 once, id 2 four times). The verifier must find 5 and
    # prove it minimal: a vector whose construction is only heuristic costs at least its
    # norm, so only a heuristic vector of norm <= 4 could hide a cheaper one. (Mutant
    # `_search:11` looks at the smallest entry instead of the norm: "not proven".)
    from rmaplab.encodings import digits
    from rmaplab.verify import verify_digits

    fewest = None
    for c in itertools.product(range(9), repeat=3):
        counts = {i + 1: n for i, n in enumerate(c) if n}
        if len(counts) < 2 or sum(c) > 8:
            continue
        for x in counts:
            if not naive.mapped_shared(1, 2, 4, 4, 3, counts, x):
                fewest = sum(c) if fewest is None else min(fewest, sum(c))
    assert fewest == 5
    v = verify_digits(digits(2, 4, bits=2, base=5), 3)
    assert (v.verdict, v.min_mappings, v.proven_minimal) == ("unsafe", fewest, True)


def test_cheapest_safe_skips_only_multi_value_splits_past_the_frontier():
    # Order 2 (P = 4, base P_g + 1 = 5), 3-bit words, a 1-node budget.
    # 3-bit ids: K = 1 (B = 3) is not carry-free (3 * (1 + 5 + 25) = 93 >= 8) and its
    # search stops undecided; K = 2 (B = 2) is past the pigeonhole frontier,
    # 1 + iroot(2^3, 2) = 3 <= 4 pages (9 vectors in {0,1,2}^2, 8 residues), so it is
    # proven unsafe and skipped, not undecided; K = 3 (B = 1) is carry-free (3 * 1 < 8,
    # 3 < 5). Row: 3 values, 1 undecided. (Mutants `cheapest_safe:20` `k > 2`, `:24`
    # `1 >> o` and `:26` `0 << o` verify K = 2 as well and count it undecided: 2.)
    # 2-bit ids: K = 1 (B = 2) is past the frontier too, but one-value splits are
    # verified (the id 0 is excluded, so the pigeonhole difference may not be realizable:
    # with 1-bit ids nothing is) and its search stops undecided; K = 2 (B = 1) is
    # carry-free. Row: 2 values, 1 undecided. (Mutant `:22` `k >= 1` skips K = 1: 0.)
    from rmaplab.config import single_group_config
    from rmaplab.cost import cheapest_safe

    for id_bits in (3, 2):
        k1 = single_group_config(id_bits, 3, 1, id_bits, 2, min_order=2, name="k1")
        assert verify(k1, 2, node_limit=1).verdict == "undecided"
    row = cheapest_safe(3, 3, 2, min_order=2, node_limit=1).iloc[0]
    assert (row["values"], row["method"], row["undecided_smaller_k"]) == (3, "carry-free", 1)
    row = cheapest_safe(2, 3, 2, min_order=2, node_limit=1).iloc[0]
    assert (row["values"], row["method"], row["undecided_smaller_k"]) == (2, "carry-free", 1)


def test_monte_carlo_refuses_zero_trials():
    # trials: allowed [1, 2**40]; 0 trials would be an estimate of nothing. (Mutant
    # `monte_carlo:3` minimum 0 returns (0, 0).)
    from rmaplab import ConfigError

    enc = resolve_encoding("raw-id", 4, word_bits=2, id_bits=4)
    with pytest.raises(ConfigError, match=r"trials=0 is out of range"):
        monte_carlo(enc, 4, "uniform", 2, 2, 0, seed=2)


def test_cheapest_safe_frontier_skip_at_exactly_the_frontier():
    # 6-bit ids, 5-bit words, order 2 (P = 4, base 5), a 1-node budget. K = 1 (B = 6) is
    # not carry-free (3 * (5^6 - 1) / 4 = 11718 >= 32): undecided. K = 2 (B = 3): the
    # frontier is 1 + iroot(2^5, 3) = 1 + 3 = 4 pages, exactly P ((3 + 1)^3 = 64 vectors,
    # 32 residues): proven unsafe, skipped. K = 3 (B = 2) is carry-free (3 * 6 = 18 < 32,
    # 3 < 5). Row: 3 values, 1 undecided. (Mutant `cheapest_safe:23` `>=` -> `>` verifies
    # K = 2 at P == frontier and counts it undecided.)
    from rmaplab.config import single_group_config
    from rmaplab.cost import cheapest_safe

    k1 = single_group_config(6, 5, 1, 6, 2, min_order=2, name="k1")
    assert verify(k1, 2, node_limit=1).verdict == "undecided"
    row = cheapest_safe(6, 5, 2, min_order=2, node_limit=1).iloc[0]
    assert (row["values"], row["bits"], row["undecided_smaller_k"]) == (3, 2, 1)


def test_cheapest_safe_reruns_an_undecided_split_with_the_full_budget():
    # 13-bit ids, 29-bit words, order 3 (P = 8, base 9). K = 1 (B = 13) is undecided after
    # the quick 300-node search but unsafe with the default budget; its counterexample
    # replays in the naive model (3 mappings <= 8 pages answered "exclusive"). K = 2
    # (B = 7) is carry-free: 7 * (9^7 - 1) / 8 = 4185090 < 2^29 and 7 < 9. So the row is
    # K = 2 with no undecided smaller split. (Mutant `cheapest_safe:29` reruns only the
    # decided ones: K = 1 stays undecided, count 1.)
    from rmaplab.config import single_group_config
    from rmaplab.cost import cheapest_safe

    k1 = single_group_config(13, 29, 1, 13, 3, min_order=3, name="k1")
    assert verify(k1, 3, node_limit=300).verdict == "undecided"
    ce = verify(k1, 3).counterexample
    counts = dict(ce["mappings"])
    assert sum(counts.values()) <= 8
    assert naive.mapped_shared(1, 13, 8, 29, 3, counts, ce["victim"]) is False
    row = cheapest_safe(13, 29, 3, min_order=3).iloc[0]
    assert (row["values"], row["bits"], row["undecided_smaller_k"]) == (2, 7, 0)
