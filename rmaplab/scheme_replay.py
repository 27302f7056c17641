"""Replay a workload through the scheme objects on Python ints: the twins of
:mod:`rmaplab.compare`'s numba replays.

:func:`replay_schemes_python` counts each scheme's wrong answers while the
ground truth drives the workload; :func:`replay_costs_python` lets one
scheme's answers decide every write fault and counts what they cost. Both
walk the operations with one walker (:func:`_walk`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .config import DEFAULT_CONFIG, ConfigError
from .encodings import Encoding
from .folio import RmapError
from .schemes import SCHEMES, Scheme

__all__ = ["replay_costs_python", "replay_schemes_python", "scheme_encodings"]

#: Folio order one PMD maps with 4 KiB pages (x86-64: 2 MiB).
PMD_ORDER = 9


def rmap_encoding(order: int, encoding: Encoding | None) -> Encoding:
    """The rmap-id scheme's encoding: ``encoding``, or the default
    configuration's posted sub-IDs at ``order`` (:meth:`RmapConfig.encoding`;
    an entry point with another configuration resolves its own)."""
    if encoding is None:
        return DEFAULT_CONFIG.encoding(order)
    if not isinstance(encoding, Encoding):
        raise ConfigError(f"encoding={encoding!r}: allowed an rmaplab.encodings.Encoding")
    return encoding


def scheme_encodings(
    schemes: Sequence[str] | None, encoding: Encoding
) -> Iterator[tuple[str, type[Scheme], int, Encoding]]:
    """``(name, class, kernel row, encoding)`` of each scheme asked for
    (default: all but the ground truth), in order: the one walk over the
    schemes that the numba replays (:mod:`rmaplab.compare`) and their Python
    twins share. ``encoding`` is the rmap-id scheme's; a scheme that fixes
    its own (:meth:`rmaplab.schemes.Scheme.encoding_for`) gets that one."""
    from ._kernels.codes import SCHEME_ROWS

    for n in _names(schemes):
        cls = SCHEMES[n]
        yield n, cls, SCHEME_ROWS.index(cls.kernel_row or n), cls.encoding_for(encoding)


def _check_names(names, allowed) -> None:
    bad = [n for n in names if n not in allowed]
    if bad:
        raise ConfigError(f"scheme={bad[0]!r} is unknown: allowed {', '.join(SCHEMES)}")


def _mask(start: int, count: int) -> int:
    return ((1 << count) - 1) << start


def _names(schemes) -> list[str]:
    names = [n for n in (schemes or list(SCHEMES)) if n != "truth"]
    _check_names(names, SCHEMES)
    return names


def replay_schemes_python(
    ops: Sequence[tuple],
    order: int,
    schemes: Sequence[str] | None = None,
    encoding: Encoding | None = None,
) -> dict:
    """Replay ``ops`` (see :mod:`rmaplab.workloads`) through the scheme objects
    (Python ints); per-scheme counters, the twin of :func:`replay_schemes`.
    ``encoding``: the rmap-id scheme's encoding (default: the default
    configuration's posted sub-IDs at ``order``)."""
    return _replay_objects(ops, order, schemes, encoding=encoding)[0]


def _walk(ops, order: int, new_folio, cow, hook=None, on_step=None) -> dict:
    """Drive ``ops`` through per-folio scheme objects (``new_folio()``: a dict
    of schemes, ground truth ``"truth"`` among them); every map and unmap,
    a fork's and an exit's included, reaches each of a folio's schemes.

    ``cow(i, f, d, mm, a, event)`` handles a write fault and returns False
    when nothing faulted; ``hook(f, kind, mm, other, mask)`` sees each
    map/unmap/fork/exit before the schemes do. ``on_step(i, op, folios)``
    runs after each operation that changed or asked something. Returns the
    folios."""
    P = 1 << order
    folios: dict[int, dict] = {}

    def folio(f):
        if f not in folios:
            folios[f] = new_folio()
        return folios[f]

    def event(f, kind, mm, mask):
        if hook is not None:
            hook(f, kind, mm, mm, mask)
        for s in folios[f].values():
            getattr(s, kind)(mm, mask, _popcount(mask))

    for i, (kind, f, mm, a, b) in enumerate(ops):
        if kind in ("map", "unmap"):
            if a < 0 or b < 1 or a + b > P:
                raise RmapError(
                    f"op {i}: pages {a}..{a + b - 1} are out of range: allowed 0..{P - 1}"
                )
            mask = _mask(a, b)
            held = folio(f)["truth"].pages_of.get(mm, 0)
            if kind == "map" and held & mask:
                raise RmapError(
                    f"op {i}: mm {mm} already maps some of pages {a}..{a + b - 1} of folio {f}"
                )
            if kind == "unmap":
                mask &= held  # munmap of a range may cover pages already gone
                if not mask:
                    continue
            event(f, kind, mm, mask)
        elif kind in ("fork", "exit"):
            for f2, d in folios.items():
                pages = d["truth"].pages_of.get(mm, 0)
                if not pages:
                    continue
                if hook is not None:
                    hook(f2, kind, mm, a, pages)
                for s in d.values():
                    if kind == "fork":
                        s.map(a, pages, _popcount(pages))
                    else:
                        s.unmap(mm, pages, _popcount(pages))
        elif kind == "cow":
            if cow(i, f, folio(f), mm, a, event) is False:
                continue
        else:
            raise RmapError(f"op {i}: kind={kind!r} is unknown")
        if on_step is not None:
            on_step(i, (kind, f, mm, a, b), folios)
    return folios


