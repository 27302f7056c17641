"""Memory and time budgets for valid but huge runs (issue 18, item 3).

Memory: a command whose size follows from its inputs estimates its peak
memory *before* it allocates anything and is refused (exit 2, one line
with the estimate and the limit) when the estimate is above
:data:`MEMORY_FRACTION` of the machine's RAM, unless the user raises the
limit (``--max-memory GIB``).

Time: ``--max-seconds S`` is a *safety stop*, never a budget that feeds a
published number (those stay node- or table-based, issue 21 item 4). When
it fires the command prints ``undecided: stopped by the time limit after N
<units>`` (in ``--json`` the fields ``verdict``, ``stopped``,
``max_seconds``, ``done``, ``unit``) and publishes nothing as decided.

Progress: every long command shows a bar on stderr when stderr is a
terminal (:func:`want_progress`), ``--progress``/``--no-progress`` force it.

Imports nothing heavy (the command line refuses before it loads the library).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .validate import ConfigError

__all__ = [
    "BYTES_PER_OP",
    "EXIT_UNDECIDED",
    "MAX_SECONDS_RANGE",
    "MEMORY_FRACTION",
    "TimeLimitReached",
    "WorkCounter",
    "add_budget_args",
    "check_compare_memory",
    "compare_memory_estimate",
    "machine_memory_bytes",
    "memory_limit",
    "memory_limit_bytes",
    "stopped",
    "ticker",
    "time_limit",
    "undecided_json",
    "undecided_line",
    "want_progress",
    "workload_size",
]

GIB = 1 << 30
#: Fraction of the machine's RAM a run may be estimated to use.
MEMORY_FRACTION = 0.5
#: ``--max-memory`` in GiB (a run may be allowed more than the fraction, never
#: more than 64 TiB: a typo is refused, not obeyed).
MAX_MEMORY_RANGE = (0.001, 65536.0)
#: ``--max-seconds``: a safety stop of at most a day.
MAX_SECONDS_RANGE = (0.0, 86400.0)
#: Peak bytes per workload operation in ``compare``: the Python tuple and its
#: list slot, the arrays the kernel reads (built twice when rmap-moments
#: needs its own addends) and the temporaries of ``ops_to_arrays``. Measured
#: with tracemalloc: 286-306 bytes per op for cow (order 14, 16 folios),
#: zygote (order 12, 64 procs) and random (order 9, 2000 procs); rounded up.
BYTES_PER_OP = 320
#: Memory every run needs besides the workload (interpreter, numpy, numba).
BASE_BYTES = 256 << 20
#: Exit status of a run stopped by ``--max-seconds`` (2 is a refused input).
EXIT_UNDECIDED = 3
#: The counterexample workload maps each of its mms once: a few hundred ops.
COUNTEREXAMPLE_OPS = 256

_LIMIT_GIB: ContextVar[float | None] = ContextVar("rmaplab_max_memory_gib", default=None)


def machine_memory_bytes() -> int:
    """Physical RAM of this machine (bytes); 16 GiB where it cannot be read."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not Linux
        return 16 * GIB


def memory_limit_bytes(max_memory_gib: float | None = None) -> tuple[int, str]:
    """The limit and how it was set: ``max_memory_gib`` (``--max-memory``),
    else :data:`MEMORY_FRACTION` of the machine's RAM."""
    gib = max_memory_gib if max_memory_gib is not None else _LIMIT_GIB.get()
    if gib is not None:
        return int(gib * GIB), "set by --max-memory"
    ram = machine_memory_bytes()
    return int(ram * MEMORY_FRACTION), (
        f"{MEMORY_FRACTION:.0%} of this machine's {ram / GIB:.1f} GiB of RAM"
    )


@contextmanager
def memory_limit(max_memory_gib: float | None) -> Iterator[None]:
    """Within this block, library entry points use ``max_memory_gib`` as the limit."""
    token = _LIMIT_GIB.set(max_memory_gib)
    try:
        yield
    finally:
        _LIMIT_GIB.reset(token)


