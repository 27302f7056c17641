"""Every certificate and every cut-off evaluated exactly at its boundary.

Each expected value is derived by hand in a comment, or computed by the independent
references in ``tests/naive.py`` (never by the code under test). Mutation testing
(``tools/mutation.py``) showed that the suite passed when ``<`` became ``<=`` at these
boundaries; each test here fails for such an off-by-one.
"""

from itertools import combinations_with_replacement

import naive
import pytest

from rmaplab import Folio, Group, RmapConfig
from rmaplab.collide import TASK_TRIALS, monte_carlo, resolve_encoding
from rmaplab.lattice import iroot, lattice_basis, lll, shortest_linf
from rmaplab.subid import calc_rmap_subid, id_slices, mm_subids
from rmaplab.verify import carry_free_certificate, frontier_pages, verify


def _brute_min_mappings(values, bits, base_pages, word_bits, id_bits, order):
    """Fewest total mappings n <= 2**order fooling the check, by trying every victim and
    every multiset of other mappings (naive.mapped_shared); None if none does."""
    ids = range(1, 1 << id_bits)
    for others in range(1, 1 << order):
        for x in ids:
            for ms in combinations_with_replacement([m for m in ids if m != x], others):
                counts = {x: 1}
                for m in ms:
                    counts[m] = counts.get(m, 0) + 1
                if not naive.mapped_shared(values, bits, base_pages, word_bits, order, counts, x):
                    return 1 + others
    return None


# -- carry-free certificate: (P - 1) * max sub-ID against 2^W ------------------------

# K = 2 values of B = 2 bits (4-bit ids), W = 4-bit words, order 1 (P = 2 pages).
# max sub-ID = 1 + b; with P - 1 = 1 the certificate's product is 1 + b:
#   P_g = 14: b = 15, product 16 == 2^W exactly  -> not certified (a sum can wrap to 0);
#   P_g = 13: b = 14, product 15 == 2^W - 1      -> certified, headroom 1.
AT_2W = RmapConfig("at-2^W", 4, 4, (Group(1, 1, 2, 2, 14),))
BELOW_2W = RmapConfig("at-2^W-1", 4, 4, (Group(1, 1, 2, 2, 13),))


def test_carry_free_certificate_at_exactly_2_to_the_w():
    at, below = carry_free_certificate(AT_2W, 1), carry_free_certificate(BELOW_2W, 1)
    assert (at["max_difference"], at["word_limit"], at["headroom"]) == (16, 16, 0)
    assert at["holds"] is False
    assert (below["max_difference"], below["headroom"]) == (15, 1)
    assert below["holds"] is True
    # headroom bits: W - bit_length(product): 4 - 5 = -1 at 16, 4 - 4 = 0 at 15
    assert (at["headroom_bits"], below["headroom_bits"]) == (-1, 0)


def test_verdicts_on_each_side_of_2_to_the_w():
    v = verify(AT_2W, 1)
    assert (v.verdict, v.method, v.min_mappings) == ("unsafe", "lattice", 2)
    # and it is a real wrap: victim 4 = 0b01_00 has subid_0 = 0, mm 7 = 0b01_11 has
    # subid_0 = 1 + 15 = 16 == 0 mod 16 and the same slice 1: n = 2 = P fools the check
    assert naive.mapped_shared(2, 2, 14, 4, 1, {4: 1, 7: 1}, 4) is False
    assert _brute_min_mappings(2, 2, 14, 4, 4, 1) == 2
    w = verify(BELOW_2W, 1)
    assert (w.verdict, w.method, w.headroom_bits) == ("safe", "carry-free", 0)
    assert _brute_min_mappings(2, 2, 13, 4, 4, 1) is None


# One value of B = 2 bits (2-bit ids) in 16-bit words: no sum can wrap (max 3 * 4 = 12),
# so only the digit condition P - 1 < b decides. Order 2 (P = 4, digits up to 3):
#   P_g = 2: b = 3 == P - 1 -> not certified, and truly unsafe without any wrap:
#            victim 2 (sub-ID 3) maps 1, mm 1 (sub-ID 1) maps 1, mm 3 (sub-ID 1 + 3 = 4)
#            maps 2: value 3 + 1 + 8 = 12 = 4 * 3 with n = 4 = P;
#   P_g = 3: b = 4 > 3 -> certified.
DIGIT_AT = RmapConfig("digit-at-base", 2, 16, (Group(1, 2, 1, 2, 2),))
DIGIT_BELOW = RmapConfig("digit-below-base", 2, 16, (Group(1, 2, 1, 2, 3),))


