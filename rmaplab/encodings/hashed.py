"""The one-word id families: ``raw-id`` (the id itself) and ``hash64``
(splitmix64 of the id, plus ``k`` times the golden step for word ``k``: the
lab's one splitmix64, :mod:`rmaplab._kernels.mix`)."""

from __future__ import annotations

import math
from typing import Any

from .._kernels.codes import RULE_HASH, RULE_RAW
from ..config import _check_int
from .base import (
    GOLDEN,
    Encoding,
    Family,
    KernelPlan,
    check_widths,
    compositions,
    register,
    slice_counterexample,
    splitmix64,
)

__all__ = ["hash64", "raw_id"]


def raw_id(id_bits: int, word_bits: int) -> Encoding:
    id_bits, word_bits = check_widths(id_bits, word_bits)
    return Encoding("raw-id", id_bits, word_bits, id_bits, (0,), (), "raw-id")


def hash64(id_bits: int, word_bits: int, values: int = 1) -> Encoding:
    id_bits, word_bits = check_widths(id_bits, word_bits)
    values = _check_int("values", values, 1, 8)
    return Encoding("hash64", id_bits, word_bits, id_bits, (0,) * values, (), "hash64")


class RawId(Family):
    name = "raw-id"
    description = "the raw id added to one value"
    shorthand = "add the raw id to one value"
    paths = (
        "proof only for folios of at most 2 pages (ids X-1 and X+1 fool X without "
        "wrapping); exact enumeration on small widths"
    )
    rank = 3

    def word_addend(self, enc: Encoding, k: int, v: int) -> int:
        return v

    def plan(self, enc: Encoding) -> KernelPlan:
        return KernelPlan(RULE_RAW, enc.slice_bits, enc.word_slice)

    def default(self, id_bits, word_bits, max_order, order, **opts: Any) -> Encoding:
        return raw_id(id_bits, word_bits)

    def candidates(self, id_bits, word_bits, order):
        yield raw_id(id_bits, word_bits)

    def points(self, enc, s, vals):
        return [(None, [(v,) for v in vals])]

    def slice_argument(self, enc, order, s, node_limit):
        P = 1 << order
        W = enc.word_bits
        if enc.id_bits > W:
            return None
        # one word, values below 2^W: one other mm would need d == 0; two do it
        vals = enc.slice_values(s)
        lo = vals[0]
        if vals[-1] - lo >= 2 and P >= 3:
            X = lo + 1
            return dict(
                verdict="unsafe",
                method="raw-id",
                found=(2, slice_counterexample(enc, s, X, {lo: 1, lo + 2: 1})),
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
        return None


class Hash64(Family):
    name = "hash64"
    description = "splitmix64 of the id, one value"
    shorthand = "random 64-bit sub-IDs (splitmix64 of the id), one value"
    paths = (
        "analytic for the uniform population (random sub-IDs); proof where the "
        "verifier proves the order safe (2-page folios in 64-bit words, exhaustive "
        "search in small words); exact enumeration on small widths"
    )
    rank = 4

    def word_addend(self, enc: Encoding, k: int, v: int) -> int:
        return splitmix64(v + k * GOLDEN)

    def plan(self, enc: Encoding) -> KernelPlan:
        return KernelPlan(RULE_HASH, enc.slice_bits, enc.word_slice)

    def default(self, id_bits, word_bits, max_order, order, **opts: Any) -> Encoding:
        return hash64(id_bits, word_bits, opts.get("values") or 1)

    def candidates(self, id_bits, word_bits, order):
        yield hash64(id_bits, word_bits)

    def slice_argument(self, enc, order, s, node_limit):
        if enc.word_bits == 64 and order == 1:
            return dict(
                verdict="safe",
                method="bijection",
                cert={"pages": 2},
                evidence="n <= 2: one other mapping, and splitmix64 is a bijection "
                "of 64-bit words, so its addend differs from X's",
            )
        return None

    def analytic(self, enc, order, population, mms, mappings):
        """Random sub-IDs: given the victim's hash, each other mm's term
        ``c_i (h(Y_i) - h(X))`` is uniform on multiples of ``2**v2(c_i)``, so
        ``P = E[2**(-K (W - min_i v2(c_i)))]`` over the count split (ignoring
        repeated ids among the others)."""
        if mappings > (1 << order):
            return 0.0
        if population != "uniform":
            return None
        W, K = enc.word_bits, enc.nr_values
        if math.comb(mappings - 1, mms - 1) > 200_000:
            return None
        acc = 0.0
        n = 0
        for parts in compositions(mappings, mms):
            v = min((c & -c).bit_length() - 1 for c in parts[1:])
            acc += 2.0 ** (-K * max(W - v, 0))
            n += 1
        return acc / n


register(RawId())
register(Hash64())
