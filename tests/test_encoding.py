"""Encodings: addends against independent definitions, kernels against their
Python twins, and the folio model under an encoding."""

import naive
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rmaplab import ConfigError
from rmaplab._kernels import encoding as K
from rmaplab.config import get_config
from rmaplab.encodings import (
    bit_counters,
    default_encoding,
    digits,
    from_config,
    hash64,
    moments,
    packed_base,
    pdep,
    raw_id,
    splitmix64,
    table,
)
from rmaplab.folio import CheckResult, Folio, replay
from rmaplab.subid import mm_subids


def test_digits_reproduce_the_posted_subids():
    cfg = get_config("wip-v1")
    for g in cfg.groups:
        enc = digits(24, 64, bits=g.bits, base=g.base_pages + 1)
        assert enc.nr_values == g.nr_values
        for mm in (1, 2, 255, 256, 4097, 0xABCDEF, (1 << 24) - 1):
            assert enc.addends(mm) == mm_subids(cfg, g.max_order, mm)
            assert enc.addends(mm) == naive.subids(g.nr_values, g.bits, g.base_pages, 64, mm)


@given(st.sampled_from(["wip-v1", "wip-v1-32bit"]), st.data())
def test_from_config_is_the_posted_group_of_the_order(name, data):
    cfg = get_config(name)
    order = data.draw(st.sampled_from(cfg.orders))
    mm = data.draw(st.integers(1, cfg.max_id))
    g = cfg.group_for(order)
    enc = from_config(cfg, order)
    assert (enc.id_bits, enc.word_bits, enc.nr_values) == (cfg.id_bits, cfg.word_bits, g.nr_values)
    assert enc.addends(mm) == naive.subids(g.nr_values, g.bits, g.base_pages, cfg.word_bits, mm)


def test_default_digits_follow_the_series_rule():
    # the derived rule gives the posted groups up to order 15
    cfg = get_config("wip-v1")
    for o in range(16):
        enc = default_encoding("digits", 24, 64, 15, o)
        g = cfg.group_for(o)
        assert (enc.nr_values, enc.slice_bits, enc.param("base")) == (
            g.nr_values,
            g.bits,
            g.base_pages + 1,
        )


def test_pdep_is_digits_in_a_power_of_two_base():
    e1 = pdep(24, 64, 8, 9)
    e2 = digits(24, 64, bits=8, base=512)
    for mm in (1, 77, 0x123456, (1 << 24) - 1):
        assert e1.addends(mm) == e2.addends(mm)


def test_moments_words():
    e = moments(24, 64)
    assert e.nr_values == 2 and e.addends(0xFFFFFF) == [0xFFFFFF, 0xFFFFFF**2]
    p = moments(24, 64, bits=12, base=1 << 21)
    x = 0xABC123
    lo, hi = x & 0xFFF, x >> 12
    assert p.addends(x) == [(lo + (lo * lo << 21)) % 2**64, (hi + (hi * hi << 21)) % 2**64]
    # 32-bit words wrap the square on purpose
    assert moments(16, 32).addends(0xFFFF) == [0xFFFF, 0xFFFF**2 % 2**32]
    assert packed_base(512, 12) == 1 << (511 * 4095).bit_length()


def test_hash_is_splitmix64_and_a_bijection_sample():
    e = hash64(24, 64)
    assert e.addends(5) == [splitmix64(5)]
    vals = {splitmix64(i) for i in range(1, 5000)}
    assert len(vals) == 4999


def _encs(i, w):
    out = [
        default_encoding("digits", i, w, 3),
        default_encoding("table", i, w, 3),
        moments(i, w),
        moments(i, w, bits=2, base=packed_base(8, 2)),
        moments(i, w, bits=2),
        raw_id(i, w),
        hash64(i, w, 2),
        bit_counters(i, w),
        table(i, w, [3, 1, 4, 1, 5, 9, 2, 6], bits=3),
    ]
    return out


@given(st.integers(3, 12), st.integers(4, 64), st.lists(st.integers(1, 4095), min_size=1))
def test_addends_kernel_matches_python(i, w, ids):
    ids = [x % (1 << i) or 1 for x in ids]
    for enc in _encs(i, w):
        got = K.addends(enc, np.array(ids, dtype=np.uint64))
        assert got.tolist() == K.addends_python(enc, ids)


