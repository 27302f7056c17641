"""rmaplab.onevalue: every certificate against an exhaustive search on
tiny analogues (small ids, small words), written here independently of
the packing lemma: breadth-first search over the joint residues."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rmaplab.onevalue import convex, packing


def fewest_others(words: list[tuple[int, ...]], widths: tuple[int, ...], limit: int) -> int | None:
    """Fewest mappings by mms other than a victim whose addend differences
    sum to 0 in every word (min over victims); None if more than ``limit``.
    Plain BFS over the product of Z/2^W_k (a zero-sum multiset with one
    element Y removed reaches -g_Y)."""
    mods = [1 << w for w in widths]
    size = int(np.prod(mods))
    best = None

    def code(v):
        c = 0
        for x, m in zip(v, mods, strict=True):
            c = c * m + x % m
        return c

    for x in range(len(words)):
        gens = [
            tuple((a - b) % m for a, b, m in zip(words[y], words[x], mods, strict=True))
            for y in range(len(words))
            if y != x
        ]
        dist = np.full(size, -1, dtype=np.int64)
        dist[0] = 0
        layer = [tuple(0 for _ in mods)]
        depth = 0
        cap = limit if best is None else min(limit, best)
        while layer and depth < cap - 1:
            depth += 1
            nxt = []
            for v in layer:
                for g in gens:
                    w = tuple((a + b) % m for a, b, m in zip(v, g, mods, strict=True))
                    c = code(w)
                    if dist[c] < 0:
                        dist[c] = depth
                        nxt.append(w)
            layer = nxt
        for g in gens:
            d = dist[code(tuple(-a for a in g))]
            if d >= 0 and (best is None or d + 1 < best):
                best = int(d + 1)
    return best


def safe(words, widths, order) -> bool:
    """The check is never fooled at ``order``: fooling needs others <= P - 1."""
    p = 1 << order
    m = fewest_others(words, widths, p - 1)
    return m is None


def test_bfs_finds_known_fooling():
    # ids 1, 2, 3 with addends 1, 2, 3: 1 + 3 == 2 * 2, two others fool victim 2
    assert fewest_others([(1,), (2,), (3,)], (8,), 5) == 2
    assert safe([(1,), (2,), (3,)], (8,), 1)
    assert not safe([(1,), (2,), (3,)], (8,), 2)


@pytest.mark.parametrize("name", list(convex.CONSTRUCTIONS))
def test_certificate_sound_on_tiny_words(name):
    """Wherever the certificate holds the exhaustive search finds no
    fooling population; wherever the search finds one it refuses."""
    held = refused_unsafe = 0
    for b, o, w in itertools.product((2, 3), (1, 2, 3), range(3, 13)):
        cert = convex.certificate(b, w, o, name)
        prm = convex.params(b, w, o, name)
        if cert is not None:
            assert prm is not None
            words = [(convex.addend(i, prm),) for i in range(1 << b)]
            assert len(set(words)) == len(words)
            assert safe(words, (w,), o), (name, b, w, o)
            held += 1
        else:
            # any injective packing in the same radix would do; take the
            # lemma's bases mod 2^w, which the certificate refused
            rs = convex.ranges(name, 1 << b)
            bases = packing.field_bases(rs, 1 << o)
            pts = convex.points(name, 1 << b)
            mins = pts.min(axis=0)
            words = [(packing.pack(list(p - mins), bases, w),) for p in pts]
            if not safe(words, (w,), o):
                refused_unsafe += 1
    assert held > 0 and refused_unsafe > 0


def test_certificate_is_tight_somewhere():
    """At the narrowest word the certificate holds for, one bit less is
    fooled (for the baseline parabola, 3-bit ids, order 2)."""
    b, o = 3, 2
    w = next(w for w in range(3, 40) if convex.certificate(b, w, o, "parabola") is not None)
    rs = convex.ranges("parabola", 1 << b)
    assert packing.need(rs, 1 << o) > 1 << (w - 1)


def test_polygon_convex_and_distinct():
    for n in (4, 8, 16, 64, 1024):
        ev = convex.check_convex("polygon", n)
        assert ev["edges"] == n
    pts = convex.points("polygon", 8)
    # the 8 smallest primitive edges give the octagon with box 3 x 3
    assert convex.ranges("polygon", 8) == [3, 3]
    assert len({tuple(p) for p in pts.tolist()}) == 8


@pytest.mark.parametrize("m", [1, 2, 3])
def test_paraboloid_closed_form_vs_enumeration(m):
    """count, height, unrank and the range bounds against a plain loop."""
    from rmaplab.onevalue import paraboloid as pb

    box = range(-10, 12)
    pts = sorted(
        u for u in itertools.product(box, repeat=m) if sum(x * (x - 1) // 2 for x in u) <= 45
    )
    for t in range(0, 13):
        assert pb.count(m, t) == sum(1 for u in pts if sum(x * (x - 1) // 2 for x in u) <= t)
    for n in (2, 5, 13) if m == 1 else (2, 5, 13, 40):
        t = pb.height(m, n)
        assert pb.count(m, t) >= n > pb.count(m, t - 1)
        mine = [u for u in pts if sum(x * (x - 1) // 2 for x in u) <= t][:n]
        got = [pb.unrank(m, n, i)[:m] for i in range(n)]
        assert got == mine
        assert pb.enumerate_points(m, n)[:, :m].tolist() == [list(u) for u in mine]
        rs = pb.superset_ranges(m, n)
        for j in range(m):
            assert max(u[j] for u in mine) - min(u[j] for u in mine) <= rs[j]


def test_baseline_matches_the_lab():
    """The parabola reproduces the lab's 15-bit ids at order 9 (64-bit)."""
    from rmaplab.proof import quadratic_table

    assert convex.largest_id_bits(64, 9, "parabola") == 15
    assert quadratic_table(15, 64)[0] >= 512
    assert quadratic_table(16, 64)[0] < 512


