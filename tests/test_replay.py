import os
import subprocess
import sys

import naive
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from paths import ROOT

from rmaplab import ConfigError, Group, RmapConfig, RmapError, get_config
from rmaplab.config import WIP_V1
from rmaplab.encodings import digits, hash64, moments, pdep, table
from rmaplab.replay import replay, replay_python, value_updates

# Words far too small for their groups: sums wrap on almost every stream.
TINY16 = RmapConfig("tiny16", 8, 16, (Group(0, 2, 1, 8), Group(3, 5, 2, 4)))
TINY8 = RmapConfig("tiny8", 6, 8, (Group(0, 1, 2, 3), Group(2, 4, 3, 2)))
CONFIGS = [get_config("wip-v1"), get_config("wip-v1-32bit"), TINY16, TINY8]


def _ops(draw, orders, ids, max_size):
    """A valid stream over folios with ``orders`` and mms ``ids``: ``(folio,
    mm, delta, check)`` lists; an unmap never takes more than the mm holds.
    Counts go past the page count and, half the time, past 2**16."""
    nf = len(orders)
    big = draw(st.booleans())
    raw = draw(
        st.lists(
            st.tuples(
                st.integers(0, nf - 1),
                st.integers(0, len(ids) - 1),
                st.integers(0, 2**20 if big else 2 ** max(orders)),
                st.booleans(),
                st.booleans(),
            ),
            max_size=max_size,
        )
    )
    held = {}
    folio, mm, delta, check = [], [], [], []
    for f, j, c, unmap, chk in raw:
        m = ids[j]
        h = held.get((f, m), 0)
        d = -min(c, h) if unmap else c
        held[(f, m)] = h + d
        folio.append(f), mm.append(m), delta.append(d), check.append(chk)
    return folio, mm, delta, check


@st.composite
def streams(draw):
    cfg = draw(st.sampled_from(CONFIGS))
    nf = draw(st.integers(1, 4))
    orders = draw(st.lists(st.sampled_from(cfg.orders), min_size=nf, max_size=nf))
    ids = draw(st.lists(st.integers(1, cfg.max_id), min_size=1, max_size=5, unique=True))
    return (cfg, orders, *_ops(draw, orders, ids, max_size=60))


def _naive(cfg, orders, folio, mm, delta, check):
    groups = {o: (g.nr_values, g.bits, g.base_pages) for g in cfg.groups for o in g.orders}
    return naive.replay(groups, cfg.word_bits, orders, folio, mm, delta, check)


@given(streams())
def test_kernel_matches_python_model_and_naive(s):
    cfg, orders, folio, mm, delta, check = s
    r = replay(cfg, orders, folio, mm, delta, check)
    p = replay_python(cfg, orders, folio, mm, delta, check)
    assert r.rmap_vals.dtype == np.uint64 and r.answers.dtype == np.int8
    assert np.array_equal(r.rmap_vals, p.rmap_vals)
    assert np.array_equal(r.mapcount, p.mapcount)
    assert np.array_equal(r.answers, p.answers)
    assert np.array_equal(r.truth, p.truth)
    mc, vals, ans, tr = _naive(cfg, orders, folio, mm, delta, check)
    assert r.mapcount.tolist() == mc
    for row, want in zip(r.rmap_vals.tolist(), vals, strict=False):
        assert row[: len(want)] == want and not any(row[len(want) :])
    assert r.answers.tolist() == ans
    assert r.truth.tolist() == tr


