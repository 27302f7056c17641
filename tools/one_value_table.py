"""Regenerate rmaplab/data/one_value_table.csv: the answers of
``rmaplab one-value`` (rmaplab.onevalue.summary.one_value) for the widths,
orders and mapcount bits the table covers (summary.TABLE_*), so the
command answers in seconds (one_value with mapcount bits takes up to a
minute per row on this machine).

    PYTHONPATH=$PWD nice -n 10 python tools/one_value_table.py \\
        --out rmaplab/data/one_value_table.csv
"""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd
from tqdm.auto import tqdm

from rmaplab.onevalue import summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    cells = summary.table_cells()
    t0 = time.time()
    bar = tqdm(cells, desc="one-value", unit="row", miniters=1)
    rows = [summary.table_row(w, o, m) for w, o, m in bar]
    with open(args.out, "w") as fh:
        fh.write("# rmaplab.onevalue.summary.one_value for every row (issue 20)\n")
        fh.write("# regenerate: PYTHONPATH=$PWD nice -n 10 python tools/one_value_table.py")
        fh.write(f" --out {args.out}\n")
        fh.write(f"# {len(rows)} rows in {time.time() - t0:.0f} s on a shared 2-core machine\n")
        pd.DataFrame(rows).to_csv(fh, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
