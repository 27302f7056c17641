"""Can the check be fooled under an encoding? Certificate or counterexample.

For an :class:`~rmaplab.encoding.Encoding` and a folio order ``o``
(``P = 2**o`` pages) the question is the one :mod:`rmaplab.verify` asks for
the posted digits: are there a victim mm X mapping at least one page and
other mms (valid, distinct ids) with total mapcount ``n <= P`` such that
every word equals ``n * addend_k(X)`` modulo ``2**W``? Writing ``c_m`` for
the mappings of mm m, the check passes iff for every word k

    sum_{m != X} c_m * (addend_k(m) - addend_k(X)) == 0   (mod 2**W),

so X's own mappings never matter, and the fewest mappings that fool the
check is ``1 +`` the fewest other mappings ``N'``.

**Slices.** Every family's word k reads one id slice. A fooling population,
projected on a slice s where some other mm differs from X, groups the other
mms by their slice-s value: a nonnegative combination of slice values
``v != X_s`` with at most ``N'`` mappings that passes the words of slice s.
Conversely, such a combination is realised by ids equal to X outside slice s
(other slices' words then see X's addend exactly). So the minimum is the
minimum over slices of the slice problem (with several slices, one other
slice is set to 1 so that no id is 0).

Methods, each checked with exact integer arithmetic:

* ``digits``: :func:`rmaplab.verify.verify` (carry-free certificate or the
  L-infinity lattice search), unchanged;
* ``no-wrap-convex``: each word of a slice is a packed vector of
  coordinates ``p_j(v)`` in a base ``b`` (one coordinate when unpacked).
  If ``(P - 1) * range_j < b`` for every coordinate but the top one and ``(P - 1) *
  sum_j range_j b**j < 2**W``, the sums are exact and carry-free, so
  ``sum c_m (p(m) - p(X)) = 0``: ``p(X)`` is a convex combination of the
  others' points. If the points are distinct and in convex position (no
  point in the hull of the others) that is impossible;
* ``moments`` (sum of values and sum of squared values on ``[lo, hi]``):
  see :func:`moments_bound`; exact first moment plus the variance bound
  ``sum c d**2 <= N' * (hi - X)(X - lo)``, and a construction that meets it;
* ``bfs``: exhaustive breadth-first search over the joint state of the
  slice's words (``K_s * W <= 24``), proven minimal;
* ``lattice``: one word, at most 17 slice values: per victim, the lattice
  ``{c : sum c_v g_v == 0 mod 2**W}`` (``g_v = w[v] - w[X]``), LLL and an
  exact enumeration of its nonnegative vectors of least ``sum c``;
* ``raw-id``, ``bijection`` (hash64 at P = 2): closed arguments.

Where none applies within the budget the verdict is ``undecided``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from .config import MAX_ORDER, ConfigError, Group, RmapConfig, _check_int
from .encoding import Encoding, replay
from .verify import JSON_FIELDS as _VERIFY_JSON_FIELDS

__all__ = [
    "JSON_FIELDS",
    "EncVerdict",
    "moments_bound",
    "moments_construct",
    "two_squares",
    "verify_encoding",
]

# the verifier's fields (the CLI contract), then the encoding's name
JSON_FIELDS = (*_VERIFY_JSON_FIELDS, "encoding")

#: Node budget of one lattice enumeration.
NODE_LIMIT = 200_000
#: Largest joint state the breadth-first search takes (bits).
BFS_STATE_BITS = 22


@dataclass
class EncVerdict:
    encoding: str
    family: str
    order: int
    pages: int
    values: int
    bits: int  # id bits per slice
    base_pages: int | None  # digits: P_g (base - 1); None for other families
    word_bits: int
    id_bits: int
    verdict: str  # safe | unsafe | undecided
    method: str
    min_mappings: int | None
    proven_minimal: bool
    counterexample: dict | None  # {"victim": X, "mappings": [[id, count], ...]} (X's own too)
    evidence: str
    lower_bound: int | None = None  # proven: no fooling with fewer mappings
    replayed: bool | None = None
    certificate: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        d = asdict(self)
        cert = {
            k: (str(v) if isinstance(v, int) and abs(v) >= 1 << 53 else v)
            for k, v in d["certificate"].items()
        }
        d["certificate"] = cert
        return {k: d[k] for k in JSON_FIELDS} | {k: d[k] for k in d if k not in JSON_FIELDS}


# -- helpers ------------------------------------------------------------------


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _slice_id(enc: Encoding, s: int, v: int) -> int:
    """An id whose slice s is v; with several slices another slice is 1."""
    if enc.slices == 1:
        return v
    t = 1 if s == 0 else 0
    return (v << (s * enc.slice_bits)) | (1 << (t * enc.slice_bits))


def _ce(enc: Encoding, s: int, x: int, others: dict[int, int]) -> dict:
    victim = _slice_id(enc, s, x)
    rows = [[victim, 1], *sorted([_slice_id(enc, s, v), c] for v, c in others.items() if c)]
    return {"victim": victim, "mappings": rows}


def _slice_groups(enc: Encoding) -> list[int]:
    """One representative slice per distinct slice problem: slices of equal
    width see the same word functions, unless a table is given per slice."""
    per_slice = enc.family == "table" and len(enc.param("tables")) > 1
    seen, reps = set(), []
    for s in range(enc.slices):
        key = s if per_slice else enc.slice_width(s)
        if key not in seen:
            seen.add(key)
            reps.append(s)
    return reps


# -- two squares (for the moments construction) -------------------------------


def _gauss_prime(p: int) -> tuple[int, int]:
    """a, b with a*a + b*b == p for a prime p == 1 (mod 4) (Hermite-Serret)."""
    c = 2
    while pow(c, (p - 1) // 2, p) != p - 1:
        c += 1
    r = pow(c, (p - 1) // 4, p)
    a, b = p, r
    lim = math.isqrt(p)
    while b > lim:
        a, b = b, a % b
    return b, math.isqrt(p - b * b)


def two_squares(n: int, limit: int = 64) -> list[tuple[int, int]]:
    """Representations ``n = x*x + y*y`` with ``x >= y >= 0`` (up to ``limit``)."""
    import flint

    if n < 0:
        return []
    if n == 0:
        return [(0, 0)]
    reps = [(1, 0)]  # gaussian integers as (re, im)
    scale = 1
    for fp, fe in flint.fmpz(n).factor():
        p, e = int(fp), int(fe)
        if p == 2:
            g = (1, 1)
            for _ in range(e):
                reps = [(a * g[0] - b * g[1], a * g[1] + b * g[0]) for a, b in reps]
        elif p % 4 == 3:
            if e % 2:
                return []
            scale *= p ** (e // 2)
        else:
            a0, b0 = _gauss_prime(p)
            new = []
            for k in range(e + 1):
                # pi^k * conj(pi)^(e-k)
                g = (1, 0)
                for _ in range(k):
                    g = (g[0] * a0 - g[1] * b0, g[0] * b0 + g[1] * a0)
                for _ in range(e - k):
                    g = (g[0] * a0 + g[1] * b0, -g[0] * b0 + g[1] * a0)
                new += [(a * g[0] - b * g[1], a * g[1] + b * g[0]) for a, b in reps]
            reps = new[: limit * 4]
    out = set()
    for a, b in reps:
        x, y = sorted((abs(a) * scale, abs(b) * scale), reverse=True)
        out.add((x, y))
    return sorted(out)[:limit]


# -- moments: sum of values and sum of squares --------------------------------


def moments_bound(lo: int, hi: int, word_bits: int) -> dict:
    """The variance bound for values in ``[lo, hi]`` and ``W``-bit words.

    With counts ``c_m >= 0`` of others (``N' = sum c_m``), ``d_m = x_m - X``
    and an exact first moment ``sum c d = 0``: ``(hi - x)(x - lo) >= 0``
    gives ``d**2 <= (hi + lo - 2X) d + (hi - X)(X - lo)``, so
    ``sum c d**2 <= N' (hi - X)(X - lo) <= N' * hmax2`` with
    ``hmax2 = floor(span/2) * ceil(span/2)``. A fooling population has
    ``sum c d**2 == sum c (x**2 - X**2) == 0 (mod 2**W)`` and ``> 0``, so
    ``N' >= ceil(2**W / hmax2)`` (and ``N' >= 2``: an exact zero first
    moment needs one value above X and one below).
    """
    span = hi - lo
    hmax2 = (span // 2) * (span - span // 2)
    lb = 2 if hmax2 == 0 else max(2, _ceil_div(1 << word_bits, hmax2))
    return {
        "lo": lo,
        "hi": hi,
        "span": span,
        "hmax2": hmax2,
        "word_limit": 1 << word_bits,
        "lower_bound_others": lb,
    }


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
    maxsq = max(L * L, U * U)
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

    _ = maxsq
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


def _verify_moments(enc: Encoding, order: int, s: int, budget: int) -> dict:
    """Slice ``s`` of an unpacked (1, 2)-moments encoding."""
    P = 1 << order
    vals = enc.slice_values(s)
    lo, hi = vals[0], vals[-1]
    W = enc.word_bits
    lim = 1 << W
    b = moments_bound(lo, hi, W)
    span = b["span"]
    s1 = (P - 1) * span
    s2 = (P - 1) * (hi * hi - lo * lo)
    cert = dict(b, pages=P, s1_max=s1, s2_max=s2)
    if span == 0:
        return dict(verdict="safe", method="moments", cert=cert, evidence="one value only")
    if s1 < lim and s2 < lim:
        return dict(
            verdict="safe",
            method="moments-no-wrap",
            cert=cert,
            evidence=(
                f"no wrap: (P-1)*span = {s1} < 2^{W} and (P-1)*(hi^2-lo^2) = {s2} "
                f"< 2^{W}, so sum c*d = 0 and sum c*d^2 = 0 exactly (d = x - X): "
                "the variance is 0, every mapping is X's"
            ),
        )
    lb = b["lower_bound_others"]
    s1_exact_below_lb = (lb - 1) * span < lim
    if s1 < lim and P - 1 < lb:
        return dict(
            verdict="safe",
            method="moments-variance",
            cert=cert,
            evidence=(
                f"first moment exact: (P-1)*span = {s1} < 2^{W}; sum of squares "
                f"can wrap, but sum c*d^2 <= N' * {b['hmax2']} (Bhatia-Davis, "
                f"values in [{lo}, {hi}]) must reach 2^{W}: N' >= {lb} > P - 1 = {P - 1}"
            ),
        )
    # tiny: every N' up to P - 1 searched exhaustively (first moment exact)
    if s1 < lim and P - 1 <= 8 and span <= 80:
        for n in range(lb, P):
            got, complete = _moments_search(lo, hi, W, n, 1 << 30)
            if got is None and not complete:
                break
            if got is not None:
                X, others = got
                return dict(
                    verdict="unsafe",
                    method="moments-exhaustive",
                    cert=cert,
                    found=(n, _ce(enc, s, X, others)),
                    proven=True,
                    lower=n,
                    evidence=f"exhaustive over victims and N' = {lb}..{n} "
                    f"(first moment exact): fewest others {n}",
                )
        else:
            return dict(
                verdict="safe",
                method="moments-exhaustive",
                cert=cert,
                evidence=f"first moment exact ((P-1)*span = {s1} < 2^{W}); "
                f"variance bound N' >= {lb}; every N' = {lb}..{P - 1} searched "
                "exhaustively over all victims: none fools the check",
            )
    # search for a fooling population at N' = lb, lb + 1, ...
    for extra in range(0, 4):
        n = lb + extra
        if n > P - 1:
            break
        got = moments_construct(lo, hi, W, n)
        if got is not None:
            X, others = got
            proven = extra == 0 and s1_exact_below_lb
            return dict(
                verdict="unsafe",
                method="moments",
                cert=cert,
                found=(n, _ce(enc, s, X, others)),
                proven=proven,
                lower=lb if s1_exact_below_lb else None,
                evidence=(
                    f"variance bound: N' >= ceil(2^{W} / {b['hmax2']}) = {lb}"
                    + ("" if s1_exact_below_lb else " only while the first moment cannot wrap")
                    + f"; found N' = {n} (sum c*d = 0, sum c*d^2 = multiple of 2^{W})"
                ),
            )
    return dict(
        verdict=None,
        method="moments",
        cert=cert,
        lower=lb if s1_exact_below_lb else None,
        evidence=f"variance bound N' >= {lb}; no construction found at N' <= {lb + 3}",
    )


# -- generic slice problems ---------------------------------------------------


def _points(enc: Encoding, s: int):
    """Coordinates and base of the words of slice s, for the packed certificate:
    ``[(base, [coords per value]) per word]`` or None when not packed-known."""
    if len(enc.slice_values(s)) > 1 << 12:
        return None, None  # too many points to list; see _moments_points
    vals = list(enc.slice_values(s))
    f = enc.family
    words = enc.words_of_slice(s)
    out = []
    if f == "moments":
        powers = enc.param("powers", (1, 2))
        base = enc.param("base")
        if base is None:
            for k in words:
                p = powers[k % len(powers)]
                out.append((None, [(v**p,) for v in vals]))
        else:
            out.append((base, [tuple(v**p for p in powers) for v in vals]))
        return vals, out
    if f == "bit-counters" or f == "raw-id":
        return vals, [(None, [(v,) for v in vals])]
    if f == "table" and enc.param("digit_bits"):
        base = 1 << enc.param("digit_bits")
        nb = enc.slice_width(s)
        return vals, [(base, [tuple((v >> j) & 1 for j in range(nb)) for v in vals])]
    return vals, None


def _convex_position(pts: list[tuple[int, ...]]) -> bool:
    """Exact: every point is a vertex of the hull (distinct points)."""
    if len(set(pts)) != len(pts):
        return False
    d = len(pts[0])
    if all(all(c in (0, 1) for c in p) for p in pts):
        return True  # vertices of the unit cube
    if d == 1:
        return len(pts) <= 2
    if d == 2:
        # strictly convex iff the strict hull (no collinear points) keeps them all
        P = sorted(pts)

        def cross(o, a, b):
            return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

        def half(seq):
            h: list[tuple[int, ...]] = []
            for p in seq:
                while len(h) >= 2 and cross(h[-2], h[-1], p) >= 0:
                    h.pop()
                h.append(p)
            return h

        lower = half(P)
        upper = half(P[::-1])
        hull = set(lower) | set(upper)
        return len(hull) == len(P)
    return False


def _moments_points(enc: Encoding, order: int, s: int) -> dict | None:
    """Closed form of the packed certificate for (1, 2)-moments of a wide
    slice: coordinates v and v**2 over [lo, hi] have ranges hi - lo and
    hi**2 - lo**2 (all values >= 0), and points (v, v**2) lie on a strictly
    convex parabola, so they are always in convex position."""
    if enc.family != "moments" or enc.param("powers") != (1, 2):
        return None
    vals = enc.slice_values(s)
    lo, hi = vals[0], vals[-1]
    P = 1 << order
    lim = 1 << enc.word_bits
    ranges = [hi - lo, hi * hi - lo * lo]
    base = enc.param("base")
    rows = []
    if base is None:
        for r in ranges:
            rows.append(
                {
                    "base": None,
                    "ranges": [r],
                    "max_sum": (P - 1) * r,
                    "no_wrap": (P - 1) * r < lim,
                    "carry_free": True,
                }
            )
    else:
        total = (P - 1) * (ranges[0] + ranges[1] * base)
        rows.append(
            {
                "base": base,
                "ranges": ranges,
                "max_sum": total,
                "no_wrap": total < lim,
                "carry_free": all((P - 1) * r < base for r in ranges[:-1]),
            }
        )
    ok = all(r["no_wrap"] and r["carry_free"] for r in rows)
    return {
        "words": rows,
        "convex_position": True,
        "holds": ok,
        "slice": s,
        "points": "parabola (v, v^2)",
    }


def _packed_certificate(enc: Encoding, order: int, s: int) -> dict | None:
    vals, words = _points(enc, s)
    if not words:
        return _moments_points(enc, order, s)
    P = 1 << order
    lim = 1 << enc.word_bits
    ok = True
    rows = []
    allpts: list[tuple[int, ...]] = [() for _ in vals]
    for base, pts in words:
        d = len(pts[0])
        ranges = [max(p[j] for p in pts) - min(p[j] for p in pts) for j in range(d)]
        b = base or 1
        total = (P - 1) * sum(r * b**j for j, r in enumerate(ranges))
        # only digits below the top one can carry into another
        carry_free = base is None or all((P - 1) * r < base for r in ranges[:-1])
        ok &= total < lim and carry_free
        rows.append(
            {
                "base": base,
                "ranges": ranges,
                "max_sum": total,
                "no_wrap": total < lim,
                "carry_free": carry_free,
            }
        )
        allpts = [a + p for a, p in zip(allpts, pts, strict=False)]
    convex = _convex_position(allpts)
    return {"words": rows, "convex_position": convex, "holds": ok and convex, "slice": s}


def _bfs_slice(enc: Encoding, order: int, s: int) -> dict | None:
    from ._kernels import encoding as K

    words = enc.words_of_slice(s)
    vals = enc.slice_values(s)  # a range: listing 2**31 ids first ran out of memory
    if len(words) * enc.word_bits > BFS_STATE_BITS or len(vals) > 4096:
        return None
    import numpy as np

    m = enc.mask
    add = {v: [enc.word_addend(k, v) for k in words] for v in vals}
    best = None
    for x in vals:
        others = [v for v in vals if v != x]
        gens = np.array(
            [[(add[v][i] - add[x][i]) & m for i in range(len(words))] for v in others],
            dtype=np.uint64,
        )
        depth = (1 << order) - 1 if best is None else min((1 << order) - 1, best[0] - 1)
        if depth < 1:
            break
        path = K.min_fooling(gens, enc.word_bits, depth)
        if path is not None and (best is None or len(path) < best[0]):
            cnt: dict[int, int] = {}
            for g in path:
                cnt[others[g]] = cnt.get(others[g], 0) + 1
            best = (len(path), x, cnt)
    return {"best": best}


#: Combinations of up to this many other mappings are tried directly first.
SMALL_COMBO = 3


def _small_combo(g: list[int], word_bits: int, most: int) -> dict[int, int] | None:
    """Fewest (at most ``most``) generators, with repetition, summing to 0
    modulo ``2**word_bits``: ``{index: count}`` or None."""
    from itertools import combinations_with_replacement

    mod = 1 << word_bits
    for size in range(1, most + 1):
        for combo in combinations_with_replacement(range(len(g)), size):
            if sum(g[i] for i in combo) % mod == 0:
                out: dict[int, int] = {}
                for i in combo:
                    out[i] = out.get(i, 0) + 1
                return out
    return None


def _lattice_slice(enc: Encoding, order: int, s: int, node_limit: int) -> dict | None:
    from .lattice import lattice_basis, lll, shortest_linf

    words = enc.words_of_slice(s)
    vals = enc.slice_values(s)  # a range: listing 2**31 ids first ran out of memory
    if len(words) != 1 or len(vals) > 17:
        return None
    k = words[0]
    W = enc.word_bits
    add = {v: enc.word_addend(k, v) for v in vals}
    bound = (1 << order) - 1
    best = None
    complete = True
    for x in vals:
        others = [v for v in vals if v != x]
        g = [(add[v] - add[x]) % (1 << W) for v in others]
        if any(a == 0 for a in g):
            v0 = others[g.index(0)]
            cand = (1, x, {v0: 1})
            if best is None or cand[0] < best[0]:
                best = cand
            continue
        lim = bound if best is None else min(bound, best[0] - 1)
        if lim < 1:
            continue
        small = _small_combo(g, W, min(lim, SMALL_COMBO))
        if small is not None:
            best = (sum(small.values()), x, {others[i]: c for i, c in small.items()})
            continue
        if lim <= SMALL_COMBO:
            continue  # every combination up to the bound was tried
        e = min((a & -a).bit_length() - 1 for a in g)
        w2 = W - e
        g = [a >> e for a in g]
        i0 = next(i for i, a in enumerate(g) if a & 1)
        inv = pow(g[i0], -1, 1 << w2)
        order_idx = [i0] + [i for i in range(len(g)) if i != i0]
        weights = [(g[i] * inv) % (1 << w2) for i in order_idx]
        basis = lll(lattice_basis(weights, w2))

        def cost(v):
            if all(a >= 0 for a in v) or all(a <= 0 for a in v):
                return sum(abs(a) for a in v)
            return None

        res = shortest_linf(basis, lim, cost=cost, node_limit=node_limit, keep=1)
        complete &= res.complete
        if res.norm is not None and res.vectors:
            vec = res.vectors[0]
            cnt = {others[order_idx[i]]: abs(c) for i, c in enumerate(vec) if c}
            if best is None or res.norm < best[0]:
                best = (res.norm, x, cnt)
    return {"best": best, "complete": complete}


# -- the verifier -------------------------------------------------------------


def _base(enc: Encoding, order: int) -> dict:
    base = enc.param("base") if enc.family == "digits" else None
    return dict(
        encoding=enc.name,
        family=enc.family,
        order=order,
        pages=1 << order,
        values=enc.nr_values,
        bits=enc.slice_bits,
        base_pages=None if base is None else base - 1,
        word_bits=enc.word_bits,
        id_bits=enc.id_bits,
    )


def _digits(enc: Encoding, order: int, node_limit: int) -> EncVerdict:
    from .verify import verify

    cfg = RmapConfig(
        f"digits-{enc.id_bits}id-{enc.word_bits}w",
        enc.id_bits,
        enc.word_bits,
        (Group(order, order, enc.nr_values, enc.slice_bits, enc.param("base") - 1),),
    )
    v = verify(cfg, order, node_limit=node_limit)
    ce = None
    if v.counterexample:  # the same contract: the victim's own entry first
        c = v.counterexample
        ce = {"victim": c["victim"], "mappings": [list(m) for m in c["mappings"]]}
    return EncVerdict(
        **_base(enc, order),
        verdict=v.verdict,
        method="digits-" + v.method,
        min_mappings=v.min_mappings,
        proven_minimal=v.proven_minimal,
        counterexample=ce,
        evidence=v.evidence,
        lower_bound=v.min_mappings if v.proven_minimal else None,
        certificate={k: w for k, w in v.certificate.items()},
    )


def verify_encoding(
    enc: Encoding, order: int, node_limit: int = NODE_LIMIT, allow_bfs: bool = True
) -> EncVerdict:
    """Verdict with evidence for ``enc`` at ``order`` (see module docstring).

    ``allow_bfs=False`` skips the exhaustive breadth-first fallback (tests use
    it to compare the closed arguments with brute force).
    """
    order = _check_int("order", order, 0, min(MAX_ORDER, enc.word_bits + enc.id_bits))
    P = 1 << order
    base = _base(enc, order)
    if P == 1:
        return EncVerdict(
            **base,
            verdict="safe",
            method="pages",
            min_mappings=None,
            proven_minimal=True,
            counterexample=None,
            evidence="a 1-page folio with n <= 1 has one mapping: X's",
            certificate={"pages": 1},
        )
    if enc.family == "digits":
        return _digits(enc, order, node_limit)

    results = []  # per slice: dict(verdict, method, found=(n_others, ce), proven, lower, ...)
    for s in _slice_groups(enc):
        results.append(_verify_slice(enc, order, s, node_limit, allow_bfs))

    unsafe = [r for r in results if r.get("found")]
    cert = {"slices": [dict(r.get("cert") or {}, method=r["method"]) for r in results]}
    if unsafe:
        r = min(unsafe, key=lambda r: r["found"][0])
        n_others, ce = r["found"]
        # minimal overall only if every slice's minimum is known to be >= this one
        proven = r.get("proven", False) and all(
            q is r or (q["verdict"] == "safe") or (q.get("lower") or 0) >= n_others for q in results
        )
        chk = replay(enc, order, ce)
        if not chk.false_exclusive:
            raise AssertionError(f"counterexample does not replay: {ce} -> {chk}")
        return EncVerdict(
            **base,
            verdict="unsafe",
            method=r["method"],
            min_mappings=1 + n_others,
            proven_minimal=proven,
            counterexample=ce,
            evidence=r["evidence"],
            lower_bound=1 + r["lower"] if r.get("lower") else None,
            replayed=True,
            certificate=cert,
        )
    if all(r["verdict"] == "safe" for r in results):
        return EncVerdict(
            **base,
            verdict="safe",
            method="+".join(sorted({r["method"] for r in results})),
            min_mappings=None,
            proven_minimal=True,
            counterexample=None,
            evidence="; ".join(r["evidence"] for r in results),
            certificate=cert,
        )
    lows = [r.get("lower") for r in results if r["verdict"] != "safe"]
    known = [x for x in lows if x is not None]
    return EncVerdict(
        **base,
        verdict="undecided",
        method="+".join(sorted({r["method"] for r in results})),
        min_mappings=None,
        proven_minimal=False,
        counterexample=None,
        evidence="; ".join(r["evidence"] for r in results),
        lower_bound=1 + min(known) if lows and len(known) == len(lows) else None,
        certificate=cert,
    )


def _verify_slice(enc: Encoding, order: int, s: int, node_limit: int, allow_bfs: bool) -> dict:
    P = 1 << order
    W = enc.word_bits
    vals = enc.slice_values(s)
    if len(vals) < 2:
        return dict(verdict="safe", method="one-value", evidence=f"slice {s} has one value")
    plain_moments = (
        enc.family == "moments" and enc.param("base") is None and enc.param("powers") == (1, 2)
    )
    pc = None if plain_moments else _packed_certificate(enc, order, s)
    if pc is not None and pc["holds"]:
        return dict(
            verdict="safe", method="no-wrap-convex", cert=pc, evidence=_packed_text(pc, P, W)
        )
    if plain_moments:
        r = _verify_moments(enc, order, s, node_limit)
        if r["verdict"] is not None:
            return r
    if enc.family == "raw-id" and enc.id_bits <= W:
        # one word, values below 2^W: one other mm would need d == 0; two do it
        lo, hi = vals[0], vals[-1]
        if hi - lo >= 2 and P >= 3:
            X = lo + 1
            return dict(
                verdict="unsafe",
                method="raw-id",
                found=(2, _ce(enc, s, X, {lo: 1, lo + 2: 1})),
                proven=True,
                lower=2,
                evidence=f"(X-1) + (X+1) = 2X: ids {lo}, {lo + 2} fool X = {X}; one "
                f"other mm cannot (its id differs from X's by less than 2^{W})",
            )
        if P < 3:
            return dict(
                verdict="safe",
                method="raw-id",
                cert={"pages": P},
                evidence=f"n <= {P}: one other mapping at most; c*(x-X) != 0 "
                f"mod 2^{W} since 0 < |x-X| < 2^{W}, c = 1",
            )
    if enc.family == "hash64" and W == 64 and P == 2:
        return dict(
            verdict="safe",
            method="bijection",
            cert={"pages": 2},
            evidence="n <= 2: one other mapping, and splitmix64 is a bijection "
            "of 64-bit words, so its addend differs from X's",
        )
    if allow_bfs:
        rb = _bfs_slice(enc, order, s)
        if rb is not None:
            best = rb["best"]
            if best is None:
                return dict(
                    verdict="safe",
                    method="bfs",
                    cert={"searched_depth": P - 1},
                    evidence=f"exhaustive search: no fooling population with n <= {P}",
                )
            n, x, cnt = best
            return dict(
                verdict="unsafe",
                method="bfs",
                found=(n, _ce(enc, s, x, cnt)),
                proven=True,
                lower=n,
                evidence=f"exhaustive breadth-first search: fewest others {n}",
            )
    rl = _lattice_slice(enc, order, s, node_limit)
    if rl is not None:
        best = rl["best"]
        if best is None and rl["complete"]:
            return dict(
                verdict="safe",
                method="lattice",
                cert={"searched_bound": P - 1},
                evidence=f"complete lattice enumeration: no nonnegative c with "
                f"1 <= sum c <= {P - 1}",
            )
        if best is not None:
            n, x, cnt = best
            return dict(
                verdict="unsafe",
                method="lattice",
                found=(n, _ce(enc, s, x, cnt)),
                proven=rl["complete"],
                lower=n if rl["complete"] else None,
                evidence=f"lattice of slice values: fewest others {n}"
                + ("" if rl["complete"] else " (enumeration budget hit: not proven minimal)"),
            )
        return dict(
            verdict="undecided",
            method="lattice",
            evidence=f"lattice enumeration stopped at {node_limit} nodes",
        )
    why = "no certificate" if pc is None else "the no-wrap/convex certificate fails"
    if enc.family == "moments":
        m = _verify_moments(enc, order, s, node_limit) if enc.param("base") is None else None
        if m is not None:
            return dict(m, verdict="undecided")
    return dict(
        verdict="undecided",
        method="none",
        evidence=f"slice {s}: {why}, and {len(vals)} slice values in {W}-bit words "
        "are beyond the exact searches (breadth-first <= 2^22 states, lattice <= 17 "
        "values)",
    )


def _packed_text(pc: dict, P: int, W: int) -> str:
    parts = []
    for w in pc["words"]:
        if w["base"]:
            parts.append(
                f"(P-1)*ranges {w['ranges']} each < base {w['base']} and total "
                f"{w['max_sum']} < 2^{W}"
            )
        else:
            parts.append(f"(P-1)*range = {w['max_sum']} < 2^{W}")
    return (
        "no wrap, no carry: "
        + "; ".join(parts)
        + "; so each coordinate's sum is exact and the victim's point is a convex "
        "combination of the others': impossible, the slice points are in convex "
        "position"
    )


def check_encoding_args(id_bits, word_bits, max_order) -> tuple[int, int, int]:
    """Validate the widths of a command line (one-line errors)."""
    id_bits = _check_int("id_bits", id_bits, 1, 32)
    word_bits = _check_int("word_bits", word_bits, 2, 64)
    max_order = _check_int("max_order", max_order, 0, min(MAX_ORDER, word_bits - 1))
    return id_bits, word_bits, max_order


_ = ConfigError
