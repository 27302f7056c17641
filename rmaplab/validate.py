"""Input validation shared by every entry point (CLI, widgets, library).

One rule for all of them (issue 18): a bad input is refused with a one-line
:class:`ConfigError` naming the parameter and its allowed range, before any
work and before anything is written. To keep a message from drifting away
from its check, each check formats its message from the very bounds it tests
(:func:`fmt_range`), and the width ranges are named constants here.

- counts are integers only, parsed from text exactly (``1e6`` and ``1_000``
  are accepted, ``1e400`` is refused by its range, never turned into a float);
- ranges such as ``1-8,16`` are checked as bounds before they are expanded;
- output paths are probed for writability before any work;
- names are checked against the list they come from;
- an option that does not apply to the chosen mode is refused
  (:func:`refuse_options`), not ignored.

This module imports nothing heavy (no numpy, pandas or numba): the command
line parses and refuses input before it loads the library.
"""

from __future__ import annotations

import decimal
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = [
    "ID_BITS_RANGE",
    "MAX_ORDER",
    "ORDER_RANGE",
    "WORD_BITS_RANGE",
    "ConfigError",
    "check_choice",
    "check_float",
    "check_int",
    "check_names",
    "check_out_dir",
    "check_out_file",
    "float_arg",
    "fmt_range",
    "int_arg",
    "parse_float",
    "parse_int",
    "parse_int_list",
    "refuse_options",
]

#: Largest folio order rmaplab models; the cover letter goes up to order 30.
MAX_ORDER = 30
#: Allowed folio orders (inclusive).
ORDER_RANGE = (0, MAX_ORDER)
#: Allowed id widths (inclusive). 32 keeps ids inside the kernel's ``int``.
ID_BITS_RANGE = (1, 32)
#: Allowed rmap value widths (inclusive). Small words exist for the verifier's
#: exhaustive cross-checks; 64 is the widest word numba kernels use.
WORD_BITS_RANGE = (2, 64)


class ConfigError(ValueError):
    """A configuration or a request against one is out of range."""


def fmt_range(lo: float | None, hi: float | None) -> str:
    """``[lo, hi]``, ``>= lo`` or ``<= hi``: the text every range message uses."""
    if lo is not None and hi is not None:
        return f"[{lo}, {hi}]"
    if lo is not None:
        return f">= {lo}"
    if hi is not None:
        return f"<= {hi}"
    return "any integer"


def _out_of_range(name: str, value, lo, hi, unit: str = "") -> ConfigError:
    return ConfigError(f"{name}={value} is out of range: allowed {fmt_range(lo, hi)}{unit}")


