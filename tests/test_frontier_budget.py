"""Budgets that never change a published number: table-frontier's searches
stop at node and table budgets, so its JSON is the same on a busy machine;
the wall-clock limits are safety stops that say so when they fire."""

from __future__ import annotations

import subprocess
import sys

import pytest
from paths import ROOT

from rmaplab.frontier_tables import frontier_table

HOG = "import time\nt = time.time()\nwhile time.time() - t < 300:\n    pass\n"


def _table_frontier(*args: str) -> str:
    p = subprocess.run(
        [sys.executable, "-m", "rmaplab", "table-frontier", *args, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr
    return p.stdout


@pytest.mark.jit_heavy  # table-frontier at JIT sizes: minutes as Python
@pytest.mark.parametrize(
    "args",
    [
        ("--slice-bits", "3", "--word-bits", "10"),  # the search completes
        ("--slice-bits", "3", "--word-bits", "10", "--max-nodes", "50"),  # then climbs
    ],
)
def test_table_frontier_json_is_the_same_beside_a_cpu_hog(args):
    quiet = _table_frontier(*args)
    hog = subprocess.Popen([sys.executable, "-c", HOG])
    try:
        busy = _table_frontier(*args)
    finally:
        hog.kill()
        hog.wait()
    assert busy == quiet
    assert "undecided" not in quiet


@pytest.mark.jit_heavy
def test_a_time_stop_says_so():
    df = frontier_table(bits_list=(3,), words=(12,), search_seconds=0.0, climb_tables=5)
    status = df.iloc[0]["best_table_status"]
    assert (
        status == f"undecided: stopped by the time limit after {df.iloc[0]['search_nodes']} nodes"
    )
    df = frontier_table(bits_list=(3,), words=(10,), max_nodes=5, seconds=0.0)
    assert df.iloc[0]["best_table_status"] == "undecided: stopped by the time limit after 5 nodes"