def test_digit_bound_equal_to_the_base_is_not_certified():
    at = carry_free_certificate(DIGIT_AT, 2)
    assert (at["digit_bound"], at["base"], at["digits_below_base"], at["holds"]) == (
        3,
        3,
        False,
        False,
    )
    v = verify(DIGIT_AT, 2)
    assert (v.verdict, v.min_mappings) == ("unsafe", 4)
    assert naive.mapped_shared(1, 2, 2, 16, 2, {2: 1, 1: 1, 3: 2}, 2) is False
    assert _brute_min_mappings(1, 2, 2, 16, 2, 2) == 4
    below = carry_free_certificate(DIGIT_BELOW, 2)
    assert (below["digits_below_base"], below["holds"]) == (True, True)
    assert verify(DIGIT_BELOW, 2).verdict == "safe"
    assert _brute_min_mappings(1, 2, 3, 16, 2, 2) is None
    # order 1 of the same group: digits <= 1 < 3, certified (and safe by brute force)
    assert carry_free_certificate(DIGIT_AT, 1)["holds"] is True
    assert _brute_min_mappings(1, 2, 2, 16, 2, 1) is None


def test_posted_group_6_9_certificate_numbers():
    """wip-v1 order 9: P - 1 = 511, b = 513, max sub-ID = 1 + 513 + ... + 513^7."""
    cert = carry_free_certificate(RmapConfig("g", 24, 64, (Group(6, 9, 3, 8),)), 9)
    maxsub = naive.subid(512, 0xFF)  # all 8 bits set: every digit 1
    assert cert["max_difference"] == 511 * maxsub
    # 511 * (513^8 - 1) / 512 is just under 513^8 ~ 2^72.02: 73 bits, 9 past the word
    assert cert["max_difference"].bit_length() == 73 and cert["headroom_bits"] == -9
    assert cert["holds"] is False


# -- the lattice verdict: unsafe iff 1 + lambda <= P ------------------------------


def test_unsafe_exactly_when_the_fewest_mappings_equal_the_pages():
    # both configurations above are fooled with n == P exactly (2 of 2, 4 of 4 pages):
    # the verdict must count n == P as possible (the check's cut-off is n > P)
    assert verify(AT_2W, 1).min_mappings == 1 << 1
    assert verify(DIGIT_AT, 2).min_mappings == 1 << 2
    # wip-v1 group 6..9 (b = 513): the fewest are 71 = 1 + 70 (binomial D, test_verify);
    # 64 pages < 71 <= 128 pages
    cfg = RmapConfig("g", 24, 64, (Group(6, 9, 3, 8),))
    assert verify(cfg, 6).verdict == "safe" and verify(cfg, 7).verdict == "unsafe"


def test_shortest_linf_accepts_a_vector_at_exactly_the_bound():
    # weights 513^j mod 2^64, j < 8: the shortest nonzero ||D||_inf is 70
    # (D_j = 2 (-1)^j C(7, j), see test_verify); a search bounded by 70 finds it,
    # one bounded by 69 completes with nothing
    rows = lll(lattice_basis([pow(513, j, 2**64) for j in range(8)], 64))
    at = shortest_linf(rows, 70)
    assert at.norm == 70 and at.complete
    assert (2, -14, 42, -70, 70, -42, 14, -2) in at.vectors
    below = shortest_linf(rows, 69)
    assert below.norm is None and below.complete


def test_shortest_linf_twin_accepts_a_vector_at_exactly_the_bound():
    # the same on the exact Python twin the kernel hands ties and fallbacks to
    from rmaplab.lattice import _shortest_linf

    rows = lll(lattice_basis([pow(513, j, 2**64) for j in range(8)], 64))
    at = _shortest_linf(rows, 70, None, 2_000_000, 256, None, engine="python")
    assert at.norm == 70 and at.complete
    assert (2, -14, 42, -70, 70, -42, 14, -2) in at.vectors
    below = _shortest_linf(rows, 69, None, 2_000_000, 256, None, engine="python")
    assert below.norm is None and below.complete


