"""Convex position packed into one word: the constructions and their
certificates (issue 20, item 1a/1b).

Each construction gives ``N = 2**id_bits`` lattice points in strictly
convex position, mm id ``i`` (0 <= i < N; the lab's ids 1..N-1 are a
subset) gets point ``i``, and :mod:`rmaplab.onevalue.packing` packs the
coordinates into one ``W``-bit word in mixed radix. The certificate holds
iff ``prod_j ((P - 1) * R_j + 1) <= 2**W`` (R_j: coordinate ranges); the
largest id width is the largest ``b`` where that holds for the
construction's ``N = 2**b`` points (:func:`largest_id_bits`).

Constructions (``CONSTRUCTIONS``):

* ``parabola``: ``(x, x**2)``, ``0 <= x < N``: the lab's ``x + x**2 * 2**k``
  in mixed radix; ranges ``(N-1, (N-1)**2)``, about ``W >= 2 o + 3 b``;
* ``parabola-centered``: ``(u, u(u-1)/2)``, ``u`` in ``[1 - N/2, N/2]``:
  the integer parabola of second difference 1, centred; ranges
  ``(N-1, N(N-2)/8)``: one word bit cheaper (``N**3 / 8``);
* ``polygon``: the vertices of the convex lattice polygon whose edges are
  the primitive vectors of smallest L1 norm sorted by angle (Jarnik's
  construction); ranges ``R_x = R_y ~ 2 t**3 / pi**2`` for ``N ~ 12 t**2 /
  pi**2``, so ``R_x R_y ~ N**3 / 43.8``: ``W >= 2 o + 3 b - 5.45``;
* ``paraboloid-3d``: ``(u, v, q)``, ``q = (u(u-1) + v(v-1)) / 2``, the ``N``
  points of least ``q`` (a disk around ``(1/2, 1/2)``); ranges about
  ``(2r, 2r, r**2 / 2)`` for ``N ~ pi r**2``: ``W >= 3 o + 2 b - 2.3``;
* ``paraboloid-4d``: the same over a ball in ``Z**3``.

Convex position: ``q`` is the restriction of the strictly convex
``sum (u_i**2 - u_i) / 2``, so a point of its graph that is a convex
combination of others would satisfy ``q(u_X) = sum l_Y q(u_Y) > q(sum l_Y
u_Y) = q(u_X)`` (Jensen, strict since the ``u_Y`` differ from ``u_X``);
the polygon is checked edge by edge (every turn strictly left, edge
directions strictly increasing through one revolution).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from functools import lru_cache

import numpy as np

from . import paraboloid
from .packing import assign_words, field_bases, lemma_lines, pack, packing_certificate

__all__ = [
    "CONSTRUCTIONS",
    "addend",
    "certificate",
    "check_convex",
    "largest_id_bits",
    "points",
    "proof_lines",
    "ranges",
]

CONSTRUCTIONS = {
    "parabola": "(x, x^2), 0 <= x < N (the lab's x + x^2 * 2^k)",
    "parabola-centered": "(u, u(u-1)/2), u in [1 - N/2, N/2]",
    "polygon": "vertices of the lattice polygon of the N smallest primitive edges (L1)",
    "paraboloid-3d": "(u, v, (u(u-1) + v(v-1))/2), the N points of least height",
    "paraboloid-4d": "(u, v, w, sum u(u-1)/2) over a ball in Z^3",
    "paraboloid-5d": "(u_0..u_3, sum u(u-1)/2) over a ball in Z^4",
}
#: Graph dimension m of each paraboloid (points in Z**(m+1)).
PARABOLOID_DIMS = {"paraboloid-3d": 2, "paraboloid-4d": 3, "paraboloid-5d": 4}
#: Largest point set built (2**22 points; the tables are N x d int64).
MAX_POINT_BITS = 22


def _check_n(n: int, top: int = 40) -> None:
    if not 2 <= n <= 1 << top:
        raise ValueError(f"points={n} is out of range: allowed [2, 2**{top}]")


def _check(name: str, n: int) -> None:
    if name not in CONSTRUCTIONS:
        raise ValueError(f"construction={name!r} is unknown: allowed {', '.join(CONSTRUCTIONS)}")
    if not 2 <= n <= 1 << MAX_POINT_BITS:
        raise ValueError(f"points={n} is out of range: allowed [2, 2**{MAX_POINT_BITS}]")


# -- the point sets -------------------------------------------------------------


def _parabola(n: int) -> np.ndarray:
    x = np.arange(n, dtype=np.int64)
    return np.stack([x, x * x], axis=1)


def _parabola_centered(n: int) -> np.ndarray:
    u = np.arange(1 - n // 2, 1 - n // 2 + n, dtype=np.int64)
    return np.stack([u, u * (u - 1) // 2], axis=1)


def _paraboloid(n: int, m: int) -> np.ndarray:
    return paraboloid.enumerate_points(m, n)


def _primitive_level(s: int) -> list[tuple[int, int]]:
    """Primitive vectors of L1 norm ``s``."""
    if s == 1:
        return [(1, 0), (0, 1), (-1, 0), (0, -1)]
    out = []
    for a in range(1, s):
        if math.gcd(a, s) == 1:
            b = s - a
            out += [(a, b), (-a, b), (-a, -b), (a, -b)]
    return out


def _angle_key(v: tuple[int, int]) -> tuple[int, Fraction]:
    """Exact angle order: half-plane, then slope order within it."""
    x, y = v
    half = 0 if y > 0 or (y == 0 and x > 0) else 1
    if y == 0:  # angle 0 or pi: the first direction of its half-plane
        return (half, Fraction(-(10**18)))
    # on (0, pi) and on (pi, 2 pi) the cotangent x / y decreases
    return (half, Fraction(-x, y))


def polygon_edges(n: int) -> list[tuple[int, int]]:
    """``n`` (even) primitive edge vectors closing a convex polygon: every
    vector of L1 norm up to ``t``, then antipodal pairs of norm ``t + 1``
    chosen greedily to keep the bounding box's area least."""
    if n % 2 or n < 4:
        raise ValueError(f"points={n}: the polygon needs an even count >= 4")
    edges: list[tuple[int, int]] = []
    s = 1
    while True:
        lvl = _primitive_level(s)
        if len(edges) + len(lvl) > n:
            break
        edges += lvl
        s += 1
    rx = sum(a for a, _ in edges if a > 0)
    ry = sum(b for _, b in edges if b > 0)
    pairs = [(a, b) for a, b in _primitive_level(s) if b > 0 or (b == 0 and a > 0)]
    while len(edges) < n:
        a, b = min(pairs, key=lambda v: ((rx + abs(v[0])) * (ry + abs(v[1])), v))
        pairs.remove((a, b))
        edges += [(a, b), (-a, -b)]
        rx, ry = rx + abs(a), ry + abs(b)
    edges.sort(key=_angle_key)
    return edges


