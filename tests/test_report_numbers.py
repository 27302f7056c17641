"""Every number `rmaplab report` prints, computed another way.

Expected values come from the published tables (``shared/reference/rmap-id.md``, copied
as literals below with the section they come from), from hand derivations in comments, or
from the independent references in ``tests/naive.py``; never from the code under test.
The report's own functions are called to get what it prints (``rmaplab.cost``,
``rmaplab.verify``, ...), then compared with these.
"""

import csv
from fractions import Fraction
from math import ceil, comb

import naive
import pytest
from paths import CI_SMALL

from rmaplab import get_config
from rmaplab.collide import collide, wilson
from rmaplab.config import config_table
from rmaplab.cost import atomics_model, cheapest_safe, cost_table, tradeoff
from rmaplab.plotting import frontier_frame
from rmaplab.proof import proof_text, replay_steps
from rmaplab.verify import verify, verify_all

WIP = get_config("wip-v1")

# rmap-id.md, "Folio size groups (as posted; 24-bit ids)": orders -> (K, B, base P_g + 1)
POSTED = {
    range(0, 3): (1, 24, 5),
    range(3, 6): (2, 12, 33),
    range(6, 10): (3, 8, 513),
    range(10, 11): (4, 6, 1025),
    range(11, 13): (5, 5, 4097),
    range(13, 16): (6, 4, 32769),
}


def posted(order):
    return next(v for r, v in POSTED.items() if order in r)


def exact_maxsub(base, bits):
    """Largest sub-ID of a B-bit slice, exactly (no word): every binary digit 1."""
    return naive.subid(base - 1, (1 << bits) - 1, word_bits=4 * 64)


# -- table.txt ---------------------------------------------------------------------


def test_config_table_is_the_posted_table():
    df = config_table(WIP).set_index("order")
    assert list(df.index) == list(range(16))
    for o in range(16):
        k, b, base = posted(o)
        # headroom: W - bit_length(P_g * max sub-ID), the series' rule
        headroom = 64 - ((base - 1) * exact_maxsub(base, b)).bit_length()
        row = df.loc[o]
        assert (row["values"], row["bits"], row["base_pages"]) == (k, b, base - 1)
        assert row["bytes"] == k * 64 // 8
        assert row["headroom_bits"] == headroom
    # by hand: 5^24 - 1 ~ 2^55.7 -> 56 bits, headroom 8; 33^12 - 1 ~ 2^60.5 -> 61, 3;
    # 513^8 - 1 ~ 2^72.02 -> 73 bits, -9
    assert [df.loc[o, "headroom_bits"] for o in (0, 3, 6, 10, 11, 13)] == [8, 3, -9, 3, 3, 3]


# -- verify.txt, proof.txt, counterexample_steps.txt ---------------------------------


def test_verify_table_rows():
    df = verify_all(WIP).set_index("order")
    for o in range(16):
        k, b, base = posted(o)
        pages = 1 << o
        carry_free = (pages - 1) * exact_maxsub(base, b) < 2**64 and pages - 1 < base
        row = df.loc[o]
        assert (row["values"], row["bits"], row["base_pages"]) == (k, b, base - 1)
        if carry_free:
            assert (row["verdict"], row["method"]) == ("safe", "carry-free")
        else:
            # only orders 6..9 (base 513) lose the certificate; 71 mappings fool them
            # (D_j = 2 (-1)^j C(7, j): 2 * (1 - 513)^7 = -2^64), which 64 pages cannot hold
            assert o in (6, 7, 8, 9) and row["method"] == "lattice"
            assert row["verdict"] == ("safe" if pages < 71 else "unsafe")
            if pages >= 71:
                assert row["min_mappings"] == 1 + max(2 * comb(7, j) for j in range(8))