def test_shortest_linf_boundary_on_small_lattices():
    # W = 4, weights 1, 15: D = (1, 1) sums to 16 == 0: norm 1 (the AT_2W wrap)
    rows = lll(lattice_basis([1, 15], 4))
    assert shortest_linf(rows, 1).norm == 1 == naive.shortest_linf_box([1, 15], 4, 1)
    # W = 4, weights 1, 14: norm 1 gives at most 1 + 14 = 15, 14 - 1 = 13; D = (2, 1)
    # gives 2 + 14 = 16 == 0: norm 2
    want = naive.shortest_linf_box([1, 14], 4, 8)
    assert want == 2
    assert shortest_linf(lll(lattice_basis([1, 14], 4)), want).norm == want
    assert shortest_linf(lll(lattice_basis([1, 14], 4)), want - 1).norm is None


# -- frontier (pigeonhole) ------------------------------------------------------------


@pytest.mark.parametrize(
    "bits, word_bits, pages",
    [
        (2, 4, 5),  # 4^2 = 16 = 2^4 is not > 2^4; 5^2 = 25 is
        (1, 4, 17),  # B = 1: P^1 > 16 from 17 on
        (4, 64, 65537),  # (2^16)^4 = 2^64 exactly; 2^16 + 1 is the first above
        (8, 64, 257),  # 256^8 = 2^64 exactly
        (3, 64, 2642246),  # 2642245^3 < 2^64 < 2642246^3 (checked below)
        (3, 8, 7),  # 6^3 = 216 <= 256 < 343 = 7^3
    ],
)
def test_frontier_pages_at_its_boundary(bits, word_bits, pages):
    # the frontier is the smallest P with P^B > 2^W: (P-1)^B <= 2^W < P^B
    assert (pages - 1) ** bits <= 2**word_bits < pages**bits
    assert frontier_pages(bits, word_bits) == pages


@pytest.mark.parametrize("r, k", [(5, 2), (3, 2), (2, 64), (2642245, 3), (255, 8), (7, 5)])
def test_iroot_at_exact_powers(r, k):
    x = r**k
    assert iroot(x, k) == r
    assert iroot(x - 1, k) == r - 1
    assert iroot(x + 1, k) == r
    assert iroot((r + 1) ** k - 1, k) == r


def test_iroot_small_values():
    assert [iroot(x, 2) for x in range(10)] == [0, 1, 1, 1, 2, 2, 2, 2, 2, 3]
    assert [iroot(x, 3) for x in (0, 1, 7, 8, 26, 27)] == [0, 1, 1, 2, 2, 3]


# -- sub-IDs and id slices at the word and slice boundaries ---------------------------


def test_calc_rmap_subid_at_the_word_boundary():
    # base 2 (P_g = 1): the sub-ID is the index itself, modulo 2^W
    assert calc_rmap_subid(1, 15, 4) == 15
    assert calc_rmap_subid(1, 16, 4) == 0  # bit 4 weighs 2^4 == 2^W: wraps to 0
    assert calc_rmap_subid(1, 17, 4) == 1
    # base 256 (P_g = 255), W = 8: index 0b10 weighs 256 == 2^8 -> 0;
    # base 255 (P_g = 254): 255 = 2^8 - 1 stays
    assert calc_rmap_subid(255, 0b10, 8) == 0
    assert calc_rmap_subid(254, 0b10, 8) == 255
    # base 17 (P_g = 16), W = 8: 0b11 -> 1 + 17 = 18; 0b111 -> 18 + 289 = 307 - 256 = 51
    assert calc_rmap_subid(16, 0b11, 8) == 18
    assert calc_rmap_subid(16, 0b111, 8) == 51
    # the posted base 513 in 64-bit words: digits 1 in positions 0..7 do not wrap yet
    assert calc_rmap_subid(512, 0xFF) == sum(513**j for j in range(8))
    for args in [(1, 16, 4), (255, 2, 8), (16, 7, 8), (4096, 31, 64), (32768, 15, 64)]:
        assert calc_rmap_subid(*args) == naive.subid(*args)


def test_id_slices_boundaries():
    # 0x123456 = 0b000100_100011_010001_010110 in 6-bit slices, lowest first
    assert id_slices(0x123456, 4, 6) == [0b010110, 0b010001, 0b100011, 0b000100]
    assert id_slices(0xFFFFFF, 3, 8) == [255, 255, 255]
    assert id_slices(1 << 16, 3, 8) == [0, 0, 1]
    assert id_slices((1 << 16) - 1, 3, 8) == [255, 255, 0]
    assert id_slices(1, 1, 24) == [1]
    # wip-v1 order 9 (3 x 8 bits, base 513) for mm 0x020100: slices 0, 1, 2
    assert mm_subids(RmapConfig("g", 24, 64, (Group(6, 9, 3, 8),)), 9, 0x020100) == [
        0,
        1,
        513,
    ]


