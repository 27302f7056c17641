"""The ``digits`` family (the posted ``calc_rmap_subid``) and ``bit-counters``.

``digits``: the id is cut into K slices of B bits and word k holds slice k's
binary digits read in base ``base`` (the series uses ``P_g + 1``). Its
certificate is :mod:`rmaplab.encodings.digits_lattice` (carry-free digits,
or the L-infinity lattice search), asked through
:func:`rmaplab.verify.verify_digits` on ``(Encoding, order)``; its proof is
:func:`rmaplab.proof.digits_proof_text`.

``bit-counters``: one word per id bit holding that bit (exact per-bit
counters): digits with one bit per slice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._kernels.codes import RULE_DIGITS
from ..config import MAX_ORDER, ConfigError, RmapConfig, _check_int
from .base import (
    BenchSpec,
    Encoding,
    Family,
    KernelPlan,
    check_widths,
    register,
    slices_for,
)

if TYPE_CHECKING:
    from ..certify import EncVerdict

__all__ = ["bit_counters", "digits", "from_config", "posted_group"]

#: Digits base P_g of the C bench for K values the posted table does not have
#: (7, 8): the cover letter's "up to order 21 needs 8 values".
_UNPOSTED_BASE_PAGES = 1 << 21


def digits_addend(v: int, base: int, mask: int) -> int:
    """``calc_rmap_subid``: ``v``'s binary digits read in ``base``, masked."""
    out, mult = 0, 1
    while v:
        if v & 1:
            out = (out + mult) & mask
        mult = (mult * base) & mask
        v >>= 1
    return out


