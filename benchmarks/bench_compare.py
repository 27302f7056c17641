"""Peer-scheme replay: numba kernel vs. the same loop in C -O2 vs. the Python
scheme objects, on the same workloads, in one run.

Usage: python benchmarks/bench_compare.py [--folios F] [--json]

The numba and C sides replay whole workloads of about 10^6 operations (the
cover letter's munmap and cow on many order-9 folios, a zygote) and are
compared counter for counter; the Python side replays a prefix. Rates are
operations per second. A second table times the cost replay (6.15's own
answers drive the write faults) in numba against its Python twin, on shape
workloads; the twin replays a prefix, compared counter for counter.
"""

from __future__ import annotations

import ctypes
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cc import bench_main, best_time, compile_c, header, machine

from rmaplab import get_config
from rmaplab._kernels import word_mask
from rmaplab._kernels.codes import ROW_MM_OWNER
from rmaplab._kernels.schemes import (
    DRIVER_TRUTH,
    N_COST,
    SchemesInputs,
    _convert,
    _new_state,
    _schemes_kernel,
)
from rmaplab.compare import (
    _kernel_inputs,
    ops_to_arrays,
    replay_costs,
    replay_costs_python,
    replay_schemes_python,
)
from rmaplab.subid import subids_array
from rmaplab.workloads import make_workload


def _inputs(ops, order, cfg) -> SchemesInputs:
    kind, folio, mm, a, b, ids = ops_to_arrays(ops)
    sub = subids_array(cfg, order, ids)
    nf = int(folio.max()) + 1
    return _convert(
        SchemesInputs(
            kind, folio, mm, a, b, ids, sub, nf, order, cfg.id_bits, word_mask(cfg.word_bits)
        )
    )


def run(folios=2048, python_ops=20_000, repeat=3):
    cfg = get_config("wip-v1")
    lib = compile_c("schemes")
    P = ctypes.c_void_p
    i64 = ctypes.c_int64
    lib.replay.argtypes = [i64, P, P, P, P, P, i64, i64, P, i64, i64, P, i64, ctypes.c_uint64, P, P]
    lib.replay.restype = ctypes.c_int
    cases = [("munmap", 9, 8), ("cow", 9, 8), ("zygote", 6, 256)]
    rows = []
    for name, order, procs in cases:
        nfol = folios if name != "zygote" else max(1, folios // 32)
        ops = make_workload(name, order, procs, 0, nfol)
        inp = _inputs(ops, order, cfg)

        def nb():
            # the kernel and its state allocation (C allocates inside); the
            # entry point's index checks are not timed
            stats = np.zeros((6, 3), dtype=np.int64)
            status = np.zeros(2, dtype=np.int64)
            cost = np.zeros(N_COST, dtype=np.int64)  # unused: the truth drives, as in C
            _schemes_kernel(inp, _new_state(inp), stats, status, cost, DRIVER_TRUTH, 9)
            return stats

        def c():
            stats = np.zeros((6, 3), dtype=np.int64)
            status = np.zeros(2, dtype=np.int64)
            lib.replay(
                inp.kind.size,
                inp.kind.ctypes.data,
                inp.folio.ctypes.data,
                inp.mm.ctypes.data,
                inp.a.ctypes.data,
                inp.b.ctypes.data,
                int(inp.n_folios),
                order,
                inp.ids.ctypes.data,
                inp.ids.size,
                int(inp.id_bits),
                inp.subids.ctypes.data,
                inp.subids.shape[1],
                int(inp.mask),
                stats.ctypes.data,
                status.ctypes.data,
            )
            return stats

        nb()  # compile or load from cache
        # small workloads run in about a millisecond: more repeats for a stable best
        reps = repeat if len(ops) > 100_000 else 10 * repeat
        t_nb, _ = best_time(nb, reps)
        t_c, _ = best_time(c, reps)
        same = bool(np.array_equal(nb(), c()))
        k = min(python_ops, len(ops))
        t = time.perf_counter()
        replay_schemes_python(ops[:k], order)
        t_py = time.perf_counter() - t
        rows.append(
            {
                "workload": name,
                "order": order,
                "ops": len(ops),
                "numba_s": t_nb,
                "c_s": t_c,
                "python_ops": k,
                "python_s": t_py,
                "numba_ops_per_s": len(ops) / t_nb,
                "c_ops_per_s": len(ops) / t_c,
                "python_ops_per_s": k / t_py,
                "numba_vs_c": t_c / t_nb,
                "numba_vs_python": (len(ops) / t_nb) / (k / t_py),
                "identical": same,
            }
        )
    cost_rows = []
    for name, order, procs in (("double-fork", 6, 8), ("preload-server", 6, 8)):
        ops = make_workload(name, order, procs, 0, max(1, folios // 16))
        inp = _convert(_kernel_inputs(ops, order, cfg.encoding(order)))

        def driven(inp=inp):
            stats = np.zeros((6, 3), dtype=np.int64)
            status = np.zeros(2, dtype=np.int64)
            cost = np.zeros(N_COST, dtype=np.int64)
            _schemes_kernel(inp, _new_state(inp), stats, status, cost, ROW_MM_OWNER, 9)
            return cost

        driven()
        t_nb, _ = best_time(driven, 10 * repeat)
        k = min(python_ops, len(ops))
        t = time.perf_counter()
        py = replay_costs_python(ops[:k], order, ["mm-owner"], cfg.encoding(order))
        t_py = time.perf_counter() - t
        cost_rows.append(
            {
                "workload": name,
                "order": order,
                "ops": len(ops),
                "numba_ops_per_s": len(ops) / t_nb,
                "python_ops": k,
                "python_ops_per_s": k / t_py,
                "numba_vs_python": (len(ops) / t_nb) / (k / t_py),
                "identical": py == replay_costs(ops[:k], order, ["mm-owner"], cfg.encoding(order)),
            }
        )
    return machine() | {"rows": rows, "cost_rows": cost_rows}


def report(r) -> str:
    out = [
        header(r),
        "",
        "ops/s of each side; ratios: numba rate / C rate, numba / Python",
        f"{'workload':<9}{'ops':>9}{'numba':>10}{'C':>10}{'Python':>10}{'n/C':>6}{'n/Py':>7}{'same':>6}",
    ]
    for x in r["rows"]:
        out.append(
            f"{x['workload']:<9}{x['ops']:>9}{x['numba_ops_per_s']:>10.2e}{x['c_ops_per_s']:>10.2e}"
            f"{x['python_ops_per_s']:>10.2e}{x['numba_vs_c']:>6.2f}{x['numba_vs_python']:>7.0f}"
            f"{x['identical']!s:>6}"
        )
    out += [
        "",
        "cost replay (mm-owner drives the write faults): numba vs. its Python twin",
        f"{'workload':<15}{'ops':>9}{'numba':>10}{'Python':>10}{'n/Py':>7}{'same':>6}",
    ]
    for x in r.get("cost_rows", []):
        out.append(
            f"{x['workload']:<15}{x['ops']:>9}{x['numba_ops_per_s']:>10.2e}"
            f"{x['python_ops_per_s']:>10.2e}{x['numba_vs_python']:>7.0f}{x['identical']!s:>6}"
        )
    return "\n".join(out)


def main(argv=None):
    return bench_main(__doc__, [("--folios", 2048), ("--python-ops", 20_000)], run, report, argv)


if __name__ == "__main__":
    sys.exit(main())
