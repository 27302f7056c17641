"""benchmarks/bench_report.py runs and reports every view of the parts asked
(a benchmark, not a timed test: only its shape is checked)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from rmaplab.report import PARTS

ROOT = Path(__file__).resolve().parent.parent


def test_bench_report_times_every_view_of_the_parts_asked():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run(
        [sys.executable, "benchmarks/bench_report.py", "--quick", "--parts", "table,verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "table" in p.stdout and "total" in p.stdout
    p = subprocess.run(
        [sys.executable, "benchmarks/bench_report.py", "--quick", "--parts", "verify", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = json.loads(p.stdout)["rows"]
    assert [r["view"] for r in rows] == dict(PARTS)["verify"]
    assert all(r["compute_s"] >= 0 and r["render_s"] >= 0 for r in rows)
    bad = subprocess.run(
        [sys.executable, "benchmarks/bench_report.py", "--parts", "nope"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "not a report part" in bad.stderr
