"""``mapcount-word``: one rmap value plus the spare top bits of the 64-bit
total mapcount word (issue 20, item 2), as a registered family so that
``verify --encoding mapcount-word`` certifies the design of
:func:`rmaplab.onevalue.mapcount_bits.design_with_mapcount_bits`.

Model: two words per folio. Word 0 is the ``word_bits``-bit rmap value;
word 1 is the addend field in the top ``MAPCOUNT_BITS`` (32) bits of a
64-bit ``atomic_long`` whose low 32 bits keep counting mappings (today's
``atomic_t`` range). The field wraps modulo ``2**32`` in the kernel; the
lab's replay wraps every word modulo ``2**word_bits`` (so ``word_bits``
must be at least 32). The two agree
wherever the certificate holds (no sum reaches ``2**32`` there), which is
the only place this family claims anything: outside it the verdict is
``undecided`` (no generic search runs, since it would model the field's
wrap at the wrong width). The construction and the split of its fields
between the words are the design's (fewest fields first, convex
position checked by :func:`rmaplab.onevalue.convex.check_convex`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..config import ConfigError, _check_int
from .base import Encoding, Family, check_widths, p2, register

if TYPE_CHECKING:
    from ..certify import EncVerdict

__all__ = ["MAPCOUNT_BITS", "mapcount_encoding"]

#: Field bits taken from the 64-bit mapcount word (the count keeps 32).
MAPCOUNT_BITS = 32
NAME = "mapcount-word"


@lru_cache(maxsize=32)
def _design(id_bits: int, word_bits: int, design_order: int) -> dict | None:
    from ..onevalue.convex import check_convex
    from ..onevalue.mapcount_bits import design_with_mapcount_bits

    d = design_with_mapcount_bits(id_bits, word_bits, design_order, MAPCOUNT_BITS)
    if d is None:
        return None
    return {**d, "convex": check_convex(d["construction"], 1 << id_bits)}


def mapcount_encoding(id_bits: int, word_bits: int, design_order: int) -> Encoding:
    """``id_bits``-bit ids, one ``word_bits``-bit value and the 32-bit field of
    the mapcount word, bases made for folios up to ``2**design_order`` pages."""
    id_bits, word_bits = check_widths(id_bits, word_bits)
    _check_int("id_bits", id_bits, 2, 32)
    # the lab wraps both words at word_bits: the 32-bit field needs that much
    _check_int(f"word_bits ({NAME})", word_bits, MAPCOUNT_BITS, 64)
    design_order = _check_int("design_order", design_order, 1, min(word_bits - 1, 31))
    return Encoding(NAME, id_bits, word_bits, id_bits, (0, 0), (("design_order", design_order),))


class MapcountWord(Family):
    """One value + the mapcount word's top 32 bits (see the module docstring)."""

    name = NAME
    description = "one value + 32 spare bits of the 64-bit total mapcount word (convex points)"
    shorthand = f"{NAME}: one rmap value and the mapcount word's top {MAPCOUNT_BITS} bits"
    paths = "proof by the packing lemma per word up to the design order; else undecided"
    rank = 21

    def _d(self, enc: Encoding) -> dict | None:
        return _design(enc.id_bits, enc.word_bits, enc.param("design_order"))

    def word_addend(self, enc: Encoding, k: int, v: int) -> int:
        from ..onevalue.mapcount_bits import addends

        d = self._d(enc)
        if d is None:
            raise ConfigError(
                f"id_bits={enc.id_bits} is out of range at order "
                f"{enc.param('design_order')} for {NAME} in {enc.word_bits}-bit values: no "
                "construction fits (allowed: widths `rmaplab design --mapcount-bits 32` proves)"
            )
        return addends(d, v)[k]

    def default(self, id_bits, word_bits, max_order, order, **opts: Any) -> Encoding:
        return mapcount_encoding(id_bits, word_bits, max(max_order, order, 1))

    def describe(self, enc: Encoding) -> str:
        d = self._d(enc)
        what = d["construction"] if d else "no construction fits"
        return (
            f"{NAME}: {p2(1 << enc.id_bits)} ids, a {enc.word_bits}-bit value + the top "
            f"{MAPCOUNT_BITS} bits of the mapcount word ({what}, order <= "
            f"{enc.param('design_order')})"
        )

    def use_points(self, enc: Encoding) -> bool:
        return False

    def verify(self, enc: Encoding, order: int, node_limit: int) -> EncVerdict | None:
        from ..certify import EncVerdict, verdict_head

        d, top = self._d(enc), enc.param("design_order")
        ok = d is not None and order <= top  # check_convex raised otherwise
        if not ok:
            why = (
                f"order {order} is above the design order {top}"
                if d is not None and order > top
                else f"no construction's fields fit a {enc.word_bits}-bit value and "
                f"{MAPCOUNT_BITS} field bits at order {top}"
            )
            return EncVerdict(
                **verdict_head(enc, order),
                verdict="undecided",
                method="packing-lemma",
                min_mappings=None,
                proven_minimal=False,
                counterexample=None,
                evidence=f"{NAME}: the packing lemma does not apply ({why})",
            )
        assert d is not None
        per = "; ".join(
            f"word {i} ({w['word_bits']} bits): fields {w['fields']}, need 2^{w['need_bits']}"
            for i, w in enumerate(d["words"])
        )
        return EncVerdict(
            **verdict_head(enc, order),
            verdict="safe",
            method="packing-lemma",
            min_mappings=None,
            proven_minimal=True,
            counterexample=None,
            evidence=(
                f"{d['construction']} ({d['convex']['method']}), fields split between the "
                f"value and the mapcount word's top {MAPCOUNT_BITS} bits: {per}; each "
                f"word's sums are exact and carry-free for n <= 2^{top}, so the victim's "
                f"point would be a convex combination of the others': impossible"
            ),
            certificate={**d, "design_order": top, "checked_order": order},
        )


register(MapcountWord())
