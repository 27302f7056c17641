import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmaplab import ConfigError
from rmaplab.cli import main
from rmaplab.collide import (
    TASK_TRIALS,
    analytic_probability,
    collide,
    exact_probability,
    make_encoding,
    monte_carlo,
    wilson,
)
from rmaplab.config import WIP_V1

SMALL = [
    dict(encoding="hash64", order=4, mms=3, mappings=4, word_bits=8, id_bits=4),
    dict(encoding="raw-id", order=4, mms=3, mappings=5, word_bits=8, id_bits=5),
    dict(encoding="posted", order=9, mms=3, mappings=6, word_bits=10, id_bits=6),
    dict(
        encoding="raw-id",
        order=6,
        mms=4,
        mappings=10,
        word_bits=6,
        id_bits=4,
        population="lowest-free",
    ),
    dict(
        encoding="two-values",
        order=5,
        mms=3,
        mappings=20,
        word_bits=4,
        id_bits=6,
        population="lowest-free",
    ),
]


@pytest.mark.jit_heavy
@pytest.mark.parametrize(
    "args", SMALL, ids=lambda a: f"{a['encoding']}-{a.get('population', 'uniform')}"
)
def test_monte_carlo_agrees_with_exact(args):
    e = collide(method="exact", **args)
    m = collide(method="monte-carlo", trials=300_000, seed=1, **args)
    assert e["method"] == "exact" and m["method"] == "monte-carlo"
    # 99.99% interval: the seeds are fixed, and a 95% interval misses 1 time in 20
    lo, hi = wilson(m["hits"], m["trials"], z=3.891)
    assert lo <= e["probability"] <= hi, (e, m)
    assert e["probability"] > 0  # each of these encodings does collide at this size


def test_exact_by_brute_force_on_a_tiny_case():
    """Uniform population, by listing every (victim, others, split) outcome."""
    from itertools import combinations, product

    enc = make_encoding("raw-id", order=3, config=WIP_V1, word_bits=4, id_bits=3)
    mms, n = 3, 4
    ids = range(1, 8)
    hits = total = 0
    for x in ids:
        others = [y for y in ids if y != x]
        for ys in product(others, repeat=mms - 1):
            for cuts in combinations(range(1, n), mms - 1):
                parts = [b - a for a, b in zip((0, *cuts), (*cuts, n), strict=False)]
                s = sum(c * (y - x) for c, y in zip(parts[1:], ys, strict=False)) % 16
                hits += s == 0
                total += 1
    assert exact_probability(enc, "uniform", mms, n) == Fraction(hits, total)


@pytest.mark.jit_heavy
def test_analytic_matches_exact_where_ids_do_not_repeat():
    # two mms: one other, no repeated ids; hash values over 2^W from 2^12 ids ~ uniform
    enc = make_encoding("hash64", order=4, config=WIP_V1, word_bits=6, id_bits=12)
    a = analytic_probability(enc, "uniform", 2, 4)
    m = collide(
        "hash64",
        order=4,
        mms=2,
        mappings=4,
        word_bits=6,
        id_bits=12,
        method="monte-carlo",
        trials=400_000,
        seed=3,
    )
    lo, hi = wilson(m["hits"], m["trials"], z=3.891)
    assert lo <= a <= hi
    # 2 mms, counts (c0, c1) with c1 in {1, 2, 3}: 2^-6 (c1 odd), 2^-5 (c1 = 2)
    assert a == pytest.approx((2 * 2**-6 + 2**-5) / 3)


def test_safe_posted_encodings_are_zero_by_proof():
    r = collide("posted", order=10, mms=3, mappings=50)
    assert (r["probability"], r["method"]) == (0.0, "proof")
    assert collide("bit-counters", order=9, mms=4, mappings=30)["method"] == "proof"


def test_adversarial_population_uses_the_verifier():
    r = collide("posted", order=9, mms=5, mappings=71, population="adversarial")
    assert r["method"] == "exact" and r["exact"] == "1/81"  # only the counterexample itself


