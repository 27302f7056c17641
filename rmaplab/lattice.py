"""Exact shortest-vector search in the L-infinity norm for rmap-sum lattices.

For one rmap value with ``d`` id bits, digit weights ``w_j = b**j mod 2**W``
(``b = P_g + 1``) and word width ``W``, the integer vectors

    L = { D in Z^d : sum_j D_j * w_j == 0  (mod 2**W) }

form a lattice of determinant ``2**W`` (``w_0 = 1``). ``D_j`` is the
difference, summed over the other mms' mappings, between their bit ``j`` and
the victim's bit ``j`` (see :mod:`rmaplab.verify`). The smallest number of
other mappings that fool the check is the shortest nonzero ``||D||_inf``.

The basis is LLL-reduced with python-flint; the search is a Fincke-Pohst
enumeration over the L2 ball of radius ``sqrt(d) * R``, which contains the
L-infinity box of radius ``R``, done in exact rational arithmetic (flint
``fmpq``), so a completed enumeration is a proof.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SearchResult", "iroot", "lattice_basis", "lll", "shortest_linf"]


def iroot(x: int, k: int) -> int:
    """Largest integer ``r`` with ``r**k <= x`` (exact, for ``x >= 0``)."""
    if x < 0 or k < 1:
        raise ValueError("iroot needs x >= 0 and k >= 1")
    if x < 2:
        return x
    r = 1 << ((x.bit_length() + k - 1) // k)  # r**k >= x
    while True:
        s = ((k - 1) * r + x // r ** (k - 1)) // k
        if s >= r:
            break
        r = s
    while r**k > x:
        r -= 1
    while (r + 1) ** k <= x:
        r += 1
    return r


def lattice_basis(weights: list[int], word_bits: int) -> list[list[int]]:
    """Rows spanning ``{D : sum D_j w_j == 0 mod 2**W}``; needs ``w_0 == 1``."""
    if weights[0] != 1:
        raise ValueError("weights[0] must be 1")
    d = len(weights)
    mod = 1 << word_bits
    rows = [[mod] + [0] * (d - 1)]
    for j in range(1, d):
        row = [0] * d
        row[0] = -weights[j] % mod
        row[j] = 1
        rows.append(row)
    return rows


def lll(rows: list[list[int]]) -> list[list[int]]:
    import flint

    m = flint.fmpz_mat(rows).lll()
    return [[int(m[i, j]) for j in range(m.ncols())] for i in range(m.nrows())]


def _linf(v) -> int:
    return max(abs(x) for x in v)


@dataclass
class SearchResult:
    """Outcome of :func:`shortest_linf`.

    ``norm`` is the smallest L-infinity norm found among accepted vectors
    (``None`` if none at or below the bound), ``vectors`` all accepted
    vectors of that norm (one of each ``+-`` pair, at most ``keep``),
    ``complete`` whether the enumeration finished (then ``norm`` is the
    exact minimum over accepted vectors at or below ``bound``).
    """

    bound: int
    norm: int | None
    vectors: list[tuple[int, ...]] = field(default_factory=list)
    complete: bool = True
    nodes: int = 0
    #: set by the verifier: False when a heuristic cost may hide a smaller minimum
    exact: bool = True


#: Nodes between two calls of ``on_nodes`` (progress reports).
PROGRESS_NODES = 10_000


def shortest_linf(
    rows: Sequence[Sequence[int]],
    bound: int,
    cost: Callable[[tuple[int, ...]], int | None] | None = None,
    node_limit: int = 2_000_000,
    keep: int = 256,
    on_nodes: Callable[[int], object] | None = None,
) -> SearchResult:
    """All lattice vectors of least ``cost`` among those with ``cost <= bound``.

    ``rows`` is a (preferably LLL-reduced) basis. ``cost(v)`` defaults to
    ``||v||_inf``; a custom cost must be ``>= ||v||_inf`` (so the L-infinity
    pruning stays exact) or ``None`` for a vector that does not count. The
    bound shrinks to the best cost as the search proceeds; ``norm`` in the
    result is that least cost. ``on_nodes(n)``, if given, is called after
    every :data:`PROGRESS_NODES` nodes with ``n`` (for a progress bar).
    """
    import flint

    fmpq = flint.fmpq
    d = len(rows)
    # exact Gram-Schmidt
    bstar: list[list[Any]] = []
    mu = [[fmpq(0)] * d for _ in range(d)]
    bnorm: list[Any] = []
    for i in range(d):
        v = [fmpq(x) for x in rows[i]]
        for j in range(i):
            num = sum((fmpq(a) * b for a, b in zip(rows[i], bstar[j], strict=False)), fmpq(0))
            mu[i][j] = num / bnorm[j]
            v = [a - mu[i][j] * b for a, b in zip(v, bstar[j], strict=False)]
        bstar.append(v)
        bnorm.append(sum((a * a for a in v), fmpq(0)))

    res = SearchResult(bound=bound, norm=None)
    best = [bound]
    found: dict[tuple[int, ...], int] = {}
    x = [0] * d
    nodes = [0]
    accepted = [False]

    def radius2():
        return fmpq(d * best[0] * best[0])

    def leaf():
        v = [0] * len(rows[0])
        for i in range(d):
            if x[i]:
                xi = x[i]
                for j, a in enumerate(rows[i]):
                    v[j] += xi * a
        if not any(v):
            return
        if _linf(v) > best[0]:
            return
        first = next(a for a in v if a)
        key = tuple(v) if first > 0 else tuple(-a for a in v)
        if key in found:
            return
        n = _linf(key) if cost is None else cost(key)
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
        if on_nodes is not None and nodes[0] % PROGRESS_NODES == 0:
            on_nodes(PROGRESS_NODES)
        if i < 0:
            leaf()
            return
        c = -sum((mu[j][i] * x[j] for j in range(i + 1, d)), fmpq(0))
        bi = bnorm[i]
        # start at the integer nearest c, then walk outward both ways
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


class _Stop(Exception):
    pass
