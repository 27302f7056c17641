"""Verifier performance: the exhaustive search in numba vs. the same loop in
C -O2 (compiled now with the system cc) vs. its pure-Python twin, side by
side in one run; plus the full sweep of every built-in configuration.

Usage: python benchmarks/bench_verify.py [--json]
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
import naive  # noqa: E402  (tests/naive.py: the pure-Python BFS twin)
from _cc import bench_main, best_time, compile_c, header, machine  # noqa: E402

from rmaplab import Group, RmapConfig, config_names, get_config  # noqa: E402
from rmaplab._kernels.exhaustive import ExhaustiveInputs, shortest_returns  # noqa: E402
from rmaplab.subid import subids_array  # noqa: E402
from rmaplab.verify import _search, verify_all  # noqa: E402

# Safe configurations make the search explore every reachable state.
CASES = [
    ("K=2, W=8, 63 ids, order 2", RmapConfig("b1", 6, 8, (Group(0, 2, 2, 3),)), 2),
    ("K=1, W=16, 15 ids, order 3", RmapConfig("b2", 4, 16, (Group(0, 3, 1, 4),)), 3),
    ("K=2, W=10, 63 ids, order 3", RmapConfig("b3", 6, 10, (Group(0, 3, 2, 3),)), 3),
]
PY_CASE = ("K=2, W=6, 15 ids, order 3", RmapConfig("b0", 4, 6, (Group(0, 3, 2, 2),)), 3)


def run():
    lib = compile_c("exhaustive")
    P = ctypes.c_void_p
    lib.exhaustive.argtypes = [P, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, P]
    lib.exhaustive.restype = ctypes.c_int
    rows = []
    for label, cfg, order in [PY_CASE, *CASES]:
        s = np.ascontiguousarray(subids_array(cfg, order, np.arange(1, cfg.max_id + 1)))
        depth = (1 << order) - 1
        inp = ExhaustiveInputs(s, cfg.word_bits, depth)
        shortest_returns(inp)  # compile / load cache
        t0, _ = best_time(lambda: shortest_returns(inp), 1)
        # millisecond cases: more repeats for a stable best (both sides alike)
        reps = 3 if t0 > 0.5 else 20
        t_nb, r_nb = best_time(lambda: shortest_returns(inp), reps)

        def c_call():
            out = np.empty(s.shape[0], dtype=np.int64)
            assert (
                lib.exhaustive(
                    s.ctypes.data, s.shape[0], s.shape[1], cfg.word_bits, depth, out.ctypes.data
                )
                == 0
            )
            return out

        t_c, r_c = best_time(c_call, reps)
        row = {
            "case": label,
            "numba_s": t_nb,
            "c_s": t_c,
            "numba_vs_c": t_c / t_nb,
            "identical": bool(np.array_equal(r_nb, r_c)),
        }
        if (label, cfg, order) == PY_CASE:
            tup = [tuple(int(v) for v in r) for r in s]
            t = time.perf_counter()
            py = naive.bfs_min_mappings(tup, cfg.word_bits, depth)
            row["python_s"] = time.perf_counter() - t
            t_pos = r_nb[r_nb > 0]
            row["identical"] &= py == (int(t_pos.min()) + 1 if t_pos.size else None)
            row["numba_vs_python"] = row["python_s"] / t_nb
        rows.append(row)

    sweep = {}
    for name in config_names():
        _search.cache_clear()
        t = time.perf_counter()
        verify_all(get_config(name))
        sweep[name] = time.perf_counter() - t
    return {
        **machine(),
        "exhaustive": rows,
        "sweep_seconds": sweep,
    }


def report(r) -> str:
    out = [
        header(r),
        "",
        "exhaustive search (time; ratio = C time / numba time)",
        f"{'case':<30}{'numba s':>9}{'C s':>9}{'ratio':>7}{'same':>6}",
    ]
    for row in r["exhaustive"]:
        out.append(
            f"{row['case']:<30}{row['numba_s']:>9.4f}{row['c_s']:>9.4f}"
            f"{row['numba_vs_c']:>7.2f}{row['identical']!s:>6}"
        )
        if "python_s" in row:
            out.append(
                f"  pure Python twin: {row['python_s']:.3f} s, numba "
                f"{row['numba_vs_python']:.0f}x faster"
            )
    out += ["", "full verify sweep (cold lattice cache, target < 60 s)"]
    for name, t in r["sweep_seconds"].items():
        out.append(f"  {name:<20}{t:>8.3f} s")
    return "\n".join(out)


def main(argv=None):
    return bench_main(__doc__, [], run, report, argv)


if __name__ == "__main__":
    sys.exit(main())
