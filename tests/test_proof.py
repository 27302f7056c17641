"""rmaplab.proof: the written argument, bit counters and the step-by-step replay.

Expected numbers are derived by hand here from the posted group table
(/work/shared/reference/rmap-id.md: order 2 is K = 1, B = 24, base 5; order
5 is K = 2, B = 12, base 33; order 9 is K = 3, B = 8, base 513), and every
counterexample the text prints is replayed through tests/naive.py.
"""

from __future__ import annotations

import re

import naive
import pytest

from rmaplab.config import WIP_V1, Group, RmapConfig
from rmaplab.encodings import get_family
from rmaplab.encodings.digits import digits
from rmaplab.export import MAIL_WIDTH
from rmaplab.proof import (
    bit_counters,
    difference_vectors,
    digits_proof_text,
    proof_text,
    replay_steps,
    replay_steps_text,
)
from rmaplab.verify import verify_digits

W64 = 1 << 64


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("order", "bits", "base"),
    [(2, 24, 5), (5, 12, 33)],
)
def test_carry_free_orders_print_the_hand_computed_bound(order, bits, base):
    P = 1 << order
    maxsub = (base**bits - 1) // (base - 1)  # 1 + b + ... + b^(B-1)
    worst = (P - 1) * maxsub
    assert worst < W64 and P - 1 < base  # the posted groups are carry-free here
    text = _flat(proof_text(WIP_V1, order))
    assert f"P = {P} pages" in text and f"B = {bits} id bits" in text
    assert f"base b = P_g + 1 = {base}" in text
    assert f"(P - 1) * maxsub = {worst} < 2^64" in text
    assert f"headroom {64 - worst.bit_length()} bits" in text
    assert text.count("SAFE.") == 1


def test_frontier_pages_are_one_plus_the_integer_root():
    # 2^64 = 256^8: T = 256; 40^12 < 2^64 < 41^12: T = 40; 6^24 < 2^64 < 7^24: T = 6
    assert 40**12 < W64 < 41**12 and 6**24 < W64 < 7**24
    for order, front in ((9, 257), (5, 41), (2, 7)):
        text = _flat(proof_text(WIP_V1, order))
        assert f"none is safe from P = {front} pages on" in text
        assert f"T = {front - 1}" in text