@pytest.mark.jit_heavy
def test_results_do_not_depend_on_the_split():
    from concurrent.futures import ThreadPoolExecutor

    enc = make_encoding("raw-id", order=4, config=WIP_V1, word_bits=8, id_bits=5)
    serial = monte_carlo(enc, "uniform", 3, 5, trials=3 * TASK_TRIALS + 5, seed=9)
    with ThreadPoolExecutor(3) as ex:
        threaded = monte_carlo(
            enc, "uniform", 3, 5, trials=3 * TASK_TRIALS + 5, seed=9, executor=ex
        )
    assert serial == threaded and serial[1] == 3 * TASK_TRIALS + 5


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_numbers():
    distributed = pytest.importorskip("distributed")
    enc = make_encoding("raw-id", order=4, config=WIP_V1, word_bits=8, id_bits=5)
    local = monte_carlo(enc, "uniform", 3, 5, trials=2 * TASK_TRIALS, seed=4)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = monte_carlo(
            enc, "uniform", 3, 5, trials=2 * TASK_TRIALS, seed=4, executor=client.get_executor()
        )
    assert local == remote


def test_wilson():
    lo, hi = wilson(0, 1000)
    assert lo == 0.0 and 0.003 < hi < 0.004
    lo, hi = wilson(50, 100)
    assert lo < 0.5 < hi


@settings(max_examples=20)
@given(st.integers(2, 4), st.integers(0, 6), st.integers(4, 8))
def test_lowest_free_exact_is_a_probability(mms, extra, word_bits):
    p = exact_probability(
        make_encoding("raw-id", 6, WIP_V1, word_bits, 4), "lowest-free", mms, mms + extra
    )
    assert 0 <= p <= 1


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(encoding="nope"), "encoding='nope' is unknown"),
        (dict(encoding="raw-id", population="nope"), "population='nope' is unknown"),
        (dict(encoding="raw-id", mms=1), r"mms=1 is out of range: allowed \[2, "),
        (dict(encoding="raw-id", mms=3, mappings=2), r"mappings=2 is out of range: allowed \[3, "),
        (dict(encoding="raw-id", trials=0, method="monte-carlo"), r"trials=0 is out of range"),
        (dict(encoding="raw-id", order=16), "order=16 is not covered"),
        (dict(encoding="raw-id", method="analytic"), "no closed form"),
    ],
)
def test_bad_input(kw, match):
    with pytest.raises(ConfigError, match=match):
        collide(**kw)


