"""The ``moments`` family's fooling-population search: victims and other
mappings whose first moment is exact and whose second moment wraps.

:func:`moments_construct` meets the variance bound of
:func:`rmaplab.encodings.moments.moments_bound` with most mappings at the two
ends of the id range and up to four solved for by two squares
(:func:`rmaplab.encodings.two_squares.two_squares`); tiny cases are searched
exhaustively (:func:`moments_exhaustive`), so finding nothing there proves
that many mappings cannot fool the check.
"""

from __future__ import annotations

import math
from functools import lru_cache

from .two_squares import two_squares

__all__ = ["moments_construct", "moments_exhaustive"]


def _try_free(r: int, s: int, q: int, L: int, U: int) -> list[int] | None:
    """``r`` values in ``[L, U] - {0}`` with sum ``s`` and sum of squares ``q``."""
    if r == 0:
        return [] if s == 0 and q == 0 else None
    if q < 0 or q * r < s * s:
        return None
    if r == 1:
        return [s] if q == s * s and L <= s <= U and s else None
    if r == 2:
        u2 = 2 * q - s * s
        u = math.isqrt(u2)
        if u * u != u2 or (s + u) % 2:
            return None
        f = [(s + u) // 2, (s - u) // 2]
        return f if all(L <= x <= U and x for x in f) else None
    if r == 4:
        # two pairs: sums s1, s2; differences u1, u2 with u1^2 + u2^2 = R
        mid = s // 2
        for ds in (0, 1, -1, 2, -2, 3, -3, 5, -5, 8, -8):
            s1 = mid + ds
            s2 = s - s1
            R = 2 * q - s1 * s1 - s2 * s2
            if R < 0:
                continue
            for a, b in two_squares(R, limit=16):
                for u1, u2 in ((a, b), (b, a)):
                    if (s1 + u1) % 2 or (s2 + u2) % 2:
                        continue
                    f = [(s1 + u1) // 2, (s1 - u1) // 2, (s2 + u2) // 2, (s2 - u2) // 2]
                    if all(L <= x <= U and x for x in f):
                        return f
        return None
    return None


def _dfs_small(n: int, L: int, U: int, mod: int, tmax: int, limit: int = 200_000):
    """Exhaustive: ``n`` values (nondecreasing) in ``[L, U] - {0}`` with sum 0
    and sum of squares a positive multiple of ``mod`` (small cases only)."""
    vals = [v for v in range(L, U + 1) if v]
    nodes = [0]
    out: list[int] = []

    def rec(i, start, s, q):
        nodes[0] += 1
        if nodes[0] > limit:
            raise StopIteration
        left = n - i
        if left == 0:
            return s == 0 and q > 0 and q % mod == 0
        # the rest must bring the sum to 0
        if s + left * L > 0 or s + left * U < 0:
            return False
        for j in range(start, len(vals)):
            v = vals[j]
            if s + v + (left - 1) * U < 0:
                continue
            if s + v + (left - 1) * L > 0:
                break
            out.append(v)
            if q + v * v <= tmax * mod and rec(i + 1, j, s + v, q + v * v):
                return True
            out.pop()
        return False

    try:
        return list(out) if rec(0, 0, 0, 0) else None, True
    except StopIteration:
        return None, False


@lru_cache(maxsize=64)
def moments_construct(lo: int, hi: int, word_bits: int, others: int, tries: int = 400):
    """A fooling population with exactly ``others`` other mappings and an exact
    first moment: ``(X, {value: count})`` or None. Most mappings sit at the two
    ends, up to four are solved for (two squares); tiny cases are searched
    exhaustively (see :func:`moments_exhaustive`)."""
    got, _ = _moments_search(lo, hi, word_bits, others, tries)
    return got


def moments_exhaustive(lo: int, hi: int, word_bits: int, others: int) -> bool:
    """True iff the tiny-case search covered every victim and multiple of
    ``2**W`` (so finding nothing proves that ``others`` mappings cannot fool
    the check while the first moment is exact)."""
    return _moments_search(lo, hi, word_bits, others, 1 << 30)[1]


def _moments_search(lo, hi, word_bits, others, tries):
    mod = 1 << word_bits
    span = hi - lo
    small = others <= 8 and span <= 80
    exhaustive = small
    n_mids = max(0, hi - lo - 1)
    for X in _victims(lo, hi, others, tries):
        L, U = lo - X, hi - X
        cap = others * U * (-L)
        if cap < mod:
            continue  # the variance bound rules out this X
        tmax = cap // mod
        if small:
            f, complete = _dfs_small(others, L, U, mod, tmax)
            exhaustive &= complete
            if f:
                return (X, _count(X, f)), exhaustive
            continue
        for t in range(1, min(tmax, 4) + 1):
            T = t * mod
            # a at U, b at L, r free
            for r in (2, 4, 0):
                n2 = others - r
                if n2 < 0:
                    continue
                # balance: a*U + b*L ~ 0
                a0 = round(n2 * (-L) / (U - L))
                for da in range(-3, 4):
                    a = a0 + da
                    b = n2 - a
                    if a < 0 or b < 0:
                        continue
                    s = -(a * U + b * L)
                    q = T - (a * U * U + b * L * L)
                    f = _try_free(r, s, q, L, U)
                    if f is not None:
                        return (X, _count(X, [U] * a + [L] * b + f)), False
    return None, exhaustive and tries >= n_mids


def _mids(lo: int, hi: int, tries: int):
    """The first ``tries`` of ``lo < x < hi`` by ``(-(hi - x) * (x - lo), x)``
    without listing them (2**31 ids do not fit in memory): outward from the
    middle, the lower of two equal products first."""
    a = (lo + hi) // 2  # the product is symmetric about (lo + hi) / 2
    b = a if (lo + hi) % 2 == 0 else a + 1
    out = 0
    d = 0
    while out < tries:
        xs = (a - d,) if (a == b and d == 0) else (a - d, b + d)
        if xs[0] <= lo and xs[-1] >= hi:
            return
        for x in xs:
            if lo < x < hi and out < tries:
                out += 1
                yield x
        d += 1


def _victims(lo: int, hi: int, others: int, tries: int):
    """Victims to try, at most ``tries``, every ``lo < x < hi`` once.

    First the neighbourhoods of ``lo + k * (hi - lo) / others`` for the few
    ``k`` with the largest ``k * (others - k)``: with ``k`` others at ``hi``
    and ``others - k`` at ``lo`` the sum of ``d = x - X`` is 0 there, and the
    sum of squares reaches its largest value, ``k (others - k) span^2 /
    others`` (with 5 others and 16-bit ids in 32-bit words only victims near
    2/5 of the range reach ``2**32``; the middle cannot). Then the rest by
    :func:`_mids` (largest Bhatia-Davis product first)."""
    span = hi - lo
    ks = sorted(range(1, others), key=lambda k: (-k * (others - k), k))[:4]
    anchors = sorted({lo + (k * span + others // 2) // others for k in ks})
    seen: set[int] = set()
    out = 0
    window = min(span, max(1, tries // (4 * max(1, len(anchors)))))
    for d in range(window + 1):
        for a in anchors:
            for x in (a - d, a + d):
                if lo < x < hi and x not in seen and out < tries:
                    seen.add(x)
                    out += 1
                    yield x
    for x in _mids(lo, hi, tries):
        if out >= tries:
            return
        if x not in seen:
            out += 1
            yield x


def _count(X: int, ds: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for d in ds:
        out[X + d] = out.get(X + d, 0) + 1
    return out
