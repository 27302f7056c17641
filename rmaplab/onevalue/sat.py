"""A SAT formulation of "is ``M(B, W) > g``?" (issue 20, item 3): a third
method for the tiny cells, independent of both searches (no value order,
no canonical images: a CDCL solver over membership bits).

Variables: ``y[a]`` (residue ``a`` modulo ``N = 2**W`` is in the set S) and
``T[j][t]`` for ``j = 2 .. g - 1`` ("``t`` is a sum of ``j`` elements of S",
``T[1] = y``), forced upward only: ``T[j][t] and y[a] -> T[j+1][t + a]``.

Claim used: ``N'(S) > g`` iff for all ``x != a`` in S and ``2 <= m <= g``,
``m x - a`` is not a sum of ``m - 1`` elements of S. (If ``m`` others of x
sum to ``m x``, take one of them as ``a``. Conversely a sum ``m x - a``
using ``c`` copies of x leaves ``m - c >= 1`` elements other than x, ``a``
among them, summing to ``(m - c) x``: a fooling set of at most ``g``.)
Clauses: ``not y[x] or not y[a] or not T[m-1][m x - a]``. A model may make
``T`` larger than the true sums, which only adds constraints, so every
model's S has ``N' > g``; the true sums satisfy every clause of a set
with ``N' > g``. ``|S| >= 2**B`` (a subset keeps ``N'``), and ``0, 1 in
S`` by the halving argument of :mod:`rmaplab.onevalue.bounds` (every
width ``w = W .. B`` is asked). Budget: conflicts per width.
"""

from __future__ import annotations

import time

__all__ = ["sat_decide", "sat_width"]


def _clauses(bits: int, w: int, g: int):
    n_res = 1 << w
    mask = n_res - 1

    def y(a: int) -> int:
        return 1 + (a & mask)

    def t(j: int, s: int) -> int:  # j >= 2
        return 1 + n_res * (j - 1) + (s & mask)

    def tv(j: int, s: int) -> int | None:  # literal "s in Sigma_j", None = false
        if j == 0:
            return 0 if s & mask == 0 else None  # 0: true
        return y(s) if j == 1 else t(j, s)

    cls: list[list[int]] = [[y(0)], [y(1)]]
    for j in range(1, g - 1):  # T[j] + y -> T[j+1]
        for s in range(n_res):
            for a in range(n_res):
                cls.append([-tv(j, s), -y(a), t(j + 1, s + a)])  # type: ignore[operator]
    for m in range(2, g + 1):
        for x in range(n_res):
            for a in range(n_res):
                if a == x:
                    continue
                lit = tv(m - 1, m * x - a)
                if lit is None:
                    continue
                c = [-y(x), -y(a)]
                if lit:
                    c.append(-lit)
                cls.append(c)
    return cls, [y(a) for a in range(n_res)], n_res * max(1, g - 1)


def sat_width(bits: int, w: int, g: int, conflicts: int = 10**6) -> dict:
    """One width: ``{"status": "found" | "none" | "stopped", "table",
    "conflicts", "clauses", "seconds"}`` for sets holding 0 and 1."""
    from pysat.card import CardEnc, EncType
    from pysat.formula import IDPool
    from pysat.solvers import Cadical153

    t0 = time.monotonic()
    cls, ys, top = _clauses(bits, w, g)
    pool = IDPool(start_from=top + 1)
    card = CardEnc.atleast(ys, bound=1 << bits, vpool=pool, encoding=EncType.seqcounter)
    with Cadical153(bootstrap_with=cls) as s:
        s.append_formula(card.clauses)
        ok = s.solve_limited() if conflicts <= 0 else None
        if conflicts > 0:
            s.conf_budget(conflicts)
            ok = s.solve_limited()
        stats = s.accum_stats() or {}
        if ok is True:
            model = set(x for x in s.get_model() if x > 0)
            table = tuple(a for a in range(1 << w) if 1 + a in model)[: 1 << bits]
            status = "found"
        else:
            table = None
            status = "none" if ok is False else "stopped"
    return {
        "status": status,
        "table": table,
        "conflicts": int(stats.get("conflicts", 0)),
        "clauses": len(cls) + len(card.clauses),
        "seconds": round(time.monotonic() - t0, 2),
    }


def sat_decide(bits: int, word_bits: int, g: int, conflicts: int = 10**6) -> dict:
    """``"found"`` (``M(B, W) > g``), ``"none"`` (``M(B, W) <= g``) or
    ``"undecided"`` (a width hit its conflict budget), as
    :func:`rmaplab.onevalue.bounds.decide`, by SAT over every width."""
    if not 2 <= bits <= 5:
        raise ValueError(f"bits={bits} is out of range: allowed [2, 5]")
    if not bits <= word_bits <= 12:
        raise ValueError(f"word_bits={word_bits} is out of range: allowed [{bits}, 12]")
    if not 2 <= g < 1 << word_bits:
        raise ValueError(f"g={g} is out of range: allowed [2, {(1 << word_bits) - 1}]")
    runs = []
    for w in range(word_bits, bits - 1, -1):
        if g >= 1 << w or (1 << bits) > 1 << w:
            continue
        r = sat_width(bits, w, g, conflicts)
        runs.append({"width": w, **r})
        if r["status"] == "found":
            return {"answer": "found", "g": g, "width": w, "table": r["table"], "runs": runs}
    answer = "none" if all(r["status"] == "none" for r in runs) else "undecided"
    return {"answer": answer, "g": g, "width": None, "table": None, "runs": runs}
