"""``collide --list`` and ``collide --ids`` as a user types them, and the id
allocators' refusals, with the JIT off in about a second.

Expected values: the attack's ids and counts summed here through the
encoding's addends; the moments rule W + 2 - 2b (issue 19); Wilson's
interval containing its estimate; one-line errors with exit 2.
"""

import json

import pytest

from rmaplab.allocators import LowestFree, collide_ids, family_ids, fooled_trials
from rmaplab.cli import main
from rmaplab.config import WIP_V1, ConfigError


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_names_every_section_and_fits_mail(capsys):
    code, out, err = run(capsys, "collide", "--list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    for head in ("encodings:", "populations:"):
        assert head in lines
    assert any(ln.startswith("exact and analytic paths per family") for ln in lines)
    assert any(ln.startswith("  posted: ") for ln in lines)
    assert any(ln.startswith("  moments: ") for ln in lines)
    assert max(map(len, lines)) <= 72


@pytest.mark.parametrize(
    "argv, match",
    [
        (["collide"], "--encoding is required (or --list)"),
        (
            ["collide", "--encoding", "posted", "--scheduler", "tcp://x:1", "--workers", "2"],
            "--workers=2 does not apply with --scheduler",
        ),
        (["collide", "--encoding", "posted", "--ids", "nope"], "--ids"),
    ],
)
def test_collide_bad_inputs_say_one_line_and_exit_2(capsys, argv, match):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and match in err


def _fools(enc, ids, counts):
    """Every word's sum equals n times the victim's (ids[0]) addend mod 2^W."""
    n, mod = sum(counts), 1 << enc.word_bits
    return all(
        sum(c * enc.addends(i)[k] for i, c in zip(ids, counts, strict=True)) % mod
        == n * enc.addends(ids[0])[k] % mod
        for k in range(enc.nr_values)
    )


def test_ids_adversary_attack_really_fools_the_posted_digits(capsys):
    code, out, _ = run(
        capsys, "collide", "--ids", "adversary", "--encoding", "posted", "--order", "9", "--json"
    )
    assert code == 0
    r = json.loads(out)
    a = r["attack"]
    enc = WIP_V1.encoding(9)
    assert _fools(enc, a["ids"], a["counts"]) and a["fooled"] is True
    assert r["probability"] == 1.0 and r["method"] == "adversary"
    assert r["mappings"] == sum(a["counts"]) <= 1 << 9
    assert len(set(a["ids"])) == r["mms"] == len(a["ids"])
    assert a["largest_id"] == max(a["ids"])
    # the text form says the same attack
    code, text, _ = run(
        capsys, "collide", "--ids", "adversary", "--encoding", "posted", "--order", "9"
    )
    assert code == 0 and "fooled: True" in text and "by adversary" in text
    assert " ".join(text.split()).count(str(a["ids"])) == 1
    assert max(map(len, text.splitlines())) <= 72


def test_ids_moments_is_zero_by_proof_below_its_rule(capsys):
    # moments with 24-bit ids in 64-bit words: exact up to order W + 2 - 2b = 18
    code, out, _ = run(
        capsys, "collide", "--ids", "random", "--encoding", "moments", "--order", "9"
    )
    assert code == 0
    assert "P(false exclusive) = 0 [0, 0] by proof" in " ".join(out.split())


def test_ids_random_monte_carlo_interval_holds_its_estimate(capsys):
    code, out, _ = run(
        capsys,
        *("collide", "--ids", "consecutive", "--encoding", "raw-id", "--order", "4"),
        *("--mms", "3", "--trials", "300", "--json"),
    )
    assert code == 0
    r = json.loads(out)
    assert r["method"] == "monte-carlo" and r["trials"] == 300
    assert r["ci_low"] <= r["probability"] <= r["ci_high"]
    assert r["mappings"] == "uniform in 3..16"


def test_allocator_refusals_name_their_parameter():
    with pytest.raises(ConfigError, match=r"lo=5, hi=3: allowed 0 <= lo <= hi"):
        LowestFree(5, 3)
    a = LowestFree(1, 4)
    assert [a.alloc() for _ in range(2)] == [1, 2]
    with pytest.raises(ConfigError, match="id 3 is not allocated"):
        a.free(3)
    with pytest.raises(ConfigError, match="draws no families"):
        family_ids("adversary", 3, 1)
    with pytest.raises(ConfigError, match=r"live=400: allowed at most 4 with 3-bit ids"):
        family_ids("consecutive", 3, 1, id_bits=3)
    enc = WIP_V1.encoding(2)
    ids = family_ids("random", 3, 4, id_bits=24)
    with pytest.raises(ConfigError, match=r"mappings: allowed 3..4"):
        fooled_trials(enc, 2, ids, 0, 5)
    with pytest.raises(ConfigError, match=r"mappings=9 is out of range: allowed \[5, 8\]"):
        collide_ids(enc, 3, "random", 5, 9)
    with pytest.raises(ConfigError, match="ids: allowed 1"):
        fooled_trials(enc, 4, ids * 0, 0)