def test_proof_text_numbers():
    text = " ".join(proof_text(WIP, 9).split())
    maxsub = exact_maxsub(513, 8)
    assert "P = 512 pages, K = 3 values of B = 8 id bits, base b = P_g + 1 = 513" in text
    assert f"needs {(511 * maxsub).bit_length()} bits > 64" in text  # 73
    assert f"{513**8 - 1}".isdigit() and f"513^8 - 1 needs {(513**8 - 1).bit_length()} bits" in (
        text
    )
    d = [2 * (-1) ** j * comb(7, j) for j in range(8)]
    # (either sign: D and -D are the same vector of the lattice)
    assert f"D = {d}" in text or f"D = {[-x for x in d]}" in text
    assert "70: n = 71 <= 512" in text
    # pigeonhole with B = 8, W = 64: T = 2^8 = 256 (256^8 = 2^64), frontier 257
    assert "from P = 257 pages on" in text and "T = 256" in text
    # the counterexample it prints replays as a false 'exclusive' by the naive model
    v = verify(WIP, 9)
    counts = dict(map(tuple, v.counterexample["mappings"]))  # the victim's own included
    assert counts[v.counterexample["victim"]] == 1
    assert naive.mapped_shared(3, 8, 512, 64, 9, counts, v.counterexample["victim"]) is False
    parts = ", ".join(f"mm {m} maps {c}" for m, c in v.counterexample["mappings"][1:])
    assert f"victim mm {v.counterexample['victim']} maps 1 page; {parts};" in text
    assert f"total {sum(counts.values())} <= 512" in text


