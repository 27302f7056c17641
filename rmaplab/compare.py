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

from .config import get_config
from .folio import RmapError
from .schemes import SCHEMES, make_scheme
from .workloads import make_workload

__all__ = ["replay_schemes", "compare", "compare_all", "trace"]

COLUMNS = ["scheme", "workload", "checks", "false_exclusive", "false_shared",
           "bytes_per_folio", "atomics_per_update"]


def _mask(start: int, count: int) -> int:
    return ((1 << count) - 1) << start


def replay_schemes(ops, order: int, schemes=None, config="wip-v1", on_step=None):
    """Replay ``ops`` (see :mod:`rmaplab.workloads`); returns per-scheme counters
    and the scheme objects of every folio."""
    cfg = get_config(config)
    names = [n for n in (schemes or list(SCHEMES)) if n != "truth"]
    for n in names:
        if n not in SCHEMES:
            make_scheme(n, order, cfg)  # raises the clear error
    P = 1 << order
    folios: dict[int, dict] = {}
    stats = {n: {"checks": 0, "false_exclusive": 0, "false_shared": 0} for n in names}

    def folio(f):
        if f not in folios:
            folios[f] = {"truth": make_scheme("truth", order, cfg),
                         **{n: make_scheme(n, order, cfg) for n in names}}
        return folios[f]

    def event(f, kind, mm, mask, count):
        for s in folio(f).values():
            getattr(s, kind)(mm, mask, count)

    for i, (kind, f, mm, a, b) in enumerate(ops):
        if kind in ("map", "unmap"):
            if a < 0 or b < 1 or a + b > P:
                raise RmapError(f"op {i}: pages {a}..{a + b - 1} are out of range: allowed 0..{P - 1}")
            mask = _mask(a, b)
            held = folio(f)["truth"].pages_of.get(mm, 0)
            if kind == "map" and held & mask:
                raise RmapError(f"op {i}: mm {mm} already maps some of pages {a}..{a + b - 1} of folio {f}")
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


def compare(workload: str, schemes=None, config="wip-v1", order: int = 9, procs: int = 8,
            seed: int = 0, folios: int = 4) -> pd.DataFrame:
    """One row per scheme: checks, false exclusive, false shared, memory and atomics."""
    cfg = get_config(config)
    ops = make_workload(workload, order, procs, seed, folios, cfg)
    stats, _ = replay_schemes(ops, order, schemes, cfg)
    rows = []
    for n, st in stats.items():
        s = make_scheme(n, order, cfg)
        rows.append({"scheme": n, "workload": workload, **st,
                     "bytes_per_folio": s.bytes_per_folio, "atomics_per_update": s.atomics_per_update})
    return pd.DataFrame(rows, columns=COLUMNS)


def compare_all(workloads=None, progress: bool = False, **kw) -> pd.DataFrame:
    from .workloads import workload_names

    names = workloads or [w for w in workload_names() if w != "counterexample"]
    if progress:
        from tqdm.auto import tqdm

        names = tqdm(names, desc="compare", unit="workload")
    return pd.concat([compare(w, **kw) for w in names], ignore_index=True)


def trace(ops, order: int, schemes=None, config="wip-v1", folio: int = 0) -> pd.DataFrame:
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
