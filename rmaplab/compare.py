"""Replay a workload through every scheme: safety, precision and cost.

The ground truth drives the workload (a COW fault copies the page exactly
when another mm truly maps the folio), and every scheme sees the same map
and unmap events, so their answers are comparable check by check:

* ``false_exclusive``: the scheme said "exclusive" (reuse) while another mm
  maps the folio. Any value above zero is unsafe: two processes would share a
  page one of them believes private.
* ``false_shared``: the scheme said "shared" (copy) while only the faulting
  mm maps the folio: a copy the ground truth would have avoided.
"""

from __future__ import annotations

import pandas as pd

from .config import DEFAULT_CONFIG, ConfigError, RmapConfig, require_config
from .folio import RmapError
from .schemes import SCHEMES, make_scheme
from .workloads import make_workload

__all__ = [
    "compare",
    "compare_all",
    "ops_to_arrays",
    "replay_schemes",
    "replay_schemes_fast",
    "sweep_procs",
    "trace",
]

COLUMNS = [
    "scheme",
    "workload",
    "checks",
    "false_exclusive",
    "false_shared",
    "bytes_per_folio",
    "atomics_per_update",
]


def _mask(start: int, count: int) -> int:
    return ((1 << count) - 1) << start


def replay_schemes(
    ops, order: int, schemes=None, config: RmapConfig = DEFAULT_CONFIG, on_step=None
):
    """Replay ``ops`` (see :mod:`rmaplab.workloads`); returns per-scheme counters
    and the scheme objects of every folio."""
    cfg = config
    names = [n for n in (schemes or list(SCHEMES)) if n != "truth"]
    for n in names:
        if n not in SCHEMES:
            make_scheme(n, order, cfg)  # raises the clear error
    P = 1 << order
    folios: dict[int, dict] = {}
    stats = {n: {"checks": 0, "false_exclusive": 0, "false_shared": 0} for n in names}

    def folio(f):
        if f not in folios:
            folios[f] = {
                "truth": make_scheme("truth", order, cfg),
                **{n: make_scheme(n, order, cfg) for n in names},
            }
        return folios[f]

    def event(f, kind, mm, mask, count):
        for s in folio(f).values():
            getattr(s, kind)(mm, mask, count)

    for i, (kind, f, mm, a, b) in enumerate(ops):
        if kind in ("map", "unmap"):
            if a < 0 or b < 1 or a + b > P:
                raise RmapError(
                    f"op {i}: pages {a}..{a + b - 1} are out of range: allowed 0..{P - 1}"
                )
            mask = _mask(a, b)
            held = folio(f)["truth"].pages_of.get(mm, 0)
            if kind == "map" and held & mask:
                raise RmapError(
                    f"op {i}: mm {mm} already maps some of pages {a}..{a + b - 1} of folio {f}"
                )
            if kind == "unmap":
                mask &= held  # munmap of a range may cover pages already gone
                if not mask:
                    continue
            event(f, kind, mm, mask, bin(mask).count("1"))
        elif kind == "fork":
            child = a
            for f2, d in folios.items():
                pages = d["truth"].pages_of.get(mm, 0)
                if pages:
                    event(f2, "map", child, pages, bin(pages).count("1"))
        elif kind == "exit":
            for f2, d in folios.items():
                pages = d["truth"].pages_of.get(mm, 0)
                if pages:
                    event(f2, "unmap", mm, pages, bin(pages).count("1"))
        elif kind == "cow":
            d = folio(f)
            if not (d["truth"].pages_of.get(mm, 0) >> a) & 1:
                continue  # the page was copied or unmapped earlier: no fault on this folio
            truly = d["truth"].shared(mm)
            for n in names:
                said = d[n].shared(mm)
                st = stats[n]
                st["checks"] += 1
                st["false_exclusive"] += (not said) and truly
                st["false_shared"] += said and not truly
            if truly:
                event(f, "unmap", mm, 1 << a, 1)
        else:
            raise RmapError(f"op {i}: kind={kind!r} is unknown")
        if on_step is not None:
            on_step(i, (kind, f, mm, a, b), folios)
    return stats, folios


_KINDS = {"map": 0, "unmap": 1, "fork": 2, "exit": 3, "cow": 4}
MAX_PAGE_CELLS = 1 << 27


def ops_to_arrays(ops):
    """Operation tuples -> (kind int8, folio, mm, a, b int64 arrays, ids) with mm
    (and a fork's child) as dense indices into ``ids`` (the real mm ids)."""
    import numpy as np

    if not ops:
        z = np.zeros(0, dtype=np.int64)
        return np.zeros(0, dtype=np.int8), z, z, z, z, z
    kind = np.array([_KINDS.get(o[0], 255) for o in ops], dtype=np.int64)
    if (kind == 255).any():
        i = int(np.flatnonzero(kind == 255)[0])
        raise RmapError(f"op {i}: kind={ops[i][0]!r} is unknown")
    arr = np.array([o[1:] for o in ops], dtype=np.int64)
    folio, mm, a, b = arr[:, 0], arr[:, 1], arr[:, 2].copy(), arr[:, 3]
    fork = kind == 2
    ids, inv = np.unique(np.concatenate([mm, a[fork]]), return_inverse=True)
    mm_d = inv[: len(ops)].astype(np.int64)
    a[fork] = inv[len(ops) :]
    folio = np.where(folio < 0, 0, folio)
    return kind.astype(np.int8), folio.copy(), mm_d, a, b.copy(), ids.astype(np.int64)


