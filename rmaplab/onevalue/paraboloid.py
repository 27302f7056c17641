"""Paraboloid point sets in closed form, for any size (no enumeration).

The points are ``(u, q(u))``, ``u`` in ``Z**m``, ``q(u) = sum_i u_i (u_i -
1) / 2``: the graph of a strictly convex function, so every subset is in
strictly convex position. ``f(x) = x (x - 1) / 2`` takes the value
``k (k + 1) / 2`` exactly at ``x = -k`` and ``x = k + 1`` (k >= 0), so
``count(m, T) = #{u : q(u) <= T}`` is ``2**m`` times the number of
``k`` in ``N**m`` with ``sum k_i (k_i + 1) / 2 <= T``.

For ``N`` points take the least ``T`` with ``count(m, T) >= N`` and the
first ``N`` points of ``{q <= T}`` in lexicographic order of ``u``. The
ranges of that superset bound the set's ranges (the lemma of
:mod:`rmaplab.onevalue.packing` needs only bounds): every ``u_i`` lies in
``[-k_T, k_T + 1]`` (``k_T``: largest k with ``k (k + 1) / 2 <= T``) and
``q`` in ``[0, T]``, so ``R = (2 k_T + 1, ..., 2 k_T + 1, T)``.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from functools import lru_cache

import numpy as np

__all__ = ["count", "height", "kmax", "superset_ranges", "unrank"]


def kmax(t: int) -> int:
    """Largest k >= 0 with k (k + 1) / 2 <= t (-1 if t < 0)."""
    if t < 0:
        return -1
    k = (math.isqrt(8 * t + 1) - 1) // 2
    return k


@lru_cache(maxsize=1 << 16)
def count(m: int, t: int) -> int:
    """``#{u in Z**m : q(u) <= t}`` (exact)."""
    if t < 0:
        return 0
    if m == 1:
        return 2 * (kmax(t) + 1)
    k = np.arange(kmax(t) + 1, dtype=np.int64)
    tri = k * (k + 1) // 2
    if m == 2:
        rem = t - tri
        ks = (np.sqrt(8 * rem.astype(np.float64) + 1).astype(np.int64) - 1) // 2
        # exact fix of the float estimate
        ks = ks + ((ks + 1) * (ks + 2) // 2 <= rem) - (ks * (ks + 1) // 2 > rem)
        return int(2 * (2 * (ks + 1)).sum())
    return sum(2 * count(m - 1, t - int(x)) for x in tri)


@lru_cache(maxsize=256)
def height(m: int, n: int) -> int:
    """Least ``T`` with ``count(m, T) >= n``."""
    lo, hi = 0, 1
    while count(m, hi) < n:
        hi *= 2
    while lo < hi:
        mid = (lo + hi) // 2
        if count(m, mid) >= n:
            hi = mid
        else:
            lo = mid + 1
    return lo


def superset_ranges(m: int, n: int) -> list[int]:
    t = height(m, n)
    k = kmax(t)
    return [2 * k + 1] * m + [t]


def _f(x: int) -> int:
    return x * (x - 1) // 2


def unrank(m: int, n: int, i: int) -> tuple[int, ...]:
    """Point ``i`` (0-based) of the ``n``-point set: ``(u_0, .., u_{m-1}, q)``."""
    if not 0 <= i < n:
        raise ValueError(f"index={i} is out of range: allowed [0, {n - 1}]")
    t = height(m, n)
    u: list[int] = []
    rem = t
    for d in range(m, 0, -1):
        k = kmax(rem)
        xs = list(range(-k, k + 2))
        if d == 1:
            x = xs[i]
        else:
            sizes = [count(d - 1, rem - _f(x)) for x in xs]
            pref = np.cumsum(sizes).tolist()
            j = bisect_right(pref, i)
            x = xs[j]
            i -= pref[j - 1] if j else 0
        u.append(x)
        rem -= _f(x)
    return (*u, sum(_f(x) for x in u))


def enumerate_points(m: int, n: int) -> np.ndarray:
    """All ``n`` points in id order (vectorised; for tests and tables)."""
    t = height(m, n)
    k = kmax(t)
    axis = np.arange(-k, k + 2, dtype=np.int64)
    grid = np.stack(np.meshgrid(*([axis] * m), indexing="ij"), axis=-1).reshape(-1, m)
    q = (grid * (grid - 1) // 2).sum(axis=1)
    keep = q <= t
    grid, q = grid[keep], q[keep]
    # meshgrid 'ij' order is already lexicographic in u
    return np.concatenate([grid[:n], q[:n, None]], axis=1)