def test_order_9_prints_a_counterexample_that_fools_the_reference_check():
    text = _flat(proof_text(WIP_V1, 9))
    need = (511 * ((513**8 - 1) // 512)).bit_length()
    assert need == 73  # 513^8 > 2^72
    assert f"needs {need} bits > 64" in text
    assert "Verdict: UNSAFE (lattice)" in text
    m = re.search(
        r"Counterexample: victim mm (\d+) maps (\d+) pages?; (.*?); total (\d+) <= 512", text
    )
    assert m
    victim, own = int(m[1]), int(m[2])
    counts = {victim: own}
    for mm, c in re.findall(r"mm (\d+) maps (\d+)", m[3]):
        counts[int(mm)] = int(c)
    assert sum(counts.values()) == int(m[4]) <= 512
    assert len(counts) > 1
    # the reference check says "exclusive" (not shared) for the victim
    assert naive.mapped_shared(3, 8, 512, 64, 9, counts, victim) is False
    # every printed D vanishes in base 513 modulo 2^64, and is nonzero
    found = re.findall(r"D = \[([-\d, ]+)\] in value \d+", text)
    assert found
    for d in found:
        vec = [int(x) for x in d.split(",")]
        assert any(vec) and len(vec) == 8
        assert sum(v * 513**j for j, v in enumerate(vec)) % W64 == 0
    # the series' rule, checked exactly: 513^8 - 1 needs 73 bits
    assert "513^8 - 1 needs 73 bits" in text


def test_difference_vectors_by_hand():
    # 4-bit ids, two 2-bit slices: victim 2 (slices 2, 0), ids 1 and 7 once each
    enc = digits(4, 16, bits=2, base=5)
    ce = {"victim": 2, "mappings": [[2, 1], [1, 1], [7, 1]]}
    # slice 0: bits of 1 = (1,0), of 7 -> 3 = (1,1); minus X's (0,1) each: (1,-1)+(1,0)
    # slice 1: 1 -> 0 = (0,0), 7 -> 1 = (1,0); X's slice 1 is 0: (0,0)+(1,0)
    assert difference_vectors(enc, ce) == {0: [2, -1], 1: [1, 0]}
    # the victim alone gives no nonzero vector
    assert difference_vectors(enc, {"victim": 2, "mappings": [[2, 3]]}) == {}


def test_bit_counters_agree_without_carries_and_part_with_them():
    # K = 2 values of B = 2 bits, base 5: ids 1 (slices 1, 0) x2 and 6 (slices 2, 1) x1
    cfg = RmapConfig("t", 4, 16, (Group(0, 2, 2, 2, 4),))
    df = bit_counters(cfg, 2, {1: 2, 6: 1})
    assert df["counter"].tolist() == [2, 1, 1, 0]
    assert df["value_digit"].tolist() == [2, 1, 1, 0]  # value 0 = 2*1 + 5 = 7 = "12" base 5
    assert df["agree"].all()
    assert df["bit"].tolist() == [0, 1, 2, 3]
    # base 3 (P_g = 2) at order 2: id 1 x3, id 2 x1: value 0 = 3 + 3 = 6 = "20" base 3,
    # while the bit counters are 3 and 1: the digit overflowed into the next one
    cfg3 = RmapConfig("t3", 4, 16, (Group(0, 2, 2, 2, 2),))
    df3 = bit_counters(cfg3, 2, {1: 3, 2: 1})
    v0 = df3[df3["value"] == 0]
    assert v0["counter"].tolist() == [3, 1] and v0["value_digit"].tolist() == [0, 2]
    assert not v0["agree"].any()


def test_replay_steps_by_hand():
    # base 2: sub-ID = the slice itself; ids 1, 2, 3 share slice 1 = 0.
    # victim 2 once, then 1 once, then 3 once: value 0 = 2, 3, 6; n * 2 = 2, 4, 6
    enc = digits(4, 8, bits=2, base=2)
    ce = {"victim": 2, "mappings": [[2, 1], [1, 1], [3, 1]]}
    st = replay_steps(enc, 2, ce)
    assert len(st) == 6  # 3 steps x 2 words
    w0 = st[st["value"] == 0]
    assert w0["word_value"].tolist() == [2, 3, 6]
    assert w0["expected"].tolist() == [2, 4, 6]
    assert w0["equal"].tolist() == [True, False, True]
    assert w0["check"].tolist() == ["exclusive", "shared", "exclusive"]
    assert w0["truly_shared"].tolist() == [False, True, True]
    assert w0["hex"].tolist() == ["0x2", "0x3", "0x6"]
    assert w0["base_digits"].tolist() == ["0.1.0", "0.1.1", "1.1.0"]  # base 2, 3 digits
    assert (st[st["value"] == 1]["word_value"] == 0).all()
    assert st.attrs["check"].false_exclusive
    text = replay_steps_text(st, enc, 2, 2)
    assert max(map(len, text.splitlines())) <= MAIL_WIDTH
    assert "answers 'exclusive' for mm 2 while other mms map the folio" in _flat(text)
    assert "(3 mappings, 4 pages)" in _flat(text)


def test_replay_steps_a_64_bit_word_prints_16_hex_digits_and_needs_the_victim():
    enc = digits(4, 64, bits=2, base=2)
    st = replay_steps(enc, 2, {"victim": 2, "mappings": [[2, 1]]})
    assert st["hex"].iloc[0] == "0x0000000000000002"
    with pytest.raises(ValueError, match="victim 2 once"):
        replay_steps(enc, 2, {"victim": 2, "mappings": [[1, 1]]})


def test_the_digits_family_proof_names_the_encoding_and_matches_the_config_text():
    """wip-v1's order 9 group is exactly digits(24, 64, B = 8, base 513) on its
    own (orders 6..9: the search bound 2^9 - 1 is the same), so the two texts
    differ only in the name and the wip-v1 comment notes."""
    enc = digits(24, 64, bits=8, base=513)
    v = verify_digits(enc, 9)
    assert v.config == "digits-24id-64w" and v.min_mappings == 71
    fam = get_family("digits").proof_text(enc, 9, MAIL_WIDTH)
    assert fam == digits_proof_text(enc, 9, v)
    cfg = _flat(proof_text(WIP_V1, 9))
    own = _flat(fam)
    assert own.startswith("rmap-ID check, digits-24id-64w, order 9")
    cut = "Frontier, for"
    assert own.split(cut)[0].replace("digits-24id-64w", "wip-v1") == cfg.split(cut)[0]


def test_verify_digits_refuses_an_encoding_without_a_base():
    from rmaplab import ConfigError
    from rmaplab.encodings.moments import moments

    with pytest.raises(ConfigError, match="no digit base"):
        verify_digits(moments(24, 64), 9)


def test_order_6_is_safe_by_the_lattice_and_says_how_short_the_shortest_is():
    """Order 6 shares order 9's group (K = 3, B = 8, base 513), so the
    shortest fooling population is order 9's 71 mappings (replayed above):
    more than 64 pages, yet (P - 1) * maxsub = 63 * (513^8 - 1) / 512 wraps."""
    assert 63 * ((513**8 - 1) // 512) >= W64
    text = _flat(proof_text(WIP_V1, 6))
    assert "Here step 3 fails" in text and "Verdict: SAFE (lattice)." in text
    assert "needs n = 71 > 64" in text and "Counterexample" not in text
