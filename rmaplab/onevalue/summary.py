"""``one_value``: the best proven construction and the best bound for one
rmap value (issue 20, item 6), and the tidy table behind the chart.

Scope of every number: the constructions of :mod:`rmaplab.onevalue`
(convex packings, Behrend spheres, the mapcount-word split), each certified
by the packing lemma; 64-bit mapcount words for ``mapcount_bits > 0``.
Upper bounds, by kind:

* ``proof``: distinct addends are needed (two ids with one addend fool the
  check with 2 mappings), so at most ``W + M`` id bits; and no table with
  three or more values keeps more than ``floor(sqrt(2**(W+2)/3))`` pages
  safe (:func:`rmaplab.frontier_tables.table_bound`, one value, M = 0),
  so above that order at most 1 id bit;
* the growth-law conjecture of :mod:`rmaplab.onevalue.growth` is given
  beside it (``conjecture_id_bits``), never as a proof.
"""

from __future__ import annotations

import pandas as pd

from . import behrend, convex, growth, mapcount_bits

__all__ = ["JSON_FIELDS", "one_value", "proven_table"]

JSON_FIELDS = (
    "order",
    "word_bits",
    "mapcount_bits",
    "best_construction",
    "proven_id_bits",
    "upper_bound_id_bits",
    "upper_bound_kind",
    "open",
)


def _convex_scan(name: str):
    def scan(word_bits: int, order: int) -> int:
        return convex.largest_id_bits(word_bits, order, name, top=_top(name))

    return scan


#: Constructions of one value (M = 0) and their closed-form scans.
ONE_WORD = {
    **{name: _convex_scan(name) for name in convex.CONSTRUCTIONS},
    "behrend": behrend.largest_id_bits,
}


def _top(name: str) -> int:
    return 40 if name in convex.PARABOLOID_DIMS else 17 if name == "polygon" else 22


def _with_mapcount(word_bits: int, order: int, m: int) -> tuple[int, str | None]:
    best: tuple[int, str | None] = (0, None)
    for b in range(2, 41):
        d = mapcount_bits.design_with_mapcount_bits(b, word_bits, order, m)
        if d is None:
            break
        best = (b, d["construction"])
    return best


def one_value(word_bits: int, order: int, mapcount_bits: int = 0) -> dict:
    """The JSON of ``rmaplab one-value`` (fields :data:`JSON_FIELDS`, then
    extras: per-construction bits, the conjecture, scope)."""
    from rmaplab.frontier_tables import table_bound

    if not 8 <= word_bits <= 64:
        raise ValueError(f"word_bits={word_bits} is out of range: allowed [8, 64]")
    if not 1 <= order <= 20:
        raise ValueError(f"order={order} is out of range: allowed [1, 20]")
    m = int(mapcount_bits)
    if m:
        proven, best = _with_mapcount(word_bits, order, m)
        per = {best: proven} if best else {}
    else:
        per = {name: f(word_bits, order) for name, f in ONE_WORD.items()}
        best = max(per, key=lambda k: per[k])
        proven = per[best]
    upper, kind = word_bits + m, "proof (distinct addends)"
    if not m and (1 << order) > table_bound(word_bits):
        upper, kind = 1, "proof (table bound: 3 values fail above 2^32.2 pages)"
    return {
        "order": order,
        "word_bits": word_bits,
        "mapcount_bits": m,
        "best_construction": best if proven else None,
        "proven_id_bits": proven,
        "upper_bound_id_bits": upper,
        "upper_bound_kind": kind,
        "open": upper > proven,
        "conjecture_id_bits": growth.predict_id_bits(word_bits, order) if not m else None,
        "per_construction": per,
        "scope": (
            "constructions certified by the packing lemma (convex points, mixed radix);"
            " upper bound: proof as named; conjecture: rmaplab.onevalue.growth"
        ),
    }


def proven_table(word_bits: int = 64, orders: range = range(1, 17)) -> pd.DataFrame:
    """Tidy: ``construction, word_bits, order, proven_id_bits`` (one value,
    M = 0), for the chart of proven id bits against order."""
    rows = []
    for name, f in ONE_WORD.items():
        for o in orders:
            rows.append(
                {
                    "construction": name,
                    "word_bits": word_bits,
                    "order": o,
                    "proven_id_bits": f(word_bits, o),
                }
            )
    return pd.DataFrame(rows)
