"""``rmaplab design --mapcount-bits M``: one rmap value plus ``M`` spare bits
of the 64-bit total mapcount word (issue 20, item 2).

Per order, the proven design of
:func:`rmaplab.onevalue.mapcount_bits.design_with_mapcount_bits` (fewest
fields first: parabola, centred parabola, polygon, paraboloids), how its
fields split between the value and the mapcount word, and what it costs
the mapcount's readers: every reader of ``_large_mapcount`` must mask the
count field (``mapcount_bits.READERS_6_15``). With ``M = 32`` the design is
the registered family ``mapcount-word``, so ``verify --encoding
mapcount-word`` certifies it (``verify_command``).
"""

from __future__ import annotations

from .config import ConfigError

__all__ = [
    "READER_COST",
    "design_mapcount_rows",
    "design_mapcount_text",
    "readers_to_mask",
]

#: What a packed mapcount word costs the code that reads the count.
READER_COST = (
    "folio_large_mapcount() reads an atomic_long and masks the low 64 - M bits "
    "(one AND; the word grows from atomic_t to atomic_long, 4 -> 8 bytes); "
    "writers add c * (1 + f(Y) << (64 - M)) in the same one atomic op"
)


def readers_to_mask() -> list[str]:
    """6.15 functions that read ``_large_mapcount`` and must mask it."""
    from .onevalue.mapcount_bits import READERS_6_15

    return [f"{f} ({where})" for where, f, kind, _ in READERS_6_15 if "read" in kind]


def design_mapcount_rows(
    id_bits: int, word_bits: int, max_order: int, min_order: int, mapcount_bits: int
) -> list[dict]:
    """One row per order in ``[min_order, max_order]`` (order 0 is skipped:
    a one-page folio has nothing to check)."""
    from .encodings.mapcount import MAPCOUNT_BITS
    from .onevalue.mapcount_bits import MAPCOUNT_WORD_BITS, design_with_mapcount_bits
    from .onevalue.mapcount_bits import max_order as proven_top

    top_m = MAPCOUNT_WORD_BITS - (max_order + 1)
    if not 0 <= mapcount_bits <= top_m:
        raise ConfigError(
            f"--mapcount-bits={mapcount_bits} is out of range: allowed [0, {top_m}] "
            f"(a 64-bit mapcount word; the count needs max order + 1 = {max_order + 1} bits)"
        )
    if not 2 <= id_bits <= 32:
        raise ConfigError(
            f"--id-bits={id_bits} is out of range: allowed [2, 32] with --mapcount-bits"
        )
    max_order_proven = proven_top(id_bits, word_bits, mapcount_bits, top=30)
    readers = readers_to_mask() if mapcount_bits else []
    rows = []
    for o in range(max(min_order, 1), max_order + 1):
        d = design_with_mapcount_bits(id_bits, word_bits, o, mapcount_bits)
        cmd = None
        if d is not None and mapcount_bits == MAPCOUNT_BITS:
            cmd = (
                f"rmaplab verify --encoding mapcount-word --id-bits {id_bits} "
                f"--word-bits {word_bits} --max-order {o} --all --json"
            )
        rows.append(
            {
                "order": o,
                "mapcount_bits": mapcount_bits,
                "count_bits": MAPCOUNT_WORD_BITS - mapcount_bits,
                "keeps_count_range": d["keeps_count_range"] if d else None,
                "exact": d is not None,
                "construction": d["construction"] if d else None,
                "value_fields": d["words"][0]["fields"] if d else None,
                "mapcount_fields": (d["words"][1]["fields"] if d and mapcount_bits else []),
                "value_need_bits": d["words"][0]["need_bits"] if d else None,
                "mapcount_need_bits": (d["words"][1]["need_bits"] if d and mapcount_bits else None),
                "max_order": max_order_proven,
                "readers_to_mask": readers,
                "reader_cost": READER_COST if mapcount_bits else "none (M = 0: today's word)",
                "verify_command": cmd,
            }
        )
    return rows


def design_mapcount_text(rows: list[dict], id_bits: int, word_bits: int) -> str:
    """Plain text of at most 72 columns (mail): the head, one line per order,
    then the readers that must mask the count and what that costs."""
    from .export import check_width, wrap

    if not rows:
        return "no orders"
    m = rows[0]["mapcount_bits"]
    out = [
        wrap(
            f"{id_bits}-bit ids, one {word_bits}-bit rmap value + {m} bits of the 64-bit "
            f"mapcount word (count keeps {rows[0]['count_bits']} bits); exact up to order "
            f"{rows[0]['max_order']}"
        ),
        f"{'order':>5}  {'exact':5}  {'construction':18}  value fields (need)  count (need)",
    ]
    for r in rows:
        if r["exact"]:
            mc = (
                f"{r['mapcount_fields']} (2^{r['mapcount_need_bits']})"
                if r["mapcount_need_bits"] is not None
                else "-"
            )
            out.append(
                f"{r['order']:>5}  {'yes':5}  {r['construction']:18}  "
                f"{str(r['value_fields']) + ' (2^' + str(r['value_need_bits']) + ')':19}  {mc}"
            )
        else:
            out.append(f"{r['order']:>5}  {'no':5}  (no construction fits)")
    if m:
        out.append(
            wrap("readers that must mask the count: " + "; ".join(rows[0]["readers_to_mask"]))
        )
        out.append(wrap("cost: " + rows[0]["reader_cost"]))
    return check_width("\n".join(out), 72)
