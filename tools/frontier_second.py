"""Second method for the tiny frontier cells M(B, W): the independent
search of rmaplab.onevalue.search2 (weaker symmetry reduction), chunked and
resumable (rmaplab.onevalue.bounds), locally or on dask. Appends one row
per cell to --out, each preceded by the command that regenerates it.

    PYTHONPATH=$PWD nice -n 10 python tools/frontier_second.py \\
        --cell 3,8 --cell 3,10 --out rmaplab/data/table_frontier_second.csv

``--cell B,W`` reproduces the exact value shipped in
table_frontier_exact.csv (found at value - 1, none at value);
``--cell B,W,G`` asks only "M(B, W) <= G?" (an open cell's bound).
``--scheduler ADDRESS`` or ``--local-cluster N`` run the chunks on dask.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import pandas as pd

from rmaplab.onevalue.bounds import decide, exact_cell

FIELDS = [
    "slice_bits",
    "word_bits",
    "question",
    "answer",
    "lower",
    "upper",
    "exact",
    "nodes",
    "seconds",
    "chunks_done",
    "chunks",
    "engine",
    "witness",
]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", action="append", required=True)
    ap.add_argument("--chunks", type=int, default=16)
    ap.add_argument("--max-nodes", type=int, default=10**7, help="per chunk")
    ap.add_argument("--seconds", type=float, default=None, help="per question")
    ap.add_argument("--state", default=None, help="JSON file: resume finished chunks")
    ap.add_argument("--scheduler", default=None)
    ap.add_argument("--local-cluster", type=int, default=0)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    client, engine = None, "local"
    if args.scheduler or args.local_cluster:
        from dask.distributed import Client, LocalCluster

        if args.scheduler:
            client, engine = Client(args.scheduler), f"dask {args.scheduler}"
        else:
            cl = LocalCluster(n_workers=args.local_cluster, threads_per_worker=1)
            client, engine = Client(cl), f"dask LocalCluster({args.local_cluster})"
    shipped = pd.read_csv(
        Path(__file__).parents[1] / "rmaplab/data/table_frontier_exact.csv", comment="#"
    ).set_index(["slice_bits", "word_bits"])
    kw = dict(
        chunks=args.chunks,
        max_nodes=args.max_nodes,
        seconds=args.seconds,
        client=client,
        state=args.state,
        progress=True,
    )
    rows = []
    for cell in args.cell:
        parts = [int(x) for x in cell.split(",")]
        b, w = parts[:2]
        if len(parts) == 2:
            value = int(shipped.loc[(b, w), "best"])
            r = exact_cell(b, w, value, **kw)
            row = {
                **r,
                "question": f"M = {value}",
                "answer": "exact" if r["exact"] else "no",
                "chunks_done": "",
                "chunks": "",
                "engine": engine,
            }
        else:
            g = parts[2]
            r = decide(b, w, g, **kw)
            row = {
                "slice_bits": b,
                "word_bits": w,
                "question": f"M <= {g}",
                "answer": r["answer"],
                "lower": g + 1 if r["answer"] == "found" else "",
                "upper": g if r["answer"] == "none" else "",
                "exact": False,
                "nodes": r["nodes"],
                "seconds": round(r["seconds"], 1),
                "chunks_done": r["chunks_done"],
                "chunks": r["chunks"],
                "engine": engine,
                "witness": r["table"],
            }
        row["witness"] = " ".join(str(v) for v in row["witness"]) if row["witness"] else ""
        print(row, flush=True)
        rows.append(row)
        if args.out:
            new = not Path(args.out).exists()
            with open(args.out, "a", newline="") as fh:
                if new:
                    fh.write("# second method for M(B, W): rmaplab/onevalue/search2.py\n")
                cmd = [a for a in argv if a not in args.cell]
                fh.write(
                    f"# python tools/frontier_second.py --cell {cell} "
                    + " ".join(x for x in cmd if not x.startswith("--cell"))
                    + "\n"
                )
                wr = csv.DictWriter(fh, FIELDS)
                if new:
                    wr.writeheader()
                wr.writerow({k: row.get(k, "") for k in FIELDS})
    if client is not None:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
