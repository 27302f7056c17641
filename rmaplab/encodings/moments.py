"""The ``moments`` family: power sums, and the number theory that certifies them.

Unpacked (default): one word per power and slice, ``v**p``; the default is
the whole id in two words, the sum of ids and the sum of squared ids (the
1-sparse test of streaming algorithms). Packed: one word per slice,
``sum_i v**p_i * base**i``.

Certificate of the (1, 2) moments on values in ``[lo, hi]`` (see
:func:`moments_bound`): an exact first moment plus the variance bound
``sum c d**2 <= N' * (hi - X)(X - lo)``, and a construction that meets it
(two squares, :func:`moments_construct`); tiny cases are searched
exhaustively. Packed or other powers use the generic no-wrap / convex
certificate on the points ``(v**p_1, v**p_2, ...)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._kernels.codes import RULE_POWERS
from ..config import ConfigError, _check_int
from .base import (
    MAX_TABLE_BITS,
    BenchSpec,
    Encoding,
    Family,
    KernelPlan,
    check_widths,
    p2,
    register,
    slice_counterexample,
    table_plan,
)
from .digits import _ks
from .moments_search import _moments_search, moments_construct, moments_exhaustive
from .two_squares import two_squares

if TYPE_CHECKING:
    from ..certify import EncVerdict

__all__ = [
    "moments",
    "moments_bound",
    "moments_construct",
    "moments_exhaustive",
    "packed_base",
    "two_squares",
]


def moments(
    id_bits: int,
    word_bits: int,
    bits: int | None = None,
    powers: Sequence[int] = (1, 2),
    base: int | None = None,
) -> Encoding:
    """Power sums. Default: the whole id, words ``sum c*x`` and ``sum c*x^2``.

    ``bits`` cuts the id into slices (powers of each slice); ``base`` packs
    the powers of one slice into one word as ``sum_i v**p_i * base**i``.
    """
    id_bits, word_bits = check_widths(id_bits, word_bits)
    bits = id_bits if bits is None else _check_int("bits", bits, 1, id_bits)
    powers = tuple(_check_int("power", p, 1, 8) for p in powers)
    if len(set(powers)) != len(powers) or not powers:
        raise ConfigError(f"powers={powers} must be distinct and non-empty")
    k = -(-id_bits // bits)
    params: list = [("powers", powers)]
    if base is not None:
        params.append(("base", _check_int("base", base, 2, 1 << 63)))
        ws = tuple(range(k))
    else:
        ws = tuple(s for s in range(k) for _ in powers)
    return Encoding("moments", id_bits, word_bits, bits, ws, tuple(params), name="moments")


def packed_base(pages: int, slice_bits: int) -> int:
    """Smallest power of two above ``(pages - 1) * (2**slice_bits - 1)``: the
    digit base that keeps a packed slice's first moment carry-free."""
    return max(2, 1 << ((pages - 1) * ((1 << slice_bits) - 1)).bit_length())


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
    lb = 2 if hmax2 == 0 else max(2, -(-(1 << word_bits) // hmax2))
    return {
        "lo": lo,
        "hi": hi,
        "span": span,
        "hmax2": hmax2,
        "word_limit": 1 << word_bits,
        "lower_bound_others": lb,
    }


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
                    found=(n, slice_counterexample(enc, s, X, others)),
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
                found=(n, slice_counterexample(enc, s, X, others)),
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


def _moments_points(enc: Encoding, order: int, s: int) -> dict | None:
    """Closed form of the packed certificate for (1, 2)-moments of a wide
    slice: coordinates v and v**2 over [lo, hi] have ranges hi - lo and
    hi**2 - lo**2 (all values >= 0), and points (v, v**2) lie on a strictly
    convex parabola, so they are always in convex position."""
    if enc.param("powers") != (1, 2):
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


def _plain(enc: Encoding) -> bool:
    """Unpacked sum of values and sum of squares: the number-theory certificate."""
    return enc.param("base") is None and enc.param("powers") == (1, 2)


def _proof_lines(enc: Encoding, order: int, v) -> list[str]:
    c = v.certificate["slices"][0]
    W = enc.word_bits
    P = 1 << order
    what = "x = mm id" if enc.slices == 1 else f"x = a {enc.slice_bits}-bit id slice"
    lines = [
        f"Words: S1 = sum c*x, S2 = sum c*x^2 (mod 2^{W}), {what} in "
        f"[{c['lo']}, {c['hi']}], c = its mm's mappings.",
        f"Claim: n <= P = {p2(P)}, S1 == n*X and S2 == n*X^2 only if every "
        "mapping is X's (X maps at least one page).",
        "1. Over the N' = n - c_X others, d = x - X: D1 = sum c*d == 0 and "
        "D2 = sum c*d^2 == 0 (mod 2^W), since S2 - n*X^2 = D2 + 2X*D1.",
        f"2. |D1| <= (P-1)*{c['span']} = {c['s1_max']} "
        + ("< " if c["s1_max"] < 1 << W else ">= ")
        + f"2^{W}"
        + (": D1 = 0 exactly." if c["s1_max"] < 1 << W else ": D1 can wrap."),
    ]
    if v.method == "moments-no-wrap":
        lines.append(
            f"3. 0 <= D2 <= (P-1)*(hi^2-lo^2) = {c['s2_max']} < 2^{W}: D2 = 0, "
            "so sum c*d^2 = 0: every d = 0, every mapping is X's. SAFE."
        )
        return lines
    lines += [
        "3. On [lo-X, hi-X]: d^2 <= (hi+lo-2X)*d + (hi-X)(X-lo), so with D1 = 0: "
        f"0 < D2 <= N'*(hi-X)(X-lo) <= N'*{c['hmax2']}.",
        f"4. D2 > 0 and D2 == 0 mod 2^{W}: N' >= ceil(2^{W}/{c['hmax2']}) = "
        f"{c['lower_bound_others']}.",
    ]
    if v.verdict == "safe":
        lines.append(f"   {c['lower_bound_others']} > P - 1 = {P - 1}. SAFE.")
    return lines


def _bench_moments(k: int, id_bits: int) -> dict:
    return {"bits": id_bits}  # every word sees the whole id


class Moments(Family):
    name = "moments"
    options = ("--slice-bits", "--base", "--packed")

    def check_options(self, given: dict[str, Any]) -> None:
        if given.get("--base") is not None and not given.get("--packed"):
            raise ConfigError(
                f"--base={given['--base']} does not apply to --encoding moments without "
                "--packed: allowed with --packed (the packing base)"
            )

    description = "power sums: sum of ids and sum of squared ids (or of slices, packed)"
    shorthand = "moments family: sum of ids and sum of squared ids, two values"
    paths = (
        "proof where the verifier proves the order safe: sum of ids and sum of "
        "squares are exact when they do not wrap, and equal sums with zero variance "
        "mean one id; exact enumeration on small widths"
    )
    rank = 2

    def word_addend(self, enc: Encoding, k: int, v: int) -> int:
        powers = enc.param("powers", (1, 2))
        base = enc.param("base")
        if base is None:  # unpacked: word k holds power powers[k % len]
            return pow(v, powers[k % len(powers)], 1 << enc.word_bits)
        return sum(pow(v, p) * base**i for i, p in enumerate(powers))

    def plan(self, enc: Encoding) -> KernelPlan:
        if enc.slice_bits <= MAX_TABLE_BITS:
            return table_plan(enc)
        base = enc.param("base")
        powers = tuple(enc.param("powers", (1, 2)))
        if base is not None and len(powers) > 4:
            raise ConfigError(
                f"powers={powers}: allowed at most 4 powers packed in a word "
                f"of a slice wider than {MAX_TABLE_BITS} bits (the Monte Carlo kernel)"
            )
        # wrapping uint64 powers reduced by the mask equal v**p mod 2**W
        return KernelPlan(
            RULE_POWERS,
            enc.slice_bits,
            enc.word_slice,
            powers=powers,
            pack_base=0 if base is None else base % (1 << 64),
        )

    def default(self, id_bits, word_bits, max_order, order, **opts: Any) -> Encoding:
        bits, base = opts.get("bits"), opts.get("base")
        powers = tuple(opts.get("powers") or (1, 2))
        if opts.get("packed"):
            b = bits or id_bits
            return moments(
                id_bits, word_bits, b, powers, base or packed_base(1 << max_order, min(b, id_bits))
            )
        return moments(id_bits, word_bits, bits, powers)

    def describe(self, enc: Encoding) -> str:
        p = enc.param("powers", (1, 2))
        w = f"{enc.nr_values} x {enc.word_bits}-bit words"
        what = "id" if enc.slices == 1 else f"{enc.slice_bits}-bit slice"
        if enc.param("base") is None:
            return f"moments: sums of {what}^{p}, one word each, {w}"
        return f"moments packed: {what}^{p} in base {enc.param('base')}, {w}"

    def candidates(self, id_bits, word_bits, order):
        P = 1 << order
        for k, b in _ks(id_bits):
            if k == 2:
                yield moments(id_bits, word_bits)
            yield moments(id_bits, word_bits, b, base=packed_base(max(P, 2), b))

    # -- certificate --------------------------------------------------------------
    def use_points(self, enc: Encoding) -> bool:
        return not _plain(enc)

    def points(self, enc: Encoding, s: int, vals: list[int]):
        powers = enc.param("powers", (1, 2))
        base = enc.param("base")
        if base is None:
            return [
                (None, [(v ** powers[k % len(powers)],) for v in vals])
                for k in enc.words_of_slice(s)
            ]
        return [(base, [tuple(v**p for p in powers) for v in vals])]

    def closed_certificate(self, enc: Encoding, order: int, s: int) -> dict | None:
        return _moments_points(enc, order, s)

    def slice_argument(self, enc, order, s, node_limit):
        if not _plain(enc):
            return None
        r = _verify_moments(enc, order, s, node_limit)
        return r if r["verdict"] is not None else None

    def slice_fallback(self, enc, order, s, node_limit):
        if enc.param("base") is not None:
            return None
        return _verify_moments(enc, order, s, node_limit)

    def proof_lines(self, enc: Encoding, order: int, verdict: EncVerdict):
        if verdict.method.startswith("moments"):
            return _proof_lines(enc, order, verdict)
        return None

    # -- cost and bench ----------------------------------------------------------
    def bench_specs(self) -> list[BenchSpec]:
        return [
            BenchSpec(
                "moments", "powers", "powers", (2,), _bench_moments, "moments: x, x*x", rank=1
            )
        ]

    def bench_case_for(self, k, detail, addends):
        if "packed" in detail:
            return ("table-quadratic", k)
        return ("moments", k) if k == 2 else None


register(Moments())
