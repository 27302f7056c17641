"""Replay a workload through every scheme: safety, precision and cost.

The ground truth drives the workload (a COW fault copies the page exactly
when another mm truly maps the folio), and every scheme sees the same map
and unmap events, so their answers are comparable check by check:

* ``false_exclusive``: the scheme said "exclusive" (reuse) while another mm
  maps the folio. Any value above zero is unsafe: two processes would share a
  page one of them believes private.
* ``false_shared``: the scheme said "shared" (copy) while only the faulting
  mm maps the folio: a copy the ground truth would have avoided.

What a wrong answer costs is counted in a second replay per scheme, in which
that scheme's own answers decide every write fault as the kernel acts on them
(:func:`replay_costs`, twin :func:`replay_costs_python`; see
:mod:`rmaplab._kernels.schemes`): ``reuses`` (no copy), ``copies`` of one
4 KiB page, ``pmd_splits`` (a write to a shared PMD-mapped folio of order
``PMD_ORDER`` splits the PMD), ``needless_copies`` (copies because of a false "shared"),
``copied_bytes``, ``broken_folios`` (needless copies that leave a large folio
mapped whole by no mm) and ``corruptions`` (a false "exclusive" reused: two
mms write one page). ``writes`` counts the workload's 4 KiB writes. A
PMD-mapped THP faults through ``do_huge_pmd_wp_page``, which asks no design:
alone (refcount == 1) it reuses the whole PMD, so no design copies there
needlessly; shared, it splits the PMD and the PTE fault asks. The lab
reuses a page whose folio has total mapcount 1, where 6.15's
``__wp_can_reuse_large_anon_folio`` copies it to free the folio: a policy
copy for every design alike, not counted (see :class:`rmaplab.schemes.MMOwner`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import numpy as np

from ._kernels import word_mask
from ._kernels.codes import (
    OP_CODES,
    OP_FORK,
    STATUS_MESSAGES,
    STATUS_OK,
)
from .budget import check_compare_memory
from .config import DEFAULT_CONFIG, ConfigError, RmapConfig, require_config
from .encodings import Encoding
from .folio import RmapError
from .scheme_replay import (
    PMD_ORDER,
    _replay_objects,
    replay_costs_python,
    replay_schemes_python,
    rmap_encoding,
    scheme_encodings,
)
from .workloads import make_workload

__all__ = [
    "caption",
    "compare",
    "compare_all",
    "counterexample_workload",
    "ops_to_arrays",
    "replay_costs",
    "replay_costs_python",
    "replay_schemes",
    "replay_schemes_python",
    "sweep_procs",
    "trace",
    "verifier_counterexample",
]

#: Base page size of the cost model (x86-64), in bytes.
PAGE_SIZE = 4096

COLUMNS = [
    "scheme",
    "workload",
    "checks",
    "false_exclusive",
    "false_shared",
    "bytes_per_folio",
    "atomics_per_update",
]
#: What each scheme's answers cost when they decide the write faults
#: (:func:`replay_costs`); ``compare --json`` adds them after ``COLUMNS``.
COST_COLUMNS = [
    "needless_copies",
    "copied_bytes",
    "broken_folios",
    "corruptions",
    "reuses",
    "copies",
    "pmd_splits",
    "faults",
    "writes",
]
COLUMNS = COLUMNS + COST_COLUMNS


def verifier_counterexample(order: int, config: RmapConfig = DEFAULT_CONFIG) -> dict:
    """The verifier's counterexample for ``config``'s posted scheme at
    ``order`` (:func:`rmaplab.verify.verify`): what the ``counterexample``
    workload replays (refused where the verifier proves the order safe)."""
    from .verify import verify

    v = verify(require_config(config), order)
    if v.counterexample is None:
        raise ConfigError(
            f"order={order}: the verifier proves the check safe for {v.config} "
            f"({v.method}), so there is no counterexample workload; `rmaplab verify "
            f"--config {v.config} --all` lists the unsafe orders"
        )
    return v.counterexample


def counterexample_workload(order: int, config: RmapConfig = DEFAULT_CONFIG) -> list[tuple]:
    """The ``counterexample`` workload: the verifier's counterexample for
    ``config`` at ``order`` (:func:`rmaplab.verify.verify`), replayed."""
    return make_workload(
        "counterexample", order, counterexample=verifier_counterexample(order, config)
    )


def ops_to_arrays(ops: Sequence[tuple]) -> tuple[np.ndarray, ...]:
    """Operation tuples -> (kind int8, folio, mm, a, b int64 arrays, ids) with mm
    (and a fork's child) as dense indices into ``ids`` (the real mm ids)."""
    import numpy as np

    if not ops:
        z = np.zeros(0, dtype=np.int64)
        return np.zeros(0, dtype=np.int8), z, z, z, z, z
    kind = np.array([OP_CODES.get(o[0], 255) for o in ops], dtype=np.int64)
    if (kind == 255).any():
        i = int(np.flatnonzero(kind == 255)[0])
        raise RmapError(f"op {i}: kind={ops[i][0]!r} is unknown")
    arr = np.array([o[1:] for o in ops], dtype=np.int64)
    folio, mm, a, b = arr[:, 0], arr[:, 1], arr[:, 2].copy(), arr[:, 3]
    fork = kind == OP_FORK
    ids, inv = np.unique(np.concatenate([mm, a[fork]]), return_inverse=True)
    mm_d = inv[: len(ops)].astype(np.int64)
    a[fork] = inv[len(ops) :]
    folio = np.where(folio < 0, 0, folio)
    return kind.astype(np.int8), folio.copy(), mm_d, a, b.copy(), ids.astype(np.int64)


def _kernel_inputs(ops, order: int, enc: Encoding | None):
    import numpy as np

    from ._kernels import schemes as ks
    from .replay import addend_table

    enc = rmap_encoding(order, enc)
    kind, folio, mm, a, b, ids = ops_to_arrays(ops)
    if ids.size and (int(ids.min()) < 1 or int(ids.max()) > enc.max_id):
        bad = int(ids.min()) if int(ids.min()) < 1 else int(ids.max())
        raise ConfigError(f"mm id {bad} is out of range: allowed [1, {enc.max_id}]")
    subids = addend_table(enc, ids) if ids.size else np.zeros((0, 1), dtype=np.uint64)
    return ks.SchemesInputs(
        kind,
        folio,
        mm,
        a,
        b,
        ids,
        subids,
        int(folio.max()) + 1 if folio.size else 1,
        int(order),
        enc.id_bits,
        word_mask(enc.word_bits),
    )


def _run_kernel(ops, inp, driver: int, pmd_order: int):
    from ._kernels import schemes as ks

    try:
        r = ks.replay_all_schemes(inp, driver, pmd_order)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    if r.status != STATUS_OK:
        raise RmapError(f"op {r.bad_op}: {STATUS_MESSAGES[r.status]}: {ops[r.bad_op]}")
    return r


def _kernel_runs(ops, order, schemes, encoding, driven: bool, pmd_order: int) -> dict:
    """``{scheme: (kernel result, its row)}``. The kernel inputs are built once
    per encoding (:func:`rmaplab.scheme_replay.scheme_encodings`: the
    rmap-id scheme's, or one a scheme fixes). ``driven``: one run per scheme,
    whose answers decide the write faults; otherwise one run per encoding
    replays every scheme."""
    inputs: dict = {}
    runs: dict = {}
    out = {}
    for n, _, row, enc in scheme_encodings(schemes, rmap_encoding(order, encoding)):
        if enc not in inputs:
            inputs[enc] = _kernel_inputs(ops, order, enc)
        if driven:
            out[n] = (_run_kernel(ops, inputs[enc], row, pmd_order), row)
            continue
        if enc not in runs:
            runs[enc] = _run_kernel(ops, inputs[enc], -1, pmd_order)
        out[n] = (runs[enc], row)
    return out


def replay_schemes(
    ops: Sequence[tuple],
    order: int,
    schemes: Sequence[str] | None = None,
    encoding: Encoding | None = None,
) -> dict:
    """:func:`replay_schemes_python` for all schemes at once, in numba
    (:func:`rmaplab._kernels.schemes.replay_all_schemes`); same counters.
    ``encoding``: the rmap-id scheme's addends (default: the default
    configuration's posted sub-IDs at ``order``); rmap-moments is the
    kernel's rmap-id row replayed with the encoding it fixes."""
    out = {}
    for n, (r, row) in _kernel_runs(ops, order, schemes, encoding, False, PMD_ORDER).items():
        st = r.stats[row].tolist()
        out[n] = {"checks": st[0], "false_exclusive": st[1], "false_shared": st[2]}
    return out


def replay_costs(
    ops: Sequence[tuple],
    order: int,
    schemes: Sequence[str] | None = None,
    encoding: Encoding | None = None,
    pmd_order: int = PMD_ORDER,
) -> dict:
    """Per scheme, the counters ``COST_NAMES`` of a replay its own answers
    drive (numba, one run per scheme); the twin of :func:`replay_costs_python`."""
    from ._kernels.schemes import COST_NAMES

    runs = _kernel_runs(ops, order, schemes, encoding, True, pmd_order)
    return {n: dict(zip(COST_NAMES, r.cost.tolist(), strict=True)) for n, (r, _) in runs.items()}


def compare(
    workload: str,
    schemes: Sequence[str] | None = None,
    encoding: Encoding | None = None,
    order: int = 9,
    procs: int = 8,
    seed: int = 0,
    folios: int = 4,
    fast: bool = True,
    shape: dict | None = None,
    counterexample: dict | None = None,
) -> pd.DataFrame:
    """One row per scheme: checks, false exclusive, false shared, memory and
    atomics, then what the answers cost (``COST_COLUMNS``).

    ``fast`` replays with the numba kernel (all schemes at once); otherwise
    with the Python scheme objects. Both give the same counters. ``encoding``
    is the rmap-id scheme's, resolved at the entry point (e.g.
    :meth:`rmaplab.config.RmapConfig.encoding` for a configuration's posted
    sub-IDs, :func:`rmaplab.encodings.default_encoding` for a shorthand;
    default: the default configuration's at ``order``); the workload's mm
    ids must be among its ids.
    ``counterexample``: what the ``counterexample`` workload replays
    (default: :func:`verifier_counterexample` of the default configuration).
    ``shape``: the workload's shape parameters (``depth``, ``fanout``,
    ``lifetime``, ``writes``, ``pte``; see :func:`rmaplab.workloads.make_workload`).
    The run's parameters are kept in ``df.attrs["run"]`` (:func:`caption`)."""
    enc = rmap_encoding(order, encoding)
    shape = dict(shape or {})
    check_compare_memory(workload, order, procs, folios, shape)  # before any allocation
    runs = list(scheme_encodings(schemes, enc))
    names = [n for n, *_ in runs]
    ce = None
    if workload == "counterexample":
        ce = counterexample if counterexample is not None else verifier_counterexample(order)
    ops = make_workload(workload, order, procs, seed, folios, counterexample=ce, **shape)
    if fast:
        stats = replay_schemes(ops, order, names, enc)
        costs = replay_costs(ops, order, names, enc)
    else:
        stats = replay_schemes_python(ops, order, names, enc)
        costs = replay_costs_python(ops, order, names, enc)
    rows = []
    for n, cls, _, e in runs:
        st, s, c = stats[n], cls(order, e), costs[n]
        rows.append(
            {
                "scheme": n,
                "workload": workload,
                **st,
                "bytes_per_folio": s.bytes_per_folio,
                "atomics_per_update": s.atomics_per_update,
                **{k: c[k] for k in COST_COLUMNS if k in c},
                "copied_bytes": c["copies"] * PAGE_SIZE,
            }
        )
    df = pd.DataFrame(rows, columns=COLUMNS)
    df.attrs["run"] = {
        "workloads": [workload],
        "order": order,
        "procs": procs,
        "seed": seed,
        "folios": folios,
        **shape,
    }
    return df


def caption(df: pd.DataFrame, defaults: dict | None = None, what: str = "") -> str:
    """The caption of a compare table, from the run's own parameters
    (``df.attrs["run"]``, set by :func:`compare` and :func:`compare_all`;
    ``defaults`` for a frame without them, e.g. read back from CSV)."""
    run = df.attrs.get("run") or defaults or {}
    ws = run.get("workloads") or sorted(set(df.get("workload", [])))
    parts = []
    if "order" in run:
        parts.append(f"Order {run['order']}")
    if "procs" in run:
        parts.append(f"{run['procs']} processes")
    if "seed" in run:
        parts.append(f"seed {run['seed']}")
    if len(ws) == 1:
        parts.append(f"workload {ws[0]}")
    elif ws:
        note = "" if "counterexample" in ws else " (not the counterexample)"
        parts.append(f"summed over {len(ws)} workloads{note}")
    head = ", ".join(parts) or "compare"
    more = [f"{run['folios']} folios"] if "folios" in run else []
    more += [f"{k} {run[k]}" for k in ("depth", "fanout", "lifetime", "writes", "pte") if k in run]
    if more:
        head += "; " + ", ".join(more)
    return head + (f" {what}" if what else "") + "."


def compare_all(
    workloads: Sequence[str] | None = None, progress: bool = False, **kw: Any
) -> pd.DataFrame:
    from .workloads import SHAPES, workload_names

    # the default set is the one the published tables sum over: the shape
    # workloads (6.15's weak spots) are asked for by name or by sweep_shapes
    names = workloads or [w for w in workload_names() if w != "counterexample" and w not in SHAPES]
    if progress:
        from tqdm.auto import tqdm

        names = tqdm(names, desc="compare", unit="workload")
    frames = [compare(w, **kw) for w in names]
    df = pd.concat(frames, ignore_index=True)
    if frames:
        df.attrs["run"] = {**frames[0].attrs["run"], "workloads": list(names)}
    return df


def trace(
    ops: Sequence[tuple],
    order: int,
    schemes: Sequence[str] | None = None,
    encoding: Encoding | None = None,
    folio: int = 0,
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

    _replay_objects(ops, order, schemes, on_step=on_step, encoding=encoding)
    return pd.DataFrame(rows)


def sweep_procs(
    workloads: Sequence[str] = ("zygote", "prefork", "random"),
    procs: Sequence[int] = (2, 4, 8, 16, 32, 64),
    order: int = 9,
    seeds: Sequence[int] = range(3),
    folios: int = 4,
    progress: bool = False,
    **kw: Any,
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
