"""Behrend-type sphere sets packed into one word (issue 20, item 1c).

Points: ``v`` in ``[-h, h]**k`` with ``sum v_i**2 = S``, for the ``S``
that has the most of them (Behrend's choice: digits with a fixed sum of
squares). Points of one sphere are in strictly convex position (a point
that is a proper convex combination of other points of the sphere lies
strictly inside it). The ``k`` coordinates are packed in mixed radix
(:mod:`rmaplab.onevalue.packing`) with ranges ``2h``, so the certificate
is ``((P - 1) * 2h + 1)**k <= 2**W``: Behrend's sets are the posted digit
scheme's base-``(P + 1)``-style packing with the digits restricted to a
sphere. Id ``i`` is the ``i``-th point of the sphere in lexicographic
order (unranked through the same counting table).

Closed form: for each ``k`` the largest ``h`` with ``((P-1) 2h + 1)**k <=
2**W``; the id width is ``floor(log2(max_S r_k(S; h)))`` maximised over
``k`` (``r_k(S; h)``: representations of S as k squares of integers in
``[-h, h]``, counted exactly by convolution).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .packing import field_bases, lemma_lines, need, pack, packing_certificate

__all__ = ["addend", "best_sphere", "certificate", "largest_id_bits", "params", "proof_lines"]

#: Dimensions tried.
DIMS = range(3, 9)
#: Largest sphere radius squared tabulated (the tables are int64 of that length).
MAX_SMAX = 1 << 24


#: Spheres are searched among S in the top ``WINDOW`` values of the range
#: where the whole sphere fits the box (S <= h**2) when the box is large.
WINDOW = 40_000
#: Full count tables are built when ``k * h**2`` is at most this.
FULL_TABLE = 1 << 21


def _one(h: int, smax: int) -> np.ndarray:
    """Representations of s as one square v**2, |v| <= h (s <= smax)."""
    out = np.zeros(smax + 1, dtype=np.int64)
    for v in range(min(h, int(np.sqrt(smax)) + 1) + 1):
        if v * v <= smax:
            out[v * v] += 1 if v == 0 else 2
    return out


@lru_cache(maxsize=32)
def _tails(k: int, h: int, smax: int) -> tuple[np.ndarray, ...]:
    """``tails[j][s]``: ways to write ``s <= smax`` as a sum of squares of
    ``k - j`` integers in ``[-h, h]`` (exact int64: at most (2h+1)**k)."""
    if (2 * h + 1) ** k >= 1 << 62:
        raise ValueError(f"k={k}, h={h}: counts may overflow int64")
    one = _one(h, smax)
    sq = np.nonzero(one)[0]
    tails = [np.zeros(smax + 1, dtype=np.int64)]
    tails[0][0] = 1
    for _ in range(k):
        prev = tails[-1]
        nxt = np.zeros(smax + 1, dtype=np.int64)
        nz = np.nonzero(prev)[0]
        if len(nz) <= len(sq):  # sparse: shift the squares by each entry
            for p0 in nz:
                q = sq[sq <= smax - p0]
                nxt[p0 + q] += prev[p0] * one[q]
        else:
            for q in sq:
                nxt[q:] += one[q] * prev[: smax + 1 - q]
        tails.append(nxt)
    return tuple(reversed(tails))


def _count_at(k: int, h: int, s: np.ndarray, smax: int) -> np.ndarray:
    """Points of ``[-h, h]**k`` on the spheres ``s`` (k >= 2): the first
    coordinate summed over the table of the other ``k - 1``."""
    rest = _tails(k - 1, h, smax)[0]
    out = np.zeros(len(s), dtype=np.int64)
    for v in range(0, h + 1):
        r = s - v * v
        ok = r >= 0
        out[ok] += (1 if v == 0 else 2) * rest[r[ok]]
    return out


@lru_cache(maxsize=64)
def best_sphere(k: int, h: int) -> tuple[int, int]:
    """``(S, count)``: a sum of squares with many points of ``[-h, h]**k``
    on it: the best of every S when ``k h**2 <= FULL_TABLE``, else of the
    ``WINDOW`` values of S just below ``h**2`` (a lower bound on the best
    sphere; the count of the S returned is exact)."""
    if k * h * h <= FULL_TABLE:
        smax = k * h * h
        t = _tails(k, h, smax)[0]
        s = int(np.argmax(t))
        return s, int(t[s])
    smax = h * h
    cand = np.arange(max(0, smax - WINDOW), smax + 1, dtype=np.int64)
    c = _count_at(k, h, cand, smax)
    i = int(np.argmax(c))
    return int(cand[i]), int(c[i])


def _largest_h(k: int, word_bits: int, order: int) -> int:
    """Largest h with ``((P-1) 2h + 1)**k <= 2**W``, capped so that
    ``h**2 <= MAX_SMAX`` (0 if none)."""
    p = 1 << order
    lo, hi = 0, int(np.sqrt(MAX_SMAX))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if need([2 * mid] * k, p) <= 1 << word_bits:
            lo = mid
        else:
            hi = mid - 1
    return lo


def params(id_bits: int, word_bits: int, order: int) -> dict | None:
    """The smallest ``k`` (then its largest ``h``) whose best sphere holds
    ``2**id_bits`` points with the certificate holding; None if none."""
    n, p = 1 << id_bits, 1 << order
    for k in DIMS:
        h = _largest_h(k, word_bits, order)
        if h < 1:
            continue
        s, c = best_sphere(k, h)
        if c >= n:
            return {
                "k": k,
                "h": h,
                "S": s,
                "points": c,
                "id_bits": id_bits,
                "word_bits": word_bits,
                "order": order,
                "bases": field_bases([2 * h] * k, p),
            }
    return None


def unrank(k: int, h: int, s: int, i: int) -> tuple[int, ...]:
    """The ``i``-th point (lexicographic) of ``[-h, h]**k`` with sum of squares ``s``."""
    total = int(_count_at(k, h, np.array([s]), s)[0])
    if not 0 <= i < total:
        raise ValueError(f"index={i} is out of range: allowed [0, {total - 1}] on S={s}")
    tails = _tails(k - 1, h, s)  # tails[j]: the k - 1 - j coordinates after v_j
    out = []
    rem = s
    for j in range(k):
        nxt = tails[j] if j < k - 1 else _one(h, s) * 0 + (np.arange(s + 1) == 0)
        for v in range(-h, h + 1):
            r = rem - v * v
            c = int(nxt[r]) if r >= 0 else 0
            if i < c:
                out.append(v)
                rem = r
                break
            i -= c
    return tuple(out)


def addend(mm_id: int, prm: dict) -> int:
    n = 1 << prm["id_bits"]
    if not 0 <= mm_id < n:
        raise ValueError(f"mm id={mm_id} is out of range: allowed [0, {n - 1}]")
    v = unrank(prm["k"], prm["h"], prm["S"], mm_id)
    return pack([x + prm["h"] for x in v], prm["bases"], prm["word_bits"])


def certificate(id_bits: int, word_bits: int, order: int) -> dict | None:
    """Exact certificate of: ``2**id_bits`` mms on one sphere, one
    ``word_bits``-bit value, no fooling population with ``n <= 2**order``
    (victim >= 1 page). None when no sphere set fits."""
    if not 1 <= id_bits <= 40:
        raise ValueError(f"id_bits={id_bits} is out of range: allowed [1, 40]")
    prm = params(id_bits, word_bits, order)
    if prm is None:
        return None
    k, h, s = prm["k"], prm["h"], prm["S"]
    cert = packing_certificate([2 * h] * k, 1 << order, [word_bits], [list(range(k))])
    if cert is None:
        return None
    # convex position: every point has sum of squares S (checked on samples
    # of the unranking; the count is the convolution's, exact)
    n = 1 << id_bits
    for i in {0, 1, n // 2, n - 1}:
        v = unrank(k, h, s, i)
        if sum(x * x for x in v) != s or any(abs(x) > h for x in v):
            raise AssertionError(f"point {i} is off the sphere")
    return {
        "claim": (
            f"behrend: {n} ids on the sphere sum v^2 = {s} in [-{h},{h}]^{k}, one "
            f"{word_bits}-bit value, order {order}: no fooling population"
        ),
        "construction": "behrend",
        "id_bits": id_bits,
        "word_bits": word_bits,
        "order": order,
        "k": k,
        "h": h,
        "S": s,
        "sphere_points": prm["points"],
        "convex": {"method": f"sphere sum v_i^2 = {s} (strictly convex)"},
        **cert,
    }


def proof_lines(cert: dict) -> list[str]:
    return [
        f"behrend: {cert['sphere_points']} points of [-{cert['h']},{cert['h']}]^{cert['k']}",
        f"on the sphere sum v^2 = {cert['S']}; {1 << cert['id_bits']} used.",
        *lemma_lines(cert),
    ]


def largest_id_bits(word_bits: int, order: int) -> int:
    best = 0
    for k in DIMS:
        h = _largest_h(k, word_bits, order)
        if h >= 1:
            best = max(best, best_sphere(k, h)[1].bit_length() - 1)
    return best
