"""Lattice enumeration: numba kernel vs. the same step in C -O2 vs. the exact
Python-int twin, one run; prints nodes per second, min/median/max thread CPU
time over repeats, ratios, and checks that all sides visit the same nodes
and find the same leaves.

Usage: python benchmarks/bench_lattice.py [--repeat R] [--nodes N]
       [--python-nodes P] [--json]

Each case is one Fincke-Pohst search of rmaplab.lattice (an LLL-reduced
basis, a fixed L-infinity bound). The numba and C steps run on the same
arrays, called in turn (numba, C, numba, C, ...) so that both see the same
machine load, timed with ``time.thread_time``; a step returns to the same
Python driver when its leaf buffer fills or a decision needs the exact
twin (counted in the "returns" column: that Python time is in both sides'
timings alike). The Python side is the twin (``lattice_step_python``) on a
prefix of the search (``--python-nodes``), compared with the kernel run to
the same budget.
"""

from __future__ import annotations

import ctypes
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _cc import bench_main, compile_c, header, machine  # noqa: E402

from rmaplab._kernels import lattice as K  # noqa: E402
from rmaplab.lattice import lattice_basis, lll  # noqa: E402


def _weights(kind: str, d: int, w: int) -> list[int]:
    if kind.startswith("powers"):
        base = int(kind.split()[1])
        return [pow(base, j, 1 << w) for j in range(d)]
    rng = np.random.default_rng(int(kind.split()[1]))
    return [1] + [int(rng.integers(0, 1 << 62)) % (1 << w) for _ in range(d - 1)]


# (label, weights, dimension, word bits, L-infinity bound)
CASES = [
    ("wip-v1 order 9 lattice (513^j, W=64)", "powers 513", 8, 64, 400),
    ("digits base 3 (3^j, W=64), ties", "powers 3", 31, 64, 2),
    ("random weights, d=12, W=64", "random 1", 12, 64, 60),
    ("random weights, d=20, W=64", "random 2", 20, 64, 9),
    ("random weights, d=31, W=64", "random 3", 31, 64, 3),
]


def _search(gs, inp, step, best, node_limit):
    """Drive one search to the end (or the budget): leaves are collected,
    never costed, so the bound stays fixed. Returns (nodes, leaves, returns)."""
    d, n = inp.rows.shape
    st = K.new_state(d, n, best, node_limit, 0, K.xmax(gs))
    cache = K.ExactCache(d)
    leaves: list = []
    returns = 0
    while True:
        code = step(inp, st)
        returns += 1
        nl = int(st.scal[K.ST_NLEAF])
        leaves.extend(map(tuple, st.leaves[:nl].tolist()))
        st.scal[K.ST_NLEAF] = 0
        if code == K.LAT_UNCERTAIN:
            if not K.resolve(gs, st, cache):
                raise RuntimeError("a coefficient beyond XMAX: not a benchmark case")
            continue
        if code in (K.LAT_DONE, K.LAT_STOPPED):
            return int(st.scal[K.ST_NODES]), leaves, returns


def _python_search(gs, best, node_limit):
    d, n = len(gs.rows), len(gs.rows[0])
    ps = K.PyState(d, n, best, node_limit, 0)
    leaves = []
    while True:
        code = K.lattice_step_python(gs, ps)
        if code == K.LAT_LEAF:
            v = ps.v
            first = next(a for a in v if a)
            leaves.append(tuple(v) if first > 0 else tuple(-a for a in v))
            continue
        return ps.scal[K.ST_NODES], leaves


def _c_step(lib):
    """The C step on a state's arrays; their addresses are taken once per
    state (numpy's ``.ctypes.data`` costs microseconds, a step may not)."""
    args: dict[int, tuple] = {}

    def step(inp, st):
        key = id(st)
        if key not in args:
            d, n = inp.rows.shape
            args.clear()
            args[key] = (
                d,
                n,
                *(a.ctypes.data for a in inp),
                *(a.ctypes.data for a in st),
                st.leaves.shape[0],
                st,  # keeps the arrays alive while their addresses are in use
            )
        return lib.lattice_step(*args[key][:-1])

    return step


def _stats(ts):
    return {"min": min(ts), "median": statistics.median(ts), "max": max(ts)}


