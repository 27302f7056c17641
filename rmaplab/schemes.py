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

from .config import DEFAULT_CONFIG, ConfigError
from .encodings import Encoding, recommended
from .folio import Folio

__all__ = [
    "SCHEMES",
    "make_scheme",
    "scheme_names",
]


class Scheme(ABC):
    name = ""
    description = ""
    # every concrete scheme sets both (class or instance attribute)
    bytes_per_folio: int | None
    atomics_per_update: int
    #: The kernel row (:data:`rmaplab._kernels.codes.SCHEME_ROWS`) that
    #: replays this scheme, with the encoding :meth:`encoding_for` gives.
    kernel_row = ""

    def __init__(self, order: int, encoding: Encoding | None = None):
        self.order = order
        self.pages = 1 << order
        # the rmap-id scheme's encoding (ids and their width); the schemes
        # that keep no rmap values read at most its id width
        self.encoding = encoding

    @classmethod
    def encoding_for(cls, encoding: Encoding) -> Encoding:
        """The encoding this scheme replays with when the rmap-id scheme's
        is ``encoding``: the same, unless the scheme fixes its own."""
        return encoding

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

    def __init__(self, order, encoding: Encoding | None = None):
        super().__init__(order, encoding)
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

    def __init__(self, order, encoding: Encoding | None = None):
        super().__init__(order, encoding)
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

    def __init__(self, order, encoding: Encoding | None = None):
        super().__init__(order, encoding)
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

    def __init__(self, order, encoding: Encoding | None = None):
        super().__init__(order, encoding)
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
    """Linux 6.15 ``CONFIG_MM_ID`` (MM-owner tracking for large folios), as
    merged: two (mm id, mapcount) slots, a "maybe mapped shared" bit and the
    total mapcount, updated under a per-folio bit spinlock.

    Kernel function -> this model (behaviour read from the merged source,
    ``include/linux/rmap.h``, ``include/linux/mm.h``, ``mm/memory.c``):

    ``folio_add_return_large_mapcount`` -> :meth:`map`
        total += count. If the mm owns slot 0 or slot 1, that slot's count
        grows. Else the first free slot (``MM_ID_DUMMY``, id 0 here) is taken
        with ``count``: slot 0 sets the bit iff others already map the folio
        (the total before was > 0); slot 1 sets the bit unconditionally
        (slot 0 is occupied, so someone else maps it). No free slot: only
        the total changes. (The 32-bit per-slot overflow path is not
        modelled: ids and counts are the 64-bit kernel's.)
    ``folio_sub_return_large_mapcount`` -> :meth:`unmap`
        total -= count. If the mm owns a slot, its count drops; still > 0:
        done (the bit is left alone). Reaching 0 *or going below* (the
        merged comment's "valid corner case": mappings made while no slot
        was free, unmapped after the mm took a slot) frees the slot. After
        a freed slot, or an unmap by an mm without a slot, the bit is
        cleared iff one slot's count equals the new total (a free slot
        counts 0, so an unmapped folio clears it too).
    ``folio_maybe_mapped_shared`` -> :meth:`shared`
        total mapcount <= 1: "exclusive" whatever the bit says; else the
        bit (set: maybe shared, clear: certainly exclusive).
    ``folio_mm_id`` / ``folio_set_mm_id`` -> ``ids[s]`` (0 = free).
    ``folio_set_large_mapcount`` (a new anon folio's first mapping, slot 0,
    no lock) -> :meth:`map` on an unmapped folio (same result).
    ``folio_lock_large_mapcount`` / ``folio_unlock_large_mapcount`` (bit
    spinlock in ``_mm_ids``) -> not modelled here (updates are sequential);
    counted in ``atomics_per_update``; the race explorer models them.
    ``mm->mm_id`` (31-bit ida from 1; 0 is ``MM_ID_DUMMY``) -> the mm ids
    of :mod:`rmaplab.workloads` (lowest free from 1).
    ``__wp_can_reuse_large_anon_folio`` (the COW-reuse decision for a
    PTE-mapped large anon folio, reached from ``wp_can_reuse_anon_folio``)
        reuses iff large mapcount > 1, bit clear, and refcount == mapcount
        (rechecked under the bit lock). The lab's write fault uses
        :meth:`shared` (the query) and differs in three ways, on purpose:
        (1) mapcount <= 1: the merged fault copies the lone page to free the
        large folio; the lab reuses it (a policy copy, the same for every
        design, not caused by an answer, so never counted as needless);
        (2) refcount == mapcount: the lab has no references other than
        mappings (no GUP pins, no swap cache, no LRU batches), so this
        always holds; a pinned or swap-cached folio would copy in the
        kernel; (3) a PMD-mapped THP faults through ``do_huge_pmd_wp_page``,
        which decides by ``PageAnonExclusive`` / refcount == 1 and splits
        the PMD when it cannot reuse; the lab asks every design the same
        question there and counts the split (:mod:`rmaplab.compare`).
    Counting: the kernel adds 1 per PTE and 1 per PMD mapping; the lab adds
    1 per page mapped (a PMD mapping counts its ``2**order`` pages), which
    only changes the ``total <= 1`` shortcut for a lone PMD mapping (whose
    bit is clear anyway: one mm, slot count == total).

    So it never says "exclusive" wrongly and says "shared" wrongly once two
    slot owners leave while a slot-less mm still maps two or more pages.
    """

    name = "mm-owner"
    description = "6.15 MM-owner slots + maybe-mapped-shared bit"
    bytes_per_folio = 2 * 4 + 2 * 4 + 4  # two ids, two mapcounts, total mapcount
    atomics_per_update = 3  # bit lock + unlock, total mapcount

    def __init__(self, order, encoding: Encoding | None = None):
        super().__init__(order, encoding)
        self.ids = [0, 0]
        self.counts = [0, 0]
        self.maybe_shared = False
        self.total = 0

    def map(self, mm_id, mask, count):
        others = self.total > 0
        self.total += count
        if mm_id in self.ids:
            self.counts[self.ids.index(mm_id)] += count
        elif self.ids[0] == 0:
            self.ids[0], self.counts[0] = mm_id, count
            if others:
                self.maybe_shared = True
        elif self.ids[1] == 0:
            self.ids[1], self.counts[1] = mm_id, count
            self.maybe_shared = True  # slot 0 is taken: someone else maps it

    def unmap(self, mm_id, mask, count):
        self.total -= count
        if mm_id in self.ids:
            s = self.ids.index(mm_id)
            self.counts[s] -= count
            if self.counts[s] > 0:
                return  # the owner still maps pages: the bit is left alone
            self.ids[s] = 0  # zero, or below: the known corner case
            self.counts[s] = 0
        # a free slot counts 0, so a fully unmapped folio clears the bit too
        if self.total in self.counts:
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

    def __init__(self, order, encoding: Encoding | None = None):
        super().__init__(order, encoding)
        self.id_bits = encoding.id_bits if encoding is not None else DEFAULT_CONFIG.id_bits
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
    sub-IDs of a configuration's group (:meth:`rmaplab.config.RmapConfig.encoding`),
    or any other ``encoding`` of the same ids."""

    name = "rmap-id"
    description = "WIP v1 rmap IDs: mapcount + K wrapping rmap values"

    def __init__(self, order, encoding: Encoding | None = None):
        super().__init__(order, encoding)
        self.folio = Folio(encoding if encoding is not None else DEFAULT_CONFIG, order)
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


class RmapMoments(RmapID):
    """The rmap-ID scheme with the lab's recommended encoding
    (:mod:`rmaplab.encodings.recommended`): the total mapcount, the sum of
    ids and the sum of squared ids (the streaming "1-sparse" test) of the
    rmap-id encoding's ids (24-bit in wip-v1) in two 64-bit words; exact
    while the total mapcount is at most
    :func:`rmaplab.encodings.recommended.max_mappings` (proof in its
    docstring): 65536 for 24-bit ids, e.g. 128 mms each mapping all 512
    pages of an order-9 folio; compare's default runs (8 processes) keep at
    most a dozen mms on a folio. For wider ids the bound shrinks (31-bit: 4
    mappings) and exactness is not claimed."""

    name = "rmap-moments"
    description = "rmap IDs, moments: mapcount + sum of ids + sum of squared ids"
    kernel_row = "rmap-id"  # the rmap-id row, replayed with its own encoding

    def __init__(self, order, encoding: Encoding | None = None):
        base = encoding if encoding is not None else DEFAULT_CONFIG.encoding(order)
        super().__init__(order, self.encoding_for(base))

    @classmethod
    def encoding_for(cls, encoding: Encoding) -> Encoding:
        """The recommended design for ``encoding``'s ids: the sum of ids and
        the sum of squared ids in 64-bit words
        (:func:`rmaplab.encodings.recommended.encoding`, what
        ``--encoding moments`` means), whatever the rmap-id scheme's."""
        return recommended.encoding(encoding.id_bits)


SCHEMES = {
    c.name: c
    for c in (
        Truth,
        Legacy,
        TotalMapcount,
        OwnerCounter,
        MMOwner,
        BitCounters,
        RmapID,
        RmapMoments,
    )
}


def scheme_names() -> list[str]:
    return list(SCHEMES)


def make_scheme(name: str, order: int, encoding: Encoding | None = None) -> Scheme:
    """Scheme ``name`` for one folio of ``order``; ``encoding`` is the rmap-id
    scheme's (default: the default configuration's posted sub-IDs at
    ``order``); a scheme that fixes its own encoding
    (:meth:`Scheme.encoding_for`) takes the ids from it."""
    try:
        cls = SCHEMES[name]
    except KeyError:
        raise ConfigError(f"scheme={name!r} is unknown: allowed {', '.join(SCHEMES)}") from None
    return cls(order, encoding)
