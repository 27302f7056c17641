"""The id space (issue 19 item 3): how wide an mm id may be for each design
to stay exact, against the id widths the kernel actually has.

Per design, the largest folio order at which the check is *proven* exact,
as a function of the id width b (ids 1..2^b - 1) and the word width W:

* ``moments`` (2 words: sum of ids, sum of squared ids): the verifier's
  variance certificate (:func:`rmaplab.encodings.moments.moments_bound`);
  it equals the rule ``W + 2 - 2b`` (:func:`rmaplab.encodings.recommended.rule`)
  where that is in 2..MAX_ORDER, and 1 below (one other mapping cannot
  balance the first moment);
* ``digits-k3`` (3 words, the posted order-9 group's K): base-(P + 1)
  digits of B = ceil(b / 3) id bits per value, carry-free while
  ``(P + 1)^B <= 2^W`` (the series' rule; the verifier proves it safe there
  and finds a counterexample one order above, tests/test_idspace.py);
* ``one-value`` (1 word): the best construction of :mod:`rmaplab.onevalue`
  whose packing-lemma certificate holds: the paraboloids by their closed
  form at every order, the other constructions from the shipped table
  ``rmaplab/data/one_value_table.csv`` (orders 4..16, 32- and 64-bit words).

Order 0 (one page: only the victim can map it) is exact for every design.
Nothing here searches: each cell is a certificate's inequality, so the
table is the same on every machine and takes well under a second.
"""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd

from .config import MAX_ORDER
from .encodings import recommended

__all__ = [
    "DESIGNS",
    "ID_WIDTHS",
    "LIFETIME",
    "digits_k3_largest_order",
    "id_space_table",
    "id_space_text",
    "one_value_largest_order",
    "thirty_two_bit_text",
]

#: the designs of the table: name -> (words, what it is)
DESIGNS = {
    "moments": (2, "sum of ids and sum of squared ids"),
    "digits-k3": (3, "posted digits, K = 3, base P + 1 (v1's order-9 group)"),
    "one-value": (1, "best one-word construction (packing lemma)"),
}
#: the id widths that matter, and why (the kernel's own numbers)
ID_WIDTHS = {
    15: "6.15 mm_id on 32-bit (unsigned short, top bit a flag)",
    16: "v1's 32-bit sketch",
    22: "PID_MAX_LIMIT on 64-bit (4M tasks)",
    24: "rmap-ID v1 (64-bit)",
    31: "6.15 mm_id on 64-bit (unsigned int, top bit a flag)",
}
#: id widths and word widths of the default table
ID_BITS = tuple(range(8, 33))
WORD_BITS = (64, 32)


