"""The lattice search: numba kernel vs. its Python-int twin vs. the original
python-flint search (kept below verbatim as the reference), bit for bit:
least norm, the vectors kept, completeness and the node count (so a search
stopped by its node budget stops at the same node)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rmaplab.encodings.digits_lattice as DL
import rmaplab.lattice as L
import rmaplab.verify as V
from rmaplab._kernels import lattice as K
from rmaplab.config import WIP_V1
from rmaplab.lattice import _shortest_linf, lattice_basis, lll, same_sign_l1, shortest_linf

# -- the reference: the search as it was, in flint rationals --------------------


@dataclass
class FlintResult:
    bound: int
    norm: int | None
    vectors: list = field(default_factory=list)
    complete: bool = True
    nodes: int = 0


class _Stop(Exception):
    pass


def shortest_linf_flint(rows, bound, cost=None, node_limit=2_000_000, keep=256, on_nodes=None):
    """rmaplab.lattice.shortest_linf before the kernel (exact flint fmpq)."""
    import flint

    fmpq = flint.fmpq
    d = len(rows)
    bstar: list = []
    mu = [[fmpq(0)] * d for _ in range(d)]
    bnorm: list = []
    for i in range(d):
        v = [fmpq(x) for x in rows[i]]
        for j in range(i):
            num = sum((fmpq(a) * b for a, b in zip(rows[i], bstar[j], strict=False)), fmpq(0))
            mu[i][j] = num / bnorm[j]
            v = [a - mu[i][j] * b for a, b in zip(v, bstar[j], strict=False)]
        bstar.append(v)
        bnorm.append(sum((a * a for a in v), fmpq(0)))

    res = FlintResult(bound=bound, norm=None)
    best = [bound]
    found: dict = {}
    x = [0] * d
    nodes = [0]
    accepted = [False]

    def radius2():
        return fmpq(d * best[0] * best[0])

    def leaf():
        v = [0] * len(rows[0])
        for i in range(d):
            if x[i]:
                for j, a in enumerate(rows[i]):
                    v[j] += x[i] * a
        if not any(v) or max(map(abs, v)) > best[0]:
            return
        first = next(a for a in v if a)
        key = tuple(v) if first > 0 else tuple(-a for a in v)
        if key in found:
            return
        n = max(map(abs, key)) if cost is None else cost(key)
        if n is None or n > best[0]:
            return
        if n < best[0]:
            best[0] = n
            for k in [k for k, nn in found.items() if nn > n]:
                del found[k]
        accepted[0] = True
        if len(found) < keep:
            found[key] = n

    def rec(i, partial):
        nodes[0] += 1
        if nodes[0] > node_limit:
            raise _Stop
        if on_nodes is not None and nodes[0] % L.PROGRESS_NODES == 0:
            on_nodes(L.PROGRESS_NODES)
        if i < 0:
            leaf()
            return
        c = -sum((mu[j][i] * x[j] for j in range(i + 1, d)), fmpq(0))
        bi = bnorm[i]
        x0 = int(c.floor())
        if c - x0 > fmpq(1, 2):
            x0 += 1
        for direction in (0, 1):
            xi = x0 if direction == 0 else x0 - 1
            step = 1 if direction == 0 else -1
            while True:
                t = fmpq(xi) - c
                part = partial + t * t * bi
                if part > radius2():
                    break
                x[i] = xi
                rec(i - 1, part)
                xi += step
        x[i] = 0

    try:
        rec(d - 1, fmpq(0))
    except _Stop:
        res.complete = False
    res.nodes = nodes[0]
    if accepted[0]:
        res.norm = best[0]
        res.vectors = sorted(k for k, n in found.items() if n == best[0])
    return res


def _key(r):
    return (r.norm, r.vectors, r.complete, r.nodes)


def _all_three(rows, bound, cost=None, node_limit=2_000_000, keep=256):
    ref = shortest_linf_flint(rows, bound, cost, node_limit, keep)
    py = _shortest_linf(rows, bound, cost, node_limit, keep, None, engine="python")
    engine = "numba" if K.kernel_inputs(K.exact_gs(rows)) is not None else "auto"
    if len(rows) * bound * bound > K.MAX_R2:
        engine = "auto"
    nb = _shortest_linf(rows, bound, cost, node_limit, keep, None, engine=engine)
    assert _key(py) == _key(ref)
    assert _key(nb) == _key(ref)
    return ref


def _mixed_cost(v):
    """A cost >= ||v||_inf that refuses some vectors (as verify's does)."""
    if v[-1] < 0:
        return None
    return max(map(abs, v)) + (sum(v) & 1)


COSTS = [None, same_sign_l1, _mixed_cost]


@cache
def _basis(weights: tuple[int, ...], word_bits: int):
    return lll(lattice_basis(list(weights), word_bits))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    word_bits=st.integers(3, 24),
    d=st.integers(1, 6),
    seed=st.integers(0, 2**32),
    bound=st.integers(0, 12),
    cost=st.sampled_from(range(len(COSTS))),
    node_limit=st.sampled_from([1, 7, 60, 500, 10**6]),
    keep=st.sampled_from([1, 3, 256]),
)
def test_kernel_twin_and_flint_agree_on_random_lattices(
    word_bits, d, seed, bound, cost, node_limit, keep
):
    rnd = random.Random(seed)
    mod = 1 << word_bits
    weights = (1, *(rnd.randrange(mod) for _ in range(d - 1)))
    _all_three(_basis(weights, word_bits), bound, COSTS[cost], node_limit, keep)


