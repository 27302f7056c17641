"""What the cheapest designs cost per (un)map, measured on this machine.

:func:`rmaplab.design.design` picks, per folio order, the fewest rmap values
proven safe among the families it searches; its byte and atomic counts are a
model. This module measures the update path of each picked design with the C
loop of :mod:`rmaplab.atomics` (``csrc/atomics.c``, compiled now with
``cc -O2``): seqcount 2 RMW, total mapcount, and one atomic add of
``c * addend`` per value, on one folio, 1 and 2 threads.

What is measured, and for what (the scope of every number):

* ``per-mm`` addends (computed once per mm and loaded, as the series does
  with ``calc_rmap_subid`` for K <= 3): K adds of a loaded word, the same
  instructions for every family and slice width, so the row is the C case
  ``digits`` with K values;
* ``per-update`` addends (formed from the id on every update): unpacked
  moments ``x, x**2, ...`` (C case ``moments``), packed moments
  ``s + (s*s << k)`` per slice (``table-quadratic``), digits with the
  series' ``rmap_subids_K`` lookup (``digits``) and weight tables (``table``);
  families with nothing to form per update (raw-id, hash64 looked up per mm,
  bit-counters) have only the per-mm row.

The C loop adds to 64-bit words and cuts 24-bit ids; a 31-bit id or a 32-bit
word changes the slice width or the operand size of the same instructions,
not their number. ``ratio_vs_posted`` divides by digits K = 3 with per-mm
addends (the posted order-9 path) at the same thread count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from .config import ConfigError
from .encodings.names import PER_MM_BENCH, REFERENCE_BENCH

__all__ = ["COLUMNS", "bench_case_for", "design_cost", "design_cost_text"]

COLUMNS = [
    "id_bits",
    "word_bits",
    "order",
    "encoding",
    "values",
    "detail",
    "addends",
    "bench_case",
    "threads",
    "ns_per_update",
    "ratio_vs_posted",
]
#: The C case of the reference: the posted order-9 path (digits K = 3, per-mm).
POSTED = REFERENCE_BENCH


def bench_case_for(row: dict | pd.Series, addends: str) -> tuple[str, int] | None:
    """The C bench case ``(name, K)`` measuring a design row's update path
    with ``addends`` ``per-mm`` or ``per-update`` (None: nothing to form per
    update, or no C kernel for it)."""
    from .atomics import MAX_VALUES

    k = int(row["values"])
    if not 1 <= k <= MAX_VALUES:
        return None
    if addends == "per-mm":
        return (PER_MM_BENCH, k)
    from .encodings import get_family

    return get_family(str(row["encoding"])).bench_case_for(k, str(row.get("detail", "")), addends)


def design_cost(
    design: pd.DataFrame,
    orders: Sequence[int] = (9, 13),
    threads: Iterable[int] = (1,),
    iters: int = 1_000_000,
    repeat: int = 3,
    progress: bool = False,
) -> pd.DataFrame:
    """ns per update of the cheapest design (``best`` rows of ``design``) at
    each of ``orders``, per width, addends mode and thread count (atomic path,
    best of ``repeat`` runs taken round-robin). Raises ConfigError when no C
    compiler is found (see :func:`rmaplab.atomics.compiler`)."""
    from .atomics import ADDENDS, _case, update_words

    best = design[design["best"] & design["order"].isin(list(orders))]
    if best.empty:
        raise ConfigError(f"orders={list(orders)}: the design table has no such order")
    threads = [int(t) for t in threads]
    rows, cases = [], {POSTED}
    for r in best.to_dict("records"):
        for a in ADDENDS:
            c = bench_case_for(r, a)
            if c is not None:
                cases.add(c)
                rows.append((r, a, c))
    jobs = [(c, a, t) for c in sorted(cases) for a in ADDENDS for t in threads]
    need = {(c, a) for _, a, c in rows} | {(POSTED, "per-mm")}
    jobs = [j for j in jobs if (j[0], j[1]) in need]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=repeat * len(jobs), desc="design cost", unit="run")
    ns: dict[tuple, float] = {}
    for _ in range(repeat):
        for c, a, t in jobs:
            got = update_words(_case(*c), t, iters, "atomic", a)["ns_per_update"]
            ns[(c, a, t)] = min(ns.get((c, a, t), float("inf")), got)
            if bar is not None:
                bar.update()
    if bar is not None:
        bar.close()
    out = []
    for r, a, c in rows:
        for t in threads:
            v = ns[(c, a, t)]
            out.append(
                {
                    "id_bits": int(r["id_bits"]),
                    "word_bits": int(r["word_bits"]),
                    "order": int(r["order"]),
                    "encoding": r["encoding"],
                    "values": int(r["values"]),
                    "detail": r["detail"],
                    "addends": a,
                    "bench_case": f"{c[0]} K={c[1]}",
                    "threads": t,
                    "ns_per_update": v,
                    "ratio_vs_posted": v / ns[(POSTED, "per-mm", t)],
                }
            )
    return pd.DataFrame(out, columns=COLUMNS)


def design_cost_text(df: pd.DataFrame, machine: dict | None = None) -> str:
    """Plain text (at most 72 columns) of :func:`design_cost`."""
    from .export import text_table, wrap

    head = [
        wrap(
            "Measured here: ns per (un)map update of the cheapest design at each "
            "order (C loop, cc -O2, atomic path; seqcount 2 RMW + mapcount + one "
            "add per value). per-mm: addends loaded (the same K adds for every "
            "family); per-update: formed from the id each time. ratio: against "
            "digits K = 3, per-mm (the posted order-9 path), same threads. 24-bit "
            "ids in 64-bit words in the loop; other widths run the same "
            "instructions."
        )
    ]
    if machine:
        head.append(
            wrap(
                f"Machine: {machine.get('cpu')}, {machine.get('cores')} cores, "
                f"{machine.get('cc')}, load {machine.get('loadavg_1min')}."
            )
        )
    out = head
    for (i, w), g in df.groupby(["id_bits", "word_bits"], sort=False):
        out += [
            "",
            wrap(f"{i}-bit ids, {w}-bit words"),
            text_table(
                g,
                [
                    "order",
                    "encoding",
                    "values",
                    "addends",
                    "threads",
                    "ns_per_update",
                    "ratio_vs_posted",
                ],
                ["order", "family", "K", "addends", "thr", "ns", "ratio"],
                floatfmt=("g", "g", "g", "g", "g", ".1f", ".2f"),
            ),
        ]
    return "\n".join(out)