def _polygon(n: int) -> np.ndarray:
    e = np.array(polygon_edges(n), dtype=np.int64)
    v = np.cumsum(e, axis=0)
    return v - v.min(axis=0)


def check_convex(name: str, n: int) -> dict:
    """Exact evidence that the ``n`` points are distinct and in strictly
    convex position (raises AssertionError otherwise). Paraboloids of
    more than ``2**MAX_POINT_BITS`` points: the closed form (every point of
    the graph is extreme; distinct ``u`` by the lexicographic unranking)
    and a sample of points unranked and checked."""
    if name in PARABOLOID_DIMS and n > 1 << MAX_POINT_BITS:
        m = PARABOLOID_DIMS[name]
        rs, mins = ranges(name, n), _mins(name, n)
        for i in {0, 1, n // 3, n // 2, n - 2, n - 1}:
            p = paraboloid.unrank(m, n, i)
            if p[m] != sum(x * (x - 1) // 2 for x in p[:m]):
                raise AssertionError(f"{name}: point {i} is off the convex graph")
            if any(not 0 <= a - b <= r for a, b, r in zip(p, mins, rs, strict=True)):
                raise AssertionError(f"{name}: point {i} is outside the range bounds")
        return {"method": "graph of sum u(u-1)/2 (strictly convex), closed form", "graph_dims": m}
    pts = points(name, n)
    if len({tuple(p) for p in pts.tolist()}) != n:
        raise AssertionError(f"{name}: points are not distinct")
    if name == "polygon":
        e = polygon_edges(n)
        if sum(a for a, _ in e) != 0 or sum(b for _, b in e) != 0:
            raise AssertionError("polygon: edges do not close")
        keys = [_angle_key(v) for v in e]
        if any(k1 >= k2 for k1, k2 in itertools.pairwise(keys)):
            raise AssertionError("polygon: edge directions not strictly increasing")
        for (a, b), (c, d) in zip(e, e[1:] + e[:1], strict=True):
            if a * d - b * c <= 0:
                raise AssertionError("polygon: a turn is not strictly left")
        return {"method": "edges: strict left turns, one revolution", "edges": len(e)}
    m = pts.shape[1] - 1
    if name == "parabola":
        ok = bool((pts[:, 1] == pts[:, 0] ** 2).all())
        what = "graph of x^2 (strictly convex)"
    else:
        u = pts[:, :m]
        ok = bool((pts[:, m] == (u * (u - 1) // 2).sum(axis=1)).all())
        what = "graph of sum u(u-1)/2 (strictly convex)"
    if not ok:
        raise AssertionError(f"{name}: a point is off the convex graph")
    off = pts - np.array(_mins(name, n), dtype=np.int64)
    if (off < 0).any() or (off > np.array(ranges(name, n))).any():
        raise AssertionError(f"{name}: a point is outside the range bounds")
    return {"method": what, "graph_dims": m}


@lru_cache(maxsize=16)
def _points_cached(name: str, n: int) -> np.ndarray:
    if name == "parabola":
        return _parabola(n)
    if name == "parabola-centered":
        return _parabola_centered(n)
    if name == "polygon":
        return _polygon(n)
    return _paraboloid(n, PARABOLOID_DIMS[name])


def points(name: str, n: int) -> np.ndarray:
    """The ``n`` points of construction ``name`` in id order (int64, N x d)."""
    _check(name, n)
    out = _points_cached(name, n)
    out.flags.writeable = False
    return out


def ranges(name: str, n: int) -> list[int]:
    """Coordinate ranges (bounds for the paraboloids, whose closed form
    :func:`rmaplab.onevalue.paraboloid.superset_ranges` needs no points)."""
    if name in PARABOLOID_DIMS:
        _check_n(n)
        return paraboloid.superset_ranges(PARABOLOID_DIMS[name], n)
    p = points(name, n)
    return [int(r) for r in (p.max(axis=0) - p.min(axis=0))]


def _mins(name: str, n: int) -> list[int]:
    """Lower corner of the box the ranges describe."""
    if name in PARABOLOID_DIMS:
        k = paraboloid.kmax(paraboloid.height(PARABOLOID_DIMS[name], n))
        return [-k] * PARABOLOID_DIMS[name] + [0]
    return [int(v) for v in points(name, n).min(axis=0)]


def point_of(name: str, n: int, i: int) -> tuple[int, ...]:
    """Point of id ``i`` (paraboloids of any size unrank it)."""
    if name in PARABOLOID_DIMS and n > 1 << MAX_POINT_BITS:
        return paraboloid.unrank(PARABOLOID_DIMS[name], n, i)
    return tuple(int(v) for v in points(name, n)[i])


# -- certificate ------------------------------------------------------------------


def params(id_bits: int, word_bits: int, order: int, name: str = "paraboloid-3d") -> dict | None:
    """The parameters ``addend`` needs, None if the packing does not fit."""
    n = 1 << id_bits
    rs = ranges(name, n)
    pages = 1 << order
    groups = assign_words(rs, pages, [word_bits])
    if groups is None:
        return None
    return {
        "construction": name,
        "id_bits": id_bits,
        "word_bits": word_bits,
        "order": order,
        "mins": _mins(name, n),
        "bases": field_bases(rs, pages),
    }


def addend(mm_id: int, prm: dict) -> int:
    """The one word mm ``mm_id`` adds per mapped page (0 <= id < 2**id_bits)."""
    n = 1 << prm["id_bits"]
    if not 0 <= mm_id < n:
        raise ValueError(f"mm id={mm_id} is out of range: allowed [0, {n - 1}]")
    p = point_of(prm["construction"], n, mm_id)
    off = [int(a) - int(b) for a, b in zip(p, prm["mins"], strict=True)]
    return pack(off, prm["bases"], prm["word_bits"])


def certificate(
    id_bits: int, word_bits: int, order: int, name: str = "paraboloid-3d"
) -> dict | None:
    """Exact certificate of the claim: with ``2**id_bits`` mms on the points
    of ``name`` and the addends of :func:`addend`, no victim mapping at least
    one page and other mms with total mapcount ``n <= 2**order`` pass the
    check ``value == n * addend(X) mod 2**word_bits``. None when the
    packing lemma does not apply (the word is too narrow)."""
    top = 40 if name in PARABOLOID_DIMS else MAX_POINT_BITS
    if not 1 <= id_bits <= top:
        raise ValueError(f"id_bits={id_bits} is out of range: allowed [1, {top}]")
    if not 1 <= order <= 30:
        raise ValueError(f"order={order} is out of range: allowed [1, 30]")
    n, pages = 1 << id_bits, 1 << order
    rs = ranges(name, n)
    cert = packing_certificate(rs, pages, [word_bits], [list(range(len(rs)))])
    if cert is None:
        return None
    return {
        "claim": (
            f"{name}: {n} ids, one {word_bits}-bit value, order {order}: no "
            f"fooling population (victim >= 1 page, n <= {pages})"
        ),
        "construction": name,
        "id_bits": id_bits,
        "word_bits": word_bits,
        "order": order,
        "convex": check_convex(name, n),
        **cert,
    }


def proof_lines(cert: dict) -> list[str]:
    return [
        f"{cert['construction']}: {1 << cert['id_bits']} points, "
        f"convex by {cert['convex']['method']}.",
        *lemma_lines(cert),
    ]


def largest_id_bits(word_bits: int, order: int, name: str = "paraboloid-3d", top: int = 22) -> int:
    """Largest ``b <= top`` the certificate holds for (0 if none): the
    closed form ``prod_j ((P - 1) R_j(2**b) + 1) <= 2**W``, R_j exact.
    ``need`` grows with b for every construction here, so the scan stops
    at the first failure."""
    best = 0
    for b in range(2, top + 1):
        rs = ranges(name, 1 << b)
        if assign_words(rs, 1 << order, [word_bits]) is None:
            break
        best = b
    return best
