"""Every control of every explorer widget, moved on its own, with its effect checked.

Widgets are driven as a user would (setting ``.value``); the expected text is derived by
hand in the comments or computed with ``tests/naive.py``, not by the library. (The export
control's figure and format dropdowns and its button are moved in test_widgets_plots.py.)
"""

import re

import naive

from rmaplab.widgets import collide_explorer, cost_explorer, proof_explorer


def _headroom(order, group_order, bits, word_bits):
    """W - bit_length((P - 1) * max sub-ID) with P = 2^order, base 2^group_order + 1."""
    maxsub = naive.subid(1 << group_order, (1 << bits) - 1, word_bits=512)
    return word_bits - (((1 << order) - 1) * maxsub).bit_length()


def _line(text, start):
    return next(x for x in text.splitlines() if x.startswith(start))


def test_proof_explorer_order():
    box = proof_explorer(order=9, bits=8, word_bits=64, id_bits=24, group_order=9)
    box.controls["order"].value = 6  # same group (base 513), 64 pages
    t = box.wait()
    assert t.startswith("order 6: 64 pages, K = 3 values of 8 bits, base 513")
    assert f"headroom: {_headroom(6, 9, 8, 64)} bits" in t
    # 71 mappings fool base 513 (binomial D, test_verify): more than 64 pages hold
    assert "verdict: SAFE by lattice" in t and "needs n = 71 > 64" in t


def test_proof_explorer_group_order():
    box = proof_explorer(order=9, bits=8, word_bits=64, id_bits=24, group_order=9)
    box.controls["group_order"].value = 10  # base 2^10 + 1
    t = box.wait()
    assert "base 1025" in t and f"headroom: {_headroom(9, 10, 8, 64)} bits" in t
    box.controls["group_order"].value = 8  # below the order: refused, naming the range
    assert box.wait().startswith("invalid: group_order=8 is out of range: allowed [9, 30]")


def test_proof_explorer_bits():
    box = proof_explorer(order=9, bits=8, word_bits=64, id_bits=24, group_order=9)
    box.controls["bits"].value = 6  # K = ceil(24 / 6) = 4 values
    t = box.wait()
    h = _headroom(9, 9, 6, 64)
    # 511 * (1 + 513 + ... + 513^5) ~ 2^9 * 2^54: fits, carry-free
    assert h >= 0 and f"headroom: {h} bits" in t
    assert "K = 4 values of 6 bits" in t and "verdict: SAFE by carry-free" in t


def test_proof_explorer_id_bits():
    box = proof_explorer(order=9, bits=8, word_bits=64, id_bits=24, group_order=9)
    box.controls["id_bits"].value = 16  # K = ceil(16 / 8) = 2 values, same slices
    t = box.wait()
    assert "K = 2 values of 8 bits" in t
    # the 8-bit slice's lattice is the posted one: still 71 mappings
    assert "verdict: UNSAFE by lattice, min mappings 71" in t
    m = re.search(r"counterexample: victim (\d+) maps 1; (.*)", t)
    counts = {int(m.group(1)): 1} | {
        int(a): int(b) for a, b in re.findall(r"(\d+) maps (\d+)", m.group(2))
    }
    assert max(counts) < 2**16 and sum(counts.values()) == 71
    assert naive.mapped_shared(2, 8, 512, 64, 9, counts, int(m.group(1))) is False


def test_proof_explorer_word_bits():
    box = proof_explorer(order=9, bits=8, word_bits=64, id_bits=24, group_order=9)
    box.controls["word_bits"].value = 32
    t = box.wait()
    assert "32-bit words" in t
    assert f"headroom: {_headroom(9, 9, 8, 32)} bits" in t  # 32 - 73 = -41
    # frontier with B = 8 and W = 32: 16^8 = 2^32, so no weights are safe from 17 pages
    assert re.search(r"frontier: no (linear sub-ID )?weights safe from 17 pages on", t)
    assert "verdict: UNSAFE" in t


def _cost_line(t):
    m = re.search(
        r"fewest values proven safe[^:]*: K = (\d+) of (\d+) bits \((\S+)\); "
        r"the series' rule asks for (\d+)\ncost: (\d+) bytes \(\+4 seqcount\), (\d+) cache "
        r"line\(s\), (\d+) atomic RMW per update",
        t,
    )
    return tuple(int(x) if x.isdigit() else x for x in m.groups())


def test_cost_explorer_id_bits():
    box = cost_explorer(id_bits=24, word_bits=64, order=9)
    box.controls["id_bits"].value = 16
    t = box.wait()
    assert "16-bit ids (65535 mms)" in t
    # K = 2 (B = 8, base 513) is the posted unsafe slice; K = 3 (B = 6): 511 * maxsub
    # ~ 2^63 fits. Rule: 513^8 needs 73 bits, 513^6 ~ 2^54 fits: 3 as well.
    # Cost: 3 * 8 = 24 bytes, 1 line, 2 + 1 + 2 + 3 = 8 atomics
    assert _cost_line(t) == (3, 6, "carry-free", 3, 24, 1, 8)