def test_cli_collide(capsys):
    assert (
        main(
            [
                "collide",
                "--encoding",
                "raw-id",
                "--word-bits",
                "8",
                "--id-bits",
                "5",
                "--order",
                "4",
                "--mms",
                "3",
                "--mappings",
                "5",
                "--trials",
                "20000",
                "--method",
                "monte-carlo",
                "--json",
            ]
        )
        == 0
    )
    r = json.loads(capsys.readouterr().out)
    assert list(r)[:5] == ["probability", "ci_low", "ci_high", "method", "trials"]
    assert r["trials"] == 20000 and r["ci_low"] <= r["probability"] <= r["ci_high"]
    assert main(["collide", "--list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert "hash64" in listing["encodings"] and "fork-tree" in listing["populations"]
    for enc in listing["encodings"]:
        for pop in ("uniform", "lowest-free", "fork-tree"):
            assert (
                main(
                    [
                        "collide",
                        "--encoding",
                        enc,
                        "--population",
                        pop,
                        "--mms",
                        "3",
                        "--mappings",
                        "8",
                        "--trials",
                        "2000",
                        "--word-bits",
                        "16",
                        "--id-bits",
                        "8",
                        "--order",
                        "4",
                    ]
                )
                == 0
            )
            out = capsys.readouterr().out
            assert "P(false exclusive)" in out and max(map(len, out.splitlines())) <= 72
        assert main(["collide", "--encoding", enc, "--population", "adversarial", "--json"]) == 0
        r = json.loads(capsys.readouterr().out)
        assert r["method"] in ("exact", "proof") and r["probability"] <= 1 / 81


def test_adversarial_population_under_other_encodings():
    # the 71-mapping counterexample (notebook 02): digits in base 513 are fooled,
    # whatever the number of values or the word width; raw ids and hashes are not
    for enc in ("posted", "two-values", "posted-32bit"):
        r = collide(enc, order=9, population="adversarial")
        assert (r["fooled"], r["cases"]) == (1, 81), enc
    for enc in ("raw-id", "hash64"):
        r = collide(enc, order=9, population="adversarial")
        assert (r["fooled"], r["cases"]) == (0, 81), enc
    assert collide("bit-counters", order=9, population="adversarial")["method"] == "proof"
    with pytest.raises(ConfigError, match="finds no counterexample at order 10"):
        collide("raw-id", order=10, population="adversarial")


def test_mc_kernel_small_run_agrees_with_exact():
    """Small enough for the pure-Python (NUMBA_DISABLE_JIT=1) job as well."""
    args = SMALL[1]
    e = collide(method="exact", **args)
    m = collide(method="monte-carlo", trials=20_000, seed=5, **args)
    lo, hi = wilson(m["hits"], m["trials"], z=3.891)
    assert lo <= e["probability"] <= hi


# -- the claims of notebooks/02-collision-probability.ipynb ---------------------


def test_raw_id_neighbours_collide_without_wrapping():
    enc = make_encoding("raw-id", 9)
    x = 1000
    s = {m: enc.subids(m)[0] for m in (x - 1, x, x + 1)}
    n = 2
    assert (s[x - 1] + s[x + 1]) == n * s[x]  # values equal n * subid(X): "exclusive"


def test_hash64_is_about_two_to_the_minus_64():
    a = analytic_probability(make_encoding("hash64", 9), "uniform", 3, 20)
    assert 2.0**-64 <= a <= 2.0**-60


@pytest.mark.parametrize("name, n", [("two-values", 7), ("posted-32bit", 3)])
def test_reviewer_encodings_are_unsafe_at_order_9(name, n):
    from rmaplab.verify import verify

    v = verify(make_encoding(name, 9).config(), 9)
    assert v.verdict == "unsafe" and v.min_mappings == n and v.replayed


@pytest.mark.jit_heavy
def test_posted_random_population_has_no_hit_at_real_widths():
    r = collide("posted", order=9, mms=3, mappings=20, trials=200_000)
    assert r["method"] == "monte-carlo" and r["hits"] == 0 and r["ci_high"] < 2e-5


def test_collide_explorer_and_chart():
    from rmaplab.plotting import probability_chart
    from rmaplab.widgets import collide_explorer

    box = collide_explorer("raw-id", 16, 12, 3, 8)
    box.wait()
    assert "by monte-carlo" in box.output.value or "by exact" in box.output.value
    box.controls["encoding"].value = "bit-counters"
    box.wait()
    assert "by proof" in box.output.value
    box.controls["mappings"].value = 2
    box.wait()
    assert box.output.value.startswith("invalid:") and "mappings=2" in box.output.value
    import pandas as pd

    df = pd.DataFrame(
        [
            collide("raw-id", 4, 3, 5, 20_000, word_bits=8, id_bits=5, method="monte-carlo"),
            collide("bit-counters", 4, 3, 5),
        ]
    )
    d = probability_chart(df, "mms").to_dict()
    rows = d["datasets"][d["data"]["name"]]
    assert [r["encoding"] for r in rows] == ["raw-id"]  # a proven 0 has no point on a log axis


@settings(max_examples=25)
@given(
    st.sampled_from(["posted", "raw-id", "hash64", "two-values", "bit-counters"]),
    st.sampled_from(["uniform", "lowest-free", "fork-tree"]),
    st.integers(2, 5),
    st.integers(0, 6),
    st.integers(4, 16),
    st.integers(0, 2**63),
)
def test_mc_kernel_is_bit_identical_to_its_python_twin(
    encoding, population, mms, extra, word_bits, seed
):
    import naive

    from rmaplab._kernels.codes import POP_CODES
    from rmaplab._kernels.montecarlo import false_exclusive_trials, false_exclusive_trials_python
    from rmaplab.collide import mc_inputs

    enc = make_encoding(encoding, 4, WIP_V1, word_bits, 6)
    n = mms + extra
    inp = mc_inputs(enc, population, mms, n)
    got = false_exclusive_trials(inp, 300, seed)
    assert false_exclusive_trials_python(inp, 300, seed) == got
    want = naive.monte_carlo(
        enc.kind,
        enc.nr_values,
        enc.bits,
        enc.base_pages,
        enc.word_bits,
        enc.max_id,
        POP_CODES[population],
        mms,
        n,
        16,
        300,
        seed,
    )
    assert got == want


def test_monte_carlo_python_twin_matches_tasks():
    from rmaplab.collide import monte_carlo_python

    enc = make_encoding("raw-id", 4, WIP_V1, 6, 5)
    trials = TASK_TRIALS // 50 + 7
    got = monte_carlo(enc, "uniform", 3, 5, trials=trials, seed=3)
    assert got == monte_carlo_python(enc, "uniform", 3, 5, trials=trials, seed=3)
    assert got[1] == trials and got[0] > 0
