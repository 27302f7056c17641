"""Compile a C file of benchmarks/c/ with the system ``cc -O2`` at run time."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def compile_c(name: str, flags=("-O2",)) -> ctypes.CDLL:
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        raise RuntimeError(
            "no C compiler found: install one (Debian: apt-get install gcc) to run the C side"
        )
    out = Path(tempfile.mkdtemp(prefix="rmaplab-bench-")) / f"{name}.so"
    cmd = [cc, *flags, "-shared", "-fPIC", "-o", str(out), str(HERE / "c" / f"{name}.c")]
    subprocess.run(cmd, check=True)
    return ctypes.CDLL(str(out))


def cc_version() -> str:
    cc = shutil.which("cc") or "cc"
    return subprocess.run([cc, "--version"], capture_output=True, text=True).stdout.splitlines()[0]


def bench_main(doc: str, options, run, report, argv=None) -> int:
    """The benchmarks' shared command line: ``options`` are (flag, default)
    pairs passed to ``run`` in order; ``--json`` prints the raw result. Exits
    non-zero when the sides disagree (rows with ``identical`` False)."""
    import argparse
    import json

    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    for flag, default in options:
        ap.add_argument(flag, type=type(default), default=default)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    r = run(*(getattr(a, flag.lstrip("-").replace("-", "_")) for flag, _ in options))
    print(json.dumps(r, indent=1) if a.json else report(r))
    rows = r.get("rows") or r.get("exhaustive") or []
    return 0 if all(x["identical"] for x in rows) else 1


def best_time(fn, repeat: int = 3):
    """(best wall time in seconds over ``repeat`` calls, the last call's result)."""
    import time

    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def machine() -> dict:
    """Where a benchmark ran: architecture, Python and C compiler."""
    import platform

    return {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "python": platform.python_version(),
        "cc": cc_version(),
    }


def header(r: dict) -> str:
    return f"{r['machine']}, Python {r['python']}, {r['cc']}"[:72]


def spread_lines(r: dict, unit: str, rates: dict, python_s: float, w: int = 10, prec: int = 6):
    """The timing table of an interleaved numba/C run (``r["seconds_spread"]``,
    ``r["repeat"]``) with the Python twin's one run: min, median and max
    seconds per side, and each side's rate (``rates``, in ``unit``)."""
    rw = len(unit) + 4
    lines = [
        f"thread CPU time, {r['repeat']} interleaved repeats (numba, C, numba, C, ...)",
        "",
        f"{'side':<8}{'min s':>{w}}{'median s':>10}{'max s':>{w}}{unit:>{rw}}",
    ]
    for side in ("numba", "c"):
        t = r["seconds_spread"][side]
        lines.append(
            f"{side:<8}{t['min']:>{w}.{prec}f}{t['median']:>10.{prec}f}{t['max']:>{w}.{prec}f}"
            f"{rates[side]:>{rw}.3e}"
        )
    lines.append(f"{'python':<8}{python_s:>{w}.{prec}f}{'':>{10 + w}}{rates['python']:>{rw}.3e}")
    return lines
