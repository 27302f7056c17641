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

from ..config import ConfigError, _check_int
from ..onevalue import behrend as _bh
from ..onevalue.packing import field_bases
from .base import Encoding, check_widths, register
from .packing import PackingFamily

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


class Behrend(PackingFamily):
    name = "behrend"
    description = "one value: points of one sphere sum v^2 = S in [-h, h]^k, packed"
    shorthand = "behrend: one value, ids on a sphere, packed (issue 20)"
    points_noun = "sphere points"
    rank = 21

    def encoding(self, id_bits: int, word_bits: int, design_order: int) -> Encoding:
        return behrend_encoding(id_bits, word_bits, design_order)

    def word_addend(self, enc: Encoding, k: int, v: int) -> int:
        prm = _params(enc.id_bits, enc.word_bits, enc.param("design_order"))
        return _bh.addend(v, prm)

    def lemma_certificate(self, enc: Encoding, design_order: int) -> dict | None:
        return _bh.certificate(enc.id_bits, enc.word_bits, design_order)

    def evidence(self, enc: Encoding, order: int, cert: dict) -> str:
        w = cert["words"][0]
        return (
            f"behrend: {cert['convex']['method']} in [-{cert['h']},{cert['h']}]^"
            f"{cert['k']}; prod((P_d-1) 2h + 1) <= 2^{w['need_bits']} <= "
            f"2^{enc.word_bits} (P_d = 2^{cert['design_order']}): exact, carry-free "
            f"sums, so the victim's point would be a convex combination of the "
            f"others': impossible; order {order} <= {cert['design_order']}"
        )

    def proof_body(self, cert: dict, order: int) -> list[str]:
        return list(_bh.proof_lines(cert))


register(Behrend())