def check_int(name: str, value: object, lo: int | None, hi: int | None = None) -> int:
    """``value`` as an ``int`` in ``[lo, hi]`` (``None``: unbounded on that side).

    bools and floats are refused (a float count is a typo or an overflow
    waiting to happen); numpy integers are accepted.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            import numpy as np  # only when handed something that is not an int
        except ImportError:  # pragma: no cover
            np = None  # type: ignore[assignment]
        if np is not None and isinstance(value, np.integer):
            value = int(value)
        else:
            raise ConfigError(f"{name} must be an integer, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise _out_of_range(name, value, lo, hi)
    return value


_INT_TEXT = re.compile(r"[+-]?(\d[\d_]*)(\.\d*)?([eE][+-]?\d+)?")
# an unbounded count still stops here: 10**4300 is Python's own str<->int limit
_HUGE_EXPONENT = 4000


def parse_int(text: object, name: str, lo: int | None = None, hi: int | None = None) -> int:
    """An integer from text: ``12``, ``1_000_000``, ``1e6``, ``2.5e3``.

    Exact: the text is read as a decimal, never a float, so ``1e400`` is out of
    range (not an ``OverflowError``) and ``2.5`` is not an integer. The bounds
    are checked before the integer is built.
    """
    if isinstance(value := text, int) and not isinstance(text, bool):
        return check_int(name, value, lo, hi)
    s = str(text).strip()
    if not _INT_TEXT.fullmatch(s):
        raise ConfigError(f"{name}={text!r} is not an integer: allowed {fmt_range(lo, hi)}")
    try:
        d = decimal.Decimal(s.replace("_", ""))
    except decimal.InvalidOperation:  # pragma: no cover - the pattern is stricter
        raise ConfigError(
            f"{name}={text!r} is not an integer: allowed {fmt_range(lo, hi)}"
        ) from None
    if d.is_zero():
        d = decimal.Decimal(0)
    # compare in Decimal first: int(Decimal('1e999999')) would build the number
    if (lo is not None and d < lo) or (hi is not None and d > hi) or d.adjusted() > _HUGE_EXPONENT:
        raise _out_of_range(name, s, lo, hi)
    with decimal.localcontext() as ctx:
        ctx.prec = _HUGE_EXPONENT + 10
        if d != d.to_integral_value():
            raise ConfigError(f"{name}={text!r} is not an integer: allowed {fmt_range(lo, hi)}")
    return int(d)


def parse_float(
    text: object,
    name: str,
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
) -> float:
    """A finite float in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``)."""
    try:
        v = float(text)  # type: ignore[arg-type]  # anything float() takes
    except (TypeError, ValueError):
        v = float("nan")
    if v != v or v in (float("inf"), float("-inf")) or isinstance(text, bool):
        raise ConfigError(f"{name}={text!r} is not a number: allowed {_frange(lo, hi, lo_open)}")
    if (lo is not None and (v < lo or (lo_open and v == lo))) or (hi is not None and v > hi):
        raise ConfigError(f"{name}={text} is out of range: allowed {_frange(lo, hi, lo_open)}")
    return v


def check_float(
    name: str,
    value: object,
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
) -> float:
    """Like :func:`parse_float`, for a value already parsed."""
    return parse_float(value, name, lo, hi, lo_open=lo_open)


def _frange(lo, hi, lo_open: bool) -> str:
    if lo is not None and hi is not None:
        return f"{'(' if lo_open else '['}{lo:g}, {hi:g}]"
    if lo is not None:
        return f"{'>' if lo_open else '>='} {lo:g}"
    return fmt_range(None, hi)


def parse_int_list(
    text: object, name: str, lo: int, hi: int, *, max_items: int | None = None
) -> list[int]:
    """``'1-8'``, ``'3,6'`` or ``'2-4,8'`` -> ints in ``[lo, hi]``.

    Every bound is checked before a range is expanded, so ``1-99999999999``
    is refused by its bounds and never becomes a list. Duplicates are kept
    in order of appearance once.
    """
    allowed = f"a list or range of integers in {fmt_range(lo, hi)}, e.g. {lo}-{hi} or {lo},{hi}"
    parts = [p.strip() for p in str(text).split(",")]
    if not parts or any(not p for p in parts):
        raise ConfigError(f"{name}={text!r} is not {allowed}")
    spans = []
    for part in parts:
        a, sep, b = part.partition("-") if not part.startswith("-") else ("-", "", "")
        try:
            x = parse_int(a, name, lo, hi)
            y = parse_int(b, name, lo, hi) if sep else x
        except ConfigError:
            raise ConfigError(f"{name}={text!r} is not {allowed}") from None
        if y < x:
            raise ConfigError(f"{name}={text!r}: the range {part} is empty: allowed {allowed}")
        spans.append((x, y))
    total = sum(y - x + 1 for x, y in spans)
    if max_items is not None and total > max_items:
        raise ConfigError(f"{name}={text!r} names {total} values: allowed at most {max_items}")
    return list(dict.fromkeys(v for x, y in spans for v in range(x, y + 1)))


def check_choice(name: str, value: str, allowed: Iterable[str]) -> str:
    """``value`` if it is one of ``allowed`` (the list it comes from)."""
    allowed = list(allowed)
    if value not in allowed:
        raise ConfigError(f"{name}={value!r} is unknown: allowed {', '.join(allowed)}")
    return value


def check_names(name: str, text: str, allowed: Iterable[str]) -> list[str]:
    """A comma-separated list of names from ``allowed``; at least one."""
    allowed = list(allowed)
    out = [p.strip() for p in str(text).split(",")]
    bad = [p for p in out if p not in allowed]
    if bad or not out:
        what = ", ".join(repr(b) for b in bad) or repr(text)
        raise ConfigError(
            f"{name}={text!r}: {what} is not allowed: allowed a comma-separated list of "
            + ", ".join(allowed)
        )
    return list(dict.fromkeys(out))


def refuse_options(given: dict[str, bool], mode: str) -> None:
    """Refuse every option in ``given`` whose flag is true: it does not apply
    to ``mode`` (an ignored option makes a run that looks like another)."""
    bad = [flag for flag, on in given.items() if on]
    if bad:
        raise ConfigError(f"{', '.join(bad)} does not apply to {mode}: allowed without it")


def _is_system(p: Path) -> bool:
    # /proc, /sys and /dev accept some writes but hold no user files
    parts = p.resolve().parts
    return len(parts) > 1 and parts[1] in ("proc", "sys", "dev")


def _probe_dir(flag: str, d: Path) -> None:
    if not os.access(d, os.W_OK | os.X_OK):
        raise ConfigError(f"{flag}: cannot write in {str(d)!r}: allowed a writable location")


def check_out_file(flag: str, path: str | os.PathLike | None) -> Path:
    """An output file that can be written: not empty, not a folder, in an
    existing writable folder, and a plain file if it exists already.

    Probes only: nothing is created or truncated.
    """
    text = "" if path is None else str(path)
    if not text.strip():
        raise ConfigError(f"{flag}={text!r} is empty: allowed a file path")
    p = Path(text)
    if p.is_dir():
        raise ConfigError(f"{flag}={text!r} is a folder: allowed a file path")
    if p.exists() or p.is_symlink():
        if not p.is_file() or not os.access(p, os.W_OK):
            raise ConfigError(f"{flag}={text!r} cannot be written: allowed a writable file")
        if _is_system(p):
            raise ConfigError(f"{flag}={text!r} is not a regular file: allowed a file path")
        return p
    parent = p.parent
    if not parent.is_dir():
        raise ConfigError(
            f"{flag}={text!r}: {str(parent)!r} is not a folder: allowed a path in an "
            "existing folder"
        )
    if _is_system(parent):
        raise ConfigError(f"{flag}={text!r} is not a regular file: allowed a file path")
    _probe_dir(flag, parent)
    return p


def check_out_dir(flag: str, path: str | os.PathLike | None, *, empty: bool = False) -> Path:
    """An output folder: an existing writable folder (``empty``: with nothing
    in it), or a new one whose nearest existing ancestor is a writable folder.

    Probes only: nothing is created.
    """
    text = "" if path is None else str(path)
    if not text.strip():
        raise ConfigError(f"{flag}={text!r} is empty: allowed a folder path")
    p = Path(text)
    if p.exists() or p.is_symlink():
        if not p.is_dir():
            raise ConfigError(f"{flag}={text!r} is a file: allowed a folder path")
        if _is_system(p):
            raise ConfigError(f"{flag}={text!r} is a system folder: allowed a folder path")
        _probe_dir(flag, p)
        if empty and any(p.iterdir()):
            raise ConfigError(f"{flag}={text!r} is not empty: allowed a new or empty folder")
        return p
    anc = p.parent
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    if not anc.is_dir():
        raise ConfigError(f"{flag}={text!r}: {str(anc)!r} is a file: allowed a folder path")
    if _is_system(anc):
        raise ConfigError(f"{flag}={text!r} is a system folder: allowed a folder path")
    _probe_dir(flag, anc)
    return p


def int_arg(lo: int | None = None, hi: int | None = None) -> Callable[[str], int]:
    """An argparse ``type=`` for an integer count in ``[lo, hi]``."""
    import argparse

    def parse(text: str) -> int:
        try:
            return parse_int(text, "value", lo, hi)
        except ConfigError as e:
            raise argparse.ArgumentTypeError(str(e).removeprefix("value=")) from None

    parse.__name__ = "integer"
    return parse


def float_arg(
    lo: float | None = None, hi: float | None = None, *, lo_open: bool = False
) -> Callable[[str], float]:
    """An argparse ``type=`` for a finite number in its range."""
    import argparse

    def parse(text: str) -> float:
        try:
            return parse_float(text, "value", lo, hi, lo_open=lo_open)
        except ConfigError as e:
            raise argparse.ArgumentTypeError(str(e).removeprefix("value=")) from None

    parse.__name__ = "number"
    return parse
