"""What K rmap values cost: memory, atomics, cache lines and id space.

The model follows the statements of the WIP v1 cover letter (see
``shared/reference/rmap-id.md``, "Costs stated in the series"):

* bytes: ``K * word_bytes(word_bits)`` for the values, each in the smallest
  u8/u16/u32/u64 that holds a word (``K * word_bits / 8`` for the series'
  64-bit words: "8 bytes for order 2, 16 for order 5, 32 for order 10"),
  plus an ``atomic_t`` seqcount (4 bytes; an assumption, the series excludes
  it from its figures);
* per-page mapcounts the series wants to remove: ``2**order * 4`` bytes
  (16, 128 and 4096 bytes at orders 2, 5 and 10, as stated);
* atomic RMW per (un)map of part of a THP: the legacy path does at most 2
  (subpage mapcount, ``nr_pages_mapped``); the series adds 1 (total mapcount)
  + 2 (seqcount) + K (values): 4..9 more for K = 1..6. The exclusive-writer
  optimisation replaces the K value updates and the mapcount update by plain
  stores, keeping the 2 seqcount RMWs (an assumption: the posting says plain
  stores replace atomic RMW for the single exclusive writer);
* cache lines an update touches: values 0..3 share one 64-byte line and 4..5
  the next ("the writer prefetches value 0 and, for orders above 10, value 4").
  Batched updates do one add per value whatever the number of pages; one-page
  updates repeat the whole path per page.

:func:`cost_row_encoding` gives the same columns for any
:class:`~rmaplab.encodings.Encoding` (bytes ``K * word_bytes(word_bits)``, the same
atomics with its K), plus the extra ALU work of an update
(:func:`alu_per_update`): K multiplies (count times addend; none for a
one-page update) and, where the addend is looked up at update time, K table
lookups (the series looks up ``rmap_subids_4/5/6`` for K > 3 digits; a
``table`` always looks up; moments, K <= 3 digits, raw ids, hashes and bit
counters keep their addends in the mm). :mod:`rmaplab.design` takes its cost
columns from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from ._data import data_stream
from .config import (
    DEFAULT_CONFIG,
    ConfigError,
    RmapConfig,
    _check_int,
    require_config,
    single_group_config,
    value_splits,
)
from .encodings import Encoding
from .validate import MAX_ORDER

__all__ = [
    "LEGACY_ATOMICS",
    "SEQCOUNT_BYTES",
    "VALUES_PER_LINE",
    "alu_per_update",
    "atomics_for",
    "atomics_model",
    "cheapest_safe",
    "cost_row",
    "cost_row_encoding",
    "cost_table",
    "cost_table_encodings",
    "load_published",
    "tradeoff",
]

#: Atomic RMWs of the legacy (un)map path: subpage mapcount and nr_pages_mapped.
LEGACY_ATOMICS = 2
#: The atomic seqcount is taken as one atomic_t.
SEQCOUNT_BYTES = 4
#: Values per 64-byte cache line as laid out in the series.
VALUES_PER_LINE = 4
MAPCOUNT_BYTES_PER_PAGE = 4
#: First enumeration budget of :func:`cheapest_safe` (most K settle within it).
QUICK_NODE_LIMIT = 300


def _update_path(k: int) -> dict:
    """Cache lines and atomic RMWs of an (un)map with K values (module docstring)."""
    return {
        "cache_lines": -(-k // VALUES_PER_LINE),
        "atomics_per_update": LEGACY_ATOMICS + 1 + 2 + k,
        "extra_atomics": 1 + 2 + k,
        "atomics_per_update_exclusive": LEGACY_ATOMICS + 2,
    }


def cost_row(config: RmapConfig, order: int) -> dict:
    cfg = require_config(config)
    g = cfg.group_for(order)
    k = g.nr_values
    path = _update_path(k)
    return {
        "config": cfg.name,
        "order": order,
        "values": k,
        "bytes": cfg.value_bytes(order),
        "bytes_with_seqcount": cfg.value_bytes(order) + SEQCOUNT_BYTES,
        "per_page_mapcount_bytes": (1 << order) * MAPCOUNT_BYTES_PER_PAGE,
        "cache_lines": path["cache_lines"],
        "atomics_per_update": path["atomics_per_update"],
        "extra_atomics": path["extra_atomics"],
        "atomics_per_update_exclusive": path["atomics_per_update_exclusive"],
        "ids_supported": cfg.ids_supported,
    }


def alu_per_update(enc: Encoding) -> dict:
    """Extra ALU work of one (un)map under ``enc``: ``multiplies`` (count
    times addend, one per value) and ``table_lookups`` (addends looked up at
    update time: every ``table``, and digits with K > 3 as the series'
    ``rmap_subids_4/5/6``)."""
    return {"multiplies": enc.nr_values, "table_lookups": enc.fam.table_lookups(enc)}


def cost_row_encoding(enc: Encoding, order: int | None = None) -> dict:
    """:func:`cost_row`'s columns for any encoding (``value_atomics``: the K
    value RMWs of ``atomics_per_update``), plus its ALU work; with ``order``,
    also the per-page mapcount bytes the values replace."""
    if not isinstance(enc, Encoding):
        raise ConfigError(f"enc={enc!r}: allowed an rmaplab.encodings.Encoding")
    k = enc.nr_values
    row: dict = {"encoding": enc.name, "family": enc.family}
    if order is not None:
        row["order"] = _check_int("order", order, 0, 30)
    row |= {
        "values": k,
        "word_bits": enc.word_bits,
        "bytes": enc.bytes,
        "bytes_with_seqcount": enc.bytes + SEQCOUNT_BYTES,
    }
    if order is not None:
        row["per_page_mapcount_bytes"] = (1 << order) * MAPCOUNT_BYTES_PER_PAGE
    return row | {"value_atomics": k} | _update_path(k) | alu_per_update(enc)


def cost_table_encodings(encs: Iterable[Encoding], order: int | None = None) -> pd.DataFrame:
    """Tidy cost rows (:func:`cost_row_encoding`) of several encodings."""
    return pd.DataFrame([cost_row_encoding(e, order) for e in encs])


def cost_table(config: RmapConfig = DEFAULT_CONFIG) -> pd.DataFrame:
    """Tidy per-order cost table of a configuration."""
    cfg = require_config(config)
    return pd.DataFrame([cost_row(cfg, o) for o in cfg.orders])


def atomics_for(
    config: RmapConfig, order: int, pages: int, batched: bool = True, exclusive: bool = False
) -> int:
    """Atomic RMWs to (un)map ``pages`` pages of one folio in one go (batched:
    one add per value whatever ``pages``) or page by page."""
    pages = _check_int("pages", pages, 1, 1 << order)
    row = cost_row(config, order)
    per = row["atomics_per_update_exclusive"] if exclusive else row["atomics_per_update"]
    return per if batched else per * pages


# -- the trade-off -----------------------------------------------------------


def cheapest_safe(
    id_bits: int, word_bits: int, max_order: int, min_order: int = 0, node_limit: int = 20_000
) -> pd.DataFrame:
    """Per order, the fewest values K (B = ceil(id_bits / K), base 2**order)
    that the verifier *proves* safe, beside the fewest the series' rule allows.

    K >= 2 with ``2**order >= frontier_pages(B, word_bits)`` is skipped: the
    pigeonhole bound proves it unsafe. Other K are verified with an
    enumeration budget of ``node_limit``; an undecided K counts as not proven
    and the row says how many were undecided.
    """
    from .config import derive_config
    from .verify import frontier_pages, verify

    _check_int("id_bits", id_bits, 1, 32)
    _check_int("word_bits", word_bits, 2, 64)
    # max_order first, against its own range (issue 18: "allowed [21, 15]")
    _check_int("max_order", max_order, 0, min(MAX_ORDER, word_bits - 1))
    _check_int("min_order", min_order, 0, max_order)
    rule = derive_config(id_bits, word_bits, max_order, min_order=min_order)
    rows = []
    for o in range(min_order, max_order + 1):
        found, undecided = None, 0
        for k, b in value_splits(id_bits):
            if k >= 2 and (1 << o) >= frontier_pages(b, word_bits):
                continue
            cfg = single_group_config(id_bits, word_bits, k, b, o, min_order=o, name="probe")
            # a small budget first: a counterexample it finds (replayed) or a
            # search it completes is final, and the full budget explores the
            # same enumeration further, so only "undecided" needs the rerun
            v = verify(cfg, o, node_limit=min(node_limit, QUICK_NODE_LIMIT))
            if v.verdict == "undecided" and node_limit > QUICK_NODE_LIMIT:
                v = verify(cfg, o, node_limit=node_limit)
            if v.verdict == "safe":
                found = (k, b, v.method, cfg.value_bytes(o))
                break
            undecided += v.verdict == "undecided"
        if found is None:
            raise ConfigError(f"order {o}: no K up to id_bits={id_bits} is proven safe")
        rows.append(
            {
                "order": o,
                "values": found[0],
                "bits": found[1],
                "method": found[2],
                "bytes": found[3],
                "rule_values": rule.group_for(o).nr_values,
                "undecided_smaller_k": undecided,
            }
        )
    return pd.DataFrame(rows)


def tradeoff(
    config: RmapConfig = DEFAULT_CONFIG, orders: Sequence[int] = (9, 13, 14, 15)
) -> pd.DataFrame:
    """Cost beside verdict for the orders that matter: x86-64 PMD THP
    (order 9) against arm64 64K-page THP (order 13) and the rest of its group."""
    from .verify import verify

    cfg = require_config(config)
    rows = []
    for o in orders:
        v = verify(cfg, o)
        r = cost_row(cfg, o)
        r.update({"bits": v.bits, "verdict": v.verdict, "min_mappings": v.min_mappings})
        rows.append(r)
    return pd.DataFrame(rows)


# -- published figures --------------------------------------------------------

STAGES = ["mapcount", "rmap-id", "123", "batch", "exclusive", "nocmpxchg", "all"]


def load_published() -> dict[str, pd.DataFrame]:
    """The cover letter's tables (``rmaplab/data/coverletter_*.csv``), tidy:
    cpu, stage, benchmark, change_percent."""
    out = {}
    for name in ("microbench", "vmscalability"):
        df = pd.read_csv(data_stream(f"coverletter_{name}.csv"))
        tidy = df.melt(id_vars=["cpu", "stage"], var_name="benchmark", value_name="change_percent")
        tidy["stage"] = pd.Categorical(tidy["stage"], STAGES, ordered=True)
        out[name] = tidy
    return out


def atomics_model(
    nr_values: int = 3, benchmarks: Sequence[str] = ("fork", "munmap")
) -> pd.DataFrame:
    """How much of each stage's overhead a 'cost per extra atomic' model explains.

    The ``mapcount`` stage adds 1 atomic RMW per update (the total mapcount);
    the ``rmap-id`` stage adds 1 + 2 + K. If overhead were proportional to
    extra atomics, ``rmap-id`` would cost ``(3 + K)`` times the ``mapcount``
    overhead. ``explained`` is that prediction over the observed overhead.
    """
    pub = load_published()["microbench"]
    rows = []
    for (cpu, bench), d in pub[pub["benchmark"].isin(benchmarks)].groupby(
        ["cpu", "benchmark"], observed=True
    ):
        per_atomic = float(d.loc[d["stage"] == "mapcount", "change_percent"].iloc[0])
        observed = float(d.loc[d["stage"] == "rmap-id", "change_percent"].iloc[0])
        predicted = per_atomic * (3 + nr_values)
        rows.append(
            {
                "cpu": cpu,
                "benchmark": bench,
                "mapcount_stage_percent": per_atomic,
                "rmap_id_stage_percent": observed,
                "predicted_percent": predicted,
                "explained": predicted / observed if observed else float("nan"),
            }
        )
    return pd.DataFrame(rows)
