"""Where 6.15's false "shared" costs copies: a sweep over the shape workloads.

:func:`sweep_shapes` replays each shape workload of :mod:`rmaplab.workloads`
(``double-fork``, ``preload-server``, ``zygote-exit``, ``fork-tree``,
``bgsave``) over a grid of its parameters through :func:`rmaplab.compare.compare`
(the numba kernel; each scheme's own answers drive its write faults) and
returns one tidy row per run and scheme. :func:`shape_cost_table` is the
view: workload shape -> needless copies per GiB written, 6.15
(``mm-owner``) against the exact ``rmap-moments``. :func:`rmaplab.plotting.shape_cost_chart`
draws that table (it computes nothing).

Scope: user-space replay of the lab's model (4 KiB pages, PMD order 9, no
references other than mappings; see :class:`rmaplab.schemes.MMOwner` for
where the model differs from the merged kernel). "GiB written" counts the
workload's 4 KiB writes, faulting or not.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from typing import Any

import pandas as pd

from .compare import PAGE_SIZE, PMD_ORDER, compare
from .config import DEFAULT_CONFIG, RmapConfig, require_config
from .workloads import SHAPES

__all__ = [
    "SHAPE_PARAMS",
    "cost_text",
    "shape_cost_chart",
    "shape_cost_table",
    "sweep_shapes",
]

#: The parameters each shape workload uses (the others are held at their
#: first value so the grid holds no duplicate runs).
SHAPE_PARAMS = {
    "double-fork": ("procs", "depth", "writes", "pte"),
    "preload-server": ("procs", "lifetime", "writes", "pte"),
    "zygote-exit": ("procs", "lifetime", "writes", "pte"),
    "fork-tree": ("depth", "fanout", "lifetime", "writes", "pte"),
    "bgsave": ("procs", "lifetime", "writes", "pte"),
}
_GRID = ("order", "procs", "depth", "fanout", "lifetime", "writes", "pte", "seed")
_COUNTS = ["needless_copies", "copied_bytes", "broken_folios", "corruptions", "writes_4k"]


def _jobs(workloads, grid: dict[str, Sequence]) -> list[tuple]:
    jobs: list[tuple] = []
    seen = set()
    for w in workloads:
        used = set(SHAPE_PARAMS[w]) | {"order", "seed"}
        axes = [grid[k] if k in used else grid[k][:1] for k in _GRID]
        for combo in itertools.product(*axes):
            p = dict(zip(_GRID, combo, strict=True))
            if p["pte"] and p["order"] != PMD_ORDER:
                p["pte"] = 0  # only a PMD-order folio can be mapped either way
            key = (w, *p.values())
            if key not in seen:
                seen.add(key)
                jobs.append(key)
    return jobs


def _task(job: tuple, schemes: Sequence[str], config: RmapConfig, folios: int) -> list[dict]:
    """One run (top level, so executors can pickle it)."""
    w, order, procs, depth, fanout, lifetime, writes, pte, seed = job
    shape = {"depth": depth, "fanout": fanout, "lifetime": lifetime, "pte": pte}
    if writes is not None:
        shape["writes"] = min(writes, 1 << order)
    enc = config.encoding(order)  # the configuration's posted sub-IDs at this run's order
    df = compare(w, list(schemes), enc, order, procs, seed, folios, shape=shape)
    base = {
        "workload": w,
        "order": order,
        "procs": procs,
        "depth": depth,
        "fanout": fanout,
        "lifetime": lifetime,
        "writes_per_folio": shape.get("writes", 1 << order),
        "pte": pte,
        "seed": seed,
        "folios": folios,
    }
    return [
        {
            **base,
            "scheme": r["scheme"],
            **{k: int(r[k]) for k in _COUNTS[:-1]},
            "false_shared": int(r["false_shared"]),
            "false_exclusive": int(r["false_exclusive"]),
            "writes_4k": int(r["writes"]),
            "pmd_splits": int(r.get("pmd_splits", 0)),
        }
        for r in df.to_dict(orient="records")
    ]


def sweep_shapes(
    workloads: Iterable[str] = tuple(SHAPES),
    orders: Sequence[int] = (4, 6, 9, 13),
    procs: Sequence[int] = (2, 8),
    depth: Sequence[int] = (2, 3),
    fanout: Sequence[int] = (2, 3),
    lifetime: Sequence[int] = (4,),
    writes: Sequence[int | None] = (None,),
    pte: Sequence[int] = (0, 1),
    seeds: Sequence[int] = (0,),
    folios: int = 2,
    schemes: Sequence[str] = ("mm-owner", "rmap-moments"),
    config: RmapConfig = DEFAULT_CONFIG,
    executor: Executor | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """One tidy row per (run, scheme) over the grid of shape parameters.

    Each workload varies only the parameters it uses (:data:`SHAPE_PARAMS`);
    ``pte`` = 1 is run at the PMD order only. ``writes=None``: every page of
    each folio. ``executor``: any ``concurrent.futures`` executor (e.g.
    :func:`rmaplab.collide.dask_executor` for a dask cluster, or a
    ``ProcessPoolExecutor``); None runs here. Columns: the parameters,
    ``scheme``, ``needless_copies``, ``copied_bytes``, ``broken_folios``,
    ``corruptions``, ``false_shared``, ``false_exclusive``, ``writes_4k``
    (the workload's 4 KiB writes) and ``needless_per_gib``."""
    cfg = require_config(config)
    ws = list(workloads)
    for w in ws:
        if w not in SHAPES:
            from .config import ConfigError

            raise ConfigError(
                f"workload={w!r} is not a shape workload: allowed {', '.join(SHAPES)}"
            )
    grid: dict[str, Sequence[Any]] = {
        "order": list(orders),
        "procs": list(procs),
        "depth": list(depth),
        "fanout": list(fanout),
        "lifetime": list(lifetime),
        "writes": list(writes),
        "pte": list(pte),
        "seed": list(seeds),
    }
    jobs = _jobs(ws, grid)
    args: Any = (jobs, [schemes] * len(jobs), [cfg] * len(jobs), [folios] * len(jobs))
    results = executor.map(_task, *args) if executor is not None else map(_task, *args)
    if progress:
        from tqdm.auto import tqdm

        results = tqdm(results, total=len(jobs), desc="shape sweep", unit="run")
    rows = [r for batch in results for r in batch]
    df = pd.DataFrame(rows)
    df.attrs["sweep"] = {k: list(v) for k, v in grid.items()} | {"folios": folios}
    if len(df):
        gib = df["writes_4k"] * PAGE_SIZE / (1 << 30)
        df["needless_per_gib"] = (df["needless_copies"] / gib.where(gib > 0)).fillna(0.0)
    return df


def shape_cost_table(df: pd.DataFrame) -> pd.DataFrame:
    """The view: per workload shape (workload, order, PTE- or PMD-mapped),
    needless copies per GiB written by each scheme, summed over the other
    parameters, with 6.15's copied MiB and broken folios. One row per
    shape, one ``needless/GiB <scheme>`` column per scheme."""
    keys = ["workload", "order", "pte"]
    g = df.groupby([*keys, "scheme"], sort=False)[_COUNTS].sum().reset_index()
    gib = g["writes_4k"] * PAGE_SIZE / (1 << 30)
    g["needless_per_gib"] = (g["needless_copies"] / gib.where(gib > 0)).fillna(0.0)
    wide = g.pivot_table(
        index=keys, columns="scheme", values="needless_per_gib", sort=False
    ).reset_index()
    wide.columns = [c if c in keys else f"needless/GiB {c}" for c in wide.columns]
    mo = g[g["scheme"] == "mm-owner"].set_index(keys)
    if len(mo):
        idx = pd.MultiIndex.from_frame(wide[keys])
        wide["6.15 copied MiB"] = (mo["copied_bytes"].reindex(idx) / (1 << 20)).to_numpy()
        wide["6.15 broken folios"] = mo["broken_folios"].reindex(idx).to_numpy()
    wide.attrs = dict(df.attrs)
    wide["mapped"] = [
        "PMD" if o == PMD_ORDER and not p else "PTE"
        for o, p in zip(wide["order"], wide["pte"], strict=True)
    ]
    out = wide.drop(columns="pte")[
        ["workload", "order", "mapped", *[c for c in wide.columns if c not in (*keys, "mapped")]]
    ]
    out.attrs = dict(df.attrs)
    return out


def shape_cost_chart(table: pd.DataFrame) -> Any:
    """:func:`rmaplab.plotting.shape_cost_chart` (the chart lives with the
    others; notebook 08 imports it from here)."""
    from .plotting import shape_cost_chart as draw

    return draw(table)


def cost_text(df: pd.DataFrame) -> str:
    """Plain text (72 columns) of what each scheme's answers cost in a
    :func:`rmaplab.compare.compare` frame, when they drive the write faults."""
    from .export import text_table, wrap

    t = df[["scheme", "faults", "reuses", "copies", "needless_copies", "copied_bytes"]].copy()
    t["copied_kib"] = t.pop("copied_bytes") // 1024
    t["broken"] = df["broken_folios"]
    t["corrupt"] = df["corruptions"]
    head = wrap(
        "What the answers cost when each scheme's answers decide the write "
        "faults (4 KiB copies; a lone PMD-mapped THP is reused by "
        "do_huge_pmd_wp_page whatever the scheme says). needless = copies "
        "made because of a false 'shared'; broken = large folios no longer "
        "mapped whole by any mm because of them; corrupt = false 'exclusive' "
        "reuses (two mms write one page)."
    )
    body = text_table(
        t,
        headers=["scheme", "faults", "reuses", "copies", "needless", "KiB", "broken", "corrupt"],
    )
    return head + "\n\n" + body
