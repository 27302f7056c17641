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
    "BASE_PAGES_RANGE",
    "ID_BITS_RANGE",
    "MAPCOUNT_BITS_RANGE",
    "MAX_ORDER",
    "ONE_VALUE_ORDER_RANGE",
    "ONE_VALUE_WORD_BITS_RANGE",
    "ORDER_RANGE",
    "SUBID_BITS_RANGE",
    "SUBID_WORD_BITS_RANGE",
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
#: Index bits of a sub-ID table (2**24 Python ints is the most a table holds).
SUBID_BITS_RANGE = (1, 24)
#: Word widths ``calc_rmap_subid`` reduces modulo (a 1-bit word is allowed here).
SUBID_WORD_BITS_RANGE = (1, 64)
#: ``one-value`` (issue 20): word widths and orders the constructions are
#: scanned for, and the spare bits of a 64-bit mapcount word (the count
#: keeps at least ``order + 1`` bits: M <= 63 - order, checked with the order).
ONE_VALUE_WORD_BITS_RANGE = (8, 64)
ONE_VALUE_ORDER_RANGE = (1, 20)
MAPCOUNT_BITS_RANGE = (0, 62)
#: Page counts P_g a sub-ID may be computed for (numba holds P_g + 1 in 63 bits).
BASE_PAGES_RANGE = (1, 1 << 62)


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
    return "any number" if hi is None else f"<= {hi:g}"


def parse_int_list(
    text: object, name: str, lo: int, hi: int, *, max_items: int | None = None
) -> list[int]:
    """``'1-8'``, ``'3,6'`` or ``'2-4,8'`` -> ints in ``[lo, hi]``.

    Every bound is checked before a range is expanded, so ``1-99999999999``
    is refused by its bounds and never becomes a list. Duplicates are kept
    in order of appearance once.
    """
    allowed = f"integers in {fmt_range(lo, hi)}, e.g. {lo}-{hi} or {lo},{hi}"
    parts = [p.strip() for p in str(text).split(",")]
    if not parts or any(not p for p in parts):
        raise ConfigError(f"{name}={text!r} is not a list or range of integers: allowed {allowed}")
    spans = []
    for part in parts:
        a, sep, b = part.partition("-") if not part.startswith("-") else ("-", "", "")
        try:
            x = parse_int(a, name, lo, hi)
            y = parse_int(b, name, lo, hi) if sep else x
        except ConfigError as e:
            if "out of range" in str(e):
                raise ConfigError(f"{name}={text!r} is out of range: allowed {allowed}") from None
            raise ConfigError(
                f"{name}={text!r} is not a list or range of integers: allowed {allowed}"
            ) from None
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


def _cannot(flag: str, text: str, why: str, allowed: str) -> ConfigError:
    return ConfigError(f"{flag}={text}: cannot write there ({why}): allowed {allowed}")


def check_out_file(flag: str, path: str | os.PathLike | None) -> Path:
    """An output file that can be written: not empty, not a folder, in an
    existing writable folder, and a plain file if it exists already.

    Probes only: nothing is created or truncated.
    """
    text = "" if path is None else os.fspath(path)
    allowed = "a file path in a writable folder"
    if not text.strip():
        raise ConfigError(f"{flag}={text!r} is empty: allowed {allowed}")
    p = Path(text)
    if p.is_dir():
        raise ConfigError(f"{flag}={text} is a folder: allowed {allowed}")
    parent = p.parent
    if _is_system(parent):
        raise _cannot(flag, text, f"{parent} is a system folder", allowed)
    if p.exists() or p.is_symlink():
        if not p.is_file():
            raise _cannot(flag, text, "not a regular file", allowed)
        if not os.access(p, os.W_OK):
            raise _cannot(flag, text, "the file is read-only", allowed)
        return p
    if not parent.is_dir():
        what = "is a file" if parent.exists() else "does not exist"
        raise _cannot(flag, text, f"{parent} {what}", allowed)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise _cannot(flag, text, f"{parent} is read-only", allowed)
    return p


def check_out_dir(flag: str, path: str | os.PathLike | None, *, empty: bool = False) -> Path:
    """An output folder: an existing writable folder (``empty``: with nothing
    in it), or a new one whose nearest existing ancestor is a writable folder.

    Probes only: nothing is created.
    """
    text = "" if path is None else os.fspath(path)
    allowed = "a new or empty folder" if empty else "a folder path"
    if not text.strip():
        raise ConfigError(f"{flag}={text!r} is empty: allowed {allowed}")
    p = Path(text)
    anc = p
    while not (anc.exists() or anc.is_symlink()) and anc != anc.parent:
        anc = anc.parent
    if _is_system(anc):
        raise _cannot(flag, text, f"{anc} is a system folder", allowed)
    if not anc.is_dir():
        if anc == p:
            raise ConfigError(f"{flag}={text} is an existing file: allowed {allowed}")
        raise _cannot(flag, text, f"{anc} is a file", allowed)
    if not os.access(anc, os.W_OK | os.X_OK):
        raise _cannot(flag, text, f"{anc} is read-only", allowed)
    if empty and anc == p and any(p.iterdir()):
        raise ConfigError(f"{flag}={text} is not empty: allowed {allowed}")
    return p


# argparse prefixes a type's error with "argument --flag: "; these errors start
# with "=" so that the parser can print "--flag=VALUE ..." like every other check
# (rmaplab.cli's parser does)
def int_arg(lo: int | None = None, hi: int | None = None) -> Callable[[str], int]:
    """An argparse ``type=`` for an integer in ``[lo, hi]`` (see :func:`parse_int`)."""
    import argparse

    def integer(text: str) -> int:
        try:
            return parse_int(text, "", lo, hi)
        except ConfigError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    integer.bounds = (lo, hi)  # type: ignore[attr-defined]  # for tests and --help
    return integer


def float_arg(
    lo: float | None = None, hi: float | None = None, *, lo_open: bool = False
) -> Callable[[str], float]:
    """An argparse ``type=`` for a finite number in its range."""
    import argparse

    def number(text: str) -> float:
        try:
            return parse_float(text, "", lo, hi, lo_open=lo_open)
        except ConfigError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    number.bounds = (lo, hi)  # type: ignore[attr-defined]  # for tests and --help
    return number