def test_headline_numbers():
    assert convex.largest_id_bits(64, 9, "paraboloid-3d") == 19
    assert convex.largest_id_bits(64, 13, "polygon", top=15) == 14
    assert convex.largest_id_bits(32, 9, "polygon", top=8) == 6
    assert convex.certificate(20, 64, 9, "paraboloid-3d") is None


def test_refuses_bad_input():
    with pytest.raises(ValueError, match="construction"):
        convex.points("sphere", 8)
    with pytest.raises(ValueError, match="id_bits"):
        convex.certificate(0, 64, 9)
    prm = convex.params(3, 40, 2, "parabola")
    assert prm is not None
    with pytest.raises(ValueError, match="mm id"):
        convex.addend(8, prm)


def test_mapcount_designs_sound_on_tiny_words():
    """A design over the value and the mapcount word's field: wherever it
    is returned, BFS over both words finds no fooling population; where
    BFS finds one (with the lemma's bases), no design is returned."""
    from rmaplab.onevalue import mapcount_bits as mb

    held = refused = 0
    for b, o, w, m in itertools.product((3,), (1, 2), range(3, 9), range(2, 6)):
        if m > 64 - (o + 1):
            continue
        d = mb.design_with_mapcount_bits(b, w, o, m)
        if d is not None:
            words = [mb.addends(d, i) for i in range(1 << b)]
            assert len(set(words)) == len(words)
            assert safe(words, (w, m), o), (b, o, w, m)
            held += 1
        else:
            # refused: the baseline parabola packed in the value alone with
            # the lemma's bases is then often truly fooled
            rs = convex.ranges("parabola", 1 << b)
            bases = packing.field_bases(rs, 1 << o)
            words = [
                (packing.pack(list(p), bases, w), 0) for p in convex.points("parabola", 1 << b)
            ]
            refused += not safe(words, (w, m), o)
    assert held > 0 and refused > 0


def test_mapcount_answers():
    from rmaplab.onevalue import mapcount_bits as mb

    # one 64-bit value alone cannot carry 24-bit ids at order 9 here ...
    assert mb.design_with_mapcount_bits(24, 64, 9, 0) is None
    # ... with 32 bits of the mapcount word it can, at orders 9 and 13
    for o in (9, 13):
        d = mb.design_with_mapcount_bits(24, 64, o, 32)
        assert d is not None and d["keeps_count_range"]
        assert all(w["need"] <= 1 << w["word_bits"] for w in d["words"])
    assert mb.design_with_mapcount_bits(31, 64, 13, 32) is None
    with pytest.raises(ValueError, match="mapcount_bits"):
        mb.design_with_mapcount_bits(24, 64, 9, 60)


