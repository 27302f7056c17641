"""The layout of the seqcount word: shared-writer count, exclusive bit, sequence.

As posted (``raw_atomic_seqcount_t``, ``../shared/reference/rmap-id.md``):

* 64-bit: bits 0..15 count shared writers, bit 16 is the exclusive writer,
  the sequence advances in steps of ``2**17`` (47 sequence bits);
* 32-bit: bits 0..6 count shared writers, bit 7 is the exclusive writer,
  steps of ``2**8`` (24 sequence bits).

Narrow layouts (``--seq-bits N --writer-bits N``) make the two bounds the
design relies on reachable by the explorer:

* **sequence wrap**: the reader accepts its snapshot when the word it reads
  after the data equals the one it read before. ``2**seq_bits`` write
  sections completed in between bring the word back to the same value;
* **writer-count overflow**: ``2**writer_bits`` shared writers inside their
  sections at once carry into the exclusive bit (setting it with no exclusive
  writer, or clearing it under one).

:func:`layout_bounds` derives what the real layouts need for either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import ConfigError

if TYPE_CHECKING:  # pandas loads where a frame is built: `race --list` needs none
    import pandas as pd

__all__ = [
    "LAYOUTS",
    "PACKED_WRITERS",
    "READER_FIELDS",
    "WRITER_FIELDS",
    "Layout",
    "field_shifts",
    "get_layout",
    "layout_bounds",
    "layout_note",
]

# -- the packed state's small fields ------------------------------------------------
# One table for the packed-state explorer (rmaplab._kernels.race) and the
# conversion of model states to rows and back (rmaplab.race.packed): each
# field of a writer's and of the reader's tuple state (rmaplab.race.model) that
# packs into the row's last word, as (name, bits), low bits first. Writers
# sit at bits 0, W, 2W, ... (W the writer fields' total), the reader above
# the last of PACKED_WRITERS; the widths bound what a packed state holds
# (rmaplab._kernels.race.pack_limits).

#: op (index of the writer's current op), stage, pc (body step), exclusive
WRITER_FIELDS: tuple[tuple[str, int], ...] = (("op", 3), ("stage", 3), ("pc", 4), ("excl", 1))
#: stage, value index i, answer, started, all_shared, all_exclusive,
#: x_maps (mm-owner), and the mapcount read (biased by half its range)
READER_FIELDS: tuple[tuple[str, int], ...] = (
    ("stage", 3),
    ("i", 3),
    ("ans", 2),
    ("started", 1),
    ("all_sh", 1),
    ("all_ex", 1),
    ("xm", 1),
    ("rn", 16),
)
#: writers a packed state holds
PACKED_WRITERS = 3


def field_shifts(fields: tuple[tuple[str, int], ...]) -> dict[str, tuple[int, int]]:
    """name -> (shift, bits) of each field of ``fields``, packed low bits first."""
    out, at = {}, 0
    for name, bits in fields:
        out[name] = (at, bits)
        at += bits
    return out


@dataclass(frozen=True)
class Layout:
    """One word layout: ``writer_bits`` count shared writers, the next bit is
    the exclusive writer, ``seq_bits`` above it hold the sequence."""

    writer_bits: int
    seq_bits: int
    name: str = ""

    @property
    def excl(self) -> int:
        return 1 << self.writer_bits

    @property
    def writers_mask(self) -> int:
        return (1 << (self.writer_bits + 1)) - 1

    @property
    def seq_step(self) -> int:
        return 1 << (self.writer_bits + 1)

    @property
    def word_bits(self) -> int:
        return self.writer_bits + 1 + self.seq_bits

    @property
    def word_mask(self) -> int:
        return (1 << self.word_bits) - 1

    @property
    def label(self) -> str:
        return self.name or f"w{self.writer_bits}s{self.seq_bits}"

    def spec(self) -> dict:
        return {
            "name": self.label,
            "writer_bits": self.writer_bits,
            "seq_bits": self.seq_bits,
            "word_bits": self.word_bits,
        }


LAYOUTS: dict[str, Layout] = {
    "64": Layout(16, 47, "64"),
    "32": Layout(7, 24, "32"),
}


def get_layout(
    layout: Layout | str | int | None = None,
    seq_bits: int | None = None,
    writer_bits: int | None = None,
) -> Layout:
    """The layout named ``layout`` (``64``, the default, or ``32``), with its
    sequence or writer-count width narrowed when given."""
    if isinstance(layout, Layout):
        base = layout
    else:
        key = "64" if layout is None else str(layout)
        if key not in LAYOUTS:
            raise ConfigError(f"layout={layout!r} is unknown: allowed {', '.join(LAYOUTS)}")
        base = LAYOUTS[key]
    if seq_bits is None and writer_bits is None:
        return base
    wb = base.writer_bits if writer_bits is None else writer_bits
    sb = base.seq_bits if seq_bits is None else seq_bits
    for name, v, hi in (("writer-bits", wb, 16), ("seq-bits", sb, 47)):
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= hi:
            raise ConfigError(f"{name}={v!r} is out of range: allowed 1..{hi}")
    # 16 + 1 + 47 = 64: every combination fits one 64-bit word
    return Layout(wb, sb)


def layout_bounds(section_ns: float = 100.0) -> pd.DataFrame:
    """Per real layout: write sections that wrap the sequence, and concurrent
    shared writers that overflow the count, with what each would take.

    Assumptions, stated: a false "exclusive" by wrap needs ``2**seq_bits``
    write sections on this folio to complete while one reader sits between
    its two loads of the word, i.e. the reader is preempted (vCPU preemption,
    PREEMPT_RT) for ``2**seq_bits * section_ns`` ns; ``section_ns`` is the time
    of one (un)map's write section (default 100 ns, an assumption, not a
    measurement). The overflow needs ``2**writer_bits`` shared writers inside
    their sections at the same moment; writers run with preemption disabled,
    so each CPU holds at most one: it needs that many CPUs at once.
    """
    import pandas as pd

    return pd.DataFrame(_bound_rows(section_ns))


def _bound_rows(section_ns: float) -> list[dict]:
    if not section_ns > 0:
        raise ConfigError(f"section_ns={section_ns!r} is out of range: allowed > 0")
    rows = []
    for name, lay in LAYOUTS.items():
        sections = 1 << lay.seq_bits
        seconds = sections * section_ns * 1e-9
        rows.append(
            {
                "layout": name,
                "writer_bits": lay.writer_bits,
                "seq_bits": lay.seq_bits,
                "sections_to_wrap": sections,
                "reader_stall_s": seconds,
                "writers_to_overflow": 1 << lay.writer_bits,
                "section_ns": section_ns,
            }
        )
    return rows


def _duration(s: float) -> str:
    for unit, size in (("days", 86400.0), ("hours", 3600.0), ("min", 60.0)):
        if s >= size:
            return f"{s / size:.3g} {unit}"
    return f"{s:.3g} s"


def layout_note(section_ns: float = 100.0) -> str:
    """Plain-text closing note on the two bounds (what the report prints)."""
    lines = []
    for r in _bound_rows(section_ns):  # rows, not a frame: `race --list` loads no pandas
        lines.append(
            f"{r['layout']}-bit word: the sequence wraps after 2^{r['seq_bits']} = "
            f"{r['sections_to_wrap']:,} write sections; at {section_ns:g} ns each a "
            f"reader must stall {_duration(r['reader_stall_s'])} between its two loads "
            f"of the word. The writer count overflows with 2^{r['writer_bits']} = "
            f"{r['writers_to_overflow']:,} shared writers in their sections at once "
            "(one per CPU: preemption is off there)."
        )
    return "\n".join(lines)
