"""One rmap value (issue 20): constructions with certificates, the
mapcount word's spare bits, and bounds.

Every module here is self-contained; the encoding-family registry wraps
them (:mod:`rmaplab.encodings.convex`, :mod:`rmaplab.encodings.behrend`:
one family per construction, ``verify --encoding polygon``). The common
argument is :mod:`rmaplab.onevalue.packing` (points in convex position,
packed carry-free in mixed radix); the constructions are :mod:`.convex`
(parabola, lattice polygon, paraboloid over a disk or ball),
:mod:`.behrend` (sphere sets), :mod:`.mapcount_bits` (fields split between
the rmap value and the mapcount word) and :mod:`.summary` (``one_value``
and the tidy table).
"""

__all__: list[str] = []