def test_mapcount_field_wraps_like_the_kernel_word():
    """Map/unmap on one 64-bit mapcount word (count low, field high) and
    read back: the masked count and the field equal the two-word model."""
    from rmaplab.onevalue import mapcount_bits as mb

    d = mb.design_with_mapcount_bits(24, 64, 9, 32)
    assert d is not None
    m = 32
    word, value, n, field = 0, 0, 0, 0
    rng = np.random.default_rng(1)
    mapped: list[tuple[int, int]] = []
    for _ in range(200):
        if mapped and rng.random() < 0.4:
            mm, c = mapped.pop(int(rng.integers(len(mapped))))
            sign = -1
        else:
            mm, c = int(rng.integers(1 << 24)), int(rng.integers(1, 600))
            mapped.append((mm, c))
            sign = 1
        a, f = mb.addends(d, mm)
        word = (word + sign * c * (1 + (f << (64 - m)))) % (1 << 64)
        value = (value + sign * c * a) % (1 << 64)
        n += sign * c
        field = (field + sign * c * f) % (1 << m)
        assert word & ((1 << (64 - m)) - 1) == n
        assert word >> (64 - m) == field


def test_behrend_sound_on_tiny_words():
    from rmaplab.onevalue import behrend

    held = refused_unsafe = 0
    for b, o, w in itertools.product((2, 3), (1, 2), range(4, 13)):
        cert = behrend.certificate(b, w, o)
        if cert is not None:
            prm = behrend.params(b, w, o)
            assert prm is not None
            pts = [behrend.unrank(prm["k"], prm["h"], prm["S"], i) for i in range(1 << b)]
            assert all(sum(x * x for x in v) == prm["S"] for v in pts)
            words = [(behrend.addend(i, prm),) for i in range(1 << b)]
            assert len(set(words)) == len(words)
            assert safe(words, (w,), o), (b, o, w)
            held += 1
        else:
            # the 12 points of sum v^2 = 2 in [-1, 1]^3, lemma bases, word w
            pts = [v for v in itertools.product((-1, 0, 1), repeat=3) if sum(x * x for x in v) == 2]
            bases = packing.field_bases([2, 2, 2], 1 << o)
            words = [(packing.pack([x + 1 for x in v], bases, w),) for v in pts[: 1 << b]]
            refused_unsafe += not safe(words, (w,), o)
    assert held > 0 and refused_unsafe > 0


def test_behrend_counts_exact():
    from rmaplab.onevalue import behrend

    # points of [-h, h]^k on each sphere, against a plain loop
    for k, h in ((3, 2), (3, 3), (4, 2)):
        s, c = behrend.best_sphere(k, h)
        loop = {}
        for v in itertools.product(range(-h, h + 1), repeat=k):
            q = sum(x * x for x in v)
            loop[q] = loop.get(q, 0) + 1
        assert c == max(loop.values()) and loop[s] == c
        pts = [behrend.unrank(k, h, s, i) for i in range(c)]
        assert pts == sorted(
            v for v in itertools.product(range(-h, h + 1), repeat=k) if sum(x * x for x in v) == s
        )


def test_one_value_fields_and_scope():
    from rmaplab.onevalue import summary

    r = summary.one_value(32, 9)
    assert tuple(r)[: len(summary.JSON_FIELDS)] == summary.JSON_FIELDS
    assert r["best_construction"] == "polygon" and r["proven_id_bits"] == 6
    cert = convex.certificate(6, 32, 9, "polygon")
    assert cert is not None and convex.certificate(7, 32, 9, "polygon") is None
    assert r["open"] and r["upper_bound_id_bits"] == 32
    # above the table bound (2^17.2 pages at W = 32) only two ids survive
    assert summary.one_value(32, 18)["upper_bound_id_bits"] == 1
    with pytest.raises(ValueError, match="word_bits"):
        summary.one_value(65, 9)


def test_growth_fit_and_prediction():
    from rmaplab.onevalue import growth

    fit = growth.fit_exact_cells().set_index("slice_bits")
    assert fit.loc[2, "slope"] == pytest.approx(0.5, abs=0.01)
    assert fit.loc[3, "slope"] == pytest.approx(0.5, abs=0.02)
    p = growth.predict(24)
    assert p["kind"] == "conjecture" and p["order"] < 9


def test_lab_verifier_agrees_on_the_parabola():
    """The lab's own verifier (no-wrap-convex) certifies the parabola with
    the mixed-radix base this package derives, at 15-bit ids, order 9."""
    from rmaplab.certify import verify_encoding
    from rmaplab.encodings import moments

    prm = convex.params(15, 64, 9, "parabola")
    assert prm is not None
    enc = moments(15, 64, powers=(1, 2), base=prm["bases"][1])
    v = verify_encoding(enc, 9)
    assert v.verdict == "safe"
    for x in (1, 2, 12345, (1 << 15) - 1):
        assert enc.addends(x)[0] == convex.addend(x, prm)
