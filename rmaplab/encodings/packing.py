"""The packing-lemma families' common shape (issue 20's one-value constructions).

A packing-lemma family puts mm ``i``'s point of a set in strictly convex
position into one ``word_bits``-bit value, its coordinates packed in mixed
radix with bases made for folios of up to ``2**design_order`` pages. Its
certificate holds at every order up to the design order when ``prod_j
((P_d - 1) R_j + 1) <= 2**W`` (:mod:`rmaplab.onevalue.packing`). A subclass
says how its encoding is built (:meth:`PackingFamily.encoding`), finds the
lemma's certificate (:meth:`~PackingFamily.lemma_certificate`) and words its
evidence and proof; the verdict, ``describe`` and the default encoding are
shared here.

Kernel plan: the whole id is one slice, so a lookup table of every id's
addend. Up to 16 bits it is built from the Python addends (the default
plan); wider ids, up to :data:`MAX_WIDE_TABLE_BITS`, get one word's table
from :meth:`PackingFamily.addend_table`, which computes every point at once
(numpy) and is tested against the Python addends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._kernels.codes import MAX_WIDE_TABLE_BITS, RULE_TABLE
from ..config import ConfigError
from .base import MAX_TABLE_BITS, Encoding, Family, KernelPlan, p2

if TYPE_CHECKING:
    from ..certify import EncVerdict

__all__ = ["PackingFamily", "packed_table"]


def packed_table(off: np.ndarray, bases, word_bits: int) -> np.ndarray:
    """``sum_j off[:, j] * bases[j] mod 2**word_bits`` per row of ``off``
    (int64 offsets), by wrapping ``uint64`` arithmetic: exact, because
    ``2**word_bits`` divides ``2**64``."""
    out = np.zeros(off.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j, b in enumerate(bases):
            out += off[:, j].astype(np.uint64) * np.uint64(int(b) % (1 << 64))
    return out & np.uint64((1 << word_bits) - 1)


class PackingFamily(Family):
    """A one-value family certified by the packing lemma up to its design order."""

    paths = "proof by the packing lemma up to the design order; exact enumeration on small widths"
    #: what the packed points are, in :meth:`describe` (e.g. ``convex points``)
    points_noun = "points"

    def encoding(self, id_bits: int, word_bits: int, design_order: int) -> Encoding:
        """The family's encoding of ``id_bits``-bit ids in one ``word_bits``-bit
        value for folios of up to ``2**design_order`` pages."""
        raise NotImplementedError

    def lemma_certificate(self, enc: Encoding, design_order: int) -> dict | None:
        """The lemma's certificate at the design order, None where it fails."""
        raise NotImplementedError

    def evidence(self, enc: Encoding, order: int, cert: dict) -> str:
        """The verdict's one-paragraph evidence from :meth:`certificate`'s ``cert``."""
        raise NotImplementedError

    def proof_body(self, cert: dict, order: int) -> list[str]:
        """The proof's lines before the closing ``SAFE.``."""
        raise NotImplementedError

    def addend_table(self, enc: Encoding) -> np.ndarray:
        """Every id's addend, ``uint64[2**id_bits]`` (index: the id), masked."""
        raise NotImplementedError

    def plan(self, enc: Encoding) -> KernelPlan:
        if enc.slice_bits <= MAX_TABLE_BITS:
            return super().plan(enc)
        if enc.slice_bits > MAX_WIDE_TABLE_BITS:
            raise ConfigError(
                f"id_bits={enc.id_bits}: family {self.name!r} has no kernel plan for ids "
                f"wider than {MAX_WIDE_TABLE_BITS} bits (allowed <= {MAX_WIDE_TABLE_BITS})"
            )
        table = np.ascontiguousarray(self.addend_table(enc), dtype=np.uint64)
        return KernelPlan(RULE_TABLE, enc.slice_bits, enc.word_slice, tables=table[None, :])

    def default(self, id_bits, word_bits, max_order, order, **opts: Any) -> Encoding:
        return self.encoding(id_bits, word_bits, max(max_order, order, 1))

    def describe(self, enc: Encoding) -> str:
        return (
            f"{self.name}: {p2(1 << enc.id_bits)} {self.points_noun} in one {enc.word_bits}-bit "
            f"value, mixed radix for order <= {enc.param('design_order')}"
        )

    def use_points(self, enc: Encoding) -> bool:
        return False

    def certificate(self, enc: Encoding, order: int) -> dict | None:
        """The packing lemma's certificate at ``order``, None where it fails."""
        d = enc.param("design_order")
        if order > d:
            return None
        cert = self.lemma_certificate(enc, d)
        if cert is None:
            return None
        return {**cert, "design_order": d, "checked_order": order}

    def verify(self, enc: Encoding, order: int, node_limit: int) -> EncVerdict | None:
        from ..certify import EncVerdict, verdict_head

        cert = self.certificate(enc, order)
        if cert is None:
            return None
        return EncVerdict(
            **verdict_head(enc, order),
            verdict="safe",
            method="packing-lemma",
            min_mappings=None,
            proven_minimal=True,
            counterexample=None,
            evidence=self.evidence(enc, order, cert),
            certificate=cert,
        )

    def proof_lines(self, enc: Encoding, order: int, verdict: EncVerdict) -> list[str] | None:
        if verdict.method != "packing-lemma":
            return None
        return [*self.proof_body(verdict.certificate, order), "SAFE."]
