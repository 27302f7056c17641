"""The benchmarks run (small sizes) and their sides agree; no timing is asserted."""

import json
import subprocess
import sys

from paths import ROOT


def _run(*argv):
    return subprocess.run(
        [sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_bench_replay_runs_and_sides_agree():
    p = _run(
        "benchmarks/bench_replay.py",
        "--ops",
        "20000",
        "--folios",
        "64",
        "--python-ops",
        "2000",
        "--repeat",
        "1",
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert "results identical: numba=C True, numba=Python True" in p.stdout


def test_bench_verify_runs_and_sides_agree():
    p = _run("benchmarks/bench_verify.py")
    assert p.returncode == 0, p.stdout + p.stderr
    # one row per exhaustive case; its last column says numba, C (and Python) agree
    rows = [line.split() for line in p.stdout.splitlines() if line.startswith("K=")]
    assert [r[0] for r in rows] == ["K=2,", "K=2,", "K=1,", "K=2,"], p.stdout
    assert all(r[-1] == "True" for r in rows), p.stdout
    assert "numba" in p.stdout and "faster" in p.stdout  # the Python twin ran too
    sweep = [line.split() for line in p.stdout.splitlines() if line.startswith("  wip-v1")]
    assert [r[0] for r in sweep] == ["wip-v1", "wip-v1-32bit"] and all(r[-1] == "s" for r in sweep)


def test_bench_compare_runs_and_sides_agree():
    p = _run("benchmarks/bench_compare.py", "--folios", "32", "--python-ops", "500", "--json")
    assert p.returncode == 0, p.stdout + p.stderr
    r = json.loads(p.stdout)
    # numba = C on every workload, and the cost replay's numba = its Python twin
    assert [x["workload"] for x in r["rows"]] == ["munmap", "cow", "zygote"], p.stdout
    assert all(x["identical"] is True for x in r["rows"]), p.stdout
    assert [x["workload"] for x in r["cost_rows"]] == ["double-fork", "preload-server"]
    assert all(x["identical"] is True and x["ops"] > 0 for x in r["cost_rows"]), p.stdout


def test_bench_collide_runs_and_sides_agree():
    p = _run(
        "benchmarks/bench_collide.py", "--trials", "20000", "--python-trials", "2000", "--json"
    )
    assert p.returncode == 0, p.stdout + p.stderr
    rows = json.loads(p.stdout)["rows"]
    # numba = C = the Python twin on the same seeds, for every case, the posted one included
    fams = [x["case"].split(",")[0] for x in rows]
    assert fams == ["posted", "raw-id", "hash64", "table", "moments"], rows
    assert all(x["identical"] is True and x["trials"] == 20000 for x in rows), rows


def test_bench_race_runs_and_sides_agree():
    for scenario, protocol in (("3mm-2w", "seqcount"), ("3mm-own-go", "mm-owner")):
        p = _run(
            "benchmarks/bench_race.py",
            "--scenario",
            scenario,
            "--protocol",
            protocol,
            "--repeat",
            "1",
        )
        assert p.returncode == 0, p.stdout + p.stderr
        assert "agree: numba=C True" in p.stdout and "numba=Python True" in p.stdout
        assert "min s" in p.stdout and "numba / C rate" in p.stdout
