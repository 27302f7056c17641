"""Issue 20's left item: the Monte Carlo kernel's plan for one-value
(packing-lemma) families with ids over 16 bits. The plan is a table of every
id's addend, computed at once (numpy); it is checked against the family's
Python addends, and the numba kernel against its Python twin on the same
seeds, in words narrow enough that false "exclusive" answers happen."""

import random

import pytest

from rmaplab._kernels.codes import MAX_WIDE_TABLE_BITS, RULE_TABLE
from rmaplab._kernels.montecarlo import false_exclusive_trials, false_exclusive_trials_python
from rmaplab.collide import collide, mc_inputs
from rmaplab.config import ConfigError
from rmaplab.encodings import behrend_encoding, convex_encoding

CASES = [
    # (encoding, order): narrow words wrap, so hits are not all 0
    (lambda: convex_encoding("parabola-centered", 17, 6, 3), 3),
    (lambda: convex_encoding("paraboloid-4d", 18, 8, 3), 3),
    (lambda: behrend_encoding(17, 6, 3), 3),
    (lambda: convex_encoding("paraboloid-3d", 17, 64, 9), 9),
]


@pytest.mark.parametrize(("make", "order"), CASES)
def test_wide_plan_is_the_python_addends(make, order):
    enc = make()
    plan = enc.plan()
    assert plan.rule == RULE_TABLE and plan.tables.shape == (1, 1 << enc.id_bits)
    n = 1 << enc.id_bits
    rng = random.Random(enc.id_bits)
    ids = {1, 2, 3, n // 2, n - 2, n - 1, *(rng.randrange(1, n) for _ in range(300))}
    for i in sorted(ids):
        assert int(plan.tables[0, i]) == enc.addends(i)[0], i


@pytest.mark.parametrize(("make", "order"), CASES)
def test_wide_plan_kernel_matches_its_python_twin(make, order):
    enc = make()
    hits = 0
    for pop in ("uniform", "lowest-free", "fork-tree"):
        inp = mc_inputs(enc, order, pop, 2, 3)
        got = false_exclusive_trials(inp, 2000, 11)
        assert got == false_exclusive_trials_python(inp, 2000, 11), pop
        hits += got[0]
    if enc.word_bits <= 8:
        assert hits > 0  # the comparison saw fooled populations


def test_collide_monte_carlo_of_a_wide_one_value_family():
    enc = convex_encoding("paraboloid-3d", 20, 64, 9)
    r = collide(enc, 9, mms=3, mappings=6, trials=3000, method="monte-carlo", executor=None)
    # the packing lemma holds at order 9 (verify says safe): no fooled trial
    assert r["method"] == "monte-carlo" and r["trials"] == 3000 and r["hits"] == 0


def test_ids_wider_than_the_table_are_refused():
    enc = convex_encoding("paraboloid-3d", MAX_WIDE_TABLE_BITS + 1, 64, 9)
    with pytest.raises(ConfigError, match=r"id_bits=23: .*allowed <= 22"):
        enc.plan()


def test_a_packing_family_states_its_hooks():
    from rmaplab.encodings.packing import PackingFamily

    fam, enc = PackingFamily(), convex_encoding("parabola", 6, 64, 4)
    for call in (
        lambda: fam.encoding(6, 64, 4),
        lambda: fam.lemma_certificate(enc, 4),
        lambda: fam.evidence(enc, 4, {}),
        lambda: fam.proof_body({}, 4),
        lambda: fam.addend_table(enc),
    ):
        with pytest.raises(NotImplementedError):
            call()


def test_proof_lines_only_for_the_packing_lemma():
    from rmaplab.certify import verify_encoding

    enc = convex_encoding("parabola", 6, 16, 9)  # the lemma fails: the searches decide
    v = verify_encoding(enc, 9)
    assert v.method != "packing-lemma"
    assert enc.fam.proof_lines(enc, 9, v) is None
    safe = convex_encoding("parabola", 6, 64, 9)
    lines = safe.fam.proof_lines(safe, 9, verify_encoding(safe, 9))
    assert lines is not None and lines[-1] == "SAFE."
