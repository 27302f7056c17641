"""The generic slice searches behind :func:`rmaplab.certify.verify_encoding`.

Each takes an :class:`~rmaplab.encodings.Encoding`, a folio order and a
slice ``s``, and answers the slice problem of :mod:`rmaplab.certify` (the
fewest other mappings whose addends balance a victim's in every word of the
slice) with exact integer arithmetic, or says it does not apply:

* :func:`_bfs_slice`: exhaustive breadth-first search over the joint state
  of the slice's words (``K_s * W <= BFS_STATE_BITS``), proven minimal
  (the kernel :func:`rmaplab._kernels.encoding.min_fooling`);
* :func:`_lattice_slice`: one word, at most 17 slice values: the fewest
  combinations of up to :data:`SMALL_COMBO` others directly, then per victim
  the lattice ``{c : sum c_v g_v == 0 mod 2**W}``, LLL and an exact
  enumeration of its nonnegative vectors of least ``sum c``;
* :func:`_one_other`: one other mm with ``2**j`` pages (addends equal modulo
  ``2**(W - j)``), in linear time by grouping residues.

Family specifics never enter here: only the encoding's addends.
"""

from __future__ import annotations

import numpy as np

from .encodings import Encoding
from .encodings.base import slice_counterexample

__all__ = ["BFS_STATE_BITS", "ONE_OTHER_MAX_VALUES", "SMALL_COMBO"]

#: Largest joint state the breadth-first search takes (bits).
BFS_STATE_BITS = 22


def _bfs_slice(enc: Encoding, order: int, s: int) -> dict | None:
    from ._kernels import encoding as K

    words = enc.words_of_slice(s)
    vals = enc.slice_values(s)  # a range: listing 2**31 ids first ran out of memory
    if len(words) * enc.word_bits > BFS_STATE_BITS or len(vals) > 4096:
        return None
    import numpy as np

    m = enc.mask
    add = {v: [enc.word_addend(k, v) for k in words] for v in vals}
    best = None
    for x in vals:
        others = [v for v in vals if v != x]
        gens = np.array(
            [[(add[v][i] - add[x][i]) & m for i in range(len(words))] for v in others],
            dtype=np.uint64,
        )
        depth = (1 << order) - 1 if best is None else min((1 << order) - 1, best[0] - 1)
        if depth < 1:
            break
        path = K.min_fooling(gens, enc.word_bits, depth)
        if path is not None and (best is None or len(path) < best[0]):
            cnt: dict[int, int] = {}
            for g in path:
                cnt[others[g]] = cnt.get(others[g], 0) + 1
            best = (len(path), x, cnt)
    return {"best": best}


#: Combinations of up to this many other mappings are tried directly first.
SMALL_COMBO = 3


def _small_combo(g: list[int], word_bits: int, most: int) -> dict[int, int] | None:
    """Fewest (at most ``most``) generators, with repetition, summing to 0
    modulo ``2**word_bits``: ``{index: count}`` or None."""
    from itertools import combinations_with_replacement

    mod = 1 << word_bits
    for size in range(1, most + 1):
        for combo in combinations_with_replacement(range(len(g)), size):
            if sum(g[i] for i in combo) % mod == 0:
                out: dict[int, int] = {}
                for i in combo:
                    out[i] = out.get(i, 0) + 1
                return out
    return None