def test_power_lattices_with_ties_agree():
    """Bases of powers of P + 1 (the digits family): their Gram-Schmidt
    centers sit on half-integers and their partial sums on the radius, the
    decisions floats cannot certify; the exact twin takes them."""
    seen = {"resolve": 0}
    real = K.resolve

    def counting(*args):
        seen["resolve"] += 1
        return real(*args)

    K.resolve = counting
    try:
        for base, d, w, bound in [(9, 6, 16, 6), (17, 5, 20, 4), (5, 8, 16, 3), (33, 4, 24, 10)]:
            rows = _basis(tuple(pow(base, j, 1 << w) for j in range(d)), w)
            for cost in COSTS:
                for limit in (50, 10**6):
                    _all_three(rows, bound, cost, limit)
    finally:
        K.resolve = real
    assert seen["resolve"] > 0  # the exact decisions were exercised


def test_hand_over_to_the_twin_mid_search(monkeypatch):
    """A coefficient beyond the kernel's int64 cap: the twin finishes the
    search from the kernel's state, with the same result and node count."""
    rows = _basis(tuple(pow(9, j, 1 << 16) for j in range(6)), 16)
    want = _key(shortest_linf_flint(rows, 6))
    monkeypatch.setattr(K, "xmax", lambda gs: 1)
    handed = {"n": 0}
    real = K.python_state

    def counting(gs, stt):
        handed["n"] += 1
        return real(gs, stt)

    monkeypatch.setattr(K, "python_state", counting)
    got = _shortest_linf(rows, 6, None, 2_000_000, 256, None, engine="numba")
    assert _key(got) == want and handed["n"] > 0


def test_progress_reports_match():
    rows = _basis(tuple(pow(513, j, 2**64) for j in range(8)), 64)
    a: list[int] = []
    b: list[int] = []
    ref = shortest_linf_flint(rows, 70, on_nodes=a.append)
    got = shortest_linf(rows, 70, on_nodes=b.append)
    assert _key(got) == _key(ref) and a == b and len(a) == ref.nodes // L.PROGRESS_NODES


def test_dtype_policy_falls_back_to_the_twin():
    rows = [[1 << 64]]  # an entry beyond MAX_ENTRY
    assert K.kernel_inputs(K.exact_gs(rows)) is None
    with pytest.raises(ValueError, match="dtype policy"):
        _shortest_linf(rows, 3, None, 100, 256, None, engine="numba")
    assert _key(shortest_linf(rows, 3)) == _key(shortest_linf_flint(rows, 3))
    rows = _basis((1, 5, 25), 8)
    big = 1 << 30  # d * bound**2 > 2**53: the twin alone
    assert _key(shortest_linf(rows, big)) == _key(shortest_linf_flint(rows, big))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="bound"):
        shortest_linf([[1, 0], [0, 1]], -1)
    with pytest.raises(ValueError, match="engine"):
        _shortest_linf([[1]], 1, None, 10, 1, None, engine="C")
    with pytest.raises(ValueError, match="independent"):
        shortest_linf([[1, 2], [2, 4]], 3)


@pytest.mark.jit_heavy  # the flint reference and the kernel as Python: minutes
@pytest.mark.parametrize("order", [6, 7, 8, 9])
def test_verify_wip_v1_lattices_agree(order, monkeypatch):
    """Every search verify makes for wip-v1 orders 6..9, through all three
    engines; the 71-mapping counterexample comes out the same."""
    calls = {"n": 0}

    def checked(rows, bound, cost=None, node_limit=2_000_000, keep=256, on_nodes=None):
        calls["n"] += 1
        ref = shortest_linf_flint(rows, bound, cost, node_limit, keep)
        py = _shortest_linf(rows, bound, cost, node_limit, keep, None, engine="python")
        nb = _shortest_linf(rows, bound, cost, node_limit, keep, None, engine="auto")
        assert _key(py) == _key(ref) and _key(nb) == _key(ref)
        return nb

    V._search.cache_clear()
    monkeypatch.setattr(DL, "shortest_linf", checked)
    v = V.verify(WIP_V1, order)
    V._search.cache_clear()
    assert calls["n"] > 0
    if order == 6:
        assert v.verdict == "safe" and v.shortest_norm == 70
    else:
        assert v.verdict == "unsafe" and v.min_mappings == 71 and v.proven_minimal


@pytest.mark.jit_heavy  # 20000 nodes per case through the kernel
def test_bench_lattice_runs_and_sides_agree():
    """numba, C and the Python twin visit the same nodes (no timing asserted)."""
    import subprocess
    import sys

    from paths import ROOT

    argv = ["--repeat", "1", "--nodes", "20000", "--python-nodes", "2000"]
    p = subprocess.run(
        [sys.executable, "benchmarks/bench_lattice.py", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert "identical False" not in p.stdout and p.stdout.count("identical True") == 5
