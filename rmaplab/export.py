"""Plain-text export for mailing-list posts: every line at most 72 columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import tabulate as _tabulate

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MAIL_WIDTH", "check_width", "text_table", "wrap"]

from .mailtext import MAIL_WIDTH, fill


def check_width(text: str, width: int = MAIL_WIDTH) -> str:
    """Return ``text`` unchanged, or raise if a line is wider than ``width``."""
    for n, line in enumerate(text.splitlines(), 1):
        if len(line) > width:
            raise ValueError(f"line {n} is {len(line)} columns, allowed <= {width}: {line!r}")
    return text


def wrap(text: str, width: int = MAIL_WIDTH) -> str:
    """Each line of ``text`` reflowed as a paragraph by the one mail wrapper
    (:func:`rmaplab.mailtext.fill`): breaks only at spaces, never inside a
    token or a math atom such as ``K = 3``; continuation lines keep the
    paragraph's indent. A token wider than ``width`` stands alone."""
    return "\n".join(fill(p, width, strict=False) if p.strip() else "" for p in text.split("\n"))


def text_table(
    df: pd.DataFrame | list[dict[str, Any]],
    columns: Sequence[str] | None = None,
    headers: Sequence[str] | None = None,
    width: int = MAIL_WIDTH,
    floatfmt: str | Sequence[str] = "g",
) -> str:
    """An aligned plain-text table of a DataFrame (or a list of dict rows, for
    listings that load no pandas), checked to fit ``width``."""
    if isinstance(df, list):
        cols = list(columns) if columns is not None else list(df[0]) if df else []
        body: Any = [tuple(r[c] for c in cols) for r in df]
        hdr = list(headers) if headers is not None else cols
    else:
        if columns is not None:
            df = df[list(columns)]
        hdr = list(headers) if headers is not None else list(df.columns)
        body = df.itertuples(index=False, name=None)
    # tabulate pads every header by MIN_PADDING; mail columns are too dear
    saved = _tabulate.MIN_PADDING
    _tabulate.MIN_PADDING = 0
    try:
        out = _tabulate.tabulate(
            body,
            headers=hdr,
            tablefmt="simple",
            floatfmt=floatfmt,
            numalign="right",
            stralign="left",
        )
    finally:
        _tabulate.MIN_PADDING = saved
    return check_width(out, width)


# -- charts -------------------------------------------------------------------


def save_chart(chart, stem, formats=("png", "svg"), scale: float = 2.0) -> list[str]:
    """Write ``chart`` as ``stem.png`` / ``stem.svg`` with vl-convert (no
    browser). Returns the paths written."""
    from pathlib import Path

    out = []
    for fmt in formats:
        if fmt not in ("png", "svg"):
            raise ValueError(f"format={fmt!r} is not supported: allowed png, svg")
        path = Path(f"{stem}.{fmt}")
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "png":
            chart.save(str(path), scale_factor=scale)
        else:
            chart.save(str(path))
        out.append(str(path))
    return out


def text_bars(
    labels, values, title: str = "", width: int = MAIL_WIDTH, log: bool = False, fmt: str = "{:.3g}"
) -> str:
    """A horizontal bar chart in plain text, every line at most ``width``."""
    import math

    labels = [str(x) for x in labels]
    vals = [float(v) for v in values]
    lw = max((len(x) for x in labels), default=0)
    texts = [fmt.format(v) for v in vals]
    tw = max((len(t) for t in texts), default=0)
    room = width - lw - tw - 3
    if room < 5:
        raise ValueError(f"labels too long for {width} columns")

    def size(v):
        if log:
            pos = [x for x in vals if x > 0]
            if v <= 0 or not pos:
                return 0
            lo, hi = math.log10(min(pos)), math.log10(max(pos))
            return max(1, round((math.log10(v) - lo + 1) / (hi - lo + 1) * room))
        top = max((abs(x) for x in vals), default=0) or 1
        return round(abs(v) / top * room)

    lines = [title] if title else []
    for lab, v, t in zip(labels, vals, texts, strict=False):
        lines.append(f"{lab:<{lw}} {'#' * size(v):<{room}} {t:>{tw}}".rstrip())
    return check_width(
        wrap(lines[0], width) + "\n" + "\n".join(lines[1:]) if title else "\n".join(lines), width
    )