def digits(
    id_bits: int,
    word_bits: int,
    values: int | None = None,
    bits: int | None = None,
    base: int | None = None,
) -> Encoding:
    """The posted sub-IDs: ``calc_rmap_subid`` with digit base ``base``
    (``P_g + 1`` in the series) on ``values`` slices of ``bits`` bits."""
    id_bits, word_bits = check_widths(id_bits, word_bits)
    bits = slices_for(id_bits, values, bits)
    if base is None:
        raise ConfigError("base is required for digits (the series uses P_g + 1)")
    base = _check_int("base", base, 2, 1 << 63)
    k = -(-id_bits // bits)
    return Encoding(
        "digits", id_bits, word_bits, bits, tuple(range(k)), (("base", base),), name="digits"
    )


def from_config(config: RmapConfig, order: int) -> Encoding:
    """The posted scheme as an encoding: ``config``'s group for ``order``
    (K slices of B bits, ``calc_rmap_subid`` in base ``P_g + 1``), so
    ``from_config(cfg, o).addends(x) == mm_subids(cfg, o, x)`` for every id."""
    return config.encoding(order)


def bit_counters(id_bits: int, word_bits: int) -> Encoding:
    id_bits, word_bits = check_widths(id_bits, word_bits)
    return Encoding(
        "bit-counters", id_bits, word_bits, 1, tuple(range(id_bits)), (("base", 2),), "bit-counters"
    )


def posted_group(id_bits: int, word_bits: int, max_order: int, order: int):
    """The series' group for ``order``: the posted table where a built-in
    configuration has these widths and covers ``order`` (``wip-v1`` for 24-bit
    ids in 64-bit words), else the series' rule (:func:`derive_config`)."""
    from ..config import BUILTIN, derive_config

    for cfg in BUILTIN.values():
        if (cfg.id_bits, cfg.word_bits) == (id_bits, word_bits) and order <= cfg.max_order:
            return cfg.group_for(order)
    return derive_config(id_bits, word_bits, max_order).group_for(order)


def series_slices(id_bits, word_bits, max_order, order, values, bits) -> tuple[int, int]:
    """``(B, P_g)``: the posted group's, unless ``values`` or ``bits`` are given."""
    if values is None and bits is None:
        g = posted_group(id_bits, word_bits, max_order, order)
        return g.bits, g.base_pages
    return slices_for(id_bits, values, bits), 1 << max_order


def _ks(id_bits: int):
    """``(K, B)`` for K = 1, 2, ... with ``B = ceil(id_bits / K)``, each B once."""
    seen = set()
    for k in range(1, id_bits + 1):
        b = -(-id_bits // k)
        if b in seen:
            continue
        seen.add(b)
        yield -(-id_bits // b), b


def _bench_digits(k: int, id_bits: int) -> dict:
    from ..config import DEFAULT_CONFIG, bits_per_value
    from ..subid import calc_rmap_subid

    base = next((g.base_pages for g in DEFAULT_CONFIG.groups if g.nr_values == k), None)
    base = _UNPOSTED_BASE_PAGES if base is None else base
    bits = bits_per_value(id_bits, k)
    table = None
    if bits <= 12:  # a K = 1 table would have 2**24 entries: per mm only
        table = tuple(calc_rmap_subid(base, s) for s in range(1 << bits))
    return {"bits": bits, "table": table, "base_pages": base}


class Digits(Family):
    name = "digits"
    options: tuple[str, ...] = ("--slice-bits", "--base")
    description = "binary digits of id slices read in a base (the posted calc_rmap_subid)"
    shorthand = "digits family: the posted group of these widths, or the series' rule"
    paths = (
        "proof where the verifier proves the order safe (carry-free digits or a "
        "complete lattice search); exact enumeration on small widths"
    )
    reports_base = True
    rank = 0

    def word_addend(self, enc: Encoding, k: int, v: int) -> int:
        return digits_addend(v, enc.param("base", 2), enc.mask)

    def plan(self, enc: Encoding) -> KernelPlan:
        return KernelPlan(RULE_DIGITS, enc.slice_bits, enc.word_slice, base=enc.param("base", 2))

    def default(self, id_bits, word_bits, max_order, order, **opts: Any) -> Encoding:
        bits, pg = series_slices(
            id_bits, word_bits, max_order, order, opts.get("values"), opts.get("bits")
        )
        return digits(id_bits, word_bits, bits=bits, base=opts.get("base") or pg + 1)

    def describe(self, enc: Encoding) -> str:
        return (
            f"digits: {enc.slices} slices of {enc.slice_bits} id bits, "
            f"base {enc.param('base')}, {enc.nr_values} x {enc.word_bits}-bit words"
        )

    def candidates(self, id_bits, word_bits, order):
        P = 1 << order
        for _k, b in _ks(id_bits):
            for base in (P + 1, P):
                if base >= 2:
                    yield digits(id_bits, word_bits, bits=b, base=base)

    def verify(self, enc: Encoding, order: int, node_limit: int) -> EncVerdict:
        from ..certify import EncVerdict, verdict_head
        from ..verify import verify_digits

        order = _check_int("order", order, 0, MAX_ORDER)
        v = verify_digits(enc, order, node_limit=node_limit)
        ce = None
        if v.counterexample:  # the same contract: the victim's own entry first
            c = v.counterexample
            ce = {"victim": c["victim"], "mappings": [list(m) for m in c["mappings"]]}
        return EncVerdict(
            **verdict_head(enc, order),
            verdict=v.verdict,
            method="digits-" + v.method,
            min_mappings=v.min_mappings,
            proven_minimal=v.proven_minimal,
            counterexample=ce,
            evidence=v.evidence,
            lower_bound=v.min_mappings if v.proven_minimal else None,
            certificate=dict(v.certificate),
        )

    def proof_text(self, enc: Encoding, order: int, width: int) -> str:
        from ..proof import digits_proof_text
        from ..verify import verify_digits

        return digits_proof_text(
            enc, order, verify_digits(enc, _check_int("order", order, 0, MAX_ORDER)), width
        )

    def table_lookups(self, enc: Encoding) -> int:
        # the series looks up rmap_subids_4/5/6 for K > 3
        return enc.nr_values if enc.nr_values > 3 else 0

    def bench_specs(self) -> list[BenchSpec]:
        return [
            BenchSpec(
                "digits",
                "table",
                "calc_rmap_subid",
                (3, 4, 6),
                _bench_digits,
                "digits: rmap_subids_K table lookup",
                rank=0,
            )
        ]

    def bench_case_for(self, k, detail, addends):
        # K = 1 would look up a 2**24-entry table
        return ("digits", k) if k >= 2 else None


class BitCounters(Digits):
    name = "bit-counters"
    options = ()
    description = "one counter per id bit (exact)"
    shorthand = "one counter per id bit (exact)"
    paths = "proof (per-bit counters are exact); exact enumeration on small widths"
    reports_base = False
    rank = 5

    def default(self, id_bits, word_bits, max_order, order, **opts: Any) -> Encoding:
        return bit_counters(id_bits, word_bits)

    def describe(self, enc: Encoding) -> str:
        return Family.describe(self, enc)

    def candidates(self, id_bits, word_bits, order):
        yield bit_counters(id_bits, word_bits)

    def verify(self, enc, order, node_limit):
        return None

    def proof_text(self, enc, order, width):
        return None

    def points(self, enc, s, vals):
        return [(None, [(v,) for v in vals])]

    def table_lookups(self, enc):
        return 0

    def bench_specs(self):
        return []

    def bench_case_for(self, k, detail, addends):
        return None


register(Digits())
register(BitCounters())
