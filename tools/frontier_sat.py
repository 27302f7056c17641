"""Third method for the tiny frontier cells M(B, W): the SAT formulation of
rmaplab.onevalue.sat (CaDiCaL through python-sat), with a conflict budget
per width. Appends one row per question to --out, each preceded by the
command that regenerates it.

    PYTHONPATH=$PWD nice -n 19 python tools/frontier_sat.py \\
        --cell 3,8,5 --cell 3,8,6 --out rmaplab/data/table_frontier_sat.csv

``--cell B,W,G`` asks "is M(B, W) > G?": found (a witness, M >= G + 1),
none (M <= G, every width W..B unsatisfiable) or undecided (budget).
"""

from __future__ import annotations

import argparse
import csv
import platform
import sys
from pathlib import Path

from rmaplab.onevalue.sat import sat_decide
from rmaplab.onevalue.search2 import fewest_others

FIELDS = [
    "slice_bits",
    "word_bits",
    "g",
    "answer",
    "lower",
    "upper",
    "conflicts",
    "clauses",
    "seconds",
    "witness",
    "witness_fewest_others",
]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", action="append", required=True, help="B,W,G")
    ap.add_argument("--conflicts", type=int, default=10**6, help="per width")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    for cell in args.cell:
        b, w, g = (int(x) for x in cell.split(","))
        r = sat_decide(b, w, g, conflicts=args.conflicts)
        wit = r["table"]
        row = {
            "slice_bits": b,
            "word_bits": w,
            "g": g,
            "answer": r["answer"],
            "lower": g + 1 if r["answer"] == "found" else "",
            "upper": g if r["answer"] == "none" else "",
            "conflicts": sum(x["conflicts"] for x in r["runs"]),
            "clauses": max(x["clauses"] for x in r["runs"]),
            "seconds": round(sum(x["seconds"] for x in r["runs"]), 1),
            "witness": " ".join(str(v) for v in wit) if wit else "",
            # checked independently: plain BFS on Python ints
            "witness_fewest_others": fewest_others(wit, r["width"], 1 << w) if wit else "",
        }
        print(row, flush=True)
        if args.out:
            new = not Path(args.out).exists()
            with open(args.out, "a", newline="") as fh:
                if new:
                    fh.write(
                        f"# machine: {platform.machine()}, 2 cores shared with other jobs "
                        "(seconds indicative only)\n# third method for M(B, W): "
                        "rmaplab/onevalue/sat.py (SAT, CaDiCaL 1.5.3 via python-sat)\n"
                    )
                fh.write(
                    f"# python tools/frontier_sat.py --cell {cell} --conflicts "
                    f"{args.conflicts} --out {args.out}\n"
                )
                wr = csv.DictWriter(fh, FIELDS)
                if new:
                    wr.writeheader()
                wr.writerow(row)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