def _axis_number(v: float) -> str:
    """A y label a reader parses: 0.0005, 6.3e-05, 22 (never an exponent of ten like 1e-3.3)."""
    if v == 0:
        return "0"
    a = abs(v)
    if 1e-3 <= a < 1e5:
        return f"{v:.3g}"
    return f"{v:.2g}"


def text_lines(
    xs,
    series: dict,
    title: str = "",
    width: int = MAIL_WIDTH,
    height: int = 12,
    log: bool = False,
    xlabel: str = "x",
) -> str:
    """A line chart in plain text: one marker letter per series on a grid, y
    labels on the left, x values under their columns, a legend below; at
    most ``width`` columns.

    Series with equal values share a letter (the legend names them all); a
    cell two letters would share shows ``*``; a series with nothing to plot
    (all 0 on a log axis) gets no letter and is named as such, so every
    letter in the legend is on the grid."""
    import math

    xs = list(xs)
    tf = (lambda v: math.log10(v)) if log else (lambda v: v)
    groups: dict[tuple, list[str]] = {}
    for n, ys in series.items():
        groups.setdefault(tuple(float(y) for y in ys), []).append(str(n))
    drawable = {k: v for k, v in groups.items() if any(y > 0 or not log for y in k)}
    blank = [n for k, v in groups.items() if k not in drawable for n in v]
    pts = [tf(y) for k in drawable for y in k if (y > 0 or not log)]
    head = [wrap(title, width)] if title else []
    if not pts:
        return check_width("\n".join([*head, "(no positive values to plot)"]), width)
    lo, hi = min(pts), max(pts)
    if hi == lo:
        hi = lo + 1
    mid = (lo + hi) / 2
    labels = {0: hi, height - 1: lo, (height - 1) // 2: mid}
    unlog = (lambda v: 10**v) if log else (lambda v: v)
    lw = max(len(_axis_number(unlog(v))) for v in labels.values())
    cols = width - lw - 2
    grid = [[" "] * cols for _ in range(height)]
    nx = max(len(xs) - 1, 1)
    marks = "abcdefghijklmnopqrstuvwxyz"
    letters = {}
    for gi, (ys, _names) in enumerate(drawable.items()):
        mark = marks[gi % len(marks)]
        letters[ys] = mark
        for xi, y in enumerate(ys):
            if log and y <= 0:
                continue
            c = round(xi / nx * (cols - 1))
            r = height - 1 - round((tf(y) - lo) / (hi - lo) * (height - 1))
            grid[r][c] = mark if grid[r][c] in (" ", mark) else "*"
    shown = {ch for row in grid for ch in row}
    lines = list(head)
    for r in range(height):
        lab = _axis_number(unlog(labels[r])) if r in labels else ""
        lines.append(f"{lab:>{lw}} |{''.join(grid[r])}".rstrip())
    lines.append(" " * lw + " +" + "-" * cols)
    ticks = [" "] * cols
    fits = True
    for xi, x in enumerate(xs):
        t = str(x)
        c = round(xi / nx * (cols - 1))
        c = min(c, cols - len(t))
        if any(ch != " " for ch in ticks[max(0, c - 1) : c + len(t) + 1]):
            fits = False
            break
        ticks[c : c + len(t)] = t
    xl = "".join(ticks).rstrip() if fits else f"{xs[0]} .. {xs[-1]}"
    lines.append(" " * (lw + 2) + xl)
    lines.append(wrap(" " * (lw + 2) + f"x: {xlabel}", width))
    for ys, names in drawable.items():
        m = letters[ys]
        same = " (same values)" if len(names) > 1 else ""
        under = "" if m in shown else " (every point under *)"
        lines.append(wrap(f"  {m} = {', '.join(names)}{same}{under}", width))
    if "*" in shown:
        lines.append(wrap("  * = two or more series at one point", width))
    if blank:
        lines.append(wrap(f"  not plotted (0 at every x): {', '.join(blank)}", width))
    return check_width("\n".join(lines), width)


# -- report folders: whole or not at all ----------------------------------------

#: the file of a report folder that lists every other file with its sha256
MANIFEST_FILE = "facts.json"
MANIFEST_KEY = "manifest"
_PARTIAL = "rmaplab-partial"
_OLD = "rmaplab-old"


def sha256_file(path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def own_report(folder) -> bool:
    """``folder`` holds exactly a report rmaplab wrote: its ``facts.json``
    manifest lists every other file, with the sha256 it has now."""
    import json
    from pathlib import Path

    folder = Path(folder)
    try:
        facts = json.loads((folder / MANIFEST_FILE).read_text())
        manifest = facts[MANIFEST_KEY]
        entries = list(folder.iterdir())
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if not isinstance(manifest, dict):
        return False
    names = {p.name for p in entries} - {MANIFEST_FILE}
    if names != set(manifest) or any(not p.is_file() or p.is_symlink() for p in entries):
        return False
    return all(sha256_file(folder / n) == h for n, h in manifest.items())


def check_report_out(out, force: bool = False):
    """The report folder ``--out``, checked before any work; nothing is written.

    Allowed: a new path (its parent is created at the end), an empty folder, a
    report rmaplab wrote (:func:`own_report`), or with ``force`` any folder,
    which is then replaced whole. Raises ``ConfigError`` with one line.
    """
    import os
    from pathlib import Path

    from .config import ConfigError

    text = str(out)
    allowed = (
        "allowed a new or empty folder, or a previous rmaplab report (its facts.json "
        "manifest matches its files)"
    )
    if not text.strip():
        raise ConfigError(f"--out='' is empty: allowed a folder path; {allowed}")
    path = Path(out).absolute()
    if path.is_symlink():
        raise ConfigError(f"--out={text} is a symlink: {allowed}")
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--out={text} is an existing file: {allowed}")
    if path.exists() and any(path.iterdir()) and not own_report(path):
        if not force:
            raise ConfigError(
                f"--out={text} is a non-empty folder rmaplab did not write: {allowed}; "
                "--force replaces it whole"
            )
        cwd = Path.cwd().resolve()
        real = path.resolve()
        if real in (Path(real.anchor), Path.home().resolve()) or real in (cwd, *cwd.parents):
            raise ConfigError(
                f"--out={text} --force would delete the root, home or current folder: "
                "allowed a folder below them"
            )
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"--out={text}: cannot create or write a folder in {parent}: {allowed}")
    return path


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _sweep(path) -> None:
    """Remove what killed runs left beside ``path`` (their pid is gone)."""
    import shutil

    for kind in (_PARTIAL, _OLD):
        for p in path.parent.glob(f".{path.name}.{kind}-*"):
            pid = p.name.rsplit("-", 2)[-2]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(p, ignore_errors=True)


def _exchange(a, b) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False
    where the C library or the file system cannot."""
    import ctypes
    import os

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


class ReportFolder:
    """Write a report into a hidden folder beside ``out``; :meth:`commit`
    renames it into place, replacing what was there in one step where the
    kernel allows (an exchange), else by rename aside, rename in, delete.
    A run killed before the commit leaves ``out`` as it was; leftovers of
    killed runs are removed by the next run."""

    def __init__(self, out):
        import os
        import secrets
        from pathlib import Path

        from .config import ConfigError

        self.out = Path(out)
        tag = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.tmp = self.out.parent / f".{self.out.name}.{_PARTIAL}-{tag}"
        self.old = self.out.parent / f".{self.out.name}.{_OLD}-{tag}"
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self.tmp.mkdir()
        except OSError as e:
            raise ConfigError(
                f"--out={out}: cannot create or write a folder beside it ({e.strerror}): "
                "allowed a folder path you can write"
            ) from None
        _sweep(self.out)

    def commit(self) -> None:
        import os
        import shutil

        if not self.out.exists():
            os.rename(self.tmp, self.out)
            return
        if _exchange(self.tmp, self.out):
            shutil.rmtree(self.tmp)  # now the previous report
            return
        os.rename(self.out, self.old)
        os.rename(self.tmp, self.out)
        shutil.rmtree(self.old)

    def abandon(self) -> None:
        import shutil

        shutil.rmtree(self.tmp, ignore_errors=True)
