"""The total mapcount is a word too (issue 20, item 2).

On 64-bit kernels the folio's total mapcount can live in a 64-bit
``atomic_long``: the low ``64 - M`` bits count mappings, the top ``M``
bits (``mapcount_bits``; 0 = today) hold an addend field. Mapping ``c``
pages into mm Y adds ``c * (1 + f(Y) * 2**(64 - M))`` to that word and
``c * a(Y)`` to the one rmap value. The top field wraps modulo ``2**M``
(its carries leave the word); the count never carries into it as long as
the mapcount stays below ``2**(64 - M)``: with ``M <= 32`` that is today's
range (``_large_mapcount`` is an ``atomic_t``). The check reads one word
and masks: ``n = w & (2**(64-M) - 1)``, ``f = w >> (64 - M)``; exclusive
iff ``n <= P``, ``f == n * f(X) mod 2**M`` and ``value == n * a(X) mod
2**W``.

So the encoding has two words, of ``W`` and ``M`` bits, each wrapping on
its own, and :mod:`rmaplab.onevalue.packing` certifies a split of a
construction's fields between them (``need <= 2**W`` for the fields in
the value, ``need <= 2**M`` for those in the mapcount word).
:func:`design_with_mapcount_bits` returns the best proven design.

Scope: 64-bit kernels (a 32-bit kernel's mapcount word has no spare
bits); the mapcount must stay below ``2**(64 - M)``; constructions of
:mod:`rmaplab.onevalue.convex` only.
"""

from __future__ import annotations

import pandas as pd

from . import convex
from .packing import assign_words, pack, packing_certificate

__all__ = [
    "READERS_6_15",
    "addends",
    "answer_table",
    "design_with_mapcount_bits",
    "max_order",
]

#: Constructions tried, fewest fields (cheapest to compute) first.
CANDIDATES = (
    "parabola",
    "parabola-centered",
    "polygon",
    "paraboloid-3d",
    "paraboloid-4d",
    "paraboloid-5d",
)
#: The mapcount word on 64-bit kernels.
MAPCOUNT_WORD_BITS = 64
#: Bits today's count has (``atomic_t _large_mapcount``: 31 bits of range,
#: 32 with the sign); ``M <= 32`` keeps it.
TODAY_COUNT_BITS = 32
#: The polygon is built point by point: only for ids up to this width.
POLYGON_MAX_BITS = 20

#: Where 6.15 reads or writes ``_large_mapcount`` (CONFIG_MM_ID) and what
#: a packed mapcount word needs there. Checked against the code corpus:
#: rmap.h of the MM_ID series (folio_add_return_large_mapcount,
#: folio_sub_return_large_mapcount, folio_set_large_mapcount: read, add,
#: set under the folio's large-mapcount bit lock), torvalds/linux
#: include/linux/rmap.h (hugetlb helpers: plain atomic_inc/dec) and
#: mm/internal.h prep_compound_head (atomic_set to -1).
READERS_6_15 = (
    (
        "include/linux/mm.h",
        "folio_large_mapcount()",
        "read",
        "mask the count field; the one reader behind folio_mapcount(), "
        "folio_mapped(), folio_average_page_mapcount()",
    ),
    (
        "include/linux/rmap.h",
        "folio_set_large_mapcount()",
        "write",
        "set n | f(X) * n << (64 - M) in one atomic_long_set; no -1 bias",
    ),
    (
        "include/linux/rmap.h",
        "folio_add_return_large_mapcount()",
        "read+write",
        "add c * (1 + f(Y) << (64 - M)); return the masked count; the MM_ID "
        "slot test (slot count == total) compares masked counts",
    ),
    (
        "include/linux/rmap.h",
        "folio_sub_return_large_mapcount()",
        "read+write",
        "as above, subtracting",
    ),
    (
        "include/linux/rmap.h",
        "hugetlb_add_file_rmap(), hugetlb_remove_rmap(), hugetlb_try_dup_anon_rmap()",
        "write",
        "hugetlb: no vma/mm at hand; add 1 to the count field only (hugetlb "
        "folios keep f = 0 and are not checked by this scheme)",
    ),
    (
        "mm/rmap.c",
        "hugetlb_add_anon_rmap(), hugetlb_add_new_anon_rmap()",
        "write",
        "count field only, as above",
    ),
    (
        "mm/internal.h",
        "prep_compound_head()",
        "write",
        "initialise the word to 0 (the -1 bias would borrow into the field)",
    ),
    (
        "mm/page_alloc.c",
        "free_tail_page_prepare() bad-page check",
        "read",
        "test the masked count (and f) for zero",
    ),
    ("mm/debug.c", "__dump_folio()", "read", "print the masked count"),
    (
        "mm/memory.c",
        "__wp_can_reuse_large_anon_folio()",
        "read",
        "compare the masked count with folio_ref_count()",
    ),
)