@given(streams())
def test_kernel_matches_its_python_int_twin(s):
    from rmaplab._kernels.replay import replay_stream, replay_stream_python
    from rmaplab.replay import _resolve, replay_inputs

    cfg, orders, folio, mm, delta, check = s
    cfg, orders, stream = _resolve(cfg, orders, folio, mm, delta, check, None)
    inp = replay_inputs(cfg, orders, stream)
    st, tr = replay_stream(inp, truth=True)
    pst, ptr = replay_stream_python(inp)
    for a, b in zip(st + tr, pst + ptr, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    st2, none = replay_stream(inp, truth=False)
    assert none is None and all(np.array_equal(a, b) for a, b in zip(st, st2, strict=True))


def test_kernel_entry_refuses_indices_out_of_range():
    from rmaplab._kernels.replay import replay_stream
    from rmaplab.replay import _resolve, replay_inputs

    cfg, orders, stream = _resolve(WIP_V1, 9, [0, 1], [1, 2], [1, 1], None, 2)
    inp = replay_inputs(cfg, orders, stream)
    with pytest.raises(ValueError, match=r"folio holds entries outside the allowed range \[0, 1\]"):
        replay_stream(inp._replace(folio=np.array([0, 2])))
    with pytest.raises(ValueError, match=r"mm holds entries outside"):
        replay_stream(inp._replace(mm=np.array([0, -1])))


def test_streams_do_wrap_the_words():
    # tiny16, order 5: id 255 -> slices 15, 15 -> subid 1 + 33 + 33**2 + 33**3
    s = 1 + 33 + 33**2 + 33**3
    r = replay(TINY16, [5], [0, 0], [255, 255], [32, 0], [False, True])
    assert 32 * s > 2**16
    assert r.rmap_vals[0].tolist() == [(32 * s) % 2**16] * 2
    assert r.answers.tolist() == [-1, 0]
    # wip-v1 order 9: 512 * subid(512, 255) > 2**64
    r = replay(WIP_V1, 9, [0], [2**24 - 1], [512], [True], n_folios=1)
    big = sum(513**j for j in range(8))
    assert 512 * big > 2**64
    assert r.rmap_vals[0].tolist() == [(512 * big) % 2**64] * 3
    assert r.answers.tolist() == [0]


def test_truth_off_gives_same_answers():
    rng = np.random.default_rng(7)
    n = 5000
    f = rng.integers(0, 16, n)
    m = rng.integers(1, 9, n)
    d = rng.integers(1, 3, n)
    c = rng.random(n) < 0.5
    a = replay(WIP_V1, 10, f, m, d, c, n_folios=16)
    b = replay(WIP_V1, 10, f, m, d, c, n_folios=16, truth=False)
    assert b.truth is None
    assert np.array_equal(a.answers, b.answers) and np.array_equal(a.rmap_vals, b.rmap_vals)
    df = a.checks()
    assert len(df) == int(c.sum())
    assert a.false_exclusive_count() == int(df["false_exclusive"].sum())


def test_value_updates_counts_k_per_update():
    assert value_updates(WIP_V1, 15, [0, 0, 0], [1, 0, -1]) == 12
    assert value_updates(WIP_V1, [9, 13], [0, 1, 1], [1, 2, 0]) == 9


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (
            dict(folio=[0, 0], mm_id=[1, 1], delta=[1, -2]),
            RmapError,
            r"op 1: delta=-2 unmaps 2 pages of folio 0 for mm 1, which maps 1: allowed delta >= -1",
        ),
        (
            dict(folio=[0, 1], mm_id=[1, 1], delta=[1, -1]),
            RmapError,
            r"op 1: delta=-1 unmaps 1 pages of folio 1 for mm 1, which maps 0",
        ),
        (
            dict(folio=[2], mm_id=[1], delta=[1]),
            ConfigError,
            r"folio\[0\]=2 is out of range: allowed \[0, 1\]",
        ),
        (
            dict(folio=[0], mm_id=[0], delta=[1]),
            ConfigError,
            r"mm_id\[0\]=0 is out of range: allowed \[1, 16777215\]",
        ),
        (
            dict(folio=[0], mm_id=[2**24], delta=[1]),
            ConfigError,
            r"mm_id\[0\]=16777216 is out of range",
        ),
        (
            dict(folio=[0], mm_id=[1], delta=[2**31]),
            ConfigError,
            r"delta\[0\]=2147483648 is out of range",
        ),
        (
            dict(folio=[0, 0], mm_id=[1, 2], delta=[2**31 - 1, 1]),
            RmapError,
            "op 1: folio 0 mapcount would exceed",
        ),
        (
            dict(folio=[0, 0], mm_id=[1], delta=[1, 1]),
            ConfigError,
            "mm_id has 1 entries, folio has 2",
        ),
        (dict(folio=[0.5], mm_id=[1], delta=[1]), ConfigError, "folio must hold integers"),
    ],
)
def test_bad_streams(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        replay(WIP_V1, 9, n_folios=2, **kwargs)
    with pytest.raises(exc, match=match):
        replay_python(WIP_V1, 9, n_folios=2, **kwargs)


def test_bad_orders():
    with pytest.raises(ConfigError, match=r"order=16 is not covered"):
        replay(WIP_V1, [9, 16], [0], [1], [1])
    with pytest.raises(ConfigError, match="n_folios is required"):
        replay(WIP_V1, 9, [0], [1], [1])


@pytest.mark.skipif(
    os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="already the pure-Python job"
)
@pytest.mark.skipif(
    os.environ.get("RMAPLAB_NOJIT_STAGE") == "1",
    reason=".ci/run stage 3 runs the whole suite with NUMBA_DISABLE_JIT=1 instead",
)
def test_pure_python_paths():
    """The kernel tests again with NUMBA_DISABLE_JIT=1, so the kernel bodies'
    Python execution is covered too (stumpy/galois practice)."""
    env = dict(os.environ, NUMBA_DISABLE_JIT="1", RMAPLAB_HYPOTHESIS_PROFILE="nojit")
    files = [
        "tests/test_subid.py",
        "tests/test_replay.py",
        "tests/test_folio.py",
        "tests/test_verify.py::test_exhaustive_kernel_matches_pure_python_bfs",
        "tests/test_schemes.py::test_numba_replay_matches_python_schemes",
        "tests/test_schemes.py::test_numba_replay_counterexample_and_errors",
        "tests/test_collide.py::test_mc_kernel_small_run_agrees_with_exact",
        "tests/test_collide.py::test_mc_kernel_is_bit_identical_to_its_python_twin",
        "tests/test_collide.py::test_monte_carlo_python_twin_matches_tasks",
        "tests/test_collide.py::test_mc_kernel_per_family_same_seed_same_hits",
        "tests/test_collide.py::test_kernel_addends_are_the_encodings",
        "tests/test_kernels.py",
    ]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error::RuntimeWarning",
            *files,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout


# -- replay under an Encoding ----------------------------------------------------


@st.composite
def encodings(draw):
    """An Encoding and the plain spec naive.enc_addends reads, from the same
    parameters: digits, PDEP and random tables, moments (whole id or slices,
    packed or not) and hash64, in 16-, 32- or 64-bit words."""
    fam = draw(st.sampled_from(["digits", "pdep", "table", "moments", "packed", "hash64"]))
    w = draw(st.sampled_from([16, 32, 64]))
    i = draw(st.integers(3, 24))
    spec = {"family": fam, "id_bits": i, "word_bits": w}
    if fam == "digits":
        b, base = draw(st.integers(1, min(i, 12))), draw(st.integers(2, 2**20))
        spec.update(bits=b, base=base)
        return digits(i, w, bits=b, base=base), spec
    if fam == "pdep":
        b, db = draw(st.integers(1, min(i, 8))), draw(st.integers(1, 12))
        spec.update(bits=b, digit_bits=db)
        return pdep(i, w, b, db), spec
    if fam == "table":
        b = draw(st.integers(max(1, -(-i // 6)), min(i, 5)))
        n = -(-i // b)
        entry = st.integers(0, 2**64 - 1)
        tabs = draw(st.lists(st.lists(entry, min_size=2**b, max_size=2**b), min_size=n, max_size=n))
        spec.update(bits=b, tables=tabs)
        return table(i, w, tabs, bits=b), spec
    if fam == "hash64":
        k = draw(st.integers(1, 3))
        spec.update(values=k)
        return hash64(i, w, k), spec
    powers = draw(st.sampled_from([(1, 2), (1,), (1, 2, 3), (2, 3)]))
    b = draw(st.sampled_from([i, draw(st.integers(1, i))]))
    base = draw(st.integers(2, 2**40)) if fam == "packed" else None
    spec.update(family="moments", bits=b, powers=powers, base=base)
    return moments(i, w, b, powers, base), spec


@st.composite
def encoded_streams(draw):
    enc, spec = draw(encodings())
    nf = draw(st.integers(1, 3))
    orders = draw(st.lists(st.integers(0, 12), min_size=nf, max_size=nf))
    ids = draw(st.lists(st.integers(1, enc.max_id), min_size=1, max_size=5, unique=True))
    return (enc, spec, orders, *_ops(draw, orders, ids, max_size=40))


@given(encoded_streams())
def test_encoding_replay_kernel_matches_folio_model_and_naive(s):
    enc, spec, orders, folio, mm, delta, check = s
    r = replay(enc, orders, folio, mm, delta, check)
    p = replay_python(enc, orders, folio, mm, delta, check)
    assert r.encoding is enc and r.config is None and p.encoding is enc
    for a, b in [(r.rmap_vals, p.rmap_vals), (r.mapcount, p.mapcount), (r.answers, p.answers)]:
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert np.array_equal(r.truth, p.truth)
    mc, vals, ans, tr = naive.replay_addends(
        lambda x: naive.enc_addends(spec, x), enc.word_bits, orders, folio, mm, delta, check
    )
    assert r.mapcount.tolist() == mc
    assert r.rmap_vals.tolist() == vals
    assert r.answers.tolist() == ans and r.truth.tolist() == tr
    assert value_updates(enc, orders, folio, delta) == enc.nr_values * sum(d != 0 for d in delta)


@given(encoded_streams())
def test_encoding_replay_kernel_matches_its_python_int_twin(s):
    from rmaplab._kernels.replay import replay_stream, replay_stream_python
    from rmaplab.replay import _resolve, addend_table, replay_inputs

    enc, spec, orders, folio, mm, delta, check = s
    model, orders, stream = _resolve(enc, orders, folio, mm, delta, check, None)
    inp = replay_inputs(model, orders, stream)
    uniq = sorted(set(mm))
    # the addend table, tabulated or per id, is naive's definition row by row
    assert inp.subids.shape == (1, max(len(uniq), 1), enc.nr_values)
    assert inp.subids[0, : len(uniq)].tolist() == [naive.enc_addends(spec, x) for x in uniq]
    assert addend_table(enc, np.array(uniq)).tolist() == [enc.addends(x) for x in uniq]
    st_, tr = replay_stream(inp, truth=True)
    pst, ptr = replay_stream_python(inp)
    for a, b in zip(st_ + tr, pst + ptr, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_encoding_streams_wrap_16_and_32_bit_words():
    # sum of squares of 0xFFFF over 512 mappings wraps a 32-bit word many times
    enc = moments(16, 32)
    r = replay(enc, [9], [0, 0], [0xFFFF, 0xFFFF], [512, 0], [False, True])
    assert 512 * 0xFFFF**2 > 2**32
    assert r.rmap_vals[0].tolist() == [512 * 0xFFFF % 2**32, 512 * 0xFFFF**2 % 2**32]
    assert r.answers.tolist() == [-1, 0]
    # hash64 in 16-bit words: mm 1 and mm 2 with counts that wrap the word
    h = hash64(8, 16, 2)
    a1 = naive.enc_addends({"family": "hash64", "word_bits": 16, "values": 2}, 1)
    a2 = naive.enc_addends({"family": "hash64", "word_bits": 16, "values": 2}, 2)
    r = replay(h, [20], [0, 0, 0], [1, 2, 1], [70000, 3, 0], [False, False, True])
    want = [(70000 * x + 3 * y) % 2**16 for x, y in zip(a1, a2, strict=True)]
    assert r.rmap_vals[0].tolist() == want and r.answers.tolist() == [-1, -1, 1]
    assert (
        replay_python(h, [20], [0, 0, 0], [1, 2, 1], [70000, 3, 0], [0, 0, 1]).rmap_vals[0].tolist()
        == want
    )


def test_encoding_replay_reproduces_a_verifier_counterexample():
    """The verifier's moments counterexample, as a stream: the numba replay
    answers 'exclusive' while the truth is 'shared' (one false exclusive)."""
    from rmaplab.certify import verify_encoding

    enc = moments(6, 16)
    ce = verify_encoding(enc, 8).counterexample
    pairs = ce["mappings"]
    n = len(pairs)
    chk = [False] * (n - 1) + [True]
    # the victim's entry is first; check the victim after the last mapping
    mm = [m for m, _ in pairs[1:]] + [pairs[0][0]]
    cnt = [c for _, c in pairs[1:]] + [pairs[0][1]]
    assert pairs[0][0] == ce["victim"]
    for fn in (replay, replay_python):
        r = fn(enc, 8, [0] * n, mm, cnt, chk, n_folios=1)
        assert r.answers.tolist()[-1] == 0 and r.truth.tolist()[-1] == 1
        assert r.false_exclusive_count() == 1


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda f: f(moments(6, 16), 9, [0], [64], [1], n_folios=1), r"mm_id\[0\]=64 .*\[1, 63\]"),
        (lambda f: f(moments(6, 16), 31, [0], [1], [1], n_folios=1), r"order=31 .*\[0, 30\]"),
        (lambda f: f("moments", 9, [0], [1], [1], n_folios=1), "not a resolved configuration"),
    ],
)
def test_encoding_replay_bad_input(call, match):
    for fn in (replay, replay_python):
        with pytest.raises(ConfigError, match=match):
            call(fn)
