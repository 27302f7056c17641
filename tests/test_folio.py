import naive
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rmaplab import Folio, RmapError, calc_rmap_subid, get_config, mm_subids
from rmaplab.config import WIP_V1, WIP_V1_32BIT


def test_fork_child_exit_parent_reuses():
    """THP -> fork -> child exits -> parent write: COW reuse is allowed."""
    f = Folio(WIP_V1, 9).map(1, 512)
    assert not f.mapped_shared(1)
    f.fork(1, 2)
    assert f.mapcount == 1024
    assert f.mapped_shared(1) and f.mapped_shared(2)  # n > P
    f.unmap(2, 500)  # child unmaps most of it
    assert f.mapcount == 524 and f.mapped_shared(1)
    f.exit(2)
    assert f.truth() == {1: 512}
    r = f.check(1)
    assert not r.shared and not r.truly_shared and r.correct
    assert r.rmap_vals == r.expected == tuple((512 * s) % 2**64 for s in mm_subids(WIP_V1, 9, 1))


def test_partial_mappings_by_two_mms_are_shared():
    f = Folio(WIP_V1, 9).map(1, 3).map(2, 4)
    r = f.check(1)
    assert r.shared and r.truly_shared and "differ" in r.reason
    assert f.check(2).shared


def test_values_are_sums_of_count_times_subid():
    f = Folio(WIP_V1, 4)
    f.map(3, 2).map(5, 7).unmap(3, 1)
    s3, s5 = mm_subids(WIP_V1, 4, 3), mm_subids(WIP_V1, 4, 5)
    assert f.rmap_vals == [(1 * a + 7 * b) % 2**64 for a, b in zip(s3, s5, strict=False)]
    assert f.mapcount == 8 and f.truth() == {3: 1, 5: 7}


def test_order_9_values_wrap_modulo_2_64():
    # mm 2**24 - 1 has slice 255 in each value; 512 * subid(512, 255) > 2**64
    mm = 2**24 - 1
    big = calc_rmap_subid(512, 255)
    assert 512 * big >= 2**64
    f = Folio(WIP_V1, 9).map(mm, 512)
    assert f.rmap_vals == [(512 * big) % 2**64] * 3
    assert not f.mapped_shared(mm)  # the wrap is consistent: n * subid wraps alike


def test_unmapping_to_zero_returns_to_zero_exactly():
    f = Folio(WIP_V1_32BIT, 15)
    for m in (1, 2, 65535):
        f.map(m, 1000)
    for m in (1, 2, 65535):
        f.exit(m)
    assert f.rmap_vals == [0] * 8 and f.mapcount == 0 and f.truth() == {}


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda f: f.unmap(1, 1), RmapError, "mm 1 maps no page of this folio"),
        (
            lambda f: f.map(1, 2).unmap(1, 3),
            RmapError,
            r"count=3 unmaps more than mm 1 maps: allowed \[1, 2\]",
        ),
        (lambda f: f.map(1, 0), ValueError, r"count=0 is out of range: allowed \[1, 2147483647\]"),
        (lambda f: f.map(0, 1), ValueError, r"mm_id=0 is out of range: allowed \[1, 16777215\]"),
        (lambda f: f.map(2**24, 1), ValueError, r"mm_id=16777216 is out of range"),
        (lambda f: f.map(1, 2**31 - 1).map(2, 1), RmapError, "atomic_t"),
        (lambda f: f.map(1, 1).fork(1, 1), RmapError, "child=1 must differ"),
        (lambda f: f.map(1, 1).map(2, 1).fork(1, 2), RmapError, "child=2 already maps 1 pages"),
        (lambda f: f.mapped_shared(0), ValueError, "mm_id=0 is out of range"),
    ],
)
def test_bad_operations(call, exc, match):
    with pytest.raises(exc, match=match):
        call(Folio(WIP_V1, 9))


def test_order_outside_config():
    with pytest.raises(ValueError, match=r"order=16 is not covered by configuration 'wip-v1'"):
        Folio(WIP_V1, 16)


ops = st.lists(
    st.tuples(
        st.sampled_from(["map", "unmap", "fork", "exit", "check"]),
        st.integers(1, 6),
        st.integers(1, 6),
        st.integers(1, 600),
    ),
    max_size=40,
)


@given(
    st.sampled_from([(WIP_V1, 9), (WIP_V1, 13), (WIP_V1, 2), (WIP_V1_32BIT, 11)]),
    ops,
    st.data(),
)
def test_model_matches_naive_on_random_sequences(cfg_order, seq, data):
    name, order = cfg_order
    cfg = get_config(name)
    g = cfg.group_for(order)
    # spread the small ids over the whole id space so every slice is exercised
    ids = data.draw(st.lists(st.integers(1, cfg.max_id), min_size=6, max_size=6, unique=True))
    f = Folio(cfg, order)
    truth = {}
    for op, a, b, c in seq:
        ma, mb = ids[a - 1], ids[b - 1]
        if op == "map":
            f.map(ma, c)
            truth[ma] = truth.get(ma, 0) + c
        elif op == "unmap" and truth.get(ma, 0):
            k = min(c, truth[ma])
            f.unmap(ma, k)
            truth[ma] -= k
        elif op == "fork" and ma != mb and not truth.get(mb):
            f.fork(ma, mb)
            if truth.get(ma):
                truth[mb] = truth[ma]
        elif op == "exit":
            f.exit(ma)
            truth.pop(ma, None)
        elif op == "check":
            want = naive.mapped_shared(
                g.nr_values, g.bits, g.base_pages, cfg.word_bits, order, truth, ma
            )
            assert f.mapped_shared(ma) == want
        truth = {m: n for m, n in truth.items() if n}
        assert f.truth() == dict(sorted(truth.items()))
        assert f.rmap_vals == naive.folio_values(
            g.nr_values, g.bits, g.base_pages, cfg.word_bits, truth
        )
        assert f.mapcount == sum(truth.values())
