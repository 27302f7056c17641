"""``rmaplab bench-atomics``: the update path for K = 1..8 values, measured here.

Compiles ``csrc/atomics.c`` with the system C compiler (``cc -O2``) at run
time, then times, for each K and thread count, the atomic path (seqcount +
mapcount + one atomic add per value) and the exclusive-writer path (plain
stores). Results are ns per update and ratios against K = 3.
"""

from __future__ import annotations

import ctypes
import os
import platform
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ._data import c_source
from .config import ConfigError

__all__ = ["bench_atomics", "compiler", "machine_info", "parse_range"]

SOURCE = "atomics.c"  # in rmaplab/csrc/, read through importlib.resources
#: Updates per thread per run: below, timer noise dominates; above, one
#: uninterruptible C call runs for seconds.
MIN_ITERS = 1000
MAX_ITERS = 100_000_000


def compiler() -> str:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        raise ConfigError(
            "no C compiler found (looked for $CC, cc, gcc, clang): bench-atomics compiles "
            "its C loop at run time; install one, e.g. apt-get install gcc"
        )
    return cc


@lru_cache(maxsize=1)
def _lib():
    cc = compiler()
    out = Path(tempfile.mkdtemp(prefix="rmaplab-atomics-")) / "atomics.so"
    with c_source(SOURCE) as src:
        proc = subprocess.run(
            [cc, "-O2", "-shared", "-fPIC", "-pthread", "-o", str(out), str(src)],
            capture_output=True,
            text=True,
        )
    if proc.returncode:
        raise ConfigError(f"compiling {SOURCE} with {cc} failed:\n{proc.stderr}")
    lib = ctypes.CDLL(str(out))
    lib.bench.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int]
    lib.bench.restype = ctypes.c_double
    return lib


def machine_info() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cc = compiler()
    ver = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout.splitlines()
    return {
        "cpu": model or platform.processor(),
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "cc": ver[0] if ver else cc,
    }


def parse_range(text: str, name: str, lo: int, hi: int) -> list[int]:
    """'1-8' or '1,2,4' -> list of ints, each checked to lie in [lo, hi]."""
    out = []
    try:
        for part in str(text).split(","):
            if "-" in part:
                a, b = part.split("-", 1)
                out += list(range(int(a), int(b) + 1))
            else:
                out.append(int(part))
    except ValueError:
        raise ConfigError(
            f"{name}={text!r} is not a list or range of integers, e.g. 1-8 or 1,2"
        ) from None
    bad = [v for v in out if not lo <= v <= hi]
    if bad or not out:
        raise ConfigError(f"{name}={text!r} is out of range: allowed {lo}..{hi}")
    return out


def bench_atomics(
    nr_values=range(1, 9),
    threads=(1, 2),
    iters: int = 2_000_000,
    repeat: int = 3,
    progress: bool = False,
) -> pd.DataFrame:
    """ns per update for each K, thread count and path (atomic / plain).

    Best of ``repeat`` runs. ``ratio_vs_k3`` divides by the K = 3 figure of
    the same path and thread count (NaN when K = 3 was not measured).
    """
    nr_values = [int(v) for v in nr_values]
    threads = [int(t) for t in threads]
    for v in nr_values:
        if not 1 <= v <= 8:
            raise ConfigError(f"nr_values={v} is out of range: allowed 1..8")
    for t in threads:
        if not 1 <= t <= 8:
            raise ConfigError(f"threads={t} is out of range: allowed 1..8")
    if not MIN_ITERS <= iters <= MAX_ITERS:
        # one C call runs iters updates and cannot be interrupted: bound it up front
        raise ConfigError(
            f"iters={iters} is out of range: allowed [{MIN_ITERS}, {MAX_ITERS}] "
            f"(1e8 updates take about 1-5 s per case, {len(nr_values) * len(threads) * 2} "
            f"cases x {repeat} runs here)"
        )
    lib = _lib()
    jobs = [(k, t, p) for t in threads for p in ("atomic", "plain") for k in nr_values]
    if progress:
        from tqdm.auto import tqdm

        jobs = tqdm(jobs, desc="bench-atomics", unit="case")
    rows = []
    for k, t, path in jobs:
        ns = min(lib.bench(k, t, iters, path == "plain") for _ in range(repeat))
        rows.append({"values": k, "threads": t, "path": path, "ns_per_update": ns})
    df = pd.DataFrame(rows)
    base = df[df["values"] == 3].set_index(["threads", "path"])["ns_per_update"]
    df["ratio_vs_k3"] = [
        r.ns_per_update / base.get((r.threads, r.path), float("nan")) for r in df.itertuples()
    ]
    return df
