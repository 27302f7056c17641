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
