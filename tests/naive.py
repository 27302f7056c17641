"""Slow, obviously-right references on Python ints (stumpy's tests/naive.py).

These do not import rmaplab's arithmetic: each quantity is written straight
from its definition in the WIP v1 posting, so the library (Python model and
numba kernels) is compared against an independent formulation:

* a sub-ID is the binary digits of the index read in base P_g + 1,
  taken modulo 2**word_bits;
* an rmap value is sum over mms of (mappings of that mm) * (its sub-ID),
  modulo 2**word_bits, whatever order the maps and unmaps came in;
* the check is "mapcount > folio_nr_pages, or some value differs from
  mapcount * subid(X) modulo the word".
"""


def subid(base_pages, index, word_bits=64):
    digits = [(index >> j) & 1 for j in range(index.bit_length())]
    exact = sum(d * (base_pages + 1) ** j for j, d in enumerate(digits))
    return exact % 2**word_bits


def subids(values, bits, base_pages, word_bits, mm_id):
    return [
        subid(base_pages, (mm_id // 2 ** (k * bits)) % 2**bits, word_bits)
        for k in range(values)
    ]


def folio_values(values, bits, base_pages, word_bits, counts):
    """rmap values from the ground truth {mm: mappings}, computed from scratch."""
    out = []
    for k in range(values):
        total = sum(c * subids(values, bits, base_pages, word_bits, m)[k] for m, c in counts.items())
        out.append(total % 2**word_bits)
    return out


def mapped_shared(values, bits, base_pages, word_bits, order, counts, x):
    n = sum(counts.values())
    if n > 2**order:
        return True
    vals = folio_values(values, bits, base_pages, word_bits, counts)
    want = [n * s % 2**word_bits for s in subids(values, bits, base_pages, word_bits, x)]
    return vals != want


def replay(groups, word_bits, orders, folio, mm, delta, check):
    """Reference replay. ``groups``: order -> (values, bits, base_pages)."""
    counts = [dict() for _ in orders]
    answers, truth = [], []
    for f, m, d, c in zip(folio, mm, delta, check):
        cnt = counts[f]
        cnt[m] = cnt.get(m, 0) + d
        assert cnt[m] >= 0, "reference stream unmaps more than is mapped"
        if cnt[m] == 0:
            del cnt[m]
        if c:
            k, b, p = groups[orders[f]]
            answers.append(int(mapped_shared(k, b, p, word_bits, orders[f], cnt, m)))
            truth.append(int(any(o != m for o in cnt)))
        else:
            answers.append(-1)
            truth.append(-1)
    mapcount = [sum(c.values()) for c in counts]
    values = []
    for f, cnt in enumerate(counts):
        k, b, p = groups[orders[f]]
        values.append(folio_values(k, b, p, word_bits, cnt))
    return mapcount, values, answers, truth


def bfs_min_mappings(subid_rows, word_bits, max_other):
    """Pure-Python twin of the exhaustive kernel: for every victim, breadth-
    first over the tuple of all values, one step = one more mapping by another
    mm. Returns 1 + fewest steps back to 'all values == n * subid(X)', or None."""
    mod = 2**word_bits
    best = None
    for x, sx in enumerate(subid_rows):
        gens = [tuple((a - b) % mod for a, b in zip(sm, sx)) for m, sm in enumerate(subid_rows) if m != x]
        zero = tuple(0 for _ in sx)
        seen = {zero}
        frontier = [zero]
        for depth in range(1, max_other + 1):
            nxt = []
            hit = False
            for st in frontier:
                for g in gens:
                    s = tuple((a + b) % mod for a, b in zip(st, g))
                    if s == zero:
                        hit = True
                        break
                    if s not in seen:
                        seen.add(s)
                        nxt.append(s)
                if hit:
                    break
            if hit:
                best = depth + 1 if best is None else min(best, depth + 1)
                break
            frontier = nxt
    return best


def shortest_linf_box(weights, word_bits, bound):
    """Smallest ||D||_inf <= bound of a nonzero D with sum D_j w_j == 0 mod 2^W,
    by trying every D in the box; None if there is none."""
    import itertools

    mod = 2**word_bits
    best = None
    for D in itertools.product(range(-bound, bound + 1), repeat=len(weights)):
        if any(D) and sum(a * w for a, w in zip(D, weights)) % mod == 0:
            n = max(abs(a) for a in D)
            best = n if best is None else min(best, n)
    return best
