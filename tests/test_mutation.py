"""CI's share of the mutation run: the hand-listed mutants of `tools/mutation.py
--quick` (one per kind of gap found by the first probe) must each be killed."""

import subprocess
import sys

import pytest
from paths import ROOT


@pytest.mark.slow
def test_hand_listed_mutants_are_killed():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "mutation.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    lines = [x for x in out.splitlines() if x.startswith("[")]
    assert len(lines) >= 8 and all(" killed " in x for x in lines), out
    assert "survived: 0" in out and "error: 0" in out, out
