"""Points in convex position, packed carry-free: the lemma every
construction in :mod:`rmaplab.onevalue` is certified by.

**Lemma (exact).** Let ``Q`` be a finite set of points of ``Z^d`` in
strictly convex position (no point of ``Q`` is a convex combination of the
others), ``R_j = max_j - min_j`` its coordinate ranges, ``P = 2**order``.
Cut the ``d`` coordinates into groups, one per word ``k`` of ``W_k`` bits;
in group ``k`` the fields ``j_0, j_1, ...`` get mixed-radix bases
``B_{j_0} = 1``, ``B_{j_{i+1}} = B_{j_i} * ((P - 1) * R_{j_i} + 1)``, and
the addend of the mm whose point is ``p`` is, in word ``k``,
``a_k(p) = sum_i (p_{j_i} - min_{j_i}) * B_{j_i} mod 2**W_k``. If for every
word ``need_k = prod_i ((P - 1) * R_{j_i} + 1) <= 2**W_k``, then no victim
X (mapping ``c_X >= 1`` pages) and other mms (``c_Y >= 0``, ``1 <= sum
c_Y``, total ``n = c_X + sum c_Y <= P``) pass the check ``value_k == n *
a_k(X) (mod 2**W_k)`` for every k.

*Proof.* The check passes iff ``S_k = sum_Y c_Y (a_k(Y) - a_k(X)) == 0
(mod 2**W_k)`` for every k. Write ``s_j = sum_Y c_Y (p_j(Y) - p_j(X))``;
``|s_j| <= (P - 1) R_j`` since ``sum c_Y <= P - 1``. As integers ``S_k =
sum_i s_{j_i} B_{j_i}`` and ``|S_k| <= sum_i (P - 1) R_{j_i} B_{j_i} =
need_k - 1 < 2**W_k`` (the sum telescopes), so ``S_k = 0``. Then ``s_{j_0}
== 0 (mod B_{j_1})`` with ``|s_{j_0}| < B_{j_1}`` gives ``s_{j_0} = 0``;
divide by ``B_{j_1}`` and repeat: every ``s_j = 0``, i.e. ``p(X) = sum_Y
(c_Y / sum c) p(Y)``, a convex combination of other points of Q (every Y
with ``c_Y > 0`` is another mm, and distinct mms have distinct points).
Contradiction. The victim's own ``c_X`` cancels, so it may be anything
``>= 1`` with ``n <= P``.

The bound is tight for the lemma: if ``need_k > 2**W_k`` the argument
fails, and the tests show tiny sets where the check is then fooled.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

__all__ = [
    "assign_words",
    "field_bases",
    "fits",
    "lemma_lines",
    "need",
    "pack",
    "packing_certificate",
]


def need(ranges: Sequence[int], pages: int) -> int:
    """``prod ((P - 1) * R_j + 1)``: the word must be at least this large."""
    out = 1
    for r in ranges:
        out *= (pages - 1) * int(r) + 1
    return out


def fits(ranges: Sequence[int], pages: int, width: int) -> bool:
    return need(ranges, pages) <= 1 << width


def field_bases(ranges: Sequence[int], pages: int) -> list[int]:
    """Mixed-radix bases of the fields in the given order."""
    out, b = [], 1
    for r in ranges:
        out.append(b)
        b *= (pages - 1) * int(r) + 1
    return out


def pack(offsets: Sequence[int], bases: Sequence[int], width: int) -> int:
    """``sum offsets_j * bases_j mod 2**width`` (offsets are ``p_j - min_j``)."""
    return sum(int(o) * int(b) for o, b in zip(offsets, bases, strict=True)) % (1 << width)


def assign_words(
    ranges: Sequence[int], pages: int, widths: Sequence[int]
) -> list[list[int]] | None:
    """Fields ``0..d-1`` split into one group per word so that every group
    fits its word (``need <= 2**W``); the first split found with the
    largest slack in the first word, None if no split fits. Exhaustive over
    the ``len(widths)**d`` splits (d <= 8)."""
    d = len(ranges)
    if d > 8:
        raise ValueError(f"{d} fields: allowed at most 8")
    best: tuple[int, list[list[int]]] | None = None
    for choice in itertools.product(range(len(widths)), repeat=d):
        groups: list[list[int]] = [[] for _ in widths]
        for j, k in enumerate(choice):
            groups[k].append(j)
        if all(fits([ranges[j] for j in g], pages, w) for g, w in zip(groups, widths, strict=True)):
            slack = (1 << widths[0]) - need([ranges[j] for j in groups[0]], pages)
            if best is None or slack > best[0]:
                best = (slack, groups)
    return None if best is None else best[1]


def packing_certificate(
    ranges: Sequence[int], pages: int, widths: Sequence[int], groups: Sequence[Sequence[int]]
) -> dict | None:
    """The lemma's numbers for one split of the fields, None if a word is
    too narrow: per word its fields, bases and ``need <= 2**W``."""
    words = []
    used: list[int] = []
    for g, w in zip(groups, widths, strict=True):
        rs = [int(ranges[j]) for j in g]
        nd = need(rs, pages)
        if nd > 1 << w:
            return None
        words.append(
            {
                "word_bits": int(w),
                "fields": list(g),
                "bases": field_bases(rs, pages),
                "need": nd,
                "need_bits": (nd - 1).bit_length(),
            }
        )
        used += list(g)
    if sorted(used) != list(range(len(ranges))):
        raise ValueError(f"groups {groups} must split fields 0..{len(ranges) - 1}")
    return {"pages": pages, "ranges": [int(r) for r in ranges], "words": words}


def lemma_lines(cert: dict) -> list[str]:
    """The lemma applied to ``cert`` (plain text, <= 72 columns)."""
    p = cert["pages"]
    out = [
        f"Packing lemma, P = {p}: others number at most P - 1 = {p - 1};",
        "s_j = sum_Y c_Y (p_j(Y) - p_j(X)) has |s_j| <= (P-1) R_j.",
    ]
    for i, w in enumerate(cert["words"]):
        rs = [cert["ranges"][j] for j in w["fields"]]
        out.append(f"word {i} ({w['word_bits']} bits): fields {w['fields']}, ranges {rs}:")
        out.append(f"  prod((P-1)R_j+1) <= 2^{w['need_bits']} <= 2^{w['word_bits']}, so")
        out.append("  S == 0 mod 2^W, |S| < 2^W give S = 0, then every s_j = 0.")
    out.append("All s_j = 0 put p(X) in the hull of the others: impossible in")
    out.append("convex position. No fooling population with n <= P exists.")
    return out
