"""Behrend-type sphere sets in one value (issue 20) as the ``behrend``
family: :mod:`rmaplab.onevalue.behrend` picks the dimension ``k``, the box
``[-h, h]**k`` and the sphere ``sum v**2 = S`` for ``2**id_bits`` ids at
the design order (``max_order``); mm ``i`` gets the ``i``-th point of the
sphere, packed in mixed radix with ranges ``2h``. Certificate: the packing
lemma at every order up to the design order (points of one sphere are in
strictly convex position). Kernel plan: a table of every id's addend
(:mod:`.packing`); for ids over 16 bits the sphere's first points are
listed at once in the lexicographic order :func:`rmaplab.onevalue.behrend.unrank`
ranks them in.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..config import ConfigError, _check_int
from ..onevalue import behrend as _bh
from ..onevalue.packing import field_bases
from .base import Encoding, check_widths, register
from .packing import PackingFamily, packed_table

__all__ = ["behrend_encoding"]


def behrend_encoding(id_bits: int, word_bits: int, design_order: int) -> Encoding:
    """``2**id_bits`` ids on a sphere, one ``word_bits``-bit value, for
    folios of up to ``2**design_order`` pages."""
    id_bits, word_bits = check_widths(id_bits, word_bits)
    design_order = _check_int("design_order", design_order, 1, word_bits - 1)
    return Encoding("behrend", id_bits, word_bits, id_bits, (0,), (("design_order", design_order),))


#: Dimension of the sphere when no sphere fits the lemma (the addends then
#: wrap: the certificate refuses and the generic searches decide).
_FALLBACK_K = 6


@lru_cache(maxsize=32)
def _params(id_bits: int, word_bits: int, design_order: int) -> dict:
    """:func:`rmaplab.onevalue.behrend.params` where a sphere fits the lemma;
    else the smallest ``h`` whose best sphere in ``[-h, h]**6`` holds the ids."""
    prm = _bh.params(id_bits, word_bits, design_order)
    if prm is not None:
        return prm
    n, h = 1 << id_bits, 1
    while _bh.best_sphere(_FALLBACK_K, h)[1] < n:
        h *= 2
        if h > 1 << 12:
            raise ConfigError(f"id_bits={id_bits} is too wide for behrend: allowed <= 32")
    s, c = _bh.best_sphere(_FALLBACK_K, h)
    return {
        "k": _FALLBACK_K,
        "h": h,
        "S": s,
        "points": c,
        "id_bits": id_bits,
        "word_bits": word_bits,
        "order": design_order,
        "bases": field_bases([2 * h] * _FALLBACK_K, 1 << design_order),
    }


def _lex_points(k: int, h: int, s: int, n: int) -> np.ndarray:
    """The first ``n`` points (lexicographic, as ``unrank`` ranks them) of
    ``[-h, h]**k`` with sum of squares ``s``, int64 ``n x k``: one coordinate
    at a time, each prefix extended by every value in order that leaves a
    completion, cut where the completions reach ``n``."""
    tails = _bh._tails(k - 1, h, s)  # tails[j][r]: completions after coordinate j
    last = (np.arange(s + 1) == 0).astype(np.int64)
    vs = np.arange(-h, h + 1, dtype=np.int64)
    pre = np.zeros((1, 0), dtype=np.int64)
    rem = np.array([s], dtype=np.int64)
    for j in range(k):
        after = tails[j] if j < k - 1 else last
        r = rem[:, None] - vs[None, :] ** 2
        cnt = np.where(r >= 0, after[np.clip(r, 0, s)], 0)
        ip, iv = np.nonzero(cnt)  # row-major: prefix order, then value order
        keep = int(np.searchsorted(np.cumsum(cnt[ip, iv]), n)) + 1
        ip, iv = ip[:keep], iv[:keep]
        pre = np.concatenate([pre[ip], vs[iv][:, None]], axis=1)
        rem = r[ip, iv]
    if len(pre) < n:
        raise ValueError(f"S={s} holds {len(pre)} points of [-{h}, {h}]^{k}: fewer than {n}")
    return pre[:n]


class Behrend(PackingFamily):
    name = "behrend"
    description = "one value: points of one sphere sum v^2 = S in [-h, h]^k, packed"
    shorthand = "behrend: one value, ids on a sphere, packed (issue 20)"
    points_noun = "sphere points"
    rank = 21

    def encoding(self, id_bits: int, word_bits: int, design_order: int) -> Encoding:
        return behrend_encoding(id_bits, word_bits, design_order)

    def word_addend(self, enc: Encoding, k: int, v: int) -> int:
        prm = _params(enc.id_bits, enc.word_bits, enc.param("design_order"))
        return _bh.addend(v, prm)

    def addend_table(self, enc: Encoding) -> np.ndarray:
        prm = _params(enc.id_bits, enc.word_bits, enc.param("design_order"))
        pts = _lex_points(prm["k"], prm["h"], prm["S"], 1 << enc.id_bits)
        return packed_table(pts + prm["h"], prm["bases"], enc.word_bits)

    def lemma_certificate(self, enc: Encoding, design_order: int) -> dict | None:
        return _bh.certificate(enc.id_bits, enc.word_bits, design_order)

    def evidence(self, enc: Encoding, order: int, cert: dict) -> str:
        w = cert["words"][0]
        return (
            f"behrend: {cert['convex']['method']} in [-{cert['h']},{cert['h']}]^"
            f"{cert['k']}; prod((P_d-1) 2h + 1) <= 2^{w['need_bits']} <= "
            f"2^{enc.word_bits} (P_d = 2^{cert['design_order']}): exact, carry-free "
            f"sums, so the victim's point would be a convex combination of the "
            f"others': impossible; order {order} <= {cert['design_order']}"
        )

    def proof_body(self, cert: dict, order: int) -> list[str]:
        return list(_bh.proof_lines(cert))


register(Behrend())
