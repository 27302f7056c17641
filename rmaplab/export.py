"""Plain-text export for mailing-list posts: every line at most 72 columns."""

from __future__ import annotations

import textwrap

import tabulate as _tabulate

__all__ = ["MAIL_WIDTH", "text_table", "wrap", "check_width"]

#: linux-mm posts are read in 80-column terminals with quoting; 72 leaves room.
MAIL_WIDTH = 72


def check_width(text: str, width: int = MAIL_WIDTH) -> str:
    """Return ``text`` unchanged, or raise if a line is wider than ``width``."""
    for n, line in enumerate(text.splitlines(), 1):
        if len(line) > width:
            raise ValueError(f"line {n} is {len(line)} columns, allowed <= {width}: {line!r}")
    return text


def wrap(text: str, width: int = MAIL_WIDTH) -> str:
    return "\n".join(
        textwrap.fill(p, width) if p.strip() else "" for p in text.split("\n")
    )


def text_table(df, columns=None, headers=None, width: int = MAIL_WIDTH, floatfmt="g") -> str:
    """An aligned plain-text table of a DataFrame, checked to fit ``width``."""
    if columns is not None:
        df = df[list(columns)]
    hdr = list(headers) if headers is not None else list(df.columns)
    # tabulate pads every header by MIN_PADDING; mail columns are too dear
    saved = _tabulate.MIN_PADDING
    _tabulate.MIN_PADDING = 0
    try:
        out = _tabulate.tabulate(
            df.itertuples(index=False, name=None),
            headers=hdr,
            tablefmt="simple",
            floatfmt=floatfmt,
            numalign="right",
            stralign="left",
        )
    finally:
        _tabulate.MIN_PADDING = saved
    return check_width(out, width)
