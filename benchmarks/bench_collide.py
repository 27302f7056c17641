"""Collision Monte Carlo: numba kernel vs. the same loop in C -O2 vs. its
pure-Python twin (tests/naive.py), same seeds, one run; prints trials per
second and ratios, and checks that all three count the same hits.

Usage: python benchmarks/bench_collide.py [--trials T] [--json]
"""

from __future__ import annotations

import ctypes
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import naive  # noqa: E402
from _cc import bench_main, best_time, compile_c, header, machine  # noqa: E402

from rmaplab._kernels.montecarlo import _check, false_exclusive_trials  # noqa: E402
from rmaplab.collide import mc_inputs, resolve_encoding  # noqa: E402
from rmaplab.config import WIP_V1  # noqa: E402

CASES = [
    ("posted, 64-bit, uniform", "posted", "uniform", 3, 20, None, None),
    ("raw-id, 16-bit, uniform", "raw-id", "uniform", 3, 8, 16, 12),
    ("hash64, lowest-free", "hash64", "lowest-free", 4, 12, None, None),
    # addend tables (PDEP, K = 3 slices of 8 bits) and powers of the whole id
    ("table, 64-bit, uniform", "table", "uniform", 3, 20, None, None),
    ("moments, 64-bit, uniform", "moments", "uniform", 3, 20, None, None),
]


def run(trials=1_000_000, python_trials=20_000, repeat=3):
    lib = compile_c("collide")
    i64, u64 = ctypes.c_int64, ctypes.c_uint64
    ptr = ctypes.c_void_p
    lib.mc.argtypes = [i64, i64, i64, u64, u64, i64, i64, i64, i64, i64, i64, u64, ptr]
    lib.mc.argtypes += [ptr, ptr, i64, ptr, i64, u64]
    lib.mc.restype = None
    rows = []
    for label, name, pop, m, n, wb, ib in CASES:
        enc = resolve_encoding(name, 9, WIP_V1, wb, ib)
        inp = mc_inputs(enc, 9, pop, m, n)
        chk = _check(inp, 0, 0)  # the arrays the kernel gets
        ws, tables = chk.word_slice, chk.tables
        pw = np.zeros((inp.nr_values, 4), dtype=np.int64)
        for k in range(inp.nr_values):
            pw[k, : len(chk.powers)] = (
                chk.powers if chk.pack_base else chk.powers[k % len(chk.powers)]
            )
        extra = (
            ws.ctypes.data,
            tables.ctypes.data,
            tables.shape[1],
            pw.ctypes.data,
            len(chk.powers),
            chk.pack_base,
        )
        args = (
            inp.encoding,
            inp.nr_values,
            inp.bits,
            inp.base_pages,
            enc.mask,
            inp.max_id,
            inp.population,
            m,
            n,
            inp.nr_pages,
        )
        seed = 12345

        def nb(t):
            return false_exclusive_trials(inp, t, seed)

        def c(t):
            out = np.zeros(2, dtype=np.int64)
            lib.mc(*args, t, seed, out.ctypes.data, *extra)
            return out

        nb(1000)
        t_nb, _ = best_time(lambda: nb(trials), repeat)
        t_c, _ = best_time(lambda: c(trials), repeat)
        t0 = time.perf_counter()
        # the reference takes the addends from the encoding's definition
        py = naive.monte_carlo_addends(
            enc.addends,
            enc.word_bits,
            enc.max_id,
            inp.population,
            m,
            n,
            inp.nr_pages,
            python_trials,
            seed,
        )
        t_py = time.perf_counter() - t0
        same = nb(trials) == tuple(int(v) for v in c(trials)) and nb(python_trials) == py
        rows.append(
            {
                "case": label,
                "trials": trials,
                "numba_per_s": trials / t_nb,
                "c_per_s": trials / t_c,
                "python_per_s": python_trials / t_py,
                "numba_vs_c": t_c / t_nb,
                "numba_vs_python": (trials / t_nb) / (python_trials / t_py),
                "identical": bool(same),
            }
        )
    return machine() | {"rows": rows}


def report(r) -> str:
    out = [
        header(r),
        "",
        "trials/s; n/C = numba rate / C rate, n/Py = numba / Python",
        f"{'case':<26}{'numba':>9}{'C':>9}{'Python':>9}{'n/C':>6}{'n/Py':>6}{'same':>6}",
    ]
    for x in r["rows"]:
        out.append(
            f"{x['case']:<26}{x['numba_per_s']:>9.2e}{x['c_per_s']:>9.2e}{x['python_per_s']:>9.2e}"
            f"{x['numba_vs_c']:>6.2f}{x['numba_vs_python']:>6.0f}{x['identical']!s:>6}"
        )
    return "\n".join(out)


def main(argv=None):
    return bench_main(
        __doc__, [("--trials", 1_000_000), ("--python-trials", 20_000)], run, report, argv
    )


if __name__ == "__main__":
    sys.exit(main())
