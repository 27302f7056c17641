"""Where `rmaplab report` spends its time: each part and view, from the library.

For every view of every report part (``rmaplab.report.PARTS``) it times the
frame (the computation) and the rendering (text, CSV and chart files) apart,
in one process, in the report's order, so numba compilation and caches are
charged to the first view that needs them, as in a real run. Then post.txt
and facts.json. Prints a table; ``--json`` prints the rows.

Usage: python benchmarks/bench_report.py [--quick] [--parts design,table]
       [--config wip-v1] [--seed 0] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from rmaplab.config import get_config  # noqa: E402
from rmaplab.report import PARTS  # noqa: E402
from rmaplab.views import Params, view  # noqa: E402


def _render(v, df, params, out: Path) -> None:
    from rmaplab.export import save_chart

    if v.csv_name is not None and len(df.columns):
        v.to_csv(df).to_csv(out / f"{v.csv_name}.csv", index=False)
    text = v.render_text(df, params)
    if text is not None:
        (out / f"{v.name}.txt").write_text(text)
    chart = v.render_chart(df, params)
    if chart is not None:
        save_chart(chart, out / v.name)


def run(quick: bool, parts: list[str] | None, config: str, seed: int) -> list[dict]:
    params = Params(get_config(config), quick, seed)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        out = Path(d)
        for part, names in PARTS:
            if parts and part not in parts:
                continue
            for name in names:
                v = view(name)
                t0 = time.perf_counter()
                df = v.build(params)
                t1 = time.perf_counter()
                _render(v, df, params, out)
                t2 = time.perf_counter()
                rows.append(dict(part=part, view=name, compute_s=t1 - t0, render_s=t2 - t1))
                print(f"  {part}/{name}: {t1 - t0:.1f} + {t2 - t1:.1f} s", file=sys.stderr)
    if parts is None or "extra" in parts:
        rows += _extras()
    return rows


def _extras() -> list[dict]:
    """What the report computes beside the views (post.txt's own facts)."""
    from rmaplab import report

    rows = []
    for name, fn in (
        ("largest_exact_order", report._leo_facts),
        ("rule_evidence", report._rule_evidence),
        ("race", report._race_facts),
    ):
        t0 = time.perf_counter()
        fn()
        rows.append(dict(part="extra", view=name, compute_s=time.perf_counter() - t0, render_s=0.0))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--parts", help="comma-separated report parts (default: all)")
    ap.add_argument("--config", default="wip-v1")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    known = [p for p, _ in PARTS] + ["extra"]
    parts = a.parts.split(",") if a.parts else None
    for p in parts or []:
        if p not in known:
            ap.error(f"--parts: {p!r} is not a report part: allowed {', '.join(known)}")
    t0 = time.perf_counter()
    rows = run(a.quick, parts, a.config, a.seed)
    total = time.perf_counter() - t0
    if a.json:
        print(json.dumps(dict(rows=rows, total_s=total, quick=a.quick), indent=1))
        return 0
    print(f"rmaplab report{' --quick' if a.quick else ''}: seconds per view (wall, one process)")
    print(f"{'part':<11} {'view':<22} {'compute':>8} {'render':>8}")
    by_part: dict = {}
    for r in rows:
        print(f"{r['part']:<11} {r['view']:<22} {r['compute_s']:8.1f} {r['render_s']:8.1f}")
        by_part[r["part"]] = by_part.get(r["part"], 0.0) + r["compute_s"] + r["render_s"]
    print()
    for p, s in by_part.items():
        print(f"{p:<11} {s:8.1f} s")
    print(f"{'total':<11} {total:8.1f} s (imports excluded)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