def _replay_objects(
    ops,
    order: int,
    schemes=None,
    on_step=None,
    encoding: Encoding | None = None,
):
    """:func:`replay_schemes_python` that also returns every folio's scheme
    objects and calls ``on_step(i, op, folios)`` after each operation."""
    enc = rmap_encoding(order, encoding)
    runs = [(n, cls, e) for n, cls, _, e in scheme_encodings(schemes, enc)]
    names = [n for n, _, _ in runs]
    stats = {n: {"checks": 0, "false_exclusive": 0, "false_shared": 0} for n in names}

    def new_folio():
        return {"truth": SCHEMES["truth"](order, enc), **{n: c(order, e) for n, c, e in runs}}

    def cow(i, f, d, mm, a, event):
        if not (d["truth"].pages_of.get(mm, 0) >> a) & 1:
            return False  # the page was copied or unmapped earlier: no fault on this folio
        truly = d["truth"].shared(mm)
        for n in names:
            said = d[n].shared(mm)
            st = stats[n]
            st["checks"] += 1
            st["false_exclusive"] += (not said) and truly
            st["false_shared"] += said and not truly
        if truly:
            event(f, "unmap", mm, 1 << a)
        return True

    return stats, _walk(ops, order, new_folio, cow, on_step=on_step)


def _popcount(x: int) -> int:
    return bin(x).count("1")


def replay_costs_python(
    ops: Sequence[tuple],
    order: int,
    schemes: Sequence[str] | None = None,
    encoding: Encoding | None = None,
    pmd_order: int = PMD_ORDER,
) -> dict:
    """Per scheme, what its answers cost when they decide every write fault
    (counters ``COST_NAMES`` of :mod:`rmaplab._kernels.schemes`), replayed
    through the scheme objects on Python ints: the twin of
    :func:`replay_costs`. One replay per scheme: its answers change which
    pages stay mapped, so each scheme has its own history."""
    enc = rmap_encoding(order, encoding)
    return {
        n: _driven_python(ops, order, n, cls, e, enc, pmd_order)
        for n, cls, _, e in scheme_encodings(schemes, enc)
    }


def _driven_python(ops, order, name, cls, enc, truth_enc, pmd_order) -> dict:
    """One scheme's answers decide each write fault (the walk of
    :func:`_replay_objects`, plus writable pages and PMD mappings per folio)."""
    from ._kernels.schemes import COST_NAMES

    full = (1 << (1 << order)) - 1
    c = dict.fromkeys(COST_NAMES, 0)
    wr: dict[int, dict] = {}  # f -> writable {mm: mask}
    pmd: dict[int, set] = {}  # f -> mms mapping the folio with one PMD

    def new_folio():
        return {"truth": SCHEMES["truth"](order, truth_enc), name: cls(order, enc)}

    def hook(f, kind, mm, other, mask):
        w, p = wr.setdefault(f, {}), pmd.setdefault(f, set())
        if kind == "map":
            if order == pmd_order and mask == full:
                p.add(mm)  # one PMD maps the whole folio
        elif kind == "unmap":
            w[mm] = w.get(mm, 0) & ~mask
            p.discard(mm)  # a partial unmap splits the PMD first
        else:
            w.pop(mm, None)  # fork write-protects; exit drops everything
            if kind == "fork":
                w.pop(other, None)
                if mm in p:
                    p.add(other)
            else:
                p.discard(mm)

    def cow(i, f, d, mm, a, event):
        c["writes"] += 1
        truth, scheme = d["truth"], d[name]
        w, p = wr.setdefault(f, {}), pmd.setdefault(f, set())
        held = truth.pages_of.get(mm, 0)
        if not (held >> a) & 1 or (w.get(mm, 0) >> a) & 1:
            return False  # copied, unmapped, or writable already: no fault
        truly = truth.shared(mm)
        c["faults"] += 1
        if mm in p:
            if not truly:  # do_huge_pmd_wp_page, refcount == 1: reuse the PMD
                c["reuses"] += 1
                w[mm] = held
                return True
            c["pmd_splits"] += 1  # shared: split, then the PTE fault asks
            p.discard(mm)
        if scheme.shared(mm):
            c["copies"] += 1
            if not truly:
                c["needless_copies"] += 1
                c["broken_folios"] += held == full
            event(f, "unmap", mm, 1 << a)
        else:
            c["reuses"] += 1
            c["corruptions"] += truly
            w[mm] = w.get(mm, 0) | (1 << a)
        return True

    _walk(ops, order, new_folio, cow, hook)
    return c