def run(repeat=5, nodes=2_000_000, python_nodes=20_000):
    lib = compile_c("lattice")
    lib.lattice_step.argtypes = [ctypes.c_int64] * 2 + [ctypes.c_void_p] * 17 + [ctypes.c_int64]
    lib.lattice_step.restype = ctypes.c_int64
    c_step = _c_step(lib)
    rows = []
    first_call = None
    for label, kind, d, w, bound in CASES:
        basis = lll(lattice_basis(_weights(kind, d, w), w))
        gs = K.exact_gs(basis)
        inp = K.kernel_inputs(gs)
        assert inp is not None and d * bound * bound <= K.MAX_R2
        if first_call is None:
            t = time.perf_counter()
            _search(gs, inp, K.lattice_step, bound, 1)
            first_call = time.perf_counter() - t
        times: dict[str, list[float]] = {"numba": [], "c": []}
        out = {}
        for _ in range(repeat):  # interleaved: numba, C, numba, C, ...
            for side, step in (("numba", K.lattice_step), ("c", c_step)):
                t0 = time.thread_time()
                out[side] = _search(gs, inp, step, bound, nodes)
                times[side].append(time.thread_time() - t0)
        t0 = time.thread_time()
        py = _python_search(gs, bound, python_nodes)
        t_py = time.thread_time() - t0
        nb_prefix = _search(gs, inp, K.lattice_step, bound, python_nodes)
        n_nodes = out["numba"][0]
        s_nb, s_c = _stats(times["numba"]), _stats(times["c"])
        rate = {
            "numba": n_nodes / s_nb["median"],
            "c": out["c"][0] / s_c["median"],
            "python": py[0] / t_py,
        }
        rows.append(
            {
                "case": label,
                "dimension": d,
                "bound": bound,
                "nodes": n_nodes,
                "complete": n_nodes <= nodes,
                "leaves": len(out["numba"][1]),
                "returns": out["numba"][2],
                "seconds": {"numba": s_nb, "c": s_c, "python": t_py},
                "python_nodes": py[0],
                "nodes_per_s": rate,
                "numba_vs_c": rate["numba"] / rate["c"],
                "numba_vs_c_min": s_c["min"] / s_nb["min"],
                "numba_vs_python": rate["numba"] / rate["python"],
                "identical": out["numba"][:2] == out["c"][:2] and nb_prefix[:2] == py,
            }
        )
    return {
        **machine(),
        "repeat": repeat,
        "node_limit": nodes,
        "numba_first_call_s": first_call,
        "rows": rows,
    }


def report(r) -> str:
    lines = [
        f"lattice enumeration, {r['repeat']} interleaved repeats, thread CPU time,",
        f"budget {r['node_limit']} nodes; " + header(r),
        "",
    ]
    for x in r["rows"]:
        s = x["seconds"]
        lines += [
            f"{x['case']}: bound {x['bound']}, {x['nodes']} nodes, "
            f"{x['leaves']} leaves, {x['returns']} returns",
            f"  {'side':<7}{'min s':>9}{'median s':>10}{'max s':>9}{'nodes/s':>12}",
        ]
        for side in ("numba", "c"):
            t = s[side]
            lines.append(
                f"  {side:<7}{t['min']:>9.4f}{t['median']:>10.4f}{t['max']:>9.4f}"
                f"{x['nodes_per_s'][side]:>12.3e}"
            )
        lines.append(
            f"  {'python':<7}{s['python']:>9.4f}{'':>10}{'':>9}{x['nodes_per_s']['python']:>12.3e}"
            f"  ({x['python_nodes']} nodes)"
        )
        lines.append(
            f"  numba/C {x['numba_vs_c']:.2f} (median), {x['numba_vs_c_min']:.2f} (min);"
            f" numba/Python {x['numba_vs_python']:.0f}; identical {x['identical']}"
        )
    lines += ["", f"numba first call: {r['numba_first_call_s']:.2f} s (compile or cache load)"]
    return "\n".join(lines)


OPTIONS = (("--repeat", 5), ("--nodes", 2_000_000), ("--python-nodes", 20_000))

if __name__ == "__main__":
    sys.exit(bench_main(__doc__, OPTIONS, run, report))
