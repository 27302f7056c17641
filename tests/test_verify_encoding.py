"""The encoding verifier against brute force on tiny analogues, the moments
bound against exhaustive enumeration, and the 24-bit moments verdicts."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmaplab._kernels import encoding as K
from rmaplab.certify import JSON_FIELDS, verify_encoding
from rmaplab.cli import main
from rmaplab.encodings import default_encoding, hash64, moments, packed_base, raw_id, table
from rmaplab.encodings.moments import moments_bound, moments_construct, two_squares
from rmaplab.folio import replay
from rmaplab.verify import verify


def brute(enc, order):
    """Fewest mappings (victim's one page included) that fool the check, over
    every victim and every other id, by breadth-first search; None if none
    with n <= 2**order."""
    ids = list(range(1, enc.max_id + 1))
    add = [enc.addends(i) for i in ids]
    best = None
    for xi in range(len(ids)):
        gens = np.array(
            [
                [(a - b) & enc.mask for a, b in zip(add[j], add[xi], strict=True)]
                for j in range(len(ids))
                if j != xi
            ],
            dtype=np.uint64,
        )
        depth = (1 << order) - 1 if best is None else min((1 << order) - 1, best - 2)
        if depth < 1:
            break
        p = K.min_fooling(gens, enc.word_bits, depth)
        if p is not None:
            best = len(p) + 1
    return best


def _family(name, i, w, seed):
    if name == "packed":
        return moments(i, w, bits=2, base=packed_base(8, 2))
    if name == "slices":
        return moments(i, w, bits=2)
    if name == "random-table":
        rng = np.random.default_rng(seed)
        return table(i, w, [int(x) for x in rng.integers(0, 1 << w, 8)], bits=3)
    return default_encoding(name, i, w, 3)


FAMS = [
    "digits",
    "table",
    "moments",
    "raw-id",
    "hash64",
    "bit-counters",
    "packed",
    "slices",
    "random-table",
]


# at most the profile's count: 25 under the "nojit" profile (tests/conftest.py)
@settings(max_examples=min(60, settings.default.max_examples))
@given(
    st.sampled_from(FAMS),
    st.integers(3, 5),
    st.integers(8, 11),
    st.integers(1, 3),
    st.integers(0, 1000),
)
def test_verifier_agrees_with_brute_force(fam, i, w, order, seed):
    enc = _family(fam, i, w, seed)
    if enc.nr_values * w > 22:
        return
    v = verify_encoding(enc, order, allow_bfs=False)
    b = brute(enc, order)
    if v.verdict == "safe":
        assert b is None, (fam, v.method)
    elif v.verdict == "unsafe":
        assert b is not None and v.min_mappings >= b
        if v.proven_minimal:
            assert v.min_mappings == b, (fam, v.method)
        chk = replay(enc, order, v.counterexample)
        assert chk.false_exclusive
        assert v.counterexample["mappings"][0][0] == v.counterexample["victim"]
        assert sum(c for _, c in v.counterexample["mappings"]) == v.min_mappings
    else:
        assert v.verdict == "undecided"


# (4, 12), (5, 14) and (6, 12) agree too but take minutes each in this pure-Python
# search; the three kept here run in seconds.
@pytest.mark.parametrize("i,w", [(3, 8), (4, 8), (5, 10)])
def test_variance_bound_is_tight_or_below_the_exhaustive_minimum(i, w):
    # exhaustive over nonnegative counts on ids 1..2^i-1 with the first moment
    # exact: the fewest others N' with sum c*(x-X) = 0 and sum c*(x^2-X^2) ==
    # 0 mod 2^w, by breadth-first search on (sum d, sum d^2 mod 2^w)
    M = (1 << i) - 1
    lb = moments_bound(1, M, w)["lower_bound_others"]
    best = None
    # X and M + 1 - X mirror each other (x -> M + 1 - x negates every d, keeps d*d): the
    # search from one reaches (0, 0) in as many steps as from the other; half suffice
    for X in range(2, (M + 1) // 2 + 1):
        ds = [x - X for x in range(1, M + 1) if x != X]
        seen = {(0, 0)}
        front = [(0, 0)]
        for n in range(1, lb + 3):
            nxt = []
            for s, q in front:
                for d in ds:
                    st_ = (s + d, (q + d * d) % (1 << w))
                    if st_ == (0, 0):
                        best = n if best is None else min(best, n)
                    if st_ not in seen and abs(st_[0]) <= M * (lb + 3):
                        seen.add(st_)
                        nxt.append(st_)
            front = nxt
            if best is not None and n >= best:
                break
    assert best is not None and best >= lb  # the bound holds
    got = moments_construct(1, M, w, lb)
    if got is not None:  # a construction at the bound proves it tight
        assert best == lb


def test_moments_24_bit_ids_in_64_bit_words():
    enc = moments(24, 64)
    h = (1 << 23) - 1  # ids 1..2^24-1, X = 2^23: (hi - X)(X - lo) = h * h
    lb = -(-(2**64) // (h * h))
    assert lb == 2**18 + 1
    for o in range(0, 21):
        v = verify_encoding(enc, o)
        if o <= 16:
            assert v.verdict == "safe" and v.method in ("pages", "moments-no-wrap")
        elif o <= 18:
            assert v.verdict == "safe" and v.method == "moments-variance"
            assert v.certificate["slices"][0]["lower_bound_others"] == lb
        else:
            assert v.verdict == "unsafe" and v.proven_minimal
            assert v.min_mappings == lb + 1
            ce = v.counterexample
            counts = dict((m, c) for m, c in ce["mappings"])
            X = ce["victim"]
            n = sum(counts.values())
            assert n == lb + 1 <= 1 << o and len(counts) >= 2
            # independent of rmaplab: exact first moment, wrapped second
            assert sum(c * m for m, c in counts.items()) == n * X
            assert sum(c * m * m for m, c in counts.items()) % 2**64 == n * X * X % 2**64
            assert replay(enc, o, ce).false_exclusive


def test_moments_16_bit_ids_in_32_bit_words():
    enc = moments(16, 32)
    vs = [verify_encoding(enc, o) for o in range(6)]
    # h = 2^15 - 1, ceil(2^32 / h^2) = 5 others: safe while P - 1 < 5
    assert [v.verdict for v in vs] == ["safe"] * 3 + ["unsafe"] * 3
    # 5 others are the variance bound's minimum, and they are reached: only by
    # victims near 2/5 of the id range (k = 2 others high, 3 low), never in the
    # middle, where 5 others top out at 2 * 32767^2 + 3 * 21845^2 < 2^32
    for v in vs[3:]:
        assert (v.min_mappings, v.proven_minimal) == (6, True)
        ce = v.counterexample
        counts = dict(ce["mappings"])
        n, X = sum(counts.values()), ce["victim"]
        assert n == 6 and len(counts) == 6
        # independent of rmaplab: exact first moment, second moment wraps once
        assert sum(c * m for m, c in counts.items()) == n * X
        assert sum(c * m * m for m, c in counts.items()) - n * X * X == 2**32
        assert replay(enc, v.order, ce).false_exclusive


def test_digits_path_is_todays_verifier():
    from rmaplab.config import get_config

    cfg = get_config("wip-v1")
    for o in (6, 9, 13):
        enc = default_encoding("digits", 24, 64, 15, o)
        v, old = verify_encoding(enc, o), verify(cfg, o)
        assert (v.verdict, v.min_mappings, v.proven_minimal) == (
            old.verdict,
            old.min_mappings,
            old.proven_minimal,
        )
        if v.counterexample:
            assert v.counterexample["mappings"][0] == [old.counterexample["victim"], 1]
            assert replay(enc, o, v.counterexample).false_exclusive


def test_raw_id_and_hash():
    assert verify_encoding(raw_id(24, 64), 1).verdict == "safe"
    v = verify_encoding(raw_id(24, 64), 2)
    assert v.verdict == "unsafe" and v.min_mappings == 3 and v.proven_minimal
    assert verify_encoding(hash64(24, 64), 1).verdict == "safe"
    assert verify_encoding(hash64(24, 64), 5).verdict == "undecided"


@given(st.integers(0, 10**12))
def test_two_squares(n):
    reps = two_squares(n)
    for x, y in reps:
        assert x * x + y * y == n
    if n < 10**4:  # complete against brute force for small n
        want = {
            (x, y) for x in range(math.isqrt(n) + 1) for y in range(x + 1) if x * x + y * y == n
        }
        assert set(reps) == want


def test_cli_moments_json_contract(capsys):
    assert (
        main(
            [
                "verify",
                "--encoding",
                "moments",
                "--id-bits",
                "24",
                "--word-bits",
                "64",
                "--max-order",
                "20",
                "--all",
                "--json",
            ]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert [r["order"] for r in rows] == list(range(21))
    for r in rows:
        assert set(JSON_FIELDS) <= set(r) and r["encoding"] == "moments"
        if r["verdict"] == "safe":
            assert r["certificate"] and r["counterexample"] is None
        else:
            assert r["verdict"] == "unsafe" and r["proven_minimal"]
            assert r["min_mappings"] == 2**18 + 2
            ce = r["counterexample"]
            assert [ce["victim"], 1] == ce["mappings"][0]


@pytest.mark.parametrize(
    "argv,word",
    [
        (["--id-bits", "40", "--word-bits", "64", "--max-order", "9", "--all"], "--id-bits"),
        (["--id-bits", "24", "--word-bits", "1", "--max-order", "9", "--all"], "--word-bits"),
        (["--id-bits", "24", "--word-bits", "64", "--max-order", "64", "--all"], "--max-order"),
        (["--id-bits", "24", "--word-bits", "64", "--max-order", "9", "--order", "12"], "order"),
    ],
)
def test_cli_bad_input(capsys, argv, word):
    assert main(["verify", "--encoding", "moments", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and word in err and "allowed" in err


def _fewest_others_by_brute_force(id_bits: int, word_bits: int, most: int) -> int | None:
    """Fewest other mappings N' <= ``most`` (ids 1..2^id_bits - 1, repeats
    allowed, none the victim's) whose ``sum c*d`` and ``sum c*d^2`` (``d = x -
    X``) both vanish modulo 2^W, over every victim X: the moments check is
    fooled by the victim's one page plus them. A reachability table over
    (S1, S2) mod 2^W, one step per added mapping."""
    mod = 1 << word_bits
    best = None
    for X in range(1, 1 << id_bits):
        ds = [x - X for x in range(1, 1 << id_bits) if x != X]
        reach = np.zeros((mod, mod), dtype=bool)
        reach[0, 0] = True
        for n in range(1, most + 1):
            nxt = np.zeros_like(reach)
            for d in ds:
                nxt |= np.roll(reach, (d % mod, (d * d) % mod), axis=(0, 1))
            reach = nxt
            if reach[0, 0]:
                best = n if best is None else min(best, n)
                break
    return best


def test_tiny_moments_exhaustive_verdicts_match_a_brute_force():
    """5-bit ids in 8-bit words: the first moment cannot wrap below order 3
    ((P - 1) * 30 < 256) but the second can, so the certificate searches
    every N' exhaustively; a reachability brute force over (S1, S2) mod 256
    gives the same fewest mappings."""
    enc = moments(5, 8)
    others = _fewest_others_by_brute_force(5, 8, 7)
    assert others == 4
    v2, v3 = verify_encoding(enc, 2), verify_encoding(enc, 3)
    assert (v2.verdict, v2.method) == ("safe", "moments-exhaustive")  # 4 others > P - 1 = 3
    assert (v3.verdict, v3.method) == ("unsafe", "moments-exhaustive")
    assert v3.min_mappings == 1 + others and v3.proven_minimal
    ce = v3.counterexample
    X = ce["victim"]
    n = sum(c for _, c in ce["mappings"])
    assert sum(c * x for x, c in ce["mappings"]) % 256 == n * X % 256
    assert sum(c * x * x for x, c in ce["mappings"]) % 256 == n * X * X % 256


def test_moments_family_options_plans_and_points_at_their_edges():
    from rmaplab import ConfigError
    from rmaplab.encodings import get_family

    fam = get_family("moments")
    with pytest.raises(ConfigError, match=r"powers=\(1, 1\) must be distinct"):
        moments(8, 64, powers=(1, 1))
    with pytest.raises(ConfigError, match="--base=5 does not apply to --encoding moments"):
        fam.check_options({"--base": 5, "--packed": False})
    fam.check_options({"--base": 5, "--packed": True})
    packed = fam.default(24, 64, 9, 9, packed=True, bits=8)
    base = packed.param("base")
    # 511 * 255 = 130305 < 2^17: the smallest power of two above it
    assert base == packed_base(512, 8) == 1 << 17 and packed.nr_values == 3
    assert packed.addends(3) == [3 + 9 * base, 0, 0]  # slice 0 = 3, slices 1, 2 = 0
    # a wide slice packs at most 4 powers for the Monte Carlo kernel
    wide = moments(24, 64, 24, (1, 2, 3, 4, 5), base=3)
    with pytest.raises(ConfigError, match="allowed at most 4 powers packed"):
        fam.plan(wide)
    cubes = moments(4, 16, powers=(1, 3))
    assert fam.points(cubes, 0, [1, 2]) == [(None, [(1,), (2,)]), (None, [(1,), (8,)])]
    assert fam.closed_certificate(cubes, 2, 0) is None  # the closed form is (1, 2) only


def test_moments_search_helpers_by_hand():
    from rmaplab.encodings.moments_search import _dfs_small, _try_free, _victims

    # one free value: s itself, when its square is q and it lies in [L, U] - {0}
    assert _try_free(1, 3, 9, -5, 5) == [3]
    assert _try_free(1, 3, 8, -5, 5) is None and _try_free(1, 0, 0, -5, 5) is None
    # two: x + y = 1, x^2 + y^2 = 13 -> {3, -2}
    assert sorted(_try_free(2, 1, 13, -5, 5)) == [-2, 3]
    # three free values are not solved for
    assert _try_free(3, 0, 2, -5, 5) is None
    # two values in [-1, 1] - {0} summing to 0 have squares summing to 2: a
    # multiple of mod = 2 is found, of mod = 4 is not (and the search completes)
    assert _dfs_small(2, -1, 1, 2, 1) == ([-1, 1], True)
    assert _dfs_small(2, -1, 1, 4, 1) == (None, True)
    # past its node limit the search says it did not complete
    assert _dfs_small(6, -9, 9, 1 << 20, 10, limit=5) == (None, False)
    # every victim strictly inside (lo, hi) once, however many tries are allowed
    assert sorted(_victims(0, 6, 3, 100)) == [1, 2, 3, 4, 5]
    assert len(list(_victims(0, 100, 3, 7))) == 7