# -- the check's cut-off: mapcount > folio_nr_pages -----------------------------------


def test_mapcount_equal_to_nr_pages_is_still_checked():
    # order 1: 2 pages. One mm mapping both pages: n == P, values equal -> exclusive
    f = Folio(RmapConfig("g", 24, 64, (Group(0, 2, 1, 24),)), 1)
    f.map(5, 2)
    assert f.mapped_shared(5) is False
    assert f.check(5).reason == "every value equals mapcount * subid"
    # the same mm mapping a third time (n = 3 > P = 2): "shared" by the count alone
    f.map(5, 1)
    assert f.mapped_shared(5) is True and f.truly_shared(5) is False
    assert f.check(5).reason == "mapcount 3 > folio_nr_pages 2"
    assert naive.mapped_shared(1, 24, 4, 64, 1, {5: 3}, 5) is True


def test_folio_counts_back_to_zero_at_the_boundary():
    f = Folio(RmapConfig("g", 24, 64, (Group(0, 2, 1, 24),)), 2)
    f.map(3, 4)  # n = P = 4
    f.unmap(3, 4)
    assert (f.mapcount, f.rmap_vals, f.truth()) == (0, [0], {})
    f.map(3, 1).map(6, 1)
    assert f.mapped_shared(3) is True and f.check(3).truly_shared


# -- Monte Carlo: independent tasks get independent seeds ---------------------------


class _Recorder:
    """An executor that runs the tasks here and keeps each task's (hits, trials)."""

    def __init__(self):
        self.results = []

    def map(self, fn, jobs):
        self.results = [tuple(fn(j)) for j in jobs]
        return iter(self.results)


def test_monte_carlo_task_seeds_differ():
    # raw ids in 2-bit words, 2 mms with 1 mapping each: the check is fooled when the two
    # ids agree modulo 4, a few percent of trials, so 100000-trial tasks with independent
    # seeds have different hit counts; tasks sharing a seed would repeat the same count
    enc = resolve_encoding("raw-id", 4, word_bits=2, id_bits=4)
    rec = _Recorder()
    hits, trials = monte_carlo(enc, 4, "uniform", 2, 2, 3 * TASK_TRIALS, seed=7, executor=rec)
    assert [t for _, t in rec.results] == [TASK_TRIALS] * 3
    assert len({h for h, _ in rec.results}) == 3
    assert (hits, trials) == (sum(h for h, _ in rec.results), 3 * TASK_TRIALS)
    # P(fooled) = P(ids agree mod 4) over victim uniform on 1..15 and the other uniform on
    # the 14 other ids: ids 1..15 fall 3, 4, 4, 4 in classes 0, 1, 2, 3 mod 4, so
    # (3 * 2 + 3 * 4 * 3) / (15 * 14) = 42 / 210 = 0.2
    assert abs(hits / trials - 0.2) < 0.01
    # the same seed gives the same tasks; another seed other tasks
    rec2 = _Recorder()
    monte_carlo(enc, 4, "uniform", 2, 2, 3 * TASK_TRIALS, seed=7, executor=rec2)
    assert rec2.results == rec.results
    rec3 = _Recorder()
    monte_carlo(enc, 4, "uniform", 2, 2, 3 * TASK_TRIALS, seed=8, executor=rec3)
    assert rec3.results != rec.results
    # a task's seed depends on (seed, index) only: the first tasks of a longer run repeat
    rec4 = _Recorder()
    monte_carlo(enc, 4, "uniform", 2, 2, 2 * TASK_TRIALS + 5, seed=7, executor=rec4)
    assert rec4.results[:2] == rec.results[:2]
    assert rec4.results[2][1] == 5


# -- input ranges: the last allowed value works, the next one is refused ----------------


