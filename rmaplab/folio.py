"""The folio model: total mapcount, K wrapping rmap values, and the check.

One :class:`Folio` is one large folio of a given order under one
:class:`~rmaplab.encodings.Encoding`. Given a configuration, the folio takes
the posted group of its order as a digits encoding
(:func:`rmaplab.encodings.from_config`, whose addends are the posted sub-IDs),
once, in ``__init__``; every later step computes through that encoding only.
Its state is what the WIP v1 series keeps per folio: the total mapcount ``n``
and ``K`` rmap values, unsigned words that wrap modulo ``2**word_bits`` (held
here as Python ints masked to the word, on purpose). Beside it, the model
keeps the ground truth the kernel does not have: how many mappings each mm
holds, so a wrong answer of the check is visible.

Operations follow the batched kernel code: mapping ``c`` pages for mm M adds
``c * addend_i(M)`` (the posted ``subid_i(M)`` under a configuration) to
value ``i`` (one add per value) and ``c`` to the mapcount; unmapping
subtracts.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import (
    DEFAULT_CONFIG,
    MAX_ORDER,
    ConfigError,
    Group,
    RmapConfig,
    _check_int,
    require_config,
)
from .encodings import Encoding

__all__ = ["MAX_MAPCOUNT", "CheckResult", "Folio", "RmapError", "replay"]

#: The kernel's total mapcount is an ``atomic_t``; the model refuses to go past it.
MAX_MAPCOUNT = (1 << 31) - 1


class RmapError(ConfigError):
    """An operation on a folio is invalid (e.g. unmapping more than is mapped)."""


@dataclass(frozen=True)
class CheckResult:
    """One ``folio_mapped_shared`` check with the ground truth beside it."""

    mm_id: int
    shared: bool  # what the rmap-ID check answers
    truly_shared: bool  # another mm maps at least one page
    mapcount: int
    rmap_vals: tuple[int, ...]
    expected: tuple[int, ...]  # mapcount * addend_i(mm_id) (subid_i), modulo the word
    reason: str

    @property
    def correct(self) -> bool:
        return self.shared == self.truly_shared

    @property
    def false_exclusive(self) -> bool:
        """The dangerous error: "exclusive" while another mm maps the folio."""
        return not self.shared and self.truly_shared


class Folio:
    """A large folio of ``order`` under ``model``: a resolved
    :class:`RmapConfig` (the posted group of ``order``, as
    ``from_config(model, order)``) or an :class:`Encoding`.

    ``encoding`` is what the folio computes with; ``config`` and ``group``
    are the configuration and its group for ``order`` when one was given,
    else None.
    """

    config: RmapConfig | None
    group: Group | None
    encoding: Encoding

    def __init__(self, model: RmapConfig | Encoding = DEFAULT_CONFIG, order: int = 9):
        if isinstance(model, Encoding):
            self.config, self.group = None, None
            self.order = _check_int("order", order, 0, MAX_ORDER)
            self.encoding = model
        else:
            self.config = require_config(model)
            self.group = self.config.group_for(order)
            self.order = int(order)
            self.encoding = self.config.encoding(self.order)
        self.nr_pages = 1 << self.order
        self.mask = self.encoding.mask
        self.mapcount = 0
        self.rmap_vals = [0] * self.encoding.nr_values
        self._counts: dict[int, int] = {}
        self._addends: dict[int, list[int]] = {}

    # -- helpers --------------------------------------------------------
    def check_id(self, mm_id: int, name: str = "mm_id") -> int:
        """``mm_id`` as an int if it is a valid id (``1..max_id``), else a
        :class:`ConfigError` naming ``name`` and the allowed range."""
        return _check_int(name, mm_id, 1, self.encoding.max_id)

    def addends(self, mm_id: int) -> list[int]:
        """The encoding's K addends of ``mm_id`` (validates the id). Under a
        configuration these are the posted sub-IDs."""
        return list(self._addends_of(self.check_id(mm_id)))

    subids = addends

    def _addends_of(self, mm_id: int) -> list[int]:
        """:meth:`addends` of an id already validated, cached per folio."""
        s = self._addends.get(mm_id)
        if s is None:
            s = self._addends[mm_id] = self.encoding.addends(mm_id)
        return s

    def _count(self, name: str, count) -> int:
        return _check_int(name, count, 1, MAX_MAPCOUNT)

    def _add(self, mm_id: int, c: int) -> None:
        """Signed update of ``c`` mappings: one add per value, wrapping."""
        s = self._addends_of(mm_id)
        m = self.mask
        self.rmap_vals = [(v + c * x) & m for v, x in zip(self.rmap_vals, s, strict=False)]
        self.mapcount += c
        left = self._counts.get(mm_id, 0) + c
        if left:
            self._counts[mm_id] = left
        else:
            self._counts.pop(mm_id, None)

    # -- operations -----------------------------------------------------
    def map(self, mm_id: int, count: int = 1) -> Folio:
        """Map ``count`` pages (PTEs) of this folio into ``mm_id``."""
        mm_id = self.check_id(mm_id, "mm_id")
        count = self._count("count", count)
        if self.mapcount + count > MAX_MAPCOUNT:
            raise RmapError(
                f"count={count} would take the folio mapcount to "
                f"{self.mapcount + count}: allowed total <= {MAX_MAPCOUNT} (atomic_t)"
            )
        self._add(mm_id, count)
        return self

    def unmap(self, mm_id: int, count: int = 1) -> Folio:
        """Unmap ``count`` pages of this folio from ``mm_id``."""
        mm_id = self.check_id(mm_id, "mm_id")
        count = self._count("count", count)
        held = self._counts.get(mm_id, 0)
        if count > held:
            raise RmapError(
                f"count={count} unmaps more than mm {mm_id} maps: "
                f"allowed [1, {held}] for this folio"
                if held
                else f"count={count}: mm {mm_id} maps no page of this folio, nothing to unmap"
            )
        self._add(mm_id, -count)
        return self

    def fork(self, parent: int, child: int) -> Folio:
        """``fork()``: the new mm ``child`` gets a copy of ``parent``'s mappings."""
        parent = self.check_id(parent, "parent")
        child = self.check_id(child, "child")
        if child == parent:
            raise RmapError(f"child={child} must differ from parent={parent}")
        if self._counts.get(child):
            raise RmapError(
                f"child={child} already maps {self._counts[child]} pages: a "
                "forked mm starts with none (ids are unique while in use)"
            )
        held = self._counts.get(parent, 0)
        if held:
            self.map(child, held)
        return self

    def exit(self, mm_id: int) -> Folio:
        """``exit()`` or ``execve()``: drop every mapping ``mm_id`` holds."""
        mm_id = self.check_id(mm_id, "mm_id")
        held = self._counts.get(mm_id, 0)
        if held:
            self._add(mm_id, -held)
        return self

    exec = exit

    # -- the check ------------------------------------------------------
    def expected(self, mm_id: int) -> list[int]:
        """What the values would be if ``mm_id`` held all ``mapcount``
        mappings: ``mapcount * addend_k(mm_id)`` modulo the word."""
        n = self.mapcount
        return [(n * x) & self.mask for x in self._addends_of(self.check_id(mm_id))]

    def mapped_shared(self, mm_id: int) -> bool:
        """``__folio_large_mapped_shared`` for ``mm_id``: the kernel's answer.

        More mappings than pages (``mapcount > folio_nr_pages``) means shared;
        otherwise exclusive iff every value equals ``mapcount * addend``
        (``subid`` under a configuration) modulo the word.
        """
        mm_id = self.check_id(mm_id, "mm_id")
        if self.mapcount > self.nr_pages:
            return True
        return self.rmap_vals != self.expected(mm_id)

    def mapped_exclusively(self, mm_id: int) -> bool:
        return not self.mapped_shared(mm_id)

    def truth(self) -> dict[int, int]:
        """Ground truth: mm id -> number of mappings it holds (mms with none omitted)."""
        return dict(sorted(self._counts.items()))

    def truly_shared(self, mm_id: int) -> bool:
        """True iff an mm other than ``mm_id`` maps at least one page."""
        mm_id = self.check_id(mm_id, "mm_id")
        return any(other != mm_id for other in self._counts)

    def check(self, mm_id: int) -> CheckResult:
        """The check with its evidence and the ground truth.

        The kernel asks ``folio_mapped_shared`` at a write fault of an mm that
        maps a page of the folio; for an mm that maps none, "exclusive" (or
        "shared") would describe nothing, so this raises :class:`RmapError`.
        :meth:`mapped_shared` still gives the arithmetic's bare answer.
        """
        mm_id = self.check_id(mm_id, "mm_id")
        if not self._counts.get(mm_id):
            raise RmapError(
                f"mm_id={mm_id} maps no page of this folio: the check is asked for an "
                "mm that maps at least 1 page (map it first)"
            )
        shared = self.mapped_shared(mm_id)
        exp = self.expected(mm_id)
        if self.mapcount > self.nr_pages:
            reason = f"mapcount {self.mapcount} > folio_nr_pages {self.nr_pages}"
        elif shared:
            bad = [i for i, (v, e) in enumerate(zip(self.rmap_vals, exp, strict=True)) if v != e]
            reason = f"value(s) {bad} differ from mapcount * {self._addend_name}"
        else:
            reason = f"every value equals mapcount * {self._addend_name}"
        return CheckResult(
            mm_id=int(mm_id),
            shared=shared,
            truly_shared=self.truly_shared(mm_id),
            mapcount=self.mapcount,
            rmap_vals=tuple(self.rmap_vals),
            expected=tuple(exp),
            reason=reason,
        )

    @property
    def _addend_name(self) -> str:
        return "addend" if self.config is None else "subid"

    def __repr__(self) -> str:
        vals = ", ".join(f"{v:#x}" for v in self.rmap_vals)
        model = "" if self.config is None else f"{self.config.name!r}, "
        return (
            f"Folio({model}encoding={self.encoding.describe()!r}, order={self.order}, "
            f"mapcount={self.mapcount}, rmap_vals=[{vals}], truth={self.truth()})"
        )


def replay(enc: Encoding, order: int, counterexample: dict) -> CheckResult:
    """Map every ``[id, count]`` of ``counterexample["mappings"]`` (the
    victim's own entry included) into a :class:`Folio` of ``order`` under
    ``enc``, then check the victim: any counterexample replays to a wrong
    "exclusive" with no other input."""
    f = Folio(enc, order)
    for mm, c in counterexample["mappings"]:
        f.map(mm, c)
    return f.check(counterexample["victim"])