def test_cost_explorer_word_bits():
    box = cost_explorer(id_bits=24, word_bits=64, order=9)
    box.controls["word_bits"].value = 32
    # B = 4 (K = 6): pigeonhole frontier 1 + iroot(2^32, 4) = 257 <= 512 pages: unsafe;
    # K = 7 has B = 4 too; B = 3 (K = 8): 511 * (1 + 513 + 513^2) ~ 2^27 fits.
    # Rule: 513^3 ~ 2^27 <= 2^32 < 513^4: B = 3, K = 8. Cost: 8 * 4 = 32 bytes,
    # 2 lines, 2 + 1 + 2 + 8 = 13 atomics
    assert _cost_line(box.wait()) == (8, 3, "carry-free", 8, 32, 2, 13)


def test_cost_explorer_order():
    box = cost_explorer(id_bits=24, word_bits=64, order=9)
    box.controls["order"].value = 5
    t = box.wait()
    assert t.startswith("order 5 (32 pages), 24-bit ids (16777215 mms), 64-bit words")
    # K = 1 (B = 24): frontier 1 + iroot(2^64, 24) = 7 <= 32 pages; K = 2 (B = 12, base 33)
    # fits: 33^12 ~ 2^60.5. 16 bytes, 1 line, 7 atomics
    assert _cost_line(t) == (2, 12, "carry-free", 2, 16, 1, 7)


def _probability(t):
    m = re.search(r"P\(false exclusive\) = (\S+)\s+95% \[(\S+), (\S+)\]\s+by (\S+)", t)
    return float(m.group(1)), float(m.group(2)), float(m.group(3)), m.group(4)


def test_collide_explorer_encoding():
    box = collide_explorer("posted", 16, 12, 3, 8, "uniform")
    box.controls["encoding"].value = "bit-counters"
    t = box.wait()
    # one counter per id bit: 12 values; exact, so 0 by proof
    assert t.startswith("bit-counters: 12 value(s) of 16 bits, 12-bit ids")
    assert _probability(t) == (0.0, 0.0, 0.0, "proof")


def test_collide_explorer_moments():
    # sum of ids and sum of squared ids: 24-bit ids in 64-bit words never wrap at order 9
    box = collide_explorer("moments", 64, 24, 3, 8, "uniform")
    t = box.wait()
    assert "encoding: moments: sums of id^(1, 2), one word each, 2 x 64-bit words" in t
    assert _probability(t) == (0.0, 0.0, 0.0, "proof")
    box.controls["word_bits"].value = 16  # squares of 24-bit ids wrap: no proof
    t = box.wait()
    assert "2 x 16-bit words" in t and _probability(t)[3] != "proof"


def test_collide_explorer_word_bits_and_id_bits():
    # raw ids, 2 mms with one mapping each: fooled iff the two ids agree modulo 2^W
    box = collide_explorer("raw-id", 16, 12, 2, 2, "uniform")
    box.controls["word_bits"].value = 8
    t = box.wait()
    assert "raw-id: 1 value(s) of 8 bits, 12-bit ids" in t
    # ids 1..4095 modulo 256: residue 0 holds 15 ids, the other 255 residues 16 each;
    # P = (15 * 14 + 255 * 16 * 15) / (4095 * 4094)
    exact = (15 * 14 + 255 * 16 * 15) / (4095 * 4094)
    _, lo, hi, method = _probability(t)
    assert method == "monte-carlo" and lo <= exact <= hi
    box.controls["id_bits"].value = 8  # ids 1..255 < 256: never equal modulo 2^8
    t = box.wait()
    assert "8-bit ids" in t and _probability(t)[0] == 0.0


def test_collide_explorer_population_mms_mappings():
    box = collide_explorer("raw-id", 8, 12, 2, 2, "uniform")
    box.controls["population"].value = "lowest-free"  # ids 1 and 2: never equal
    t = box.wait()
    assert "lowest-free population, 2 mms, 2 mappings" in t
    assert _probability(t)[0] == 0.0 and _probability(t)[3] == "exact"
    box.controls["mms"].value = 3
    box.controls["mappings"].value = 4
    t = box.wait()
    assert "lowest-free population, 3 mms, 4 mappings" in t
    # ids 1, 2, 3; counts (1,1,2), (1,2,1), (2,1,1); victim uniform: only victim 2 with
    # equal counts for 1 and 3, i.e. (1,2,1), gives c1 (1 - 2) + c3 (3 - 2) = 0:
    # 1 of 3 splits x 3 victims = 1/9
    p, _, _, method = _probability(t)
    assert method == "exact" and abs(p - 1 / 9) < 5e-5