def _lattice_slice(enc: Encoding, order: int, s: int, node_limit: int) -> dict | None:
    from .lattice import lattice_basis, lll, same_sign_l1, shortest_linf

    words = enc.words_of_slice(s)
    vals = enc.slice_values(s)  # a range: listing 2**31 ids first ran out of memory
    if len(words) != 1 or len(vals) > 17:
        return None
    k = words[0]
    W = enc.word_bits
    add = {v: enc.word_addend(k, v) for v in vals}
    bound = (1 << order) - 1
    best = None
    complete = True
    for x in vals:
        others = [v for v in vals if v != x]
        g = [(add[v] - add[x]) % (1 << W) for v in others]
        if any(a == 0 for a in g):
            v0 = others[g.index(0)]
            cand = (1, x, {v0: 1})
            if best is None or cand[0] < best[0]:
                best = cand
            continue
        lim = bound if best is None else min(bound, best[0] - 1)
        if lim < 1:
            continue
        small = _small_combo(g, W, min(lim, SMALL_COMBO))
        if small is not None:
            best = (sum(small.values()), x, {others[i]: c for i, c in small.items()})
            continue
        if lim <= SMALL_COMBO:
            continue  # every combination up to the bound was tried
        e = min((a & -a).bit_length() - 1 for a in g)
        w2 = W - e
        g = [a >> e for a in g]
        i0 = next(i for i, a in enumerate(g) if a & 1)
        inv = pow(g[i0], -1, 1 << w2)
        order_idx = [i0] + [i for i in range(len(g)) if i != i0]
        weights = [(g[i] * inv) % (1 << w2) for i in order_idx]
        basis = lll(lattice_basis(weights, w2))

        # nonnegative combinations only; the kernel filters same_sign_l1's leaves itself
        res = shortest_linf(basis, lim, cost=same_sign_l1, node_limit=node_limit, keep=1)
        complete &= res.complete
        if res.norm is not None and res.vectors:
            vec = res.vectors[0]
            cnt = {others[order_idx[i]]: abs(c) for i, c in enumerate(vec) if c}
            if best is None or res.norm < best[0]:
                best = (res.norm, x, cnt)
    return {"best": best, "complete": complete}


#: The one-other check lists at most this many slice values.
ONE_OTHER_MAX_VALUES = 1 << 20


def _first_repeat(keys: np.ndarray) -> tuple[int, int] | None:
    """``(first, i)``: the smallest row index ``i`` whose row equals an earlier
    row, and the index of that row's first occurrence; None if rows are distinct.
    (The order a dict filled row by row would find it in.)"""
    _, first, inv = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    firsts = first[inv.reshape(-1)]
    dup = np.flatnonzero(firsts != np.arange(len(firsts)))
    return None if len(dup) == 0 else (int(firsts[dup[0]]), int(dup[0]))


def _one_other(enc: Encoding, order: int, s: int) -> dict | None:
    """Fewest pages ``k <= P - 1`` of ONE other mm y that fool victim x (one
    page): ``k * (a(y) - a(x)) == 0`` modulo ``2**W`` in every word of the
    slice, i.e. ``a(y) == a(x)`` modulo ``2**(W - j)`` with ``k = 2**j``
    (duplicate addends, ``k = 1``, or addends that lost a high bit, e.g. a
    PDEP digit deposited past the word). Grouping by residue finds such a
    pair in linear time; None if there is none (or too many values)."""
    vals = enc.slice_values(s)
    P = 1 << order
    if len(vals) > ONE_OTHER_MAX_VALUES or P < 2:
        return None
    words = enc.words_of_slice(s)
    W = enc.word_bits
    add = np.array(
        [[enc.word_addend(k, v) & enc.mask for k in words] for v in vals], dtype=np.uint64
    ).reshape(len(vals), len(words))
    # equal modulo 2^(W-j) implies equal modulo 2^(W-j-1): no repeat at the
    # coarsest j means none at all (the common case: one grouping, not one per j)
    top = min(W, (P - 1).bit_length() - 1)
    if _first_repeat(add & np.uint64((1 << (W - top)) - 1)) is None:
        return None
    for j in range(top + 1):
        hit = _first_repeat(add & np.uint64((1 << (W - j)) - 1))
        if hit is not None:
            x, v = vals[hit[0]], vals[hit[1]]
            n = 1 << j
            return dict(
                verdict="unsafe",
                method="one-other",
                found=(n, slice_counterexample(enc, s, x, {v: n})),
                proven=n == 1,
                lower=1 if n == 1 else None,
                evidence=f"slice {s}: values {x} and {v} have addends equal modulo "
                f"2^{W - j}, so {n} page(s) of the other fool the victim "
                "(one-other check; fewest others not proven)"
                * (n > 1)
                or f"slice {s}: values {x} and {v} have equal addends: one other "
                "mapping fools the check",
            )
    return None
