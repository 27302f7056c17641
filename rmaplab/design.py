"""The cheapest rmap-value design per folio order, among the families searched.

For each order and each encoding family, the fewest rmap values ``K`` the
verifier (:mod:`rmaplab.certify`) *proves* safe, with what it costs
per folio and per update, and how long its written proof is. The cheapest
design of an order is the one with the fewest values, then the fewest
bytes, atomics, table lookups and proof lines; it is the cheapest *among the
families and parameters searched* (listed below), not over every encoding.

Searched, per order ``o`` (``P = 2**o``):

* ``digits``: K = 1, 2, ... with ``B = ceil(id_bits / K)``, bases ``P + 1``
  (the series' rule) and ``P`` (a power of two: PDEP-style digits);
* ``table``: PDEP bit deposit (digits in base ``2**o`` as a lookup table),
  K = 1, 2, ...;
* ``moments``: K = 1 (one word: the id and its square packed in one word),
  K = 2 (sum of ids and sum of squared ids), K >= 2 (the id cut into K
  slices, each slice's value and square packed in one word);
* ``raw-id``, ``hash64``: K = 1;
* ``bit-counters``: K = id_bits.

Costs are :func:`rmaplab.cost.cost_row_encoding`'s: bytes ``K *
word_bytes(word_bits)`` (each value in the smallest u8/u16/u32/u64 holding a
word); atomic RMW per (un)map: legacy 2 + mapcount 1 + seqcount 2 + K; extra
ALU per update (:func:`rmaplab.cost.alu_per_update`): K multiplies (count
times addend; none for a one-page update) and, where the addend is looked up
at update time, K table lookups (the series looks up ``rmap_subids_4/5/6``
for K > 3; a ``table`` always looks up; moments, K <= 3 digits and hashes
keep their addends in the mm).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pandas as pd

from .config import _check_int
from .cost import cost_row_encoding
from .encodings import Encoding, Family, LiveMapping, families, get_family

if TYPE_CHECKING:
    from .certify import EncVerdict

__all__ = ["FAMILY_ORDER", "candidates", "design", "design_rows"]

#: The families searched, in the table's order (the registry's: live): those
#: that offer design candidates (a family without them, e.g. a one-word
#: construction certified per id width, has no row to fill).
FAMILY_ORDER = LiveMapping(
    lambda: {f.name: f for f in families() if type(f).candidates is not Family.candidates}
)


def candidates(family: str, id_bits: int, word_bits: int, order: int) -> Iterator[Encoding]:
    """Encodings of ``family`` to try at ``order``, fewest values first (the
    family's :meth:`~rmaplab.encodings.Family.candidates`)."""
    yield from get_family(family).candidates(id_bits, word_bits, order)


def _row(enc: Encoding | None, v: EncVerdict | None, order: int, family: str, tried: list) -> dict:
    from .certify import proof_text_encoding

    row = {
        "order": order,
        "encoding": family,
        "values": None,
        "bytes": None,
        "atomics_per_update": None,
        "multiplies": None,
        "table_lookups": None,
        "verdict": v.verdict if v is not None else "undecided",
        "method": v.method if v is not None else "",
        "proof_lines": None,
        "detail": "",
        "tried": "; ".join(tried),
        "best": False,
    }
    if enc is not None and v is not None and v.verdict == "safe":
        text = proof_text_encoding(enc, order, verdict=v)
        cost = cost_row_encoding(enc, order)
        row.update(
            {k: cost[k] for k in ("values", "bytes", "atomics_per_update")},
            proof_lines=len(text.splitlines()),
            detail=enc.describe(),
            **{k: cost[k] for k in ("multiplies", "table_lookups")},
        )
    return row


def design_rows(id_bits: int, word_bits: int, order: int, node_limit: int = 20_000) -> list[dict]:
    """One row per family (fewest values proven safe) plus the best row."""
    from .certify import verify_encoding

    rows = []
    for fam in FAMILY_ORDER:
        found: tuple[Encoding, EncVerdict] | None = None  # first proven safe
        last: tuple[Encoding, EncVerdict] | None = None  # last tried
        tried: list[str] = []
        for enc in candidates(fam, id_bits, word_bits, order):
            if found is not None and enc.nr_values > found[0].nr_values:
                break
            v = verify_encoding(enc, order, node_limit=node_limit)
            tried.append(f"K={enc.nr_values}:{v.verdict}")
            last = (enc, v)
            if v.verdict == "safe" and found is None:
                found = (enc, v)
        pick = found if found is not None else last
        if pick is None:  # the family offers no candidate here
            rows.append(_row(None, None, order, fam, tried[-6:]))
        else:
            rows.append(_row(pick[0], pick[1], order, fam, tried[-6:]))
    ok = [r for r in rows if r["values"] is not None]
    if ok:
        best = min(
            ok,
            key=lambda r: (
                r["values"],
                r["bytes"],
                r["atomics_per_update"],
                r["table_lookups"],
                r["proof_lines"],
            ),
        )
        rows.append(dict(best, best=True))
    return rows


def design(
    id_bits: int,
    word_bits: int,
    max_order: int,
    min_order: int = 0,
    progress: bool = False,
    node_limit: int = 20_000,
) -> pd.DataFrame:
    """Per order ``min_order..max_order``: each family's fewest proven-safe
    values and costs, and the cheapest among the families searched
    (``best == True``)."""
    id_bits = _check_int("id_bits", id_bits, 1, 32)
    word_bits = _check_int("word_bits", word_bits, 2, 64)
    max_order = _check_int("max_order", max_order, 0, min(30, word_bits - 1))
    min_order = _check_int("min_order", min_order, 0, max_order)
    orders = range(min_order, max_order + 1)
    if progress:
        from tqdm.auto import tqdm

        orders = tqdm(orders, desc=f"design {id_bits}/{word_bits}", unit="order")
    rows = []
    for o in orders:
        rows += design_rows(id_bits, word_bits, o, node_limit)
    df = pd.DataFrame(rows)
    df.insert(0, "word_bits", word_bits)
    df.insert(0, "id_bits", id_bits)
    return df
