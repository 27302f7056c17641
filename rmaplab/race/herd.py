"""Running herd7 (the LKMM's checker) on the generated litmus tests.

herd7 is not on PyPI or in Debian. ``../shared/tools/build-herd7.sh`` (in the
lab's CI checkout) builds herdtools7 7.57 from source and prints ``HERD7=`` and
``LKMM=``; opam users have ``herd7`` already and the LKMM files in the
kernel's ``tools/memory-model``. rmaplab finds herd7 through, in order: the
path given, ``RMAPLAB_HERD7``, ``herd7`` on PATH; and the LKMM folder through
the folder given, ``RMAPLAB_LKMM``, or ``lkmm`` next to herd7's ``bin`` (the
build script's layout).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import ConfigError
from .litmus import LitmusTest, all_tests, sc_outcomes

if TYPE_CHECKING:  # pandas loads where a frame is built: `race --list` needs none
    import pandas as pd

__all__ = [
    "HOW_TO_GET_HERD7",
    "find_herd7",
    "find_lkmm",
    "parse_herd7",
    "run_herd7",
    "run_tests",
    "write_tests",
]

HOW_TO_GET_HERD7 = (
    "herd7 not found: build it with ../shared/tools/build-herd7.sh (prints HERD7= and "
    "LKMM=) or install herdtools7 with opam, then set RMAPLAB_HERD7 (and RMAPLAB_LKMM "
    "to the folder with linux-kernel.cfg) or pass --herd7 PATH"
)


def find_herd7(path: str | None = None) -> str | None:
    """The herd7 executable to use, or None."""
    for cand in (path, os.environ.get("RMAPLAB_HERD7"), shutil.which("herd7")):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return str(Path(cand).resolve())
    return None


def find_lkmm(herd7: str, lkmm: str | None = None) -> str | None:
    """The folder holding ``linux-kernel.cfg`` for ``herd7``, or None."""
    here = Path(herd7).resolve().parent.parent / "lkmm"
    for cand in (lkmm, os.environ.get("RMAPLAB_LKMM"), str(here)):
        if cand and (Path(cand) / "linux-kernel.cfg").is_file():
            return str(Path(cand).resolve())
    return None


_STATE = re.compile(r"(\d+):(r\d+)=(-?\d+);")


def parse_herd7(out: str) -> dict:
    """herd7's answer: ``verdict`` (Always / Sometimes / Never), ``states``
    (a set of reader-register tuples for thread 1), ``positive``/``negative``."""
    obs = re.search(r"^Observation \S+ (Always|Sometimes|Never) (\d+) (\d+)", out, re.M)
    if obs is None:
        raise RuntimeError("herd7 printed no Observation line:\n" + out[-2000:])
    states = set()
    m = re.search(r"^States \d+\n(.*?)^(Ok|No)$", out, re.M | re.S)
    for line in (m.group(1) if m else "").splitlines():
        regs = [(r, int(v)) for th, r, v in _STATE.findall(line) if th == "1"]
        states.add(tuple(sorted(regs)))
    return {
        "verdict": obs.group(1),
        "positive": int(obs.group(2)),
        "negative": int(obs.group(3)),
        "states": states,
    }


def run_herd7(file: str | Path, herd7: str, lkmm: str, timeout: float = 120) -> dict:
    """Run herd7 on one litmus file from the LKMM folder (as its docs say)."""
    cmd = [herd7, "-conf", "linux-kernel.cfg", str(Path(file).resolve())]
    p = subprocess.run(cmd, cwd=lkmm, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"herd7 failed ({p.returncode}): {p.stderr.strip()[-500:]}")
    return parse_herd7(p.stdout)


def write_tests(out: Path) -> list[LitmusTest]:
    """Write every test and its expected verdict (``NAME.expected``: verdict,
    then the one line of why) into ``out``."""
    tests = all_tests()
    out.mkdir(parents=True, exist_ok=True)
    for t in tests:
        (out / f"{t.name}.litmus").write_text(t.text())
        (out / f"{t.name}.expected").write_text(f"{t.expected}\n{t.why}\n")
    return tests


def run_tests(out: Path, herd7: str | None = None, lkmm: str | None = None) -> pd.DataFrame:
    """Write the tests into ``out`` and, given herd7, run each: one row per test
    with ``name, expected, herd7, agree, sc_states_kept, why``.

    ``agree``: herd7's verdict equals the expected one stored beside the test.
    ``sc_states_kept``: every outcome the sequentially consistent interpreter
    reaches is among herd7's states (herd7 may add weak-memory ones, never drop
    an SC one). Without herd7 the two columns are None.
    """
    import pandas as pd

    lk = None
    if herd7 is not None:
        lk = find_lkmm(herd7, lkmm)
        if lk is None:
            raise ConfigError(
                f"lkmm={lkmm!r}: no linux-kernel.cfg there, in RMAPLAB_LKMM or beside "
                f"{herd7}: allowed a folder holding the LKMM files"
            )
    rows = []
    for t in write_tests(out):
        row: dict = {"name": t.name, "expected": t.expected, "herd7": None, "agree": None}
        row["sc_states_kept"] = None
        row["states"] = None
        if herd7 is not None and lk is not None:
            got = run_herd7(out / f"{t.name}.litmus", herd7, lk)
            sc, _hit = sc_outcomes(t)
            row["herd7"] = got["verdict"]
            row["agree"] = got["verdict"] == t.expected
            row["sc_states_kept"] = sc <= got["states"]
            row["states"] = len(got["states"])
        row["why"] = t.why
        rows.append(row)
    return pd.DataFrame(rows)
