"""Behrend-type sphere sets in one value (issue 20) as the ``behrend``
family: :mod:`rmaplab.onevalue.behrend` picks the dimension ``k``, the box
``[-h, h]**k`` and the sphere ``sum v**2 = S`` for ``2**id_bits`` ids at
the design order (``max_order``); mm ``i`` gets the ``i``-th point of the
sphere, packed in mixed radix with ranges ``2h``. Certificate: the packing
lemma at every order up to the design order (points of one sphere are in
strictly convex position). Kernel plan: a table for ids of at most 16 bits.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..config import ConfigError, _check_int
from ..onevalue import behrend as _bh
from ..onevalue.packing import field_bases
from .base import Encoding, Family, check_widths, p2, register

if TYPE_CHECKING:
    from ..certify import EncVerdict

__all__ = ["behrend_encoding"]


def behrend_encoding(id_bits: int, word_bits: int, design_order: int) -> Encoding:
    """``2**id_bits`` ids on a sphere, one ``word_bits``-bit value, for
    folios of up to ``2**design_order`` pages."""
    id_bits, word_bits = check_widths(id_bits, word_bits)
    design_order = _check_int("design_order", design_order, 1, word_bits - 1)
    return Encoding("behrend", id_bits, word_bits, id_bits, (0,), (("design_order", design_order),))


#: Dimension of the sphere when no sphere fits the lemma (the addends then
#: wrap: the certificate refuses and the generic searches decide).
_FALLBACK_K = 6


@lru_cache(maxsize=32)
def _params(id_bits: int, word_bits: int, design_order: int) -> dict:
    """:func:`rmaplab.onevalue.behrend.params` where a sphere fits the lemma;
    else the smallest ``h`` whose best sphere in ``[-h, h]**6`` holds the ids."""
    prm = _bh.params(id_bits, word_bits, design_order)
    if prm is not None:
        return prm
    n, h = 1 << id_bits, 1
    while _bh.best_sphere(_FALLBACK_K, h)[1] < n:
        h *= 2
        if h > 1 << 12:
            raise ConfigError(f"id_bits={id_bits} is too wide for behrend: allowed <= 32")
    s, c = _bh.best_sphere(_FALLBACK_K, h)
    return {
        "k": _FALLBACK_K,
        "h": h,
        "S": s,
        "points": c,
        "id_bits": id_bits,
        "word_bits": word_bits,
        "order": design_order,
        "bases": field_bases([2 * h] * _FALLBACK_K, 1 << design_order),
    }


class Behrend(Family):
    name = "behrend"
    description = "one value: points of one sphere sum v^2 = S in [-h, h]^k, packed"
    shorthand = "behrend: one value, ids on a sphere, packed (issue 20)"
    paths = "proof by the packing lemma up to the design order; exact enumeration on small widths"
    rank = 21

    def word_addend(self, enc: Encoding, k: int, v: int) -> int:
        prm = _params(enc.id_bits, enc.word_bits, enc.param("design_order"))
        return _bh.addend(v, prm)

    def default(self, id_bits, word_bits, max_order, order, **opts: Any) -> Encoding:
        return behrend_encoding(id_bits, word_bits, max(max_order, order, 1))

    def describe(self, enc: Encoding) -> str:
        return (
            f"behrend: {p2(1 << enc.id_bits)} sphere points in one {enc.word_bits}-bit "
            f"value, mixed radix for order <= {enc.param('design_order')}"
        )

    def use_points(self, enc: Encoding) -> bool:
        return False

    def certificate(self, enc: Encoding, order: int) -> dict | None:
        d = enc.param("design_order")
        if order > d:
            return None
        cert = _bh.certificate(enc.id_bits, enc.word_bits, d)
        return None if cert is None else {**cert, "design_order": d, "checked_order": order}

    def verify(self, enc: Encoding, order: int, node_limit: int) -> EncVerdict | None:
        from ..certify import EncVerdict, verdict_head

        cert = self.certificate(enc, order)
        if cert is None:
            return None
        w = cert["words"][0]
        return EncVerdict(
            **verdict_head(enc, order),
            verdict="safe",
            method="packing-lemma",
            min_mappings=None,
            proven_minimal=True,
            counterexample=None,
            evidence=(
                f"behrend: {cert['convex']['method']} in [-{cert['h']},{cert['h']}]^"
                f"{cert['k']}; prod((P_d-1) 2h + 1) <= 2^{w['need_bits']} <= "
                f"2^{enc.word_bits} (P_d = 2^{cert['design_order']}): exact, carry-free "
                f"sums, so the victim's point would be a convex combination of the "
                f"others': impossible; order {order} <= {cert['design_order']}"
            ),
            certificate=cert,
        )

    def proof_lines(self, enc: Encoding, order: int, verdict: EncVerdict) -> list[str] | None:
        if verdict.method != "packing-lemma":
            return None
        return [*_bh.proof_lines(verdict.certificate), "SAFE."]


register(Behrend())
