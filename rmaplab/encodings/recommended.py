"""The design the lab recommends, in one place: two words, the sum of ids and
the sum of squared ids (the ``moments`` family's default encoding), with its
closed-form rule, its largest proven-exact order and its written proof.

Modules that report on the recommendation (the id space, the report and its
post, the ``rmap-moments`` scheme) take it from here, so that none of them
names a family: if the recommendation changes, this module changes.

Scope of every statement: ids ``x`` in ``[1, 2^b - 1]``, unique among the mms
that map the folio, each word a ``W``-bit unsigned sum that wraps; the
proof is the variance bound of :func:`rmaplab.encodings.moments.moments_bound`.
"""

from __future__ import annotations

from ..config import MAX_ORDER
from ..mailtext import mail, nb
from .base import Encoding
from .moments import moments, moments_bound

__all__ = [
    "FAMILY",
    "WORD_BITS",
    "encoding",
    "largest_exact_order",
    "max_mappings",
    "proof_text",
    "rule",
]

#: the registered family of the recommended design
FAMILY = "moments"
#: its words on 64-bit kernels: two 64-bit sums
WORD_BITS = 64


def encoding(id_bits: int, word_bits: int = WORD_BITS) -> Encoding:
    """The recommended design's encoding for ``id_bits``-bit ids: the sum of
    ids and the sum of squared ids in ``word_bits``-bit words
    (what ``--encoding moments`` means)."""
    return moments(id_bits, word_bits)


def rule(id_bits: int, word_bits: int) -> int:
    """``W + 2 - 2b``: the order through which the variance bound proves two
    words (sum of ids, sum of squared ids) exact for ids in [1, 2^b - 1]."""
    return word_bits + 2 - 2 * id_bits


def largest_exact_order(id_bits: int, word_bits: int) -> int:
    """Largest folio order (<= MAX_ORDER) at which the design is proven exact
    by the verifier's variance certificate (:func:`moments_bound`): the first
    moment cannot wrap (others * span < 2^W) and fewer others than the
    bound's ``lower_bound_others`` fit in the folio. Equals :func:`rule`
    where that is in 2..MAX_ORDER (see :func:`proof_text`); 1 below (one
    other mapping cannot balance the first moment)."""
    b = moments_bound(1, (1 << id_bits) - 1, word_bits)
    best = 0
    for o in range(1, MAX_ORDER + 1):
        others = (1 << o) - 1
        if others >= b["lower_bound_others"] or others * b["span"] >= b["word_limit"]:
            break
        best = o
    return best


def max_mappings(id_bits: int, word_bits: int = WORD_BITS) -> int:
    """Largest total mapcount ``n`` for which the design is exact whatever
    the folio's size: then no word wraps (``n * (2**id_bits - 1)**2 <
    2**word_bits``), and with ``S1 = sum x``, ``S2 = sum x**2`` equal to
    ``n*a``, ``n*a**2`` the sum ``sum (x - a)**2 = S2 - 2*a*S1 + n*a**2 = 0``
    forces every mapping's id ``x`` to be the asker's ``a``: no false
    "exclusive". 24-bit ids in 64-bit words: n <= 65536, e.g. 128 mms each
    mapping all 512 pages of an order-9 folio."""
    m = (1 << id_bits) - 1
    return ((1 << word_bits) - 1) // (m * m)


def proof_text(id_bits: int, word_bits: int, order: int) -> str:
    """The argument for the moments design (words ``sum c*x`` and
    ``sum c*x^2``) with ``id_bits`` = b, ``word_bits`` = W, at ``order``:
    assumptions, hi/lo, the (hi - lo)^2/4 bound, the rule W + 2 - 2b.
    """
    b, W, o = int(id_bits), int(word_bits), int(order)
    if not (2 <= b <= W):
        raise ValueError(f"id_bits={b} is out of range: allowed 2..word_bits={W}")
    if o < 0:
        raise ValueError(f"order={o} is out of range: allowed >= 0")
    r = rule(b, W)
    hi = (1 << b) - 1
    P = 1 << o
    head = (
        f"Moments, {b}-bit ids, {W}-bit words, order {o} (P = {P} pages). "
        "Words: S1 = sum c*x and S2 = sum c*x^2 (mod 2^W) over the mms x "
        "mapping the folio, c = mappings of x. Check for mm X: n <= P, "
        "S1 == n*X and S2 == n*X^2.\n"
        "Assumptions: (a) ids are unique among live mms, lo <= x <= hi with "
        f"lo = 1, hi = 2^b - 1 = {hi}; (b) every count c >= 0 in a consistent "
        "snapshot (the seqcount provides it); (c) a PMD mapping counts as one "
        "mapping, so n <= P; (d) X maps >= 1 page."
    )
    arg = (
        "1. Let d = x - X over the other mms, N = sum c <= P - 1. The check "
        "passes iff sum c*d == 0 and sum c*d^2 == 0 (mod 2^W).\n"
        "2. |sum c*d| <= N*(hi - lo) < 2^W (step 5), so sum c*d = 0.\n"
        f"3. {nb('(hi - x)(x - lo) >= 0')} is "
        f"{nb('d^2 <= (hi + lo - 2X)*d + (hi - X)(X - lo)')}; summed with 2: "
        f"{nb('sum c*d^2 <= N*(hi - X)(X - lo) <= N*(hi - lo)^2/4')}.\n"
        "4. If another mm maps, sum c*d^2 > 0 and == 0 (mod 2^W), so "
        "N*(hi - lo)^2/4 >= 2^W.\n"
        f"5. (hi - lo)^2/4 = (2^(b-1) - 1)^2 < 2^(2b-2), so P <= 2^(W+2-2b) "
        "makes 4 impossible (and 2 hold: N*(hi - lo) < 2^(W+2-b) <= 2^W): "
        "exact through order W + 2 - 2b."
    )
    if o <= r:
        tail = [f"Here W + 2 - 2b = {r} >= {o}: order {o} is exact."]
    elif o <= 1:
        tail = [
            f"Here W + 2 - 2b = {r} < {o}, but order {o} is exact anyway: "
            "N <= P - 1 <= 1, and sum c*d = 0 (step 2) needs two other mms "
            "(d != 0 for each)."
        ]
    else:
        tail = [f"Here W + 2 - 2b = {r} < {o}: this argument does not cover order {o}."]
    return mail([head, arg, *tail])
