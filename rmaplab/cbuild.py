"""Build the lab's C sources (``rmaplab/csrc/``) with the system compiler.

One helper for every C library the lab compiles at run time
(``bench-atomics``, ``bench-microbench``, ``race-stress``): find the
compiler, compile ``-O2 -shared -fPIC -pthread``, load the result with
ctypes, and describe the machine the numbers come from.

Several sources can form one translation unit: they are concatenated in the
order given (``designs.c`` first, then a file that uses its inline
functions), so the per-design update paths inline into every loop that calls
them, and no header has to ship beside the sources.
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

from ._data import c_source
from .config import ConfigError

__all__ = ["build", "compiler", "machine_info"]


def compiler() -> str:
    """``$CC``, else the first of cc, gcc, clang on the path."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        raise ConfigError(
            "no C compiler found (looked for $CC, cc, gcc, clang): the C benchmarks compile "
            "at run time; install one, e.g. apt-get install gcc"
        )
    return cc


@lru_cache(maxsize=8)
def build(sources: tuple[str, ...], name: str, std: str = "") -> ctypes.CDLL:
    """Compile ``sources`` (files of ``rmaplab/csrc/``, one translation unit
    in that order) into ``name.so`` in a fresh temporary folder and load it.
    Built once per process and set of sources."""
    cc = compiler()
    tmp = Path(tempfile.mkdtemp(prefix=f"rmaplab-{name}-"))
    if len(sources) == 1:
        with c_source(sources[0]) as src:
            return _compile(cc, src, tmp / f"{name}.so", std, sources)
    unit = tmp / f"{name}.c"
    parts = []
    for s in sources:
        with c_source(s) as src:
            parts.append(f'#line 1 "{s}"\n' + src.read_text())
    unit.write_text("\n".join(parts))
    return _compile(cc, unit, tmp / f"{name}.so", std, sources)


def _compile(cc: str, src: Path, out: Path, std: str, sources) -> ctypes.CDLL:
    flags = [f"-std={std}"] if std else []
    proc = subprocess.run(
        [cc, *flags, "-O2", "-shared", "-fPIC", "-pthread", "-o", str(out), str(src)],
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise ConfigError(f"compiling {'+'.join(sources)} with {cc} failed:\n{proc.stderr}")
    return ctypes.CDLL(str(out))


def machine_info() -> dict:
    """CPU, architecture, cores, compiler and the 1-minute load average."""
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
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return {
        "cpu": model or platform.processor(),
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "cc": ver[0] if ver else cc,
        "loadavg_1min": round(load, 2),
    }