def test_calc_rmap_subid_input_ranges():
    from rmaplab import ConfigError

    # base 2 (P_g = 1): the sub-ID is the index itself, so the largest index comes back
    assert calc_rmap_subid(1, 2**64 - 1, 64) == 2**64 - 1
    assert calc_rmap_subid(2**62, 1) == 1  # the largest base: digit 0 weighs 1
    assert calc_rmap_subid(1, 3, 1) == 1  # 1-bit words: 3 mod 2
    assert calc_rmap_subid(1, 0) == 0
    for args, name in [
        ((0, 1), "base_pages=0"),
        ((2**62 + 1, 1), "base_pages=4611686018427387905"),
        ((1, 2**64), "index=18446744073709551616"),
        ((1, -1), "index=-1"),
        ((1, 1, 65), "word_bits=65"),
        ((1, 1, 0), "word_bits=0"),
    ]:
        with pytest.raises(ConfigError, match=f"{name} is out of range"):
            calc_rmap_subid(*args)


def test_id_slices_input_ranges():
    from rmaplab import ConfigError

    assert id_slices(2**64 - 1, 64, 1) == [1] * 64
    assert id_slices(2**64 - 1, 1, 64) == [2**64 - 1]
    assert id_slices(0, 1, 1) == [0]
    # (the parameter names may change with the kernel names; the values may not)
    for args, value in [
        ((2**64, 1, 64), "18446744073709551616"),
        ((-1, 1, 8), "-1"),
        ((1, 0, 8), "0"),
        ((1, 65, 1), "65"),
        ((1, 1, 0), "0"),
        ((1, 1, 65), "65"),
    ]:
        with pytest.raises(ConfigError, match=f"={value} is out of range"):
            id_slices(*args)


# -- counterexample construction: D with mixed signs in ||D||_inf unit mappings ---------


def test_mixed_sign_difference_needs_only_its_norm_in_units():
    """D = (1, -3, -2, -2) in a one-value group (the slice is the whole id): the victim has
    bits 1..3 (where D < 0), 3 unit mappings must flip bit 0 once, bit 1 three times and
    bits 2 and 3 twice, no unit may be empty (id 0) or equal to the victim's bits (its own
    id). By hand: units 0b1111, 0b1010, 0b0110 (the two 2-flip bits absent in different
    units)."""
    from rmaplab.verify import _mixed_assign

    amp, neg, c = [1, 3, 2, 2], 0b1110, 3
    out = _mixed_assign(amp, neg, c)
    assert out is not None
    rows = [mk for mk, n in out.items() for _ in range(n)]
    assert len(rows) == c and 0 not in rows and neg not in rows
    assert [sum((r >> j) & 1 for r in rows) for j in range(4)] == amp
    assert sorted(rows) == sorted([0b1111, 0b1010, 0b0110])


def test_counterexample_uses_the_smallest_ids_when_d_has_zeros():
    """One value of 3 bits, base 15, 4-bit words: weights 1, 15, 225 = 1 (mod 16). The
    shortest D are (1, 0, -1) (1 - 1 = 0), (1, 1, 0) and (0, 1, 1) (1 + 15 = 16), norm 1:
    2 mappings fool an order-1 folio. Smallest ids, by hand: D = (1, 0, -1) with the
    victim holding only bit 2 (where D < 0; a bit where D = 0 is left clear): victim 4,
    the other 4 ^ 0b101 = 1. (Setting the D = 0 bit too would give 6 and 3.)"""
    cfg = RmapConfig("zeros", 3, 4, (Group(1, 1, 1, 3, 14),))
    v = verify(cfg, 1)
    assert (v.verdict, v.min_mappings) == ("unsafe", 2)
    assert v.counterexample == {"victim": 4, "mappings": [[4, 1], [1, 1]]}
    assert naive.mapped_shared(1, 3, 14, 4, 1, {4: 1, 1: 1}, 4) is False


def test_subids_array_refuses_id_0_with_the_allowed_range():
    from rmaplab import ConfigError
    from rmaplab.subid import subids_array

    cfg = RmapConfig("g", 24, 64, (Group(6, 9, 3, 8),))
    with pytest.raises(ConfigError, match=r"holds 0: allowed range \[1, 16777215\]"):
        subids_array(cfg, 9, [0, 1])
    # both ends out of range at once: the message names the one above the range (0 is
    # within the index range [0, max]; the id check comes after)
    with pytest.raises(ConfigError, match=r"holds 16777216: allowed range \[0, 16777215\]"):
        subids_array(cfg, 9, [0, 2**24])
    assert subids_array(cfg, 9, [2**24 - 1]).tolist() == [[naive.subid(512, 255)] * 3]
