import json
from math import comb

import naive
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import DATA, SHARED_REF

from rmaplab import ConfigError, Folio, Group, RmapConfig, get_config
from rmaplab.cli import main
from rmaplab.config import WIP_V1, WIP_V1_32BIT
from rmaplab.lattice import iroot, lattice_basis, lll, shortest_linf
from rmaplab.subid import subids_array
from rmaplab.verify import (
    JSON_FIELDS,
    carry_free_certificate,
    exhaustive_min_mappings,
    frontier_pages,
    verify,
    verify_all,
)

# -- wip-v1 as posted ---------------------------------------------------------


def test_wip_v1_verdicts():
    df = verify_all(WIP_V1).set_index("order")
    assert list(df.index) == list(range(16))
    for o in [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]:
        assert (df.loc[o, "verdict"], df.loc[o, "method"]) == ("safe", "carry-free")
    assert (df.loc[6, "verdict"], df.loc[6, "method"]) == ("safe", "lattice")
    for o in (7, 8, 9):
        assert df.loc[o, "verdict"] == "unsafe"
        assert df.loc[o, "min_mappings"] == 71 and df.loc[o, "proven_minimal"]


def test_order_9_counterexample_is_a_real_false_exclusive():
    v = verify(WIP_V1, 9)
    ce = v.counterexample
    ids = [m for m, _ in ce["mappings"]]
    assert ce["mappings"][0] == [ce["victim"], 1]  # the victim's own entry, first
    assert len(set(ids)) == len(ids) >= 2 and max(ids) < 256  # small ids, each once
    counts = {m: c for m, c in ce["mappings"]}
    assert sum(counts.values()) == v.min_mappings == 71 <= 512
    # independent of rmaplab: values from scratch with Python ints
    assert naive.mapped_shared(3, 8, 512, 64, 9, counts, ce["victim"]) is False
    # and through the folio model, mapping in the given order
    f = Folio(WIP_V1, 9)
    for m, c in counts.items():
        f.map(m, c)
    r = f.check(ce["victim"])
    assert not r.shared and r.truly_shared and r.false_exclusive
    assert v.replayed is True


def test_the_shortest_vector_is_a_binomial_finite_difference():
    # 513 = 2^9 + 1, so sum_j (-1)^j C(7, j) 513^j = (1 - 513)^7 = -2^63:
    # twice that is -2^64 == 0 modulo 2^64.
    D = [2 * (-1) ** j * comb(7, j) for j in range(8)]
    assert sum(d * 513**j for j, d in enumerate(D)) == -(2**64)
    res = shortest_linf(lll(lattice_basis([513**j % 2**64 for j in range(8)], 64)), 70)
    assert res.complete and res.norm == 70
    assert res.vectors == [tuple(D)] or res.vectors == [tuple(-d for d in D)]


def test_order_6_safe_because_71_exceeds_64_pages():
    v = verify(WIP_V1, 6)
    assert v.verdict == "safe" and v.shortest_norm == 70 and v.min_mappings is None
    assert not carry_free_certificate(get_config("wip-v1"), 6)["holds"]


@pytest.mark.parametrize("order", [0, 2, 3, 5, 10, 11, 12, 13, 15])
def test_carry_free_certificates_recomputed(order):
    cfg = get_config("wip-v1")
    g = cfg.group_for(order)
    P = 2**order
    maxsub = sum((g.base_pages + 1) ** j for j in range(g.bits))
    assert (P - 1) * maxsub < 2**64 and P - 1 < g.base_pages + 1
    assert carry_free_certificate(cfg, order)["headroom"] == 2**64 - (P - 1) * maxsub


def test_32bit_variant_and_rule_derived_config_are_safe():
    assert set(verify_all(WIP_V1_32BIT)["verdict"]) == {"safe"}
    from rmaplab import derive_config

    assert set(verify_all(derive_config(24, 64, 15))["verdict"]) == {"safe"}