@given(
    st.integers(1, 3),
    st.integers(3, 7),
    st.lists(st.lists(st.integers(0, 2**7 - 1), min_size=3, max_size=3), min_size=1, max_size=6),
    st.integers(1, 12),
)
def test_min_fooling_kernel_matches_python(nv, w, gens, depth):
    g = np.array([r[:nv] for r in gens], dtype=np.uint64) & np.uint64((1 << w) - 1)
    a = K.min_fooling(g, w, depth)
    b = K.min_fooling_python(g.tolist(), w, depth)
    assert (a is None) == (b is None)
    if a is not None:
        assert len(a) == len(b)
        for path in (a, b):  # each path really sums to 0 in every word
            for k in range(nv):
                assert sum(int(g[p, k]) for p in path) % (1 << w) == 0


@given(
    st.integers(3, 8),
    st.integers(4, 64),
    st.dictionaries(st.integers(1, 255), st.integers(1, 9), min_size=1, max_size=5),
)
def test_folio_values_are_the_sums_and_the_check_is_the_posted_one(i, w, counts):
    counts = {(m % ((1 << i) - 1)) + 1: c for m, c in counts.items()}
    for enc in _encs(i, w):
        f = Folio(enc, 6)
        for m, c in counts.items():
            f.map(m, c)
        want = [
            sum(c * enc.addends(m)[k] for m, c in counts.items()) % 2**w
            for k in range(enc.nr_values)
        ]
        assert f.rmap_vals == want
        x = next(iter(counts))
        chk = f.check(x)
        n = sum(counts.values())
        exclusive = n <= 64 and all(
            v == n * a % 2**w for v, a in zip(want, enc.addends(x), strict=True)
        )
        assert chk.shared == (not exclusive)
        assert chk.truly_shared == (len(counts) > 1)
        for m, c in counts.items():
            f.unmap(m, c)
        assert f.rmap_vals == [0] * enc.nr_values and f.mapcount == 0


def test_replay_uses_the_victims_own_count():
    enc = raw_id(4, 16)
    chk = replay(enc, 2, {"victim": 2, "mappings": [[2, 1], [1, 1], [3, 1]]})
    assert isinstance(chk, CheckResult) and chk.mm_id == 2
    assert chk.false_exclusive and chk.mapcount == 3 and chk.rmap_vals == chk.expected == (6,)


@pytest.mark.parametrize(
    "call",
    [
        lambda: digits(24, 64, bits=8),
        lambda: digits(24, 65, bits=8, base=3),
        lambda: moments(33, 64),
        lambda: table(8, 64, [1, 2, 3]),
        lambda: default_encoding("nope", 24, 64, 9),
        lambda: default_encoding("moments", 24, 64, 64),
    ],
)
def test_bad_input_names_the_parameter(call):
    with pytest.raises(ConfigError) as e:
        call()
    assert "\n" not in str(e.value)


@given(st.integers(4, 64), st.lists(st.integers(1, (1 << 24) - 1), min_size=1, max_size=20))
def test_every_plan_rule_matches_the_family_body(w, ids):
    """Each family's kernel plan, run by the numba kernel and by the plan's
    Python reference, gives the family's own addends: wide slices exercise
    the powers and digits rules, narrow ones the tables."""
    from rmaplab.encodings import plan_addend_python

    encs = [
        moments(24, w),  # powers of a 24-bit slice, unpacked
        moments(24, w, bits=20, base=3),  # packed powers of 20-bit slices
        digits(24, w, bits=24, base=513),  # one 24-bit slice of digits
        *_encs(12, w),
    ]
    for enc in encs:
        xs = [x % (1 << enc.id_bits) or 1 for x in ids]
        want = [enc.addends(x) for x in xs]
        assert K.addends(enc, np.array(xs, dtype=np.uint64)).tolist() == want
        plan = enc.plan()
        got = [[plan_addend_python(plan, x, k, w) for k in range(enc.nr_values)] for x in xs]
        assert got == want
