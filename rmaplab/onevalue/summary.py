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

__all__ = [
    "JSON_FIELDS",
    "load_table",
    "lookup",
    "one_value",
    "proven_frame",
    "proven_table",
    "scan_top",
    "table_cells",
    "table_row",
]

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


SCOPE = (
    "constructions certified by the packing lemma (convex points, mixed radix);"
    " upper bound: proof as named; conjecture: rmaplab.onevalue.growth"
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


def scan_top(name: str) -> int | None:
    """Widest ids the scan of construction ``name`` tries (None: no cap):
    a value equal to it is a lower bound set by the scan, not by the word."""
    return _top(name) if name in convex.CONSTRUCTIONS else None


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
        "scope": SCOPE,
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


# -- the precomputed table (package data) -------------------------------------

#: The shipped table of :func:`one_value` answers (``rmaplab one-value``
#: reads it; ``tools/one_value_table.py`` regenerates it).
TABLE_FILE = "one_value_table.csv"
#: What the shipped table covers: one value (M = 0) for these widths and
#: orders (below order 4 the 64-bit paraboloid scans run to 40-bit ids and
#: take minutes each: computed on demand); mapcount bits
#: ``TABLE_MAPCOUNT_BITS`` for 64-bit values at the orders
#: ``TABLE_MAPCOUNT_ORDERS`` (each such row takes up to a minute).
TABLE_WORD_BITS = (32, 64)
TABLE_ORDERS = tuple(range(4, 17))
TABLE_MAPCOUNT_BITS = (16, 24, 32)
TABLE_MAPCOUNT_ORDERS = (9, 13)


def table_cells() -> list[tuple[int, int, int]]:
    """``(word_bits, order, mapcount_bits)`` of every row of the shipped table."""
    cells = [(w, o, 0) for w in TABLE_WORD_BITS for o in TABLE_ORDERS]
    return cells + [(64, o, m) for o in TABLE_MAPCOUNT_ORDERS for m in TABLE_MAPCOUNT_BITS]


def table_row(word_bits: int, order: int, mapcount_bits: int = 0) -> dict:
    """One row of the shipped table: :func:`one_value` with the
    per-construction bits as JSON text (the scope is the same for all)."""
    import json

    r = one_value(word_bits, order, mapcount_bits)
    row = {k: r[k] for k in JSON_FIELDS}
    row["conjecture_id_bits"] = r["conjecture_id_bits"]
    row["per_construction"] = json.dumps(r["per_construction"], sort_keys=True)
    return row


def load_table() -> pd.DataFrame:
    """The shipped table (``rmaplab/data/one_value_table.csv``)."""
    from rmaplab._data import data_stream

    return pd.read_csv(data_stream(TABLE_FILE), comment="#", keep_default_na=False)


def lookup(word_bits: int, order: int, mapcount_bits: int = 0) -> dict | None:
    """:func:`one_value`'s answer from the shipped table, None where the
    table does not cover ``(word_bits, order, mapcount_bits)``."""
    import json

    df = load_table()
    hit = df[
        (df.word_bits == word_bits) & (df.order == order) & (df.mapcount_bits == mapcount_bits)
    ]
    if hit.empty:
        return None
    r = hit.iloc[0].to_dict()
    conj = r["conjecture_id_bits"]
    return {
        "order": int(r["order"]),
        "word_bits": int(r["word_bits"]),
        "mapcount_bits": int(r["mapcount_bits"]),
        "best_construction": r["best_construction"] or None,
        "proven_id_bits": int(r["proven_id_bits"]),
        "upper_bound_id_bits": int(r["upper_bound_id_bits"]),
        "upper_bound_kind": r["upper_bound_kind"],
        "open": str(r["open"]) == "True",
        "conjecture_id_bits": None if conj == "" else int(float(conj)),
        "per_construction": json.loads(r["per_construction"]),
        "scope": SCOPE,
    }


def proven_frame(word_bits: int = 64, orders: range = range(1, 17)) -> pd.DataFrame:
    """:func:`proven_table` read from the shipped table where it covers
    ``word_bits`` and ``orders`` (the same numbers, in milliseconds), else
    computed."""
    import json

    df = load_table()
    one = df[(df.word_bits == word_bits) & (df.mapcount_bits == 0)]
    if not set(orders) <= set(one.order):
        return proven_table(word_bits, orders)
    rows = []
    for r in one[one.order.isin(list(orders))].itertuples():
        per = json.loads(str(r.per_construction))
        for name in ONE_WORD:
            rows.append(
                {
                    "construction": name,
                    "word_bits": word_bits,
                    "order": int(r.order),
                    "proven_id_bits": int(per[name]),
                }
            )
    out = pd.DataFrame(rows)
    return out.sort_values(["construction", "order"], key=_by_name).reset_index(drop=True)


def _by_name(col: pd.Series) -> pd.Series:
    order = {n: i for i, n in enumerate(ONE_WORD)}
    return col.map(order) if col.name == "construction" else col
