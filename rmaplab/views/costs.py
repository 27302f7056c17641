"""Views of cost: bytes and atomics per folio, the published overhead, the
atomics model, the trade-off and the cheapest safe K per order."""

from __future__ import annotations

import pandas as pd

from ..export import text_bars, text_table, wrap
from .base import Params, _plotting

COST_COLUMNS = [
    "order",
    "values",
    "bytes",
    "per_page_mapcount_bytes",
    "cache_lines",
    "atomics_per_update",
    "atomics_per_update_exclusive",
]


COST_HEADERS = ["order", "K", "bytes", "mapcount B", "lines", "atomics", "excl."]


def _cost_frame(params: Params) -> pd.DataFrame:
    from ..cost import cost_table

    return cost_table(params.config)


def _cost_text(df: pd.DataFrame, params: Params) -> str:
    # schemes.txt counts rmap-id's bytes and atomics differently: say what each counts
    return (
        wrap(
            f"{params.config.name}: bytes = the K rmap values only; atomics = RMW per "
            "(un)map: legacy 2 + total mapcount 1 + seqcount 2 + K (schemes.txt "
            "counts the scheme's own: values + mapcount + seqcount bytes, 1 + 2 "
            "+ K atomics); excl. = exclusive writer"
        )
        + "\n\n"
        + text_table(df, COST_COLUMNS, COST_HEADERS)
    )


def _cost_bars_text(df: pd.DataFrame, params: Params) -> str:
    return text_bars(df["order"], df["bytes"], "bytes of rmap values per folio, by order")


def _published_frame(params: Params) -> pd.DataFrame:
    from ..cost import load_published

    return load_published()["microbench"]


def _published_chart(df: pd.DataFrame, params: Params):
    return _plotting().published_chart(df, ["fork", "munmap", "remap", "cow_reuse"])


def _atomics_model_frame(params: Params) -> pd.DataFrame:
    from ..cost import atomics_model

    return atomics_model(3)


def _atomics_model_text(m: pd.DataFrame, params: Params) -> str:
    return text_table(
        m,
        ["cpu", "benchmark", "mapcount_stage_percent", "rmap_id_stage_percent", "explained"],
        ["cpu", "bench", "1 atomic %", "rmap-id %", "explained"],
        floatfmt=".2f",
    )


def _tradeoff_frame(params: Params) -> pd.DataFrame:
    from ..cost import tradeoff

    cfg = params.config
    return tradeoff(cfg, [o for o in (9, 13) if o in cfg.orders])


def _cheapest_frame(params: Params) -> pd.DataFrame:
    from ..cost import cheapest_safe

    cfg = params.config
    return cheapest_safe(cfg.id_bits, cfg.word_bits, cfg.max_order)


def _cheapest_text(cheap: pd.DataFrame, params: Params) -> str:
    cfg = params.config
    return (
        wrap(
            "Fewest values K proven safe per order within the posted family: "
            f"equal slices of B id bits, base 2^order + 1 digits ({cfg.id_bits}-bit "
            f"ids, {cfg.word_bits}-bit words). Other weights or tables can need "
            "fewer (see proof.txt)."
        )
        + "\n\n"
        + text_table(
            cheap,
            ["order", "values", "bits", "method", "rule_values"],
            ["order", "K", "B", "proof", "rule K"],
        )
    )


def _cost_chart(df: pd.DataFrame, params: Params):
    return _plotting().cost_chart(df, configs=[params.config])
