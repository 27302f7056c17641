"""``verify`` with a progress bar and ``--steps --json``, ``proof`` without
its order, with the JIT off in about a second.

Expected values: the counterexample summed here through the encoding's
addends; the replay's last step is the wrong 'exclusive' of a folio that is
truly shared (what a counterexample is); one-line errors with exit 2.
"""

import json

from rmaplab.cli import main
from rmaplab.config import WIP_V1


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_with_progress_gives_a_counterexample_that_fools(capsys):
    code, out, _ = run(capsys, "verify", "--order", "9", "--progress", "--json")
    assert code == 0
    (v,) = json.loads(out)
    assert v["order"] == 9 and v["verdict"] == "unsafe"
    enc = WIP_V1.encoding(9)
    ce = v["counterexample"]
    n = sum(c for _, c in ce["mappings"])
    assert n == v["min_mappings"] <= 1 << 9
    mod = 1 << enc.word_bits
    for k in range(enc.nr_values):
        s = sum(c * enc.addends(i)[k] for i, c in ce["mappings"]) % mod
        assert s == n * enc.addends(ce["victim"])[k] % mod


def test_verify_all_orders_with_progress_names_the_config(capsys):
    code, out, err = run(capsys, "verify", "--all", "--progress", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["order"] for r in rows] == list(WIP_V1.orders)
    assert f"verify {WIP_V1.name}" in err
    # orders 0 and 1: at most 2 mappings, the victim's own sums: safe
    assert {r["verdict"] for r in rows if r["order"] <= 1} == {"safe"}


def test_steps_json_ends_on_the_wrong_exclusive(capsys):
    code, out, _ = run(capsys, "verify", "--order", "9", "--steps", "--json")
    assert code == 0
    steps = json.loads(out)
    last = steps[-1]
    assert last["check"] == "exclusive" and last["truly_shared"] is True
    assert last["equal"] is True
    # one row per value (K = 3) and step; one step per mm (5 mms)
    maps = {s["step"]: s["count"] for s in steps if s["action"].startswith("map ")}
    assert len(steps) == 3 * len(maps) and len(maps) == 5
    assert last["mapcount"] == sum(maps.values())


def test_proof_without_order_is_one_line_and_exit_2(capsys):
    code, out, err = run(capsys, "proof")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == ["rmaplab proof: error: --order is required"]