def digits_k3_largest_order(id_bits: int, word_bits: int) -> int:
    """Largest order o (<= MAX_ORDER) with ``(2^o + 1)^B <= 2^W``, B = ceil(b / 3):
    3 base-(P + 1) digit values stay carry-free (-1: not even order 0)."""
    bits = -(-id_bits // 3)
    best = -1
    for o in range(MAX_ORDER + 1):
        if ((1 << o) + 1) ** bits > 1 << word_bits:
            break
        best = o
    return best


@lru_cache(maxsize=1)
def _shipped() -> dict[tuple[int, int], dict[str, int]]:
    """(word_bits, order) -> construction -> largest id bits, from the table."""
    from .onevalue.summary import load_table

    df = load_table()
    df = df[df["mapcount_bits"] == 0]
    return {
        (int(r.word_bits), int(r.order)): json.loads(r.per_construction) for r in df.itertuples()
    }


#: (word_bits, paraboloid, order) -> narrowest id width known to fail there
_FAILS: dict[tuple[int, str, int], int] = {}


def one_value_largest_order(id_bits: int, word_bits: int) -> tuple[int, str | None]:
    """Largest order (<= MAX_ORDER) at which some one-word construction's
    packing certificate holds for ``2^id_bits`` ids, and that construction
    (order 0 and None when none holds at order 1).

    The shipped table (orders 4..16, 32- and 64-bit words, every
    construction) answers inside its orders; outside them the paraboloids
    are checked by the certificate of :func:`rmaplab.onevalue.convex.params`
    on their closed-form ranges (a cell beyond the table counts the
    paraboloids only). The certificate needs more room at a larger order,
    so an order that holds implies every smaller one, and the first order
    that fails ends the scan."""
    from .onevalue import convex
    from .onevalue.packing import assign_words

    shipped = _shipped()
    ranges: dict[str, list[int]] = {}

    def paraboloid(o: int) -> str | None:
        for name in convex.PARABOLOID_DIMS:  # cheapest ranges first
            # the need grows with the ids (convex.largest_id_bits): a width that
            # failed at this order fails wider ids too, so skip their ranges
            if id_bits >= _FAILS.get((word_bits, name, o), id_bits + 1):
                continue
            if name not in ranges:
                ranges[name] = convex.ranges(name, 1 << id_bits)
            if assign_words(ranges[name], 1 << o, [word_bits]) is not None:
                return name
            key = (word_bits, name, o)
            _FAILS[key] = min(_FAILS.get(key, id_bits), id_bits)
        return None

    def table(o: int) -> str | None:
        for name, bits in sorted(shipped[(word_bits, o)].items()):
            if bits >= id_bits:
                return name
        return None

    in_table = sorted(o for w, o in shipped if w == word_bits)
    best: tuple[int, str | None] = (0, None)
    o = 1
    if in_table and table(in_table[0]) is not None:
        # every order below the table's first holds too: start inside it
        o = in_table[0]
    while o <= MAX_ORDER:
        found = table(o) if o in in_table else paraboloid(o)
        if found is None:
            break
        best = (o, found)
        o += 1
    return best


def id_space_table(
    id_bits: tuple[int, ...] | range = ID_BITS,
    word_bits: tuple[int, ...] = WORD_BITS,
    progress: bool = False,
) -> pd.DataFrame:
    """Tidy: one row per (id_bits, word_bits, design): ``words``,
    ``largest_exact_order`` (-1: not even order 0), ``pages`` (2^order),
    ``rule`` (moments only: W + 2 - 2b), ``construction`` (one-value only)
    and ``id_width`` (the kernel's reason for that id width, or "").
    ``progress``: a tqdm bar over the (word, id) cells (the paraboloid
    ranges of 28- to 32-bit ids take up to a second each, once)."""
    from collections.abc import Iterable

    rows = []
    cells_wb: Iterable[tuple[int, int]] = [(w, b) for w in word_bits for b in id_bits]
    if progress:
        from tqdm.auto import tqdm

        cells_wb = tqdm(cells_wb, desc="id space", unit="cell")
    for w, b in cells_wb:
        one, how = one_value_largest_order(b, w)
        cells = {
            "moments": (recommended.largest_exact_order(b, w), recommended.rule(b, w), None),
            "digits-k3": (digits_k3_largest_order(b, w), None, None),
            "one-value": (one, None, how),
        }
        for design, (o, rule, con) in cells.items():
            rows.append(
                {
                    "id_bits": b,
                    "word_bits": w,
                    "design": design,
                    "words": DESIGNS[design][0],
                    "largest_exact_order": o,
                    "pages": (1 << o) if o >= 0 else 0,
                    "rule": rule,
                    "construction": con,
                    "id_width": ID_WIDTHS.get(b, ""),
                }
            )
    df = pd.DataFrame(rows)
    return df.astype({"rule": "Int64"})


LIFETIME = (
    "Id lifetime (Linux 6.15, kernel/fork.c, CONFIG_MM_ID): mm_init() "
    "takes an id with ida_alloc_range(MM_ID_MIN = 1, MM_ID_MAX), the lowest "
    "free one, and fork or exec fails when none is free; __mmdrop() gives it "
    "back, when the last mm_count reference goes, which is after "
    "exit_mmap() has unmapped every page of the mm. So an id is reused only "
    "once its old owner maps nothing: no folio still holds the old owner's "
    "addends when a new mm starts adding the same ones. That ordering is "
    "what every proof here assumes (ids unique among the mms that map the "
    "folio). Were an id freed earlier, at exit() before the last unmap, two "
    "mms with one id could map one folio and the sums could not tell them "
    "apart: a wrong 'exclusive', with no wrapping at all. The same holds for "
    "6.15's slots, which compare ids. Ids in use can outnumber live tasks "
    "only by mms whose last task has exited while something else still holds "
    "them (mmget: a /proc reader, io_uring, a driver; mmgrab: lazy TLB), so "
    "PID_MAX_LIMIT bounds the live ids in practice, not by proof."
)


def thirty_two_bit_text() -> str:
    """32-bit kernels, with the numbers of this module's functions."""
    m15, m16 = recommended.largest_exact_order(15, 32), recommended.largest_exact_order(16, 32)
    d15, d16 = digits_k3_largest_order(15, 32), digits_k3_largest_order(16, 32)
    a15 = recommended.largest_exact_order(15, 64)
    return (
        "32-bit kernels: 6.15 uses 15-bit mm ids (mm_id_t is an unsigned short, "
        "its top bit a flag; PID_MAX_LIMIT is 32768 there), v1's sketch 16-bit "
        f"ids. In 32-bit words moments stay exact to order {m15} (15-bit ids) or "
        f"{m16} (16-bit); 3 digit values to order {d15} or {d16}. With atomic64_t "
        "words (cmpxchg8b or LL/SC pairs on 32-bit, slower than a 32-bit atomic "
        f"add) the 64-bit rows apply: moments exact to order {a15} for 15-bit ids."
    )


def id_space_text(df: pd.DataFrame | None = None) -> str:
    """Plain text (<= 72 columns): per id width, each design's largest exact
    order for each word width, the kernel's id widths marked, then the
    32-bit and lifetime notes."""
    from .export import text_table, wrap

    df = id_space_table() if df is None else df
    piv = df.pivot_table(
        index="id_bits", columns=["word_bits", "design"], values="largest_exact_order"
    )
    words = sorted(df["word_bits"].unique(), reverse=True)
    cols, heads = ["id_bits"], ["b"]
    out_df = pd.DataFrame({"id_bits": piv.index})
    short = {"moments": "mom", "digits-k3": "dig", "one-value": "one"}
    for w in words:
        for d in DESIGNS:
            key = f"{short[d]}{w}"
            out_df[key] = [str(int(v)) if v >= 0 else "-" for v in piv[(w, d)]]
            cols.append(key)
            heads.append(key)
    out_df["why"] = [
        {15: "6.15, 32-bit", 16: "v1 32-bit", 22: "PID_MAX_LIMIT", 24: "v1", 31: "6.15"}.get(
            int(b), ""
        )
        for b in piv.index
    ]
    cols.append("why")
    heads.append("id width")
    head = wrap(
        "Largest folio order proven exact, by id bits b (ids 1..2^b - 1) and "
        "word bits: mom = moments, 2 words (rule W + 2 - 2b, verifier's "
        f"variance certificate, capped at {MAX_ORDER}); dig = posted digits, 3 "
        "words, base P + 1; one = best one-word construction (packing "
        "lemma; above order 16 the paraboloids only). Order 9 = 2 MiB THP, "
        "13 = 512 MiB (arm64 64K pages)."
    )
    return "\n".join(
        [
            head,
            "",
            text_table(out_df, cols, heads),
            "",
            wrap(thirty_two_bit_text()),
            "",
            wrap(LIFETIME),
        ]
    )
