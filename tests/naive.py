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
        subid(base_pages, (mm_id // 2 ** (k * bits)) % 2**bits, word_bits) for k in range(values)
    ]


def folio_values(values, bits, base_pages, word_bits, counts):
    """rmap values from the ground truth {mm: mappings}, computed from scratch."""
    out = []
    for k in range(values):
        total = sum(
            c * subids(values, bits, base_pages, word_bits, m)[k] for m, c in counts.items()
        )
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
    for f, m, d, c in zip(folio, mm, delta, check, strict=False):
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
        gens = [
            tuple((a - b) % mod for a, b in zip(sm, sx, strict=False))
            for m, sm in enumerate(subid_rows)
            if m != x
        ]
        zero = tuple(0 for _ in sx)
        seen = {zero}
        frontier = [zero]
        for depth in range(1, max_other + 1):
            nxt = []
            hit = False
            for st in frontier:
                for g in gens:
                    s = tuple((a + b) % mod for a, b in zip(st, g, strict=False))
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
        if any(D) and sum(a * w for a, w in zip(D, weights, strict=False)) % mod == 0:
            n = max(abs(a) for a in D)
            best = n if best is None else min(best, n)
    return best


M64 = 2**64 - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def enc_subid(enc, mm_id, k, bits, base_pages, word_bits):
    if enc == 0:
        return subid(base_pages, (mm_id >> (k * bits)) & ((1 << bits) - 1), word_bits)
    if enc == 1:
        return mm_id % 2**word_bits
    return mix64((mm_id + k * GOLDEN) & M64) % 2**word_bits


def monte_carlo(enc, nv, bits, base_pages, word_bits, max_id, pop, m, n, pages, trials, seed):
    """Python-int twin of the Monte Carlo kernel: same generator (splitmix64),
    same draws in the same order, so the same (hits, trials) for a seed."""

    def addends(mm_id):
        return [enc_subid(enc, mm_id, k, bits, base_pages, word_bits) for k in range(nv)]

    return monte_carlo_addends(addends, word_bits, max_id, pop, m, n, pages, trials, seed)


def monte_carlo_addends(addends, word_bits, max_id, pop, m, n, pages, trials, seed):
    """:func:`monte_carlo` for any encoding: ``addends(mm_id)`` gives the K
    addends (e.g. ``rmaplab.encodings.Encoding.addends``, the definition)."""
    state = [seed]

    def nxt():
        state[0] = (state[0] + GOLDEN) & M64
        return mix64(state[0])

    def below(k):
        return nxt() % k

    mod = 2**word_bits
    hits = 0
    for _ in range(trials):
        if pop == 2:
            cnt = [below(pages + 1) for _ in range(m)]
            ids = list(range(1, m + 1))
            mapping = [i for i in range(m) if cnt[i] > 0]
            if len(mapping) < 2 or sum(cnt) > pages:
                continue
            v = mapping[below(len(mapping))]
        else:
            chosen = []
            for r in range(n - m + 1, n):
                c = 1 + below(r)
                chosen.append(r if c in chosen else c)
            cuts = sorted(chosen)
            cnt = [b - a for a, b in zip([0, *cuts], [*cuts, n], strict=False)]
            if n > pages:
                continue
            if pop == 1:
                ids = list(range(1, m + 1))
                v = below(m)
            else:
                x = 1 + below(max_id)
                ids = [x]
                for _ in range(1, m):
                    y = 1 + below(max_id - 1)
                    ids.append(y + 1 if y >= x else y)
                v = 0
        victim = ids[v]
        x = addends(victim)
        others = [(cnt[i], addends(ids[i])) for i in range(m) if i != v]
        ok = all(sum(c * (a[k] - x[k]) for c, a in others) % mod == 0 for k in range(len(x)))
        hits += ok
    return hits, trials


def enc_addends(spec, mm_id):
    """Addends of ``mm_id`` under an encoding given as a plain dict, written
    from each family's definition (not from rmaplab.encodings):

    * ``slices``: the id cut into ``bits``-bit pieces, lowest first;
    * digits: the posted sub-ID of each slice (its binary digits in ``base``);
    * pdep: bit j of a slice deposited at bit ``j * digit_bits``;
    * table: ``tables[s][slice s]`` (one table per slice);
    * moments: ``v**p`` for each slice v and power p (slice-major), or, with
      ``base``, ``sum_i v**powers[i] * base**i`` per slice;
    * hash64: splitmix64 of ``mm_id + k * GOLDEN`` for word k.

    Every addend is reduced modulo ``2**word_bits``."""
    mod = 2 ** spec["word_bits"]
    fam = spec["family"]
    if fam == "hash64":
        return [mix64((mm_id + k * GOLDEN) % 2**64) % mod for k in range(spec["values"])]
    b = spec["bits"]
    nsl = -(-spec["id_bits"] // b)
    sl = [(mm_id // 2 ** (s * b)) % 2**b for s in range(nsl)]
    if fam == "digits":
        return [subid(spec["base"] - 1, v, spec["word_bits"]) for v in sl]
    if fam == "pdep":
        return [
            sum(((v >> j) & 1) * 2 ** (j * spec["digit_bits"]) for j in range(b)) % mod for v in sl
        ]
    if fam == "table":
        return [spec["tables"][s][v] % mod for s, v in enumerate(sl)]
    if fam == "moments":
        ps = spec["powers"]
        if spec.get("base") is None:
            return [v**p % mod for v in sl for p in ps]
        return [sum(v**p * spec["base"] ** i for i, p in enumerate(ps)) % mod for v in sl]
    raise AssertionError(fam)


def replay_addends(addends, word_bits, orders, folio, mm, delta, check):
    """Reference replay under any encoding: ``addends(mm_id)`` gives the K
    addends. Values are recomputed from the ground truth (sum over mms of
    count * addend, modulo the word); the check is "mapcount > 2**order, or
    some value differs from mapcount * addend(X)"."""
    mod = 2**word_bits
    counts = [dict() for _ in orders]

    def values(cnt):
        k = len(addends(1))
        return [sum(c * addends(m)[j] for m, c in cnt.items()) % mod for j in range(k)]

    answers, truth = [], []
    for f, m, d, c in zip(folio, mm, delta, check, strict=True):
        cnt = counts[f]
        cnt[m] = cnt.get(m, 0) + d
        assert cnt[m] >= 0, "reference stream unmaps more than is mapped"
        if cnt[m] == 0:
            del cnt[m]
        if c:
            n = sum(cnt.values())
            shared = n > 2 ** orders[f] or values(cnt) != [n * a % mod for a in addends(m)]
            answers.append(int(shared))
            truth.append(int(any(o != m for o in cnt)))
        else:
            answers.append(-1)
            truth.append(-1)
    return [sum(c.values()) for c in counts], [values(c) for c in counts], answers, truth


def one_value_frontier(slice_bits, word_bits):
    """Largest N' over every table w[0..2^B-1] of W-bit words, by definition,
    with no symmetry used: (max N', every value set reaching it, sorted).

    N'(w) = fewest mappings by others (slice values v != x, repetition allowed)
    with sum (w[v] - w[x]) == 0 mod 2^W, over every victim x. A table with a
    repeated value has N' = 1 (one mapping of the twin value); otherwise N' is
    read off the table's value set (the definition runs over every victim and
    every other value, so the labels do not enter), and every such set is
    tried: t = 1, 2, ...: some victim x and some t-multiset of the other
    values summing to t * w[x]. numpy over all sets at once, t by t, in
    uint16 (it wraps modulo 2^16, a multiple of 2^W).
    """
    import itertools
    from math import comb

    import numpy as np

    mod = 2**word_bits
    n = 2**slice_bits
    if mod < n:
        return 1, []
    count = comb(mod, n)
    flat = itertools.chain.from_iterable(itertools.combinations(range(mod), n))
    sets = np.fromiter(flat, dtype=np.uint16, count=count * n).reshape(count, n)
    nprime = np.zeros(count, dtype=np.int64)  # 0: not fooled yet
    open_ = np.arange(count)
    t = 0
    while len(open_):
        t += 1
        cols = [np.ascontiguousarray(sets[open_, i]) for i in range(n)]
        hit = np.zeros(len(open_), dtype=bool)
        for x in range(n):
            others = [v for v in range(n) if v != x]
            want = cols[x] * np.uint16(t)
            for multiset in itertools.combinations_with_replacement(others, t):
                total = want.copy()
                for v in multiset:
                    total -= cols[v]
                hit |= total % np.uint16(mod) == 0
        nprime[open_[hit]] = t
        open_ = open_[~hit]
    top = int(nprime.max())
    return top, sorted(tuple(int(v) for v in s) for s in sets[nprime == top])


def min_others_one_word(tab, word_bits, limit):
    """Fewest others (1 .. limit, with repetition) whose addend differences from
    one victim sum to 0 modulo 2**word_bits; None if none. ``tab``: one word's
    addend per slice value (every value may be the victim or another)."""
    from itertools import combinations_with_replacement

    mod = 1 << word_bits
    for size in range(1, limit + 1):
        for x in range(len(tab)):
            others = [v for i, v in enumerate(tab) if i != x]
            for combo in combinations_with_replacement(others, size):
                if sum(v - tab[x] for v in combo) % mod == 0:
                    return size
    return None