def replay_schemes_fast(ops, order: int, config: RmapConfig = DEFAULT_CONFIG) -> dict:
    """:func:`replay_schemes` for all schemes at once, in numba; same counters."""
    import numpy as np

    from . import kernels
    from .subid import subids_array

    cfg = config
    kind, folio, mm, a, b, ids = ops_to_arrays(ops)
    n_folios = int(folio.max()) + 1 if folio.size else 1
    nw = ((1 << order) + 63) // 64
    if n_folios * max(ids.size, 1) * nw > MAX_PAGE_CELLS:
        raise ConfigError(
            f"folios * mms * words = {n_folios * ids.size * nw} is too large: "
            f"allowed <= {MAX_PAGE_CELLS}"
        )
    subids = subids_array(cfg, order, ids) if ids.size else np.zeros((0, 1), dtype=np.uint64)
    stats = np.zeros((6, 3), dtype=np.int64)
    status = np.zeros(2, dtype=np.int64)
    kernels.replay_schemes(
        kind,
        folio,
        mm,
        a,
        b,
        n_folios,
        int(order),
        ids,
        cfg.id_bits,
        np.ascontiguousarray(subids),
        kernels.word_mask(cfg.word_bits),
        stats,
        status,
    )
    if status[0]:
        i = int(status[1])
        why = {
            1: "pages are out of range",
            2: "the mm already maps some of those pages",
            3: "unknown kind",
        }[int(status[0])]
        raise RmapError(f"op {i}: {why}: {ops[i]}")
    return {
        n: {"checks": int(r[0]), "false_exclusive": int(r[1]), "false_shared": int(r[2])}
        for n, r in zip(kernels.SCHEME_ROWS, stats, strict=False)
    }


def compare(
    workload: str,
    schemes=None,
    config: RmapConfig = DEFAULT_CONFIG,
    order: int = 9,
    procs: int = 8,
    seed: int = 0,
    folios: int = 4,
    fast: bool = True,
) -> pd.DataFrame:
    """One row per scheme: checks, false exclusive, false shared, memory and atomics.

    ``fast`` replays with the numba kernel (all schemes at once); otherwise
    with the Python scheme objects. Both give the same counters."""
    cfg = require_config(config)
    ops = make_workload(workload, order, procs, seed, folios, cfg)
    names = [n for n in (schemes or list(SCHEMES)) if n != "truth"]
    for n in names:
        make_scheme(n, order, cfg)  # raises the clear error for an unknown name
    if fast:
        allstats = replay_schemes_fast(ops, order, cfg)
        stats = {n: allstats[n] for n in names}
    else:
        stats, _ = replay_schemes(ops, order, names, cfg)
    rows = []
    for n, st in stats.items():
        s = make_scheme(n, order, cfg)
        rows.append(
            {
                "scheme": n,
                "workload": workload,
                **st,
                "bytes_per_folio": s.bytes_per_folio,
                "atomics_per_update": s.atomics_per_update,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def compare_all(workloads=None, progress: bool = False, **kw) -> pd.DataFrame:
    from .workloads import workload_names

    names = workloads or [w for w in workload_names() if w != "counterexample"]
    if progress:
        from tqdm.auto import tqdm

        names = tqdm(names, desc="compare", unit="workload")
    return pd.concat([compare(w, **kw) for w in names], ignore_index=True)


def trace(
    ops, order: int, schemes=None, config: RmapConfig = DEFAULT_CONFIG, folio: int = 0
) -> pd.DataFrame:
    """Each scheme's state of one folio after each operation (for reading a trace)."""
    rows = []

    def on_step(i, op, folios):
        d = folios.get(folio)
        if d is None:
            return
        row = {"op": i, "operation": " ".join(str(x) for x in op if x != -1)}
        for n, s in d.items():
            row[n] = s.state() if n != "truth" else s.state() or "-"
        rows.append(row)

    replay_schemes(ops, order, schemes, config, on_step=on_step)
    return pd.DataFrame(rows)


def sweep_procs(
    workloads=("zygote", "prefork", "random"),
    procs=(2, 4, 8, 16, 32, 64),
    order: int = 9,
    seeds=range(3),
    folios: int = 4,
    progress: bool = False,
    **kw,
) -> pd.DataFrame:
    """Counters summed over ``seeds`` for each workload and process count (tidy)."""
    jobs = [(w, p) for w in workloads for p in procs]
    if progress:
        from tqdm.auto import tqdm

        jobs = tqdm(jobs, desc="sweep", unit="run")
    out = []
    for w, p in jobs:
        df = pd.concat(
            [compare(w, order=order, procs=p, seed=s, folios=folios, **kw) for s in seeds]
        )
        g = (
            df.groupby("scheme", sort=False)[["checks", "false_exclusive", "false_shared"]]
            .sum()
            .reset_index()
        )
        g["workload"], g["procs"] = w, p
        out.append(g)
    return pd.concat(out, ignore_index=True)
