"""Run the all-tables frontier search over a grid and write the package data
``rmaplab/data/table_frontier_exact.csv`` (see ``rmaplab/data/README.md``).

    PYTHONPATH=$PWD nice -n 19 python tools/frontier_exact.py \\
        --slice-bits 2-4 --word-bits 8,10,12,14,16 --seconds 360 --upper-seconds 120

Per cell (B, W), smallest W first: the seed is the best of the best digit
base's table, the packed-moments table and the previous (narrower) cell's
table, which keeps its N' in the wider word; :func:`exact_frontier` runs
from it for at most ``--seconds`` (checked between its fixed chunks); a cell
it does not finish also gets :func:`frontier_upper_bound` for at most
``--upper-seconds`` worth of nodes (measured on the first run's rate).
Rows are written as each cell finishes, so an interrupted run keeps them;
``--append`` adds rows to an existing file (one cell per process keeps every
run under the lab's 10-minute rule) and seeds from its narrower rows.
"""

from __future__ import annotations

import argparse
import csv
import platform
import sys
import time
from pathlib import Path

from rmaplab.frontier_tables import (
    _best_linear,
    _linear_table,
    _moments_table,
    exact_frontier,
    frontier_upper_bound,
    table_bound,
    table_min_others,
)

FIELDS = [
    "slice_bits",
    "word_bits",
    "best",
    "complete",
    "nodes",
    "seconds",
    "seed_best",
    "upper_bound",
    "upper_nodes",
    "table",
]


def _ints(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += range(int(lo), int(hi or lo) + 1)
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slice-bits", default="2-4")
    ap.add_argument("--word-bits", default="8,10,12,14,16")
    ap.add_argument("--seconds", type=float, default=360.0)
    ap.add_argument("--upper-seconds", type=float, default=120.0)
    ap.add_argument("--max-nodes", type=int, default=10**9)
    ap.add_argument(
        "--out", default=str(Path(__file__).parents[1] / "rmaplab/data/table_frontier_exact.csv")
    )
    ap.add_argument("--append", action="store_true", help="add rows to --out")
    args = ap.parse_args(argv)
    old: list[dict] = []
    if args.append and Path(args.out).exists():
        with open(args.out) as fh:
            old = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    with open(args.out, "a" if old else "w", newline="") as fh:
        if not old:
            fh.write(f"# machine: {platform.machine()}, Python {platform.python_version()}\n")
        fh.write(f"# python tools/frontier_exact.py {' '.join(argv)}\n")
        w = csv.DictWriter(fh, FIELDS)
        if not old:
            w.writeheader()
        for b in _ints(args.slice_bits):
            narrower = [r for r in old if int(r["slice_bits"]) == b]
            prev = tuple(int(v) for v in narrower[-1]["table"].split()) if narrower else None
            for wb in _ints(args.word_bits):
                cap = table_bound(wb) + 1
                seeds = [_linear_table(b, wb, _best_linear(b, wb)[1]), _moments_table(b, wb)[1]]
                if prev is not None:
                    seeds.append(list(prev))
                scored = []
                for s in seeds:
                    if len(s) == 1 << b and len(set(s)) == len(s):
                        m = table_min_others(s, wb, cap)
                        scored.append((cap if m is None else m, s))
                seed = max(scored, key=lambda t: t[0])[1]
                r = exact_frontier(b, wb, seed, max_nodes=args.max_nodes, seconds=args.seconds)
                best, table, complete = r.best, r.table, r.complete
                up, up_nodes = r.best, 0
                if not r.complete:
                    rate = r.nodes / max(r.seconds, 1e-3)
                    up, up_nodes, found = frontier_upper_bound(
                        b, wb, r.best, max_nodes=int(rate * args.upper_seconds)
                    )
                    if found is not None:  # that run completed: exact
                        best, table, complete = up, found, True
                    elif up == best:  # no table beats the seed's N'
                        complete = True
                row = {
                    "slice_bits": b,
                    "word_bits": wb,
                    "best": best,
                    "complete": complete,
                    "nodes": r.nodes,
                    "seconds": round(r.seconds, 1),
                    "seed_best": r.seed_best,
                    "upper_bound": up,
                    "upper_nodes": up_nodes,
                    "table": " ".join(map(str, table)),
                }
                w.writerow(row)
                fh.flush()
                print(row, file=sys.stderr, flush=True)
                prev = table
    return 0


if __name__ == "__main__":
    t0 = time.monotonic()
    rc = main(sys.argv[1:])
    print(f"done in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    sys.exit(rc)