def workload_size(
    name: str, order: int, procs: int, folios: int, shape: dict | None = None
) -> tuple[int, int]:
    """Upper bounds on (operations, distinct mms) of ``make_workload(name, ...)``,
    from the sizes alone (nothing is generated). Each formula follows the
    generator's loops in :mod:`rmaplab.workloads`; a test checks them against
    the generated workloads."""
    from .validate import check_choice, check_int
    from .workloads import (
        FOLIOS_RANGE,
        ORDER_RANGE,
        PROCS_RANGE,
        SHAPE_DEFAULTS,
        SHAPE_RANGES,
        SHAPES,
        WORKLOADS,
    )

    # the ranges first (the sizes below are computed from them)
    check_choice("workload", name, WORKLOADS)
    check_int("order", order, *ORDER_RANGE)
    check_int("procs", procs, *PROCS_RANGE)
    check_int("folios", folios, *FOLIOS_RANGE)
    for k, v in (shape or {}).items():
        if k in SHAPE_RANGES and v is not None:
            check_int(k, v, *SHAPE_RANGES[k])
    P = 1 << order
    F = folios
    sh: dict[str, Any] = dict(SHAPE_DEFAULTS)
    sh.update({k: v for k, v in (shape or {}).items() if v is not None})
    writes = sh["writes"]
    w = P if writes is None else min(int(writes), P)
    depth, fanout, life = int(sh["depth"]), int(sh["fanout"]), int(sh["lifetime"])
    start = F * (2 if sh["pte"] and P > 1 else 1)
    cover = {
        "remap": (3 * F, 1),
        "munmap": (F + F * P, 1),
        "pte-dontneed": (F + F * P, 1),
        "fork": (F + 2, 2),
        "cow": (F + 1 + F * P, 2),
        "cow-byte": (F + 1 + F * P, 2),
        "cow-reuse": (F + 2 + F * P, 2),
        "cow-reuse-byte": (F + 2 + F * P, 2),
    }
    if name in cover:
        return cover[name]
    if name == "fork-exec":
        return F + 5 * procs, 2
    if name == "zygote":
        return F + procs * (1 + max(1, P // 4)) + P, procs + 1
    if name == "prefork":
        return F + 13 * procs, procs + 1
    if name == "random":
        return F + 40 * procs, procs + 1
    if name == "counterexample":
        return COUNTEREXAMPLE_OPS, COUNTEREXAMPLE_OPS
    if name in SHAPES:
        if name == "double-fork":
            return start + procs * (2 * depth + F * w) + 1, procs * depth + 1
        if name == "preload-server":
            return start + procs * (2 + life) + 1 + F * w, procs + 1
        if name == "zygote-exit":
            a = max(procs, 3)
            return start + a * (1 + life) + 2 + F * w * (a - 1), a + 1
        if name == "fork-tree":
            n = sum(fanout**d for d in range(depth + 1))
            return start + n * (2 + life) + F * w, n
        if name == "bgsave":
            return start + procs * (2 + life + F * w), 2
    raise ConfigError(f"workload={name!r} has no size estimate")  # a new workload: add one


def compare_memory_estimate(
    name: str, order: int, procs: int, folios: int, shape: dict | None = None
) -> tuple[int, int, int]:
    """(estimated peak bytes, operations, mms) of ``compare`` on a workload:
    the operations at :data:`BYTES_PER_OP` plus the kernel's folio state
    (``page_bits`` and ``wr_bits``: one bit per page per mm per folio each,
    and two counters per mm per folio; see ``rmaplab._kernels.schemes``)."""
    ops, mms = workload_size(name, order, procs, folios, shape)
    nf = 1 if name == "counterexample" else folios
    words = ((1 << order) + 63) // 64
    state = nf * mms * (2 * words + 2) * 8
    return BASE_BYTES + ops * BYTES_PER_OP + state, ops, mms


def check_compare_memory(
    name: str,
    order: int,
    procs: int,
    folios: int,
    shape: dict | None = None,
    max_memory_gib: float | None = None,
) -> int:
    """Refuse (:class:`ConfigError`, one line) a ``compare`` whose estimated
    memory is above the limit (:func:`memory_limit_bytes`); the estimate."""
    need, ops, mms = compare_memory_estimate(name, order, procs, folios, shape)
    limit, why = memory_limit_bytes(max_memory_gib)
    if need > limit:
        raise ConfigError(
            f"workload {name} at order {order}, {folios} folios, {procs} processes needs "
            f"about {need / GIB:.1f} GiB ({ops:,} operations, {mms} mms), over the "
            f"limit of {limit / GIB:.1f} GiB ({why}): allowed a smaller --order, "
            f"--folios or --procs, or --max-memory GIB to raise the limit"
        )
    return need


# -- time: a safety stop ------------------------------------------------------


class TimeLimitReached(Exception):
    """``--max-seconds`` fired: the run is undecided."""

    def __init__(self, seconds: float, counter: WorkCounter):
        super().__init__(counter.line())
        self.seconds, self.counter = seconds, counter


class WorkCounter:
    """Units of work done so far (nodes, orders, cases), for the undecided line."""

    def __init__(self, unit: str, total: int | None = None):
        self.unit, self.total, self.done = unit, total, 0
        self.deadline: float | None = None  # set by time_limit
        self.seconds: float | None = None

    def check(self, _n: int = 0) -> None:
        """Raise :class:`TimeLimitReached` once past the deadline (hooks call it)."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise TimeLimitReached(float(self.seconds or 0.0), self)

    def add(self, n: int = 1) -> None:
        self.done += int(n)

    def step(self) -> None:
        """One unit done; then the time is checked."""
        self.add(1)
        self.check()

    def count(self) -> str:
        """``N`` or ``N of M``."""
        return f"{self.done}" + (f" of {self.total}" if self.total is not None else "")

    def line(self) -> str:
        return undecided_line(self.count(), self.unit)


def undecided_line(done: int | str, unit: str) -> str:
    """The one line a stopped run prints."""
    return f"undecided: stopped by the time limit after {done} {unit}"


def undecided_json(seconds: float, counter: WorkCounter) -> dict:
    """The ``--json`` document of a stopped run (no result fields: nothing decided)."""
    return {
        "verdict": "undecided",
        "stopped": counter.line(),
        "max_seconds": seconds,
        "done": counter.done,
        "unit": counter.unit,
    }


def _ignores_exceptions(frame) -> bool:
    """Whether Python would print and drop an exception raised in ``frame``:
    a finaliser (``__del__``) or a garbage-collector callback."""
    import gc

    if frame is None:
        return False
    code = frame.f_code
    return code.co_name == "__del__" or any(
        getattr(cb, "__code__", None) is code for cb in gc.callbacks
    )


@contextmanager
def time_limit(
    seconds: float | None, counter: WorkCounter, *, alarm: bool = True
) -> Iterator[WorkCounter]:
    """Raise :class:`TimeLimitReached` in this block once ``seconds`` of wall
    time have passed (``None``: no limit).

    Checked by :meth:`WorkCounter.check` (hooks call it between units of
    work) and, with ``alarm`` on the main thread where the platform has it,
    by ``SIGALRM``: a safety stop for code with no hook. Compiled kernels
    finish their call first; a raise that lands where Python ignores
    exceptions (a garbage-collector callback) is repeated every 50 ms."""
    if seconds is None:
        yield counter
        return
    counter.deadline, counter.seconds = time.monotonic() + seconds, seconds
    main = threading.current_thread() is threading.main_thread()
    use_alarm = alarm and hasattr(signal, "setitimer") and main
    old = None
    if use_alarm:

        def on_alarm(_sig, frame):
            if counter.deadline is None:  # the block is being left
                return
            if _ignores_exceptions(frame):  # raised there, it would be lost
                return  # the 50 ms repeat raises it once Python is back in the run
            raise TimeLimitReached(seconds, counter)

        old = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-4), 0.05)
    try:
        yield counter
    finally:
        counter.deadline = None
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)


def want_progress(flag: bool | None, json_out: bool = False) -> bool:
    """Progress bars on stderr: ``flag`` if given (``--progress`` /
    ``--no-progress``), else whenever stderr is a terminal. Bars go to stderr,
    so ``--json`` on stdout stays clean either way."""
    del json_out  # stdout is never touched by a bar
    if flag is not None:
        return bool(flag)
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def max_memory_arg() -> Callable[[str], float]:
    """argparse type of ``--max-memory`` (GiB)."""
    from .validate import float_arg

    return float_arg(*MAX_MEMORY_RANGE)


def max_seconds_arg() -> Callable[[str], float]:
    """argparse type of ``--max-seconds`` (a positive number of seconds)."""
    from .validate import float_arg

    return float_arg(*MAX_SECONDS_RANGE, lo_open=True)


def add_budget_args(p: argparse.ArgumentParser, *, memory: bool = False) -> None:
    """``--max-seconds``, ``--progress/--no-progress`` (and ``--max-memory``)."""
    lo, hi = MAX_SECONDS_RANGE
    p.add_argument(
        "--max-seconds",
        type=max_seconds_arg(),
        default=None,
        metavar="S",
        help=f"safety stop after S seconds of wall time ({lo:g} < S <= {hi:g}): "
        "the run then says 'undecided' and publishes nothing",
    )
    if memory:
        p.add_argument(
            "--max-memory",
            type=max_memory_arg(),
            default=None,
            metavar="GIB",
            help=f"refuse runs estimated above GIB GiB (default {MEMORY_FRACTION:.0%}% "
            "of this machine's RAM)",
        )
    if not any("--progress" in a.option_strings for a in p._actions):
        p.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="progress bar on stderr (default: when stderr is a terminal)",
        )


def stopped(args: argparse.Namespace, exc: TimeLimitReached) -> int:
    """Print a stopped run's undecided line (``--json``: its document); exit 3.

    Nothing else is printed or written: the run decided nothing."""
    if getattr(args, "json", False):
        import json

        json.dump(undecided_json(exc.seconds, exc.counter), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(f"{exc.counter.line()} (--max-seconds {exc.seconds:g}); nothing was decided")
    return EXIT_UNDECIDED


@contextmanager
def ticker(desc: str, enabled: bool) -> Iterator[None]:
    """A progress line on stderr for work with no countable steps (its
    elapsed time, refreshed every second by a daemon thread)."""
    if not enabled:
        yield
        return
    from tqdm.auto import tqdm

    bar = tqdm(total=None, desc=desc, bar_format="{desc}: {elapsed}", file=sys.stderr)
    halt = threading.Event()

    def run() -> None:
        while not halt.wait(1.0):
            bar.refresh()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    try:
        yield
    finally:
        halt.set()
        t.join()
        bar.close()
