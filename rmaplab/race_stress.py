"""``rmaplab race-stress``: real threads on one folio, with and without the seqcount.

Compiles ``csrc/race_stress.c`` with the system C compiler (the compiler
helper :mod:`rmaplab.cbuild`) at run time. mm X and mm B map one page each
for the whole run; each writer thread maps a page for mm C and unmaps it,
over and over; one reader thread runs ``__folio_large_mapped_shared`` for mm
X. The ids are those of the model's scenarios (K = 1: ``3mm-1w``, ids 3, 1,
2; K = 2: ``k2-3mm-2w``, ids 4099, 1, 4098; K = 3: ids 65793, 1, 65792), so
``sub-ID(B) + sub-ID(C) == sub-ID(X)`` in every value: a torn read of the
mapcount before C's map and the values after it looks exactly like "mm X maps
2 pages". mm B maps a page at every moment, so every "exclusive" answer is a
false exclusive; this test cannot see a false shared (the truth is "shared"
throughout).

What the counts mean depends on whether the threads ran at the same time
(issue 17): they are pinned to different CPUs where the machine has them,
each row carries the overlap measured (``cpu_share``, ``overlap_s``,
``change_share``), and torn answers are split into ``torn_frozen`` (a writer
stopped mid-update, the same torn words re-read: a preempted writer, which
the kernel forbids by running these paths with preemption off) and
``torn_moving`` (the words changed under the reader). Where no real overlap
happened, :func:`stress_text` says so instead of printing rates.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable
from functools import lru_cache

import pandas as pd

from .cbuild import build
from .config import DEFAULT_CONFIG, ConfigError
from .subid import mm_subids

__all__ = [
    "PINS",
    "STRESS_MODES",
    "STRESS_SETUPS",
    "classify",
    "parse_protocols",
    "stress",
    "stress_text",
]

SOURCE = "race_stress.c"  # in rmaplab/csrc/, read through importlib.resources

#: Protocol name -> the C program's mode number (see race_stress.c).
STRESS_MODES = {"none": 0, "seqcount": 1, "no-wait": 2, "no-excl-wait": 3, "early-end": 4}

#: K -> (order, mm X, mm B, mm C) with subid(B) + subid(C) == subid(X).
STRESS_SETUPS = {1: (2, 3, 1, 2), 2: (4, 4099, 1, 4098), 3: (6, 65793, 1, 65792)}

#: Thread placement -> the C program's pin number: each thread on its own CPU
#: where there are enough (else the reader apart from the writers); all on one
#: CPU (the control: the threads can only take turns); the scheduler's choice.
PINS = {"spread": 1, "one": 2, "none": 0}

#: How the threads ended up (the C program's placement code).
PLACEMENT = {
    0: "not pinned",
    1: "each thread on its own CPU",
    2: "all threads on one CPU",
    3: "the reader on its own CPU, the writers sharing the rest",
}

#: The overlap below which a run counts as "no real overlap": the reader ran at
#: the same time as a writer for less than this share of the wall time (a lower
#: bound, from CPU times: reader + busiest writer - wall).
MIN_OVERLAP = 0.1

#: A torn answer is "frozen" when no writer finished an update and the words
#: stayed the same this long after the read (race_stress.c FROZEN_NS).
FROZEN_US = 10

_OUT = 21  # int64 results of stress() in race_stress.c


@lru_cache(maxsize=1)
def _lib():
    lib = build((SOURCE,), "race_stress", std="c11")
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
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int64),
    ]
    lib.stress.restype = ctypes.c_int
    lib.rs_classify.argtypes = [
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int64,
        u64p,
        u64p,
        u64p,
        ctypes.c_int64,
        u64p,
    ]
    lib.rs_classify.restype = ctypes.c_int
    return lib


def _subids(values: int) -> tuple[int, list[list[int]]]:
    order, x, b, c = STRESS_SETUPS[values]
    return order, [mm_subids(DEFAULT_CONFIG, order, m) for m in (x, b, c)]


def classify(values: int, writers: int, mapcount: int, words: list[int]) -> tuple[bool, bool]:
    """The C reader's verdict on one snapshot, without threads: (answers shared, torn).

    Torn: the mapcount and rmap values of no state the folio can be in
    (``2 + m`` pages, values ``X + B + m C``, ``0 <= m <= writers``). For the
    tests, which compare it with a model on Python ints.
    """
    if values not in STRESS_SETUPS or len(words) != values:
        raise ConfigError(f"values={values!r} is out of range: allowed 1..3, one word each")
    order, (sx, sb, sc) = _subids(values)
    arr = ctypes.c_uint64 * values
    rc = _lib().rs_classify(
        values, writers, 1 << order, arr(*sx), arr(*sb), arr(*sc), mapcount, arr(*words)
    )
    if rc < 0:
        raise ConfigError(f"writers={writers!r} is out of range: allowed 1..4")
    return bool(rc & 1), bool(rc & 2)


def parse_protocols(text: str) -> list[str]:
    """``--protocols``: comma-separated names, at least one, each known."""
    prs = [p.strip() for p in str(text).split(",") if p.strip()]
    for p in prs:
        if p not in STRESS_MODES:
            raise ConfigError(f"protocols={p!r} is unknown: allowed {', '.join(STRESS_MODES)}")
    if not prs:
        raise ConfigError(
            f"protocols={text!r} names no protocol: allowed a comma-separated list of "
            f"{', '.join(STRESS_MODES)}"
        )
    return list(dict.fromkeys(prs))


def stress(
    protocols: Iterable[str] = ("seqcount", "none"),
    seconds: float = 1.0,
    writers: int = 1,
    values: int = 1,
    exclusive: bool = True,
    progress: bool = False,
    pin: str = "spread",
) -> pd.DataFrame:
    """One run of ``seconds`` per protocol; one row each.

    Columns: protocol, values, writers, seconds, checks, false_exclusive,
    retries, spins, writer_ops, excl_ops, lost_mapcount (final mapcount minus
    the start: every map was undone, so non-zero means a lost update),
    values_off (rmap values not back at the start) and per-second rates.

    Overlap (issue 17): ``torn`` answers (words of no folio state) split into
    ``torn_frozen`` and ``torn_moving``, the false exclusives likewise
    (``false_exclusive_frozen``, ``false_exclusive_moving``); ``torn_caught``
    torn reads the seqcount retried; ``value_changes`` checks whose words
    differ from the previous check's (``change_share`` of the checks);
    ``reader_cpu_s``, ``writer_cpu_s`` (all writers), ``cpu_share`` (CPU time
    of all threads / (wall x threads)), ``overlap_s`` (at least this long the
    reader ran while a writer did: reader + busiest writer CPU time - wall),
    ``overlap`` (``overlap_s`` at least :data:`MIN_OVERLAP` of the wall time),
    ``cpus`` (allowed), ``pin`` and ``placement`` (how the threads ended up).
    """
    protocols = list(protocols)
    if not protocols:
        raise ConfigError(f"protocols=[] names no protocol: allowed {', '.join(STRESS_MODES)}")
    for p in protocols:
        if p not in STRESS_MODES:
            raise ConfigError(f"protocol={p!r} is unknown: allowed {', '.join(STRESS_MODES)}")
    if pin not in PINS:
        raise ConfigError(f"pin={pin!r} is unknown: allowed {', '.join(PINS)}")
    if not isinstance(seconds, int | float) or not 0.01 <= seconds <= 600:
        raise ConfigError(f"seconds={seconds!r} is out of range: allowed 0.01..600")
    if isinstance(writers, bool) or not isinstance(writers, int) or not 1 <= writers <= 4:
        raise ConfigError(f"writers={writers!r} is out of range: allowed 1..4")
    if values not in STRESS_SETUPS:
        raise ConfigError(f"values={values!r} is out of range: allowed 1..3")
    order, (sx, sb, sc) = _subids(values)
    arr = ctypes.c_uint64 * values
    lib = _lib()
    rows = []
    jobs = protocols
    if progress:
        from tqdm.auto import tqdm

        jobs = tqdm(protocols, desc=f"race-stress {seconds:g} s each", unit="protocol")
    for p in jobs:
        out = (ctypes.c_int64 * _OUT)()
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
            PINS[pin],
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
                "torn": out[9],
                "torn_frozen": out[10],
                "torn_moving": out[11],
                "false_exclusive_frozen": out[12],
                "false_exclusive_moving": out[13],
                "torn_caught": out[14],
                "value_changes": out[15],
                "change_share": out[15] / out[0] if out[0] else 0.0,
                "reader_cpu_s": round(out[16] / 1e9, 4),
                "writer_cpu_s": round(out[17] / 1e9, 4),
                "cpu_share": round((out[16] + out[17]) / 1e9 / (secs * (writers + 1)), 4),
                "overlap_s": round(max(0, out[16] + out[18] - out[6]) / 1e9, 4),
                "overlap": bool(out[16] + out[18] - out[6] >= MIN_OVERLAP * out[6]),
                "torn_moving_per_s": out[11] / secs,
                "false_exclusive_moving_per_s": out[13] / secs,
                "cpus": out[19],
                "pin": pin,
                "placement": PLACEMENT[out[20]],
            }
        )
    return pd.DataFrame(rows)


def _g(v: float) -> str:
    return f"{v:.3g}"


def _pct(v: float) -> str:
    return f"{100 * v:.2g}%" if v < 0.1 else f"{100 * v:.0f}%"


def stress_text(df: pd.DataFrame, info: dict, seconds: float, values: int, writers: int) -> str:
    """The plain-text report of :func:`stress` rows (72 columns, for mail).

    Rates are printed only for runs whose threads really overlapped; torn
    reads of a frozen writer are never called parallel races.
    """
    from .export import text_table, wrap

    out = [
        wrap(f"{info['cpu']} ({info['arch']}, {info['cores']} cores), {info['cc']} -O2"),
        wrap(
            f"{writers} writer thread(s) map and unmap a page for mm C; one "
            "reader checks mm X; mm B maps a page throughout, so every "
            "'exclusive' is a false exclusive. K = "
            f"{values}, {seconds:g} s per protocol."
        ),
    ]
    first = df.iloc[0]
    out.append(
        wrap(
            f"threads: {first['placement']} ({first['cpus']} CPU(s) allowed, "
            f"pin {first['pin']}; load {info.get('loadavg_1min', '?')})."
        )
    )
    out.append("")
    t = df.assign(
        moving=df["false_exclusive_moving"],
        frozen=df["false_exclusive_frozen"],
        share=df["cpu_share"].map(_pct),
        changed=df["change_share"].map(_pct),
        ovl=df["overlap_s"].map(lambda v: f"{v:.2f}"),
        retries_s=df["retries_per_s"].map(_g),
    )
    out.append(
        text_table(
            t,
            columns=["protocol", "checks", "false_exclusive", "frozen", "moving", "retries_s"],
            headers=["protocol", "checks", "false excl", "frozen", "moving", "retries/s"],
        )
    )
    out.append("")
    out.append(
        text_table(
            t,
            columns=["protocol", "share", "ovl", "changed", "torn", "torn_caught"],
            headers=["protocol", "cpu share", "overlap s", "changed", "torn", "caught"],
        )
    )
    out.append("")
    out.append(
        wrap(
            "false excl = frozen + moving. frozen: a writer stopped halfway through "
            f"an update (no writer finished one and the words stayed the same for "
            f"{FROZEN_US} us): the same torn words re-read, a preempted writer, which "
            "the kernel rules out (preemption is off there); not a parallel race. "
            "moving: the words changed under the reader. cpu share: the threads' CPU "
            "time / (wall x threads); overlap s: at least this long the reader ran "
            "while a writer did; changed: checks whose words differ from the "
            "previous check's; torn: answers from words of no folio state; caught: "
            "torn reads the seqcount retried."
        )
    )
    for row in df.itertuples():
        out.append("")
        if row.overlap:
            msg = (
                f"{row.protocol}: the threads overlapped (at least {row.overlap_s:.2f} "
                f"of {row.seconds} s): {_g(row.false_exclusive_moving_per_s)} false "
                f"exclusives/s with the writer moving (parallel races on this "
                f"machine), {_g(row.torn_moving_per_s)} torn answers/s in all."
            )
            if row.false_exclusive_frozen:
                msg += (
                    f" {row.false_exclusive_frozen} more re-read a frozen writer's "
                    "torn words: not parallel races."
                )
        else:
            msg = (
                f"{row.protocol}: NO REAL OVERLAP: the threads' CPU time is "
                f"{_pct(row.cpu_share)} of wall x threads and the reader ran beside "
                f"a writer for at least {row.overlap_s:.2f} of {row.seconds} s (under "
                f"{_pct(MIN_OVERLAP)}); the words changed in {_pct(row.change_share)} "
                "of its checks: the threads seldom ran at the same time. No rate is "
                "given: "
            )
            if row.false_exclusive:
                msg += (
                    f"the {row.false_exclusive} false exclusives "
                    f"({row.false_exclusive_frozen} frozen, {row.false_exclusive_moving} "
                    "moving) are counts of this run, not a measure of parallel hardware."
                )
            else:
                msg += (
                    f"its 0 false exclusives ({row.torn_caught} torn reads caught and "
                    "retried) say little about parallel hardware."
                )
        out.append(wrap(msg))
        if row.lost_mapcount or row.values_off:
            out.append(
                wrap(
                    f"{row.protocol}: updates were lost: every map was undone, yet the "
                    f"mapcount ends {row.lost_mapcount:+d} off and {row.values_off} "
                    "rmap value(s) differ from the start (later reads count as torn)."
                )
            )
        if row.false_exclusive == 0 and row.protocol != "seqcount":
            out.append(
                wrap(
                    f"{row.protocol}: no false exclusive observed in {row.seconds} s on "
                    "this machine (the model shows the interleavings exist)."
                )
            )
    return "\n".join(out)