def test_counterexample_steps():
    v = verify(WIP, 9)
    ce = v.counterexample
    st = replay_steps(WIP.encoding(9), 9, ce)
    st = st[st["value"] == 0].reset_index(drop=True)
    plan = [tuple(m) for m in ce["mappings"]]  # the victim's own entry first
    assert plan[0] == (ce["victim"], 1)
    counts = {}
    for i, (mm, c) in enumerate(plan):
        counts[mm] = counts.get(mm, 0) + c
        n = sum(counts.values())
        value0 = naive.folio_values(3, 8, 512, 64, counts)[0]
        want0 = n * naive.subids(3, 8, 512, 64, ce["victim"])[0] % 2**64
        row = st.loc[i]
        assert row["step"] == i + 1 and row["mapcount"] == n
        assert int(row["hex"], 16) == value0
        assert row["equal"] == (value0 == want0)
        # base-513 digits, most significant first, 9 digits (B + 1)
        digits = [(value0 // 513**j) % 513 for j in range(9)]
        assert row["base_digits"] == ".".join(str(x) for x in reversed(digits))
    # the last step is the false 'exclusive': value 0 equals n * subid(victim) again
    assert list(st["equal"]) == [True, False, False, False, True]


# -- frontier.txt --------------------------------------------------------------------


def test_frontier_table():
    fr = frontier_frame(64, 12)
    pig = fr[fr["bound"].str.startswith("pigeonhole")].set_index("bits")["pages"]
    assert list(pig.index) == list(range(1, 13))
    for b, p in pig.items():
        # the smallest P with P^B > 2^64
        assert (p - 1) ** b <= 2**64 < p**b
    assert (pig[1], pig[2], pig[4], pig[8]) == (2**64 + 1, 2**32 + 1, 2**16 + 1, 2**8 + 1)


# -- cost.txt, cost_bars.txt, the trade-off in post.txt -----------------------------


def test_cost_table_from_the_cost_model_definition():
    """rmap-id.md, "Costs stated in the series": values K * 8 bytes; per-page mapcounts
    4 bytes a page; atomics: legacy 2 + total mapcount 1 + seqcount 2 + K values; the
    exclusive writer keeps legacy 2 + seqcount 2 (plain stores for the rest); values 0..3
    share a 64-byte line, 4..5 the next."""
    df = cost_table(WIP).set_index("order")
    for o in range(16):
        k = posted(o)[0]
        row = df.loc[o]
        assert row["values"] == k
        assert row["bytes"] == 8 * k
        assert row["bytes_with_seqcount"] == 8 * k + 4
        assert row["per_page_mapcount_bytes"] == 4 * 2**o
        assert row["cache_lines"] == (1 if k <= 4 else 2)
        assert row["atomics_per_update"] == 2 + 1 + 2 + k
        assert row["extra_atomics"] == 1 + 2 + k
        assert row["atomics_per_update_exclusive"] == 2 + 2
        assert row["ids_supported"] == 2**24 - 1
    # the series' own figures: 8, 16, 32 bytes at orders 2, 5, 10; 16, 128, 4096 bytes
    # of per-page mapcounts; "4..9 more" atomics
    assert [df.loc[o, "bytes"] for o in (2, 5, 10)] == [8, 16, 32]
    assert [df.loc[o, "per_page_mapcount_bytes"] for o in (2, 5, 10)] == [16, 128, 4096]
    assert (df["extra_atomics"].min(), df["extra_atomics"].max()) == (4, 9)


def test_tradeoff_in_post():
    t = tradeoff(WIP, [9, 13]).set_index("order")
    # order 9: K = 3 -> 24 bytes, 2 + 1 + 2 + 3 = 8 atomics, unsafe (71 <= 512)
    # order 13: K = 6 -> 48 bytes, 11 atomics, carry-free safe
    assert tuple(t.loc[9, ["values", "bytes", "atomics_per_update", "verdict"]]) == (
        3,
        24,
        8,
        "unsafe",
    )
    assert tuple(t.loc[13, ["values", "bytes", "atomics_per_update", "verdict"]]) == (
        6,
        48,
        11,
        "safe",
    )
    assert t.loc[9, "min_mappings"] == 71 and t.loc[9, "bits"] == 8


def test_cheapest_safe_table():
    df = cheapest_safe(24, 64, 15).set_index("order")
    for o in range(16):
        pages = 1 << o
        # the rule: fewest K, B = ceil(24 / K), with 2^o * max sub-ID < 2^64 (base 2^o + 1)
        rule = next(
            k
            for k in range(1, 25)
            if (k - 1) * ceil(24 / k) < 24 and pages * exact_maxsub(pages + 1, ceil(24 / k)) < 2**64
        )
        b = ceil(24 / rule)
        row = df.loc[o]
        assert (row["rule_values"], row["values"], row["bits"]) == (rule, rule, b)
        # carry-free: (P - 1) * max sub-ID < P * max sub-ID < 2^64, digits P - 1 < P + 1
        assert row["method"] == "carry-free"
        assert row["bytes"] == 8 * rule
        if rule > 1:
            # one value fewer cannot be safe: beyond the pigeonhole frontier
            # (P^B' > 2^64) everywhere except order 8, where B' = 8 gives 256^8 = 2^64
            # exactly (not beyond); test_order_8_... replays its counterexample
            fewer = ceil(24 / (rule - 1))
            if o != 8:
                assert pages**fewer > 2**64
            else:
                assert fewer == 8 and pages**fewer == 2**64
    assert list(df["values"]) == [1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 6]


def test_order_8_needs_four_values_when_its_base_is_257():
    from rmaplab import Group, RmapConfig

    # K = 3 values of 8 bits with base 2^8 + 1 = 257: not certified ((P - 1) * max sub-ID
    # ~ 255 * 257^7 ~ 2^64.0 > 2^64), and the verifier's counterexample (250 mappings)
    # replays as a false 'exclusive' in the naive model: so order 8 needs K = 4
    cfg = RmapConfig("o8", 24, 64, (Group(8, 8, 3, 8),))
    assert 255 * exact_maxsub(257, 8) >= 2**64
    v = verify(cfg, 8)
    assert v.verdict == "unsafe" and v.min_mappings <= 256
    ce = v.counterexample
    counts = dict(map(tuple, ce["mappings"]))
    assert counts[ce["victim"]] == 1 and sum(counts.values()) == v.min_mappings
    assert naive.mapped_shared(3, 8, 256, 64, 8, counts, ce["victim"]) is False


# -- atomics_model.txt -----------------------------------------------------------------


def test_atomics_model_from_the_published_csv():
    # the cover letter's table as shipped in the package, read as plain CSV here
    # (rmaplab.cost reads it through pandas and melts it)
    from importlib.resources import files

    text = (files("rmaplab") / "data" / "coverletter_microbench.csv").read_text()
    rows = list(csv.DictReader(x for x in text.splitlines() if not x.startswith("#")))
    pub = {(r["cpu"], r["stage"]): r for r in rows}
    m = atomics_model(3).set_index(["cpu", "benchmark"])
    assert len(m) == 4
    for (cpu, bench), row in m.iterrows():
        one = float(pub[(cpu, "mapcount")][bench])
        rmap = float(pub[(cpu, "rmap-id")][bench])
        assert row["mapcount_stage_percent"] == one
        assert row["rmap_id_stage_percent"] == rmap
        # the rmap-id stage adds 1 + 2 + K = 6 atomics, the mapcount stage 1
        assert row["predicted_percent"] == pytest.approx(6 * one)
        assert row["explained"] == pytest.approx(6 * one / rmap)
    # as printed (atomics_model.txt), by hand: 25.9 * 6 / 27.9 = 5.57, 1.8 * 6 / 12.5 = 0.86,
    # 14.2 * 6 / 105.9 = 0.80, 0.3 * 6 / 48.8 = 0.04
    ex = m["explained"]
    assert [round(ex[("amd_epyc_7313", b)], 2) for b in ("fork", "munmap")] == [5.57, 0.86]
    assert [round(ex[("intel_xeon_silver_4210r", b)], 2) for b in ("fork", "munmap")] == [
        0.80,
        0.04,
    ]


# -- collide.txt, the adversarial line of post.txt ---------------------------------


def test_wilson_upper_bound_for_zero_hits():
    # with 0 hits the Wilson upper bound p solves n p = z^2 (1 - p): p = z^2 / (n + z^2);
    # the report's 20000 trials give 0.000192
    z = 1.959963984540054
    lo, hi = wilson(0, 20_000)
    assert lo == 0.0 and abs(20_000 * hi - z * z * (1 - hi)) < 1e-9
    assert f"{hi:.3g}" == "0.000192"
    # with hits, both bounds solve (h/n - p)^2 n = z^2 p (1 - p)
    for h, n in [(3, 1000), (500, 1000), (999, 1000)]:
        for p in wilson(h, n):
            assert (h / n - p) ** 2 * n == pytest.approx(z * z * p * (1 - p), rel=1e-9)


def test_collide_rows():
    rows = {
        e: collide(e, 9, 3, 20, 20_000, 0, "uniform", WIP, executor=None)
        for e in ("posted", "raw-id", "hash64", "digits-k2", "posted-32bit", "bit-counters")
    }
    # K and W by the encodings' definitions: the posted group 6..9 has 3 values; raw id and
    # hash one value; two values; the posted K in 32-bit words; one counter per id bit
    kw = {e: (r["values"], r["word_bits"]) for e, r in rows.items()}
    assert kw == {
        "posted": (3, 64),
        "raw-id": (1, 64),
        "hash64": (1, 64),
        "digits-k2": (2, 64),
        "posted-32bit": (3, 32),
        "bit-counters": (24, 64),
    }
    # posted at order 9 needs 71 mappings to be fooled: 20 never are
    assert rows["posted"]["hits"] == 0
    assert rows["bit-counters"]["method"] == "proof" and rows["bit-counters"]["probability"] == 0
    for r in rows.values():
        if r["method"] == "monte-carlo":
            assert r["trials"] == 20_000 and r["ci_high"] == wilson(r["hits"], 20_000)[1]


@pytest.mark.parametrize(
    "encoding, values, bits, base_pages, word_bits",
    [
        ("posted", 3, 8, 512, 64),
        ("digits-k2", 2, 12, 512, 64),
        ("posted-32bit", 3, 8, 512, 32),
        ("raw-id", None, None, None, 64),
    ],
)
def test_adversarial_population(encoding, values, bits, base_pages, word_bits):
    """The counterexample (victim 1 page, 4 other mms) and its 3^4 = 81 neighbours (each
    other count -1, 0 or +1; every count is >= 2 so all stay >= 1), checked one by one."""
    from itertools import product

    ce = verify(WIP, 9).counterexample
    x = ce["victim"]
    assert ce["mappings"][0] == [x, 1]
    others = [tuple(m) for m in ce["mappings"][1:]]
    fooled = 0
    for delta in product((-1, 0, 1), repeat=len(others)):
        counts = {x: 1} | {m: c + d for (m, c), d in zip(others, delta, strict=True)}
        if values is None:  # raw id in one value: the sum of c * (id - x) mod 2^64
            n = sum(counts.values())
            ok = n <= 512 and sum(c * (m - x) for m, c in counts.items()) % 2**word_bits == 0
        else:
            ok = not naive.mapped_shared(values, bits, base_pages, word_bits, 9, counts, x)
        fooled += ok
    r = collide(encoding, 9, population="adversarial", config=WIP, executor=None)
    assert r["probability"] == pytest.approx(float(Fraction(fooled, 81)), abs=0)
    if encoding != "raw-id":
        assert fooled == 1  # only the counterexample itself


# -- schemes.txt, false_shared.txt, section 4 of post.txt ------------------------------


@pytest.mark.slow  # the Python scheme objects take about 30 s
def test_schemes_table_two_ways():
    """The counters the report prints (numba replay, all schemes at once) equal those of
    the Python scheme objects on the same workloads; bytes and atomics per scheme follow
    the schemes' descriptions in rmap-id.md, section 3 (order 9: 512 pages, K = 3)."""
    from rmaplab.compare import compare_all

    # CI: one folio per workload (the same schemes and workloads, half the ops)
    kw = dict(encoding=WIP.encoding(9), order=9, procs=8, seed=0, folios=1 if CI_SMALL else 2)
    fast = compare_all(**kw)
    slow = compare_all(fast=False, **kw)
    cols = ["scheme", "workload", "checks", "false_exclusive", "false_shared"]
    assert fast[cols].equals(slow[cols])
    info = fast.drop_duplicates("scheme").set_index("scheme")
    assert dict(info["bytes_per_folio"]) == {
        "legacy": 512 * 4,  # the per-page mapcounts it reads
        "total-mapcount": 4,  # one atomic_t
        "owner-counter": 8 + 4,  # owner pointer + non-owner counter
        "mm-owner": 2 * 4 + 2 * 4 + 4,  # two (id, mapcount) slots + total mapcount
        "bit-counters": 4 * (24 + 1),  # one counter per id bit + total mapcount
        "rmap-id": 3 * 8 + 4 + 4,  # K values, mapcount, seqcount
        "rmap-moments": 2 * 8 + 4 + 4,  # sum of ids, sum of squares, mapcount, seqcount
    }
    assert dict(info["atomics_per_update"]) == {
        "legacy": 1,
        "total-mapcount": 1,
        "owner-counter": 1,
        "mm-owner": 3,  # bit lock, unlock, total mapcount
        "bit-counters": 24 + 1,  # worst case: every id bit set
        "rmap-id": 1 + 2 + 3,  # mapcount, seqcount, K values
        "rmap-moments": 1 + 2 + 2,  # mapcount, seqcount, 2 values
    }
    tot = fast.groupby("scheme")[["checks", "false_exclusive", "false_shared"]].sum()
    # every scheme answers the same checks; one counter per id bit is exact; a
    # mapcount-only scheme never says "exclusive" wrongly (it says shared unless sure),
    # and the first page's mapcount never says "shared" wrongly on these workloads
    assert tot["checks"].nunique() == 1
    assert tuple(tot.loc["bit-counters"])[1:] == (0, 0)
    assert tot.loc["total-mapcount", "false_exclusive"] == 0
    assert tot.loc["legacy", "false_shared"] == 0