def _check(id_bits: int, word_bits: int, order: int, mapcount_bits: int) -> None:
    if not 2 <= id_bits <= 40:
        raise ValueError(f"id_bits={id_bits} is out of range: allowed [2, 40]")
    if not 2 <= word_bits <= 64:
        raise ValueError(f"word_bits={word_bits} is out of range: allowed [2, 64]")
    if not 1 <= order <= 30:
        raise ValueError(f"order={order} is out of range: allowed [1, 30]")
    top = MAPCOUNT_WORD_BITS - (order + 1)
    if not 0 <= mapcount_bits <= top:
        raise ValueError(
            f"mapcount_bits={mapcount_bits} is out of range: allowed [0, {top}] "
            f"(the count needs order + 1 = {order + 1} bits)"
        )


def _design(name: str, id_bits: int, word_bits: int, order: int, m: int) -> dict | None:
    if name == "polygon" and id_bits > POLYGON_MAX_BITS:
        return None
    if name not in convex.PARABOLOID_DIMS and id_bits > convex.MAX_POINT_BITS:
        return None
    rs = convex.ranges(name, 1 << id_bits)
    widths = [word_bits, m] if m else [word_bits]
    groups = assign_words(rs, 1 << order, widths)
    if groups is None:
        return None
    cert = packing_certificate(rs, 1 << order, widths, groups)
    assert cert is not None
    return {"construction": name, **cert}


def design_with_mapcount_bits(
    id_bits: int, word_bits: int, order: int, mapcount_bits: int
) -> dict | None:
    """The proven design with the fewest fields for ``2**id_bits`` ids, one
    ``word_bits``-bit rmap value and ``mapcount_bits`` of the 64-bit
    mapcount word, at ``order``; None if no construction here fits.

    Claim certified (packing lemma, per word): no victim mapping >= 1 page
    and other mms with total mapcount ``n <= 2**order`` pass the check on
    both words. ``count_bits`` is what is left for the count;
    ``keeps_count_range`` says whether it holds today's ``atomic_t`` range."""
    _check(id_bits, word_bits, order, mapcount_bits)
    for name in CANDIDATES:
        d = _design(name, id_bits, word_bits, order, mapcount_bits)
        if d is not None:
            count_bits = MAPCOUNT_WORD_BITS - mapcount_bits
            return {
                "id_bits": id_bits,
                "word_bits": word_bits,
                "order": order,
                "mapcount_bits": mapcount_bits,
                "count_bits": count_bits,
                "keeps_count_range": count_bits >= TODAY_COUNT_BITS,
                "claim": (
                    f"{d['construction']}: {1 << id_bits} ids, value of {word_bits} bits"
                    + (f" + {mapcount_bits} mapcount-word bits" if mapcount_bits else "")
                    + f", order {order}: no fooling population (n <= {1 << order})"
                ),
                **d,
            }
    return None


def addends(design: dict, mm_id: int) -> tuple[int, ...]:
    """``(value addend, mapcount-word field)`` of mm ``mm_id`` under
    ``design`` (one entry per word; the field is what goes in the top M
    bits, i.e. the word gains ``c * (1 + field << (64 - M))``)."""
    name, n = design["construction"], 1 << design["id_bits"]
    if not 0 <= mm_id < n:
        raise ValueError(f"mm id={mm_id} is out of range: allowed [0, {n - 1}]")
    p = convex.point_of(name, n, mm_id)
    mins = convex._mins(name, n)
    off = [int(a) - int(b) for a, b in zip(p, mins, strict=True)]
    return tuple(
        pack([off[j] for j in w["fields"]], w["bases"], w["word_bits"]) for w in design["words"]
    )


def max_order(id_bits: int, word_bits: int, mapcount_bits: int, top: int = 20) -> int:
    """Largest order <= ``top`` some construction is proven at (0: none).
    Every construction's need grows with P, so the scan stops at the
    first order that fails."""
    best = 0
    for o in range(1, top + 1):
        if mapcount_bits > MAPCOUNT_WORD_BITS - (o + 1):
            break
        if design_with_mapcount_bits(id_bits, word_bits, o, mapcount_bits) is None:
            break
        best = o
    return best


def answer_table(
    ids: tuple[int, ...] = (22, 24, 31),
    mapcount_bits: tuple[int, ...] = (0, 16, 24, 32),
    orders: tuple[int, ...] = (9, 13),
    word_bits: int = 64,
) -> pd.DataFrame:
    """Tidy: one row per (id bits, M, order): exact or not, by what, and
    the largest order proven with that M."""
    rows = []
    for b in ids:
        for m in mapcount_bits:
            top = max_order(b, word_bits, m)
            for o in orders:
                d = design_with_mapcount_bits(b, word_bits, o, m)
                rows.append(
                    {
                        "id_bits": b,
                        "mapcount_bits": m,
                        "order": o,
                        "exact": d is not None,
                        "construction": d["construction"] if d else None,
                        "split": str([w["fields"] for w in d["words"]]) if d else None,
                        "max_order": top,
                        "count_bits": MAPCOUNT_WORD_BITS - m,
                    }
                )
    return pd.DataFrame(rows)
