"""The peer schemes that answer "is this folio mapped exclusively by mm X?".

One interface, per folio: ``map(mm_id, mask, count)`` and ``unmap(mm_id, mask,
count)`` with ``mask`` the pages (bit i = page i) and ``count`` their number,
``shared(mm_id)`` the scheme's answer for a write fault by ``mm_id`` (True: copy,
False: reuse), ``bytes_per_folio`` and ``atomics_per_update``. Fork and exit
arrive as maps and unmaps (see :mod:`rmaplab.compare`). Sources: the WIP v1
series and its reply thread, and the MM-owner tracking merged in Linux 6.15,
as summarised in ``shared/reference/rmap-id.md`` section 3.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from .config import DEFAULT_CONFIG, ConfigError, RmapConfig
from .encodings import Encoding
from .folio import Folio

__all__ = ["SCHEMES", "make_scheme", "scheme_names"]


class Scheme(ABC):
    name = ""
    description = ""
    # every concrete scheme sets both (class or instance attribute)
    bytes_per_folio: int | None
    atomics_per_update: int

    def __init__(self, order: int, config: RmapConfig = DEFAULT_CONFIG):
        self.order = order
        self.pages = 1 << order

    @abstractmethod
    def map(self, mm_id: int, mask: int, count: int) -> None:
        """``mm_id`` maps the pages in ``mask`` (``count`` of them)."""

    @abstractmethod
    def unmap(self, mm_id: int, mask: int, count: int) -> None:
        """``mm_id`` unmaps the pages in ``mask`` (``count`` of them)."""

    @abstractmethod
    def shared(self, mm_id: int) -> bool:
        """The scheme's answer at a write fault by ``mm_id``: True means copy."""

    def state(self) -> str:
        return ""


class Truth(Scheme):
    name = "truth"
    description = "ground truth: which mm maps which pages"
    bytes_per_folio = None
    atomics_per_update = 0

    def __init__(self, order, config: RmapConfig = DEFAULT_CONFIG):
        super().__init__(order, config)
        self.pages_of: dict[int, int] = {}

    def map(self, mm_id, mask, count):
        self.pages_of[mm_id] = self.pages_of.get(mm_id, 0) | mask

    def unmap(self, mm_id, mask, count):
        left = self.pages_of.get(mm_id, 0) & ~mask
        if left:
            self.pages_of[mm_id] = left
        else:
            self.pages_of.pop(mm_id, None)

    def shared(self, mm_id):
        return any(other != mm_id for other in self.pages_of)

    def state(self):
        return " ".join(f"{m}:{bin(p).count('1')}" for m, p in sorted(self.pages_of.items()))


class Legacy(Scheme):
    """``folio_estimated_sharers``: the first page's mapcount > 1 means shared."""

    name = "legacy"
    description = "folio_estimated_sharers: mapcount of page 0 > 1"
    atomics_per_update = 1  # the per-page mapcount of each page (page 0 is one of them)

    def __init__(self, order, config: RmapConfig = DEFAULT_CONFIG):
        super().__init__(order, config)
        self.page0 = 0
        self.bytes_per_folio = 4 * self.pages  # the per-page mapcounts it reads

    def map(self, mm_id, mask, count):
        self.page0 += mask & 1

    def unmap(self, mm_id, mask, count):
        self.page0 -= mask & 1

    def shared(self, mm_id):
        return self.page0 > 1

    def state(self):
        return f"page0={self.page0}"


class TotalMapcount(Scheme):
    """First patches of the series: ``n > P`` is certainly shared; otherwise
    the answer is unknown, and a COW fault must copy (modelled as shared)."""

    name = "total-mapcount"
    description = "n > folio_nr_pages: shared; otherwise unknown (copy)"
    bytes_per_folio = 4
    atomics_per_update = 1

    def __init__(self, order, config: RmapConfig = DEFAULT_CONFIG):
        super().__init__(order, config)
        self.n = 0

    def map(self, mm_id, mask, count):
        self.n += count

    def unmap(self, mm_id, mask, count):
        self.n -= count

    def shared(self, mm_id):
        return True  # n > P: shared; n <= P: unknown, cannot reuse

    def state(self):
        return f"n={self.n}"


class OwnerCounter(Scheme):
    """ "pointer to owner vma, and a simple counter of non-owners" (reply
    thread), with the owner modelled as an mm_id: the mm that first maps the
    folio owns it for good; exclusive iff the asker is the owner and no
    non-owner mapping exists."""

    name = "owner-counter"
    description = "creating owner (an mm_id) + counter of non-owner mappings"
    bytes_per_folio = 8 + 4
    atomics_per_update = 1

    def __init__(self, order, config: RmapConfig = DEFAULT_CONFIG):
        super().__init__(order, config)
        self.owner = None
        self.others = 0

    def map(self, mm_id, mask, count):
        if self.owner is None:
            self.owner = mm_id
        if mm_id != self.owner:
            self.others += count

    def unmap(self, mm_id, mask, count):
        if mm_id != self.owner:
            self.others -= count

    def shared(self, mm_id):
        return not (mm_id == self.owner and self.others == 0)

    def state(self):
        return f"owner={self.owner} others={self.others}"