def test_series_notes():
    n9, n13, n10 = (verify(WIP_V1, o).note for o in (9, 13, 10))
    assert "128 sub-IDs" in n9 and "73 bits" in n9
    assert "8^6" in n13
    assert n10 == ""
    md = SHARED_REF / "rmap-id.md"
    if md.exists():
        text = " ".join(md.read_text().split())
        assert "128 sub-IDs per value for order 9" in text and "`8^6`" in text


def test_saved_tables_regenerate_identically(tmp_path):
    for path in sorted(DATA.glob("verify_*.csv")):
        cmd = path.read_text().splitlines()[0]
        assert cmd.startswith("# regenerate: rmaplab ")
        argv = cmd[len("# regenerate: rmaplab ") :].split()
        i = argv.index("--csv")
        argv[i + 1] = str(tmp_path / path.name)
        assert main(argv) == 0
        fresh = (tmp_path / path.name).read_text().splitlines()[1:]
        assert fresh == path.read_text().splitlines()[1:], path.name


# -- against the exhaustive search on small words -------------------------------

SMALL = [
    # built to be unsafe: words far too narrow for the base
    RmapConfig("u1", 6, 8, (Group(0, 3, 2, 3),)),
    RmapConfig("u2", 6, 8, (Group(0, 4, 2, 3),)),
    RmapConfig("u3", 6, 5, (Group(0, 3, 3, 2),)),
    RmapConfig("u4", 5, 11, (Group(0, 3, 1, 5),)),  # one value: ids == slices, 0 excluded
    RmapConfig("u5", 3, 14, (Group(0, 5, 1, 3),)),
    RmapConfig("u20", 4, 20, (Group(0, 6, 1, 4),)),  # 20-bit words
    RmapConfig("u24", 3, 24, (Group(0, 9, 1, 3),)),  # 24-bit words: 129 mappings at orders 8, 9
    # built to be safe: the series' rule with room to spare
    RmapConfig("s1", 6, 12, (Group(0, 2, 2, 3),)),
    RmapConfig("s2", 4, 8, (Group(0, 1, 2, 2),)),
    RmapConfig("s3", 4, 16, (Group(0, 3, 1, 4),)),
    RmapConfig("s4", 3, 24, (Group(0, 4, 1, 3),)),
]


@pytest.mark.jit_heavy
@pytest.mark.parametrize("cfg", SMALL, ids=lambda c: c.name)
def test_verifier_matches_exhaustive_search(cfg):
    kinds = set()
    for o in cfg.orders:
        v = verify(cfg, o)
        e = exhaustive_min_mappings(cfg, o)
        assert v.verdict in ("safe", "unsafe")
        assert v.min_mappings == e, (o, v.evidence)
        assert v.proven_minimal
        kinds.add(v.verdict)
        if v.counterexample:
            assert v.replayed
    if cfg.name.startswith("s"):
        assert all(cfg.fits(o) for o in cfg.orders) and kinds == {"safe"}
    else:
        assert "unsafe" in kinds


