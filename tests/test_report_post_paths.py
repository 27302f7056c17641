"""post.txt from the stored quick facts, edited by hand: a width with
nothing proven safe, a rule example missing, the cheapest digits with int
orders (as a build hands them over), no JIT and no report run.

Expected values: the edits themselves, and ceil(24 / K) bits per slice.
"""

import copy
import json
from pathlib import Path

from rmaplab.config import WIP_V1
from rmaplab.report_post import post_text

STORED = json.loads((Path(__file__).parent / "data" / "facts_quick.json").read_text())


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_a_width_with_nothing_safe_is_said_and_an_untried_order_is_skipped():
    f = copy.deepcopy(STORED)
    f["design"]["16/32"]["13"] = {"values": None}
    f["design"]["16/32"]["9"] = None
    text = post_text(f, WIP_V1, quick=True)
    flat = _flat(text)
    assert "16-bit ids, 32-bit words, order 13: none proven safe by the families searched" in flat
    assert "16-bit ids, 32-bit words, order 9:" not in flat
    assert max(map(len, text.splitlines())) <= 72


def test_rule_examples_follow_w_plus_2_minus_2b_and_a_missing_one_is_not_named():
    f = copy.deepcopy(STORED)
    full = _flat(post_text(f, WIP_V1, quick=True))
    named = "; ".join(
        f"{b}/{w} -> {w + 2 - 2 * b}, {w + 3 - 2 * b} fooled"
        for b, w in ((24, 64), (31, 64), (16, 32))
    )
    assert f"{named} (rmaplab verify --encoding moments)." in full
    f["rule_evidence"] = [e for e in f["rule_evidence"] if e["id_bits"] != 31]
    cut = _flat(post_text(f, WIP_V1, quick=True))
    assert "24/64 -> 18, 19 fooled; 16/32 -> 2, 3 fooled (rmaplab verify" in cut
    assert "31/64 ->" not in cut


def test_cheapest_posted_digits_with_int_orders():
    f = copy.deepcopy(STORED)
    f["cheapest"] = {int(o): k for o, k in f["cheapest"].items()}
    f["tradeoff"] = {int(o): t for o, t in f["tradeoff"].items()}
    k = f["cheapest"][9]
    flat = _flat(post_text(f, WIP_V1, quick=True))
    slices = -(-WIP_V1.id_bits // k)
    assert (
        f"At order 9 the fewest values proven safe in base P_g + 1 digits is {k} "
        f"({slices}-bit slices)."
    ) in flat
    # v1's own K at order 9 is unsafe (its counterexample): the fewest safe is more
    assert k > WIP_V1.encoding(9).nr_values
    if k >= 2:
        b = -(-WIP_V1.id_bits // (k - 1))
        assert f"with {k - 1} values one holds >= {b} id bits" in flat
        assert f"makes {k - 1} values of {b} bits safe up to" in flat
    for o, t in f["tradeoff"].items():
        assert f"- order {o}: {t['values']} values, {t['bytes']} bytes" in flat