class MMOwner(Scheme):
    """Linux 6.15 ``CONFIG_MM_ID``: two (mm id, mapcount) slots, a "maybe
    mapped shared" bit and the total mapcount, under a per-folio bit lock;
    ``folio_maybe_mapped_shared``."""

    name = "mm-owner"
    description = "6.15 MM-owner slots + maybe-mapped-shared bit"
    bytes_per_folio = 2 * 4 + 2 * 4 + 4  # two ids, two mapcounts, total mapcount
    atomics_per_update = 3  # bit lock + unlock, total mapcount

    def __init__(self, order, config: RmapConfig = DEFAULT_CONFIG):
        super().__init__(order, config)
        self.ids = [0, 0]
        self.counts = [0, 0]
        self.maybe_shared = False
        self.total = 0

    def map(self, mm_id, mask, count):
        if mm_id in self.ids:
            self.counts[self.ids.index(mm_id)] += count
        elif 0 in self.ids:
            s = self.ids.index(0)
            self.ids[s] = mm_id
            self.counts[s] = count
            if self.total > 0:  # someone else already maps the folio
                self.maybe_shared = True
        self.total += count

    def unmap(self, mm_id, mask, count):
        self.total -= count
        freed = False
        if mm_id in self.ids:
            s = self.ids.index(mm_id)
            self.counts[s] -= count
            if self.counts[s] <= 0:  # zero, or below: the known corner case
                self.ids[s] = 0
                self.counts[s] = 0
                freed = True
        if freed or mm_id not in self.ids:
            # a free slot counts 0, so a fully unmapped folio clears the bit too
            if any(c == self.total for c in self.counts):
                self.maybe_shared = False

    def shared(self, mm_id):
        if self.total <= 1:
            return False
        return self.maybe_shared

    def state(self):
        slots = ", ".join(
            f"{i}:{c}" if i else "-" for i, c in zip(self.ids, self.counts, strict=False)
        )
        return f"[{slots}] bit={int(self.maybe_shared)} total={self.total}"


class BitCounters(Scheme):
    """One counter per id bit plus the total: exact, and large."""

    name = "bit-counters"
    description = "one counter per id bit (the intuition): exact"

    def __init__(self, order, config: RmapConfig = DEFAULT_CONFIG):
        super().__init__(order, config)
        self.id_bits = config.id_bits
        self.bytes_per_folio = 4 * (self.id_bits + 1)
        self.atomics_per_update = self.id_bits + 1  # worst case: every bit set
        self.n = 0
        self.bits = [0] * self.id_bits

    def _add(self, mm_id, c):
        self.n += c
        for b in range(self.id_bits):
            if (mm_id >> b) & 1:
                self.bits[b] += c

    def map(self, mm_id, mask, count):
        self._add(mm_id, count)

    def unmap(self, mm_id, mask, count):
        self._add(mm_id, -count)

    def shared(self, mm_id):
        return any(v != self.n * ((mm_id >> b) & 1) for b, v in enumerate(self.bits))


class RmapID(Scheme):
    """The WIP v1 rmap-ID scheme (:class:`rmaplab.folio.Folio`): the posted
    sub-IDs of ``config``'s group, or any ``encoding`` of the same ids."""

    name = "rmap-id"
    description = "WIP v1 rmap IDs: mapcount + K wrapping rmap values"

    def __init__(
        self, order, config: RmapConfig = DEFAULT_CONFIG, encoding: Encoding | None = None
    ):
        super().__init__(order, config)
        self.folio = Folio(encoding if encoding is not None else config, order)
        k = self.folio.encoding.nr_values
        # values (Encoding.bytes: K words of the smallest C type), mapcount, seqcount
        self.bytes_per_folio = self.folio.encoding.bytes + 4 + 4
        self.atomics_per_update = 1 + 2 + k

    def map(self, mm_id, mask, count):
        self.folio.map(mm_id, count)

    def unmap(self, mm_id, mask, count):
        self.folio.unmap(mm_id, count)

    def shared(self, mm_id):
        return self.folio.mapped_shared(mm_id)

    def state(self):
        return f"n={self.folio.mapcount} " + " ".join(f"{v:#x}" for v in self.folio.rmap_vals)


SCHEMES = {
    c.name: c for c in (Truth, Legacy, TotalMapcount, OwnerCounter, MMOwner, BitCounters, RmapID)
}


def scheme_names() -> list[str]:
    return list(SCHEMES)


def make_scheme(
    name: str, order: int, config: RmapConfig = DEFAULT_CONFIG, encoding: Encoding | None = None
) -> Scheme:
    """Scheme ``name`` for one folio of ``order``; ``encoding`` replaces the
    posted sub-IDs of the ``rmap-id`` scheme (the others ignore it)."""
    try:
        cls = SCHEMES[name]
    except KeyError:
        raise ConfigError(f"scheme={name!r} is unknown: allowed {', '.join(SCHEMES)}") from None
    if cls is RmapID:
        return RmapID(order, config, encoding)
    return cls(order, config)
