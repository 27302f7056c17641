"""Can the check be fooled under an encoding? Certificate or counterexample.

The generic certificate machinery: slice searches (no-wrap / convex
points, breadth-first, lattice); family specifics come only through the
registry (:class:`rmaplab.encodings.Family`'s certificate hooks).

For an :class:`~rmaplab.encodings.Encoding` and a folio order ``o``
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

* a family's own verdict (``digits``: :func:`rmaplab.verify.verify`,
  carry-free certificate or the L-infinity lattice search);
* ``no-wrap-convex``: each word of a slice is a packed vector of
  coordinates ``p_j(v)`` in a base ``b`` (one coordinate when unpacked).
  If ``(P - 1) * range_j < b`` for every coordinate but the top one and ``(P - 1) *
  sum_j range_j b**j < 2**W``, the sums are exact and carry-free, so
  ``sum c_m (p(m) - p(X)) = 0``: ``p(X)`` is a convex combination of the
  others' points. If the points are distinct and in convex position (no
  point in the hull of the others) that is impossible;
* a family's own slice argument (``moments``: the variance bound of
  :func:`rmaplab.encodings.moments.moments_bound`; ``raw-id``; ``hash64``'s
  bijection at P = 2);
* ``bfs``: exhaustive breadth-first search over the joint state of the
  slice's words (``K_s * W <= 24``), proven minimal;
* ``lattice``: one word, at most 17 slice values: per victim, the lattice
  ``{c : sum c_v g_v == 0 mod 2**W}`` (``g_v = w[v] - w[X]``), LLL and an
  exact enumeration of its nonnegative vectors of least ``sum c``;
Where none applies within the budget the verdict is ``undecided``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# the one-other check lives in certify_one_other; re-exported here
from .certify_one_other import (  # noqa: F401
    ONE_OTHER_MAX_VALUES,
    _first_repeat,
    _one_other,
)
from .config import MAX_ORDER, _check_int
from .encodings import Encoding
from .encodings.base import slice_counterexample
from .folio import replay
from .verify import JSON_FIELDS as _VERIFY_JSON_FIELDS

__all__ = [
    "JSON_FIELDS",
    "EncVerdict",
    "slice_counterexample",
    "verdict_head",
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


def _slice_groups(enc: Encoding) -> list[int]:
    """One representative slice per distinct slice problem: slices of equal
    width see the same word functions, unless a table is given per slice."""
    per_slice = enc.fam.per_slice_problem(enc)
    seen, reps = set(), []
    for s in range(enc.slices):
        key = s if per_slice else enc.slice_width(s)
        if key not in seen:
            seen.add(key)
            reps.append(s)
    return reps


# -- generic slice problems ---------------------------------------------------


def _points(enc: Encoding, s: int):
    """Coordinates and base of the words of slice s, for the packed certificate:
    ``[(base, [coords per value]) per word]`` (the family's
    :meth:`~rmaplab.encodings.Family.points`) or None."""
    if len(enc.slice_values(s)) > 1 << 12:
        return None, None  # too many points to list: the family's closed form
    vals = list(enc.slice_values(s))
    return vals, enc.fam.points(enc, s, vals)


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
    # a point in the hull of the others stays there in every projection, so
    # distinct points in convex position in some coordinate plane are in
    # convex position (e.g. the moment curve (v, v^2, v^3))
    for i in range(d):
        for j in range(i + 1, d):
            plane: list[tuple[int, ...]] = [(p[i], p[j]) for p in pts]
            if len(set(plane)) == len(plane) and _convex_position(plane):
                return True
    return False


def _packed_certificate(enc: Encoding, order: int, s: int) -> dict | None:
    vals, words = _points(enc, s)
    if not words:
        return enc.fam.closed_certificate(enc, order, s)
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
    from .lattice import lattice_basis, lll, same_sign_l1, shortest_linf

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

        # nonnegative combinations only; the kernel filters same_sign_l1's leaves itself
        res = shortest_linf(basis, lim, cost=same_sign_l1, node_limit=node_limit, keep=1)
        complete &= res.complete
        if res.norm is not None and res.vectors:
            vec = res.vectors[0]
            cnt = {others[order_idx[i]]: abs(c) for i, c in enumerate(vec) if c}
            if best is None or res.norm < best[0]:
                best = (res.norm, x, cnt)
    return {"best": best, "complete": complete}


# -- the verifier -------------------------------------------------------------


def verdict_head(enc: Encoding, order: int) -> dict:
    """The fields every :class:`EncVerdict` of ``enc`` at ``order`` starts with."""
    base = enc.param("base") if enc.fam.reports_base else None
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


def verify_encoding(
    enc: Encoding, order: int, node_limit: int = NODE_LIMIT, allow_bfs: bool = True
) -> EncVerdict:
    """Verdict with evidence for ``enc`` at ``order`` (see module docstring).

    ``allow_bfs=False`` skips the exhaustive breadth-first fallback (tests use
    it to compare the closed arguments with brute force).
    """
    order = _check_int("order", order, 0, min(MAX_ORDER, enc.word_bits + enc.id_bits))
    P = 1 << order
    base = verdict_head(enc, order)
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
    own = enc.fam.verify(enc, order, node_limit)
    if own is not None:
        return own

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
    fam = enc.fam
    pc = _packed_certificate(enc, order, s) if fam.use_points(enc) else None
    if pc is not None and pc["holds"]:
        return dict(
            verdict="safe", method="no-wrap-convex", cert=pc, evidence=_packed_text(pc, P, W)
        )
    r = fam.slice_argument(enc, order, s, node_limit)
    if r is not None:
        return r
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
                found=(n, slice_counterexample(enc, s, x, cnt)),
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
                found=(n, slice_counterexample(enc, s, x, cnt)),
                proven=rl["complete"],
                lower=n if rl["complete"] else None,
                evidence=f"lattice of slice values: fewest others {n}"
                + ("" if rl["complete"] else " (enumeration budget hit: not proven minimal)"),
            )
        one = _one_other(enc, order, s)
        if one is not None:
            return one
        return dict(
            verdict="undecided",
            method="lattice",
            evidence=f"lattice enumeration stopped at {node_limit} nodes",
        )
    one = _one_other(enc, order, s)
    if one is not None:
        return one
    why = "no certificate" if pc is None else "the no-wrap/convex certificate fails"
    m = fam.slice_fallback(enc, order, s, node_limit)
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


# -- the written argument -------------------------------------------------------

#: "Fits in the margin": a proof of at most this many lines.
SHORT_PROOF_LINES = 15


def proof_text_encoding(
    enc: Encoding, order: int, width: int | None = None, verdict: EncVerdict | None = None
) -> str:
    """The argument with this encoding's numbers (safe) or the counterexample,
    plain text for mail (lines of at most ``width`` columns; the text says
    whether it fits in :data:`SHORT_PROOF_LINES` lines). The family writes
    its own argument where it has one (:meth:`~rmaplab.encodings.Family.proof_text`,
    :meth:`~rmaplab.encodings.Family.proof_lines`)."""
    from .encodings.base import p2
    from .export import MAIL_WIDTH, check_width, wrap

    width = MAIL_WIDTH if width is None else width
    whole = enc.fam.proof_text(enc, order, width)
    if whole is not None:
        n = len(whole.splitlines())
        return check_width(whole + "\n" + _fits(n + 1), width)
    v = verdict if verdict is not None else verify_encoding(enc, order)
    P = 1 << order
    head = f"{enc.describe()}; {enc.id_bits}-bit ids, order {order} ({p2(P)} pages)."
    lines = [head]
    own = None if v.method == "pages" else enc.fam.proof_lines(enc, order, v)
    if v.method == "pages":
        lines.append("n <= 1: the only mapping is X's. SAFE.")
    elif own is not None:
        lines += own
    else:
        lines.append(
            "Check: n <= P and word_k == n*addend_k(X) (mod 2^W) for all k; X's "
            "own mappings add 0, so only the others' differences matter; per id "
            "slice, others equal to X elsewhere realise any slice attack."
        )
        lines.append(f"{v.method}: {v.evidence}.")
    if v.verdict == "unsafe":
        ce = v.counterexample
        assert ce is not None, "an unsafe verdict carries its counterexample"
        lines.append(
            f"UNSAFE: {v.min_mappings} mappings fool the check "
            + ("(proven minimal)." if v.proven_minimal else "(not proven minimal).")
        )
        lines.append(
            "Counterexample [id, count], victim first: "
            + ", ".join(f"[{m}, {c}]" for m, c in ce["mappings"][:6])
            + (f" and {len(ce['mappings']) - 6} more" if len(ce["mappings"]) > 6 else "")
            + "."
        )
    elif v.verdict == "undecided":
        lines.append("UNDECIDED within the search budget.")
    body = wrap("\n".join(lines), width)
    n = len(body.splitlines())
    return check_width(body + "\n" + _fits(n + 1), width)


def _fits(n: int) -> str:
    if n <= SHORT_PROOF_LINES:
        return f"({n} lines: fits in {SHORT_PROOF_LINES}.)"
    return f"({n} lines: longer than {SHORT_PROOF_LINES}.)"
