"""Plain text for linux-mm mail: one wrapper.

The wrapper reflows paragraphs to at most 72 columns and never splits a
token: it breaks only at spaces (never after a hyphen), it keeps a math
atom such as ``K = 3`` or ``w[s] = s + s^2`` on one line (a token made only
of operator characters glues to its neighbours; a no-break space U+00A0 in
the input glues anything), and it indents continuation lines of list items
under the item's text. ``Pre`` blocks (commands, tables) are kept as they
are and only checked for width.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: linux-mm posts are read in 80-column terminals with quoting; 72 leaves room.
MAIL_WIDTH = 72

__all__ = [
    "NBSP",
    "Pre",
    "fill",
    "mail",
    "nb",
    "tokens",
]

#: a space the wrapper never breaks at (written out as a plain space)
NBSP = "\u00a0"
#: tokens of these characters only are operators: no line break beside them
_OPERATOR = re.compile(r"^[=+*/<>^~|&-]+$|^(<=|>=|==|!=|->)$")
#: a list item's marker: "- ", "* ", "1. ", "2) ", "[3] "
_ITEM = re.compile(r"^(\s*)([-*]|\d+[.)]|\[\d+\])\s+")


def nb(text: str) -> str:
    """``text`` with every space made unbreakable (one atom for the wrapper)."""
    return text.replace(" ", NBSP)


@dataclass(frozen=True)
class Pre:
    """Lines kept verbatim (a command, a table): checked, never reflowed."""

    text: str


def _groups(text: str) -> list[tuple[str, str]]:
    """The unbreakable groups of a paragraph as (gap before, group); a group
    keeps the spacing inside it, a gap is the spacing a line break drops."""
    out: list[tuple[str, str]] = []
    glue_next = False
    depth = 0  # open brackets of a math atom such as id^(1, 2) or w[s, t]
    pos = 0
    for m in re.finditer(r"[^ \t\n]+", text):
        gap, w = text[pos : m.start()], m.group()
        pos = m.end()
        op = bool(_OPERATOR.match(w.replace(NBSP, "")))
        if out and (op or glue_next):
            out[-1] = (out[-1][0], out[-1][1] + gap + w)
        else:
            out.append((gap, w))
            # a bracket opened inside a token (not prose's "(see"), left open
            depth = _open_inside(w)
            glue_next = op or depth > 0
            continue
        if depth > 0:
            depth += w.count("(") + w.count("[") - w.count(")") - w.count("]")
        glue_next = op or (depth > 0 and len(out[-1][1]) < 24)
    return out


def _open_inside(w: str) -> int:
    """Brackets left open by a token that opens one after its first character."""
    first = min((i for i in (w.find("("), w.find("[")) if i > 0), default=-1)
    if first < 0:
        return 0
    return w.count("(") + w.count("[") - w.count(")") - w.count("]")


def fill(text: str, width: int = MAIL_WIDTH, strict: bool = True) -> str:
    """One paragraph, greedily filled to ``width``; continuation lines of a
    list item are indented under its text, of an indented paragraph under
    its indent. A line that fits is returned as it is. A group wider than a
    line raises (``strict``), else stands alone on an overlong line: a token
    is never split."""
    m = _ITEM.match(text)
    if m:
        first = text[: m.end()]
        hang = " " * len(first)
        body = text[m.end() :]
    else:
        first = hang = text[: len(text) - len(text.lstrip(" "))]
        body = text.lstrip(" ")
    lines: list[str] = []
    cur = first
    fresh = True  # nothing but the indent on the current line yet
    todo = list(reversed(_groups(body)))
    while todo:
        gap, g = todo.pop()
        g = g.replace(NBSP, " ")
        if len(hang) + len(g) > width and " " in g.strip():
            # an atom longer than a line: break it between its tokens
            words = g.split(" ")
            todo += [(" ", x) for x in reversed(words[1:]) if x]
            g = words[0]
        if fresh:
            cur += g
            fresh = False
        elif len(cur) + len(gap) + len(g) <= width:
            cur += gap + g
        else:
            lines.append(cur)
            cur = hang + g
        if strict and len(cur) > width:
            raise ValueError(f"{g!r} does not fit {width} columns (after {len(hang)} of indent)")
    lines.append(cur)
    return "\n".join(ln.rstrip() for ln in lines)


def mail(blocks: Iterable[str | Pre], width: int = MAIL_WIDTH) -> str:
    """Blocks in order: a ``str`` is paragraphs, one per line ("" is a blank
    line), each reflowed by :func:`fill`; a :class:`Pre` is kept."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Pre):
            for n, ln in enumerate(b.text.rstrip("\n").split("\n"), 1):
                if len(ln) > width:
                    raise ValueError(
                        f"verbatim line {n} is {len(ln)} columns, allowed <= {width}: {ln!r}"
                    )
                out.append(ln.rstrip())
            continue
        for par in b.split("\n"):
            out.append(fill(par, width) if par.strip() else "")
    return "\n".join(out) + "\n"


def tokens(blocks: Iterable[str | Pre]) -> list[str]:
    """The whitespace tokens of ``blocks`` as the reader sees them (no-break
    spaces count as spaces): what :func:`mail` must keep whole and in order."""
    text = "\n".join(b.text if isinstance(b, Pre) else b for b in blocks)
    return text.replace(NBSP, " ").split()