@pytest.mark.jit_heavy
@settings(max_examples=30)
@given(st.integers(1, 3), st.integers(2, 6), st.integers(4, 12), st.integers(1, 4), st.data())
def test_verifier_matches_exhaustive_on_random_small_configs(
    k, id_bits, word_bits, max_order, data
):
    b = -(-id_bits // k)
    if (k - 1) * b >= id_bits or k * word_bits > 16 or max_order >= word_bits:
        return
    cfg = RmapConfig("r", id_bits, word_bits, (Group(0, max_order, k, b),))
    o = data.draw(st.integers(1, max_order))
    v = verify(cfg, o)
    assert v.min_mappings == exhaustive_min_mappings(cfg, o)


TINY = [
    RmapConfig("t1", 4, 6, (Group(0, 3, 2, 2),)),
    RmapConfig("t2", 3, 7, (Group(0, 3, 1, 3),)),
    RmapConfig("t3", 4, 5, (Group(0, 2, 2, 2),)),
    RmapConfig("t4", 4, 8, (Group(0, 1, 2, 2),)),
]


@pytest.mark.parametrize("cfg", TINY, ids=lambda c: c.name)
def test_exhaustive_kernel_matches_pure_python_bfs(cfg):
    import numpy as np

    for o in cfg.orders:
        rows = [
            tuple(int(x) for x in r) for r in subids_array(cfg, o, np.arange(1, cfg.max_id + 1))
        ]
        assert exhaustive_min_mappings(cfg, o) == naive.bfs_min_mappings(
            rows, cfg.word_bits, 2**o - 1
        )
        from rmaplab._kernels.exhaustive import (
            ExhaustiveInputs,
            shortest_returns,
            shortest_returns_python,
        )

        inp = ExhaustiveInputs(np.array(rows, dtype=np.uint64), cfg.word_bits, 2**o - 1)
        assert np.array_equal(shortest_returns(inp), shortest_returns_python(inp))


@pytest.mark.parametrize(
    "cfg",
    [*TINY, *(pytest.param(c, marks=pytest.mark.jit_heavy) for c in (SMALL[0], SMALL[3]))],
    ids=lambda c: c.name,
)
def test_exhaustive_counterexample_replays_alone(cfg):
    """The brute force's own counterexample follows the contract (the victim's
    [X, 1] first) and replays, by rmaplab's folio model and by the naive one, to a
    false 'exclusive' with exactly exhaustive_min_mappings mappings."""
    from rmaplab.verify import exhaustive_counterexample, replay_counterexample

    unsafe = 0
    for o in cfg.orders:
        ce = exhaustive_counterexample(cfg, o)
        n = exhaustive_min_mappings(cfg, o)
        if n is None:
            assert ce is None
            continue
        unsafe += 1
        assert ce["mappings"][0] == [ce["victim"], 1]
        counts = dict(map(tuple, ce["mappings"]))
        assert len(counts) == len(ce["mappings"]) >= 2 and sum(counts.values()) == n
        assert replay_counterexample(cfg, o, ce).false_exclusive
        g = cfg.group_for(o)
        assert (
            naive.mapped_shared(
                g.nr_values, g.bits, g.base_pages, cfg.word_bits, o, counts, ce["victim"]
            )
            is False
        )
    assert unsafe or cfg.name in ("t3", "t4")  # those two are safe at every order


# -- lattice search and frontier --------------------------------------------------


@given(st.integers(2, 4), st.integers(3, 10), st.integers(2, 40), st.integers(1, 6))
def test_enumeration_is_exact_against_the_box(d, word_bits, base, bound):
    w = [pow(base, j, 2**word_bits) for j in range(d)]
    res = shortest_linf(lll(lattice_basis(w, word_bits)), bound)
    assert res.complete
    assert res.norm == naive.shortest_linf_box(w, word_bits, bound)


@given(st.integers(0, 2**80), st.integers(1, 12))
def test_iroot(x, k):
    r = iroot(x, k)
    assert r**k <= x < (r + 1) ** k


@given(st.integers(1, 4), st.integers(2, 9), st.data())
def test_frontier_holds_for_any_weights(d, word_bits, data):
    """Pigeonhole: whatever the weights, a nonzero D with ||D||_inf <= T exists."""
    w = [1, *data.draw(st.lists(st.integers(0, 2**word_bits - 1), min_size=d - 1, max_size=d - 1))]
    T = frontier_pages(d, word_bits) - 1
    assert (T + 1) ** d > 2**word_bits >= T**d
    found = naive.shortest_linf_box(w, word_bits, T)
    assert found is not None and found <= T


def test_posted_order_9_lies_beyond_the_frontier():
    # no 8-bit-per-value weighting of any kind is safe at 512 pages
    assert frontier_pages(8, 64) == 257 < 512


# -- CLI ----------------------------------------------------------------------------


def test_cli_verify_json_fields(capsys):
    assert main(["verify", "--config", "wip-v1", "--all", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["order"] for r in rows] == list(range(16))
    for r in rows:
        assert list(r)[: len(JSON_FIELDS)] == list(JSON_FIELDS)
    ce = rows[9]["counterexample"]
    assert set(ce) == {"victim", "mappings"} and all(len(m) == 2 for m in ce["mappings"])
    assert ce["mappings"][0] == [ce["victim"], 1]
    # replays from the JSON alone: every listed entry maps, nothing else
    f = Folio(WIP_V1, 9)
    for m, c in ce["mappings"]:
        f.map(m, c)
    assert f.check(ce["victim"]).false_exclusive


def test_cli_verify_order_9_json_counterexample_replays_alone(capsys):
    """The contract: ``counterexample`` lists the victim's own ``[X, count]`` (first),
    every mm once with its own count >= 1, the counts add up to ``min_mappings``, and
    mapping exactly the listed entries into a fresh folio gives a false 'exclusive'."""
    assert main(["verify", "--config", "wip-v1", "--order", "9", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    ce = row["counterexample"]
    x = ce["victim"]
    assert ce["mappings"][0][0] == x
    ids = [m for m, _ in ce["mappings"]]
    assert len(ids) == len(set(ids)) and all(c >= 1 for _, c in ce["mappings"])
    assert sum(c for _, c in ce["mappings"]) == row["min_mappings"] == 71
    f = Folio(WIP_V1, 9)
    for m, c in ce["mappings"]:
        f.map(m, c)
    r = f.check(x)
    assert r.false_exclusive and not r.shared and r.truly_shared and r.mapcount == 71
    # and independently of rmaplab's folio model
    assert naive.mapped_shared(3, 8, 512, 64, 9, dict(map(tuple, ce["mappings"])), x) is False


def test_every_counterexample_lists_each_mm_with_its_own_count():
    """Every unsafe order of every shipped configuration (and a small custom one):
    the victim's entry is present with its count, the counts sum to min_mappings,
    and replay_counterexample maps exactly those entries (mapcount == min_mappings)."""
    from rmaplab.verify import replay_counterexample, split_counterexample

    cfgs = [WIP_V1, WIP_V1_32BIT, RmapConfig("c", 8, 16, (Group(0, 4, 2, 4),))]
    seen = 0
    for cfg in cfgs:
        for o in cfg.orders:
            v = verify(cfg, o)
            if v.counterexample is None:
                assert v.verdict != "unsafe"
                continue
            seen += 1
            ce = v.counterexample
            x, own, rest = split_counterexample(ce)
            assert x == ce["victim"] and own >= 1 and ce["mappings"][0] == [x, own]
            assert len(rest) == len(ce["mappings"]) - 1 >= 1
            assert own + sum(c for _, c in rest) == v.min_mappings <= 1 << o
            chk = replay_counterexample(cfg, o, ce)
            assert chk.false_exclusive and chk.mapcount == v.min_mappings
    assert seen >= 4


@pytest.mark.parametrize(
    "bad",
    [
        {"victim": 85, "mappings": [[43, 12], [77, 28]]},  # no entry for the victim
        {"victim": 85, "mappings": [[85, 1], [43, 12], [85, 1]]},  # the victim twice
        {"victim": 85, "mappings": [[85, 0], [43, 12]]},  # the victim maps nothing
    ],
)
def test_replay_refuses_a_counterexample_without_the_victims_own_entry(bad):
    from rmaplab.verify import replay_counterexample

    with pytest.raises(ValueError, match="must list the victim 85 once"):
        replay_counterexample(WIP_V1, 9, bad)


@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "--all"],
        ["verify", "--order", "9"],
        ["verify", "--order", "9", "--steps"],
        ["verify", "--config", "wip-v1-32bit", "--all"],
        ["proof", "--order", "9"],
        ["proof", "--order", "12"],
        [
            "verify",
            "--id-bits",
            "8",
            "--word-bits",
            "16",
            "--values",
            "2",
            "--bits",
            "4",
            "--order",
            "4",
        ],
    ],
)
def test_cli_verify_text_fits_mail(capsys, argv):
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.strip() and max(map(len, out.splitlines())) <= 72


@pytest.mark.parametrize(
    "argv, match",
    [
        (["verify"], "exactly one of --order O and --all"),
        (["verify", "--order", "16"], "order=16 is not covered"),
        (["verify", "--values", "2", "--order", "3"], "also needs --id-bits, --word-bits, --bits"),
        (
            [
                "verify",
                "--id-bits",
                "8",
                "--word-bits",
                "16",
                "--values",
                "1",
                "--bits",
                "4",
                "--order",
                "3",
            ],
            "cannot hold 8-bit ids",
        ),
    ],
)
def test_cli_verify_errors(capsys, argv, match):
    assert main(argv) == 2
    assert match in capsys.readouterr().err


def test_exhaustive_refuses_large_configs():
    with pytest.raises(ConfigError, match="too large for the exhaustive search"):
        exhaustive_min_mappings(WIP_V1, 9)


# -- D: one sign in the verdict's evidence, the CSV and the written proof ---------------


def test_evidence_and_written_proof_print_the_same_d_with_step_1_sign():
    """Step 1 of `rmaplab proof` defines D_kj = sum_m c_m * (bit_kj(m) - bit_kj(X)).
    The verifier's evidence (JSON, verify.csv) and the proof must print that D, not -D:
    both are parsed and compared with D recomputed here from the counterexample."""
    import csv
    import re

    from rmaplab.proof import proof_text

    pat = re.compile(r"D = \[([-\d, ]+)\] in value (\d+)")

    def parse(text):
        found = pat.findall(" ".join(text.split()))
        assert found, text
        return [([int(a) for a in d.split(",")], int(k)) for d, k in found]

    for cfg, o in [(WIP_V1, 7), (WIP_V1, 9), (RmapConfig("c", 8, 16, (Group(0, 4, 2, 4),)), 4)]:
        v = verify(cfg, o)
        ce = v.counterexample
        ((d_ev, k),) = parse(v.evidence)
        g = cfg.group_for(o)
        mask = (1 << g.bits) - 1
        xs = (ce["victim"] >> (k * g.bits)) & mask
        want = [
            sum(
                c * (((m >> (k * g.bits) & mask) >> j & 1) - (xs >> j & 1))
                for m, c in ce["mappings"]
            )
            for j in range(g.bits)
        ]
        assert d_ev == want and any(want)
        assert sum(dj * g.base**j for j, dj in enumerate(want)) % 2**cfg.word_bits == 0
        assert parse(proof_text(cfg, o)) == [(want, k)]
    # the published table carries the same evidence
    lines = (DATA / "verify_wip-v1.csv").read_text().splitlines()[1:]
    row9 = next(r for r in csv.DictReader(lines) if r["order"] == "9")
    assert parse(row9["evidence"]) == parse(proof_text(WIP_V1, 9))
    assert json.loads(row9["counterexample"]) == verify(WIP_V1, 9).counterexample


def test_verify_all_with_progress_and_save_table_computing_its_own_rows(tmp_path):
    from rmaplab.config import Group, RmapConfig
    from rmaplab.verify import save_table, verify_all

    # 4-bit ids, one value of 4 bits, base 3, orders 0..1: P - 1 <= 1 < 3 and
    # (P - 1) * (1 + 3 + 9 + 27) = 40 < 2^8: carry-free at both orders
    cfg = RmapConfig("tiny4", 4, 8, (Group(0, 1, 1, 4, 2),))
    df = verify_all(cfg, progress=True)
    assert df["verdict"].tolist() == ["safe", "safe"]
    assert df["method"].tolist() == ["carry-free", "carry-free"]
    assert df.loc[1, "certificate"]["max_difference"] == 40
    path = tmp_path / "t.csv"
    save_table(cfg, path)
    lines = path.read_text().splitlines()
    assert lines[0] == f"# regenerate: rmaplab verify --config tiny4 --all --csv {path}"
    assert len(lines) == 4  # the command, the header, two orders


def test_the_brute_force_refuses_ids_over_12_bits():
    from rmaplab.config import Group, RmapConfig
    from rmaplab.verify import exhaustive_min_mappings

    cfg = RmapConfig("wide", 13, 2, (Group(0, 1, 13, 1, 2),))
    with pytest.raises(ConfigError, match="id_bits=13 is too large for the exhaustive"):
        exhaustive_min_mappings(cfg, 1)
