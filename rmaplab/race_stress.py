"""``rmaplab race-stress``: real threads on one folio, with and without the seqcount.

Compiles ``csrc/race_stress.c`` with the system C compiler (the compiler
helper of :mod:`rmaplab.atomics`) at run time. mm X and mm B map one page each
for the whole run; each writer thread maps a page for mm C and unmaps it,
over and over; one reader thread runs ``__folio_large_mapped_shared`` for mm
X. The ids are those of the model's scenarios (K = 1: ``3mm-1w``, ids 3, 1,
2; K = 2: ``k2-3mm-2w``, ids 4099, 1, 4098; K = 3: ids 65793, 1, 65792), so
``sub-ID(B) + sub-ID(C) == sub-ID(X)`` in every value: a torn read of the
mapcount before C's map and the values after it looks exactly like "mm X maps
2 pages". mm B maps a page at every moment, so every "exclusive" answer is a
false exclusive; this test cannot see a false shared (the truth is "shared"
throughout).
"""

from __future__ import annotations

import ctypes
import subprocess
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ._data import c_source
from .atomics import compiler
from .config import DEFAULT_CONFIG, ConfigError
from .subid import mm_subids

__all__ = ["STRESS_MODES", "STRESS_SETUPS", "stress"]

SOURCE = "race_stress.c"  # in rmaplab/csrc/, read through importlib.resources

#: Protocol name -> the C program's mode number (see race_stress.c).
STRESS_MODES = {"none": 0, "seqcount": 1, "no-wait": 2, "no-excl-wait": 3, "early-end": 4}

#: K -> (order, mm X, mm B, mm C) with subid(B) + subid(C) == subid(X).
STRESS_SETUPS = {1: (2, 3, 1, 2), 2: (4, 4099, 1, 4098), 3: (6, 65793, 1, 65792)}


@lru_cache(maxsize=1)
def _lib():
    cc = compiler()
    out = Path(tempfile.mkdtemp(prefix="rmaplab-race-")) / "race_stress.so"
    with c_source(SOURCE) as src:
        proc = subprocess.run(
            [cc, "-std=c11", "-O2", "-shared", "-fPIC", "-pthread", "-o", str(out), str(src)],
            capture_output=True,
            text=True,
        )
    if proc.returncode:
        raise ConfigError(f"compiling {SOURCE} with {cc} failed:\n{proc.stderr}")
    lib = ctypes.CDLL(str(out))
    u64p = ctypes.POINTER(ctypes.c_uint64)
    lib.stress.argtypes = [
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int64,
        u64p,
        u64p,
        u64p,
        ctypes.c_double,
        ctypes.POINTER(ctypes.c_int64),
    ]
    lib.stress.restype = ctypes.c_int
    return lib


def stress(
    protocols: Iterable[str] = ("seqcount", "none"),
    seconds: float = 1.0,
    writers: int = 1,
    values: int = 1,
    exclusive: bool = True,
    progress: bool = False,
) -> pd.DataFrame:
    """One run of ``seconds`` per protocol; one row each.

    Columns: protocol, values, writers, seconds, checks, false_exclusive,
    retries, spins, writer_ops, excl_ops, lost_mapcount (final mapcount minus
    the start: every map was undone, so non-zero means a lost update),
    values_off (rmap values not back at the start) and per-second rates.
    """
    protocols = list(protocols)
    for p in protocols:
        if p not in STRESS_MODES:
            raise ConfigError(f"protocol={p!r} is unknown: allowed {', '.join(STRESS_MODES)}")
    if not isinstance(seconds, int | float) or not 0.01 <= seconds <= 600:
        raise ConfigError(f"seconds={seconds!r} is out of range: allowed 0.01..600")
    if isinstance(writers, bool) or not isinstance(writers, int) or not 1 <= writers <= 4:
        raise ConfigError(f"writers={writers!r} is out of range: allowed 1..4")
    if values not in STRESS_SETUPS:
        raise ConfigError(f"values={values!r} is out of range: allowed 1..3")
    order, x, b, c = STRESS_SETUPS[values]
    cfg = DEFAULT_CONFIG
    sx, sb, sc = (mm_subids(cfg, order, m) for m in (x, b, c))
    arr = ctypes.c_uint64 * values
    lib = _lib()
    rows = []
    jobs = protocols
    if progress:
        from tqdm.auto import tqdm

        jobs = tqdm(protocols, desc=f"race-stress {seconds:g} s each", unit="protocol")
    for p in jobs:
        out = (ctypes.c_int64 * 9)()
        rc = lib.stress(
            STRESS_MODES[p],
            values,
            writers,
            int(bool(exclusive)),
            1 << order,
            arr(*sx),
            arr(*sb),
            arr(*sc),
            float(seconds),
            out,
        )
        if rc:
            raise ConfigError(f"race_stress rejected its arguments (rc={rc})")
        secs = out[6] / 1e9
        rows.append(
            {
                "protocol": p,
                "values": values,
                "writers": writers,
                "seconds": round(secs, 3),
                "checks": out[0],
                "false_exclusive": out[1],
                "retries": out[2],
                "spins": out[3],
                "writer_ops": out[4],
                "excl_ops": out[5],
                "lost_mapcount": out[7],
                "values_off": out[8],
                "checks_per_s": out[0] / secs,
                "false_exclusive_per_s": out[1] / secs,
                "retries_per_s": out[2] / secs,
            }
        )
    return pd.DataFrame(rows)
