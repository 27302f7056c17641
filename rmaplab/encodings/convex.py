"""One-word convex constructions as encoding families (issue 20): the
parabola, the centred parabola, the lattice polygon and the paraboloids
of :mod:`rmaplab.onevalue.convex`, one registered family per construction
(``verify --encoding polygon``), all defined here.

The whole id is one slice; mm ``i`` gets point ``i`` of the
``2**id_bits``-point set and one ``word_bits``-bit addend, its coordinates
packed in mixed radix with bases made for folios up to ``design_order``
(``max_order`` on the command line). The certificate is the packing lemma
(:mod:`rmaplab.onevalue.packing`): it holds at every order up to the
design order when ``prod_j ((P_d - 1) R_j + 1) <= 2**W`` (``P_d = 2**design
order``): at a smaller ``P`` each ``|s_j| <= (P - 1) R_j`` is smaller
still, so the same bases separate the fields. Where it does not hold the
family gives no verdict and the generic searches of :mod:`rmaplab.certify`
decide (exhaustive on tiny widths) or say undecided.

Kernel plan: a lookup table of every id's addend (:mod:`.packing`), built
from the construction's points at once for ids of 17 to 22 bits.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..config import ConfigError, _check_int
from ..onevalue import convex as _cv
from ..onevalue.packing import field_bases, need
from .base import Encoding, check_widths, register
from .packing import PackingFamily, packed_table

__all__ = ["CONVEX_FAMILIES", "convex_encoding", "layout"]

#: family name -> the construction's closed form (the families registered here)
CONVEX_FAMILIES = dict(_cv.CONSTRUCTIONS)
#: Widest ids per construction (polygons are built point by point; the
#: paraboloids unrank any id in closed form).
_MAX_BITS = {n: (40 if n in _cv.PARABOLOID_DIMS else _cv.MAX_POINT_BITS) for n in CONVEX_FAMILIES}


def convex_encoding(name: str, id_bits: int, word_bits: int, design_order: int) -> Encoding:
    """Construction ``name`` for ``id_bits``-bit ids in one ``word_bits``-bit
    value, bases made for folios of up to ``2**design_order`` pages."""
    if name not in CONVEX_FAMILIES:
        raise ConfigError(f"construction={name!r} is unknown: allowed {', '.join(CONVEX_FAMILIES)}")
    id_bits, word_bits = check_widths(id_bits, word_bits)
    _check_int("id_bits", id_bits, 2, 64)
    design_order = _check_int("design_order", design_order, 1, word_bits - 1)
    return Encoding(name, id_bits, word_bits, id_bits, (0,), (("design_order", design_order),))


@lru_cache(maxsize=64)
def layout(name: str, id_bits: int, word_bits: int, design_order: int) -> dict:
    """Ranges, lower corner, bases and ``need`` of the packing (exact)."""
    _check_int(f"id_bits (construction {name})", id_bits, 2, _MAX_BITS[name])
    n, pages = 1 << id_bits, 1 << design_order
    rs = _cv.ranges(name, n)
    nd = need(rs, pages)
    return {
        "ranges": rs,
        "mins": _cv._mins(name, n),
        "bases": field_bases(rs, pages),
        "need": nd,
        "need_bits": (nd - 1).bit_length(),
        "fits": nd <= 1 << word_bits,
    }


#: The lemma's certificate per (construction, id bits, word bits, design
#: order): its convexity check walks every point (seconds at 2**19), and
#: ``verify --all`` asks once per order. Callers copy before adding fields.
_certificate = lru_cache(maxsize=32)(_cv.certificate)


class Convex(PackingFamily):
    """One construction of :mod:`rmaplab.onevalue.convex` (``name``)."""

    points_noun = "convex points"
    rank = 20

    def __init__(self, name: str):
        self.name = name
        self.description = f"one value: convex points {CONVEX_FAMILIES[name]}, packed"
        self.shorthand = f"{name}: one value, the packing lemma's construction (issue 20)"

    def encoding(self, id_bits: int, word_bits: int, design_order: int) -> Encoding:
        return convex_encoding(self.name, id_bits, word_bits, design_order)

    def _layout(self, enc: Encoding) -> dict:
        return layout(self.name, enc.id_bits, enc.word_bits, enc.param("design_order"))

    def word_addend(self, enc: Encoding, k: int, v: int) -> int:
        lay = self._layout(enc)
        p = _cv.point_of(self.name, 1 << enc.id_bits, v)
        off = [int(a) - int(b) for a, b in zip(p, lay["mins"], strict=True)]
        return sum(o * b for o, b in zip(off, lay["bases"], strict=True))

    def addend_table(self, enc: Encoding) -> np.ndarray:
        lay = self._layout(enc)
        pts = _cv.points(self.name, 1 << enc.id_bits)
        return packed_table(
            pts - np.array(lay["mins"], dtype=np.int64), lay["bases"], enc.word_bits
        )

    def lemma_certificate(self, enc: Encoding, design_order: int) -> dict | None:
        if enc.id_bits > _MAX_BITS[self.name]:
            return None
        return _certificate(enc.id_bits, enc.word_bits, design_order, self.name)

    def evidence(self, enc: Encoding, order: int, cert: dict) -> str:
        w = cert["words"][0]
        return (
            f"{self.name}: {cert['convex']['method']}; (P_d-1) R_j per field, "
            f"P_d = 2^{cert['design_order']}: prod((P_d-1) R_j + 1) <= "
            f"2^{w['need_bits']} <= 2^{enc.word_bits}, so the others' sums are "
            f"exact and carry-free and the victim's point would be a convex "
            f"combination of theirs: impossible; order {order} <= "
            f"{cert['design_order']} shrinks every |s_j|"
        )

    def slice_fallback(self, enc: Encoding, order: int, s: int, node_limit: int) -> dict | None:
        d = enc.param("design_order")
        if order > d:
            why = f"order {order} is above the design order {d} the bases were made for"
        else:
            why = (
                f"prod((P_d-1) R_j + 1) = 2^{self._layout(enc)['need_bits']} exceeds "
                f"2^{enc.word_bits}"
            )
        return dict(
            method="packing-lemma",
            evidence=f"packing lemma does not apply ({why}); no exact search at these widths",
        )

    def proof_body(self, cert: dict, order: int) -> list[str]:
        out = list(_cv.proof_lines(cert))
        if order < cert["design_order"]:
            out.append(f"Order {order} < {cert['design_order']}: every |s_j| only shrinks.")
        return out


for _name in CONVEX_FAMILIES:
    register(Convex(_name))
