"""Regenerate rmaplab/data/table_frontier_linear.csv: per (slice bits B, word
bits W), the best linear weights, the best digit base and the packed moments
table (``rmaplab.frontier_tables.linear_columns``), which
``frontier_table(precomputed=True)`` reads instead of recomputing.

    python tools/frontier_linear.py rmaplab/data/table_frontier_linear.csv \\
        --slice-bits 2,3,4 --word-bits 8,10,12,14,16
"""

from __future__ import annotations

import argparse

from rmaplab.frontier_tables import write_linear_data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--slice-bits", default="2,3,4")
    ap.add_argument("--word-bits", default="8,10,12,14,16")
    a = ap.parse_args()
    write_linear_data(
        a.path,
        tuple(int(x) for x in a.slice_bits.split(",")),
        tuple(int(x) for x in a.word_bits.split(",")),
    )


if __name__ == "__main__":
    main()
