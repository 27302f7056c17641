"""benchmarks/bench_report.py runs and reports every view of the parts asked
(a benchmark, not a timed test: only its shape is checked)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from rmaplab.report import PARTS

ROOT = Path(__file__).resolve().parent.parent


def test_bench_report_times_every_view_of_the_parts_asked(capsys):
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
    assert all(r["compute_cpu_s"] >= 0 and r["render_cpu_s"] >= 0 for r in rows)
    # a saved run prints beside the next one, per part (the printer, in-process)
    import importlib.util

    path = ROOT / "benchmarks" / "bench_report.py"
    spec = importlib.util.spec_from_file_location("bench_report", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    res = json.loads(p.stdout)
    mod._print(res, res)
    out = capsys.readouterr().out
    assert "before wall" in out
    n = len(dict(PARTS)["verify"])
    assert sum(ln.startswith("verify ") for ln in out.splitlines()) == n + 1
    bad = subprocess.run(
        [sys.executable, "benchmarks/bench_report.py", "--parts", "nope"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "not a report part" in bad.stderr
