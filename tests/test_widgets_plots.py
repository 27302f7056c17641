from rmaplab.config import WIP_V1
from rmaplab.plotting import frontier_chart, frontier_frame, verdict_chart
from rmaplab.verify import frontier_pages, verify_all
from rmaplab.views import frontier_points
from rmaplab.widgets import explore, proof_explorer


def test_explorer_callbacks_follow_the_values():
    box = proof_explorer(order=9, bits=8, word_bits=64, id_bits=24)
    box.wait()
    assert "UNSAFE" in box.output.value and "min mappings 71" in box.output.value
    box.controls["order"].value = 6  # still in the posted group 6..9: base 513
    box.wait()
    assert "SAFE by lattice" in box.output.value and "needs n = 71 > 64" in box.output.value
    box.controls["group_order"].value = 6  # a group of its own: base 65
    box.wait()
    assert "SAFE by carry-free" in box.output.value
    box.controls["group_order"].value = 5
    box.wait()
    assert "group_order=5 is out of range: allowed [6, 30]" in box.output.value
    box.controls["group_order"].value = 9
    box.wait()
    box.controls["bits"].value = 7
    box.wait()
    box.controls["id_bits"].value = 21
    box.wait()
    box.controls["order"].value = 9
    box.wait()
    assert "SAFE by carry-free" in box.output.value and "headroom: 0 bits" in box.output.value
    box.controls["word_bits"].value = 8  # 513 == 1 mod 256: mm 1 and mm 2 share a sub-ID
    box.wait()
    assert "UNSAFE" in box.output.value and "min mappings 2" in box.output.value


def test_explore_verdicts_follow_from_the_theory():
    """Expected verdicts derived by hand, not read from the verifier:

    * order 0: one page, the only mapping is X's: safe;
    * 1-bit slices (sub-IDs 0 or 1) with (P - 1) < 2**64: exact per-bit
      counters: safe;
    * B-bit slices of wrapping digits past the pigeonhole bound: the
      (T+1)**B > 2**W vectors in {0..T}**B collide, so some D with
      ||D||_inf <= T fools the check: unsafe with at most 1 + T mappings,
      and the counterexample replays (tests/naive.py, from scratch).
    """
    import naive

    for args in [(0, 1, 8, 1), (30, 1, 64, 32)]:
        text, v = explore(*args)
        assert v is not None and v.verdict == "safe" and "SAFE" in text, args
    for order, bits, w, ids in [(12, 12, 64, 24), (5, 24, 64, 24)]:
        text, v = explore(order, bits, w, ids)
        t = next(t for t in range(1, 1 << 16) if (t + 1) ** bits > 2**w)
        assert v is not None and v.verdict == "unsafe" and "UNSAFE" in text
        assert 2 <= v.min_mappings <= min(1 + t, 1 << order)
        k = -(-ids // bits)
        counts = dict(v.counterexample["mappings"])
        n = sum(counts.values())
        got = naive.folio_values(k, bits, 1 << order, w, counts)
        x = naive.subids(k, bits, 1 << order, w, v.counterexample["victim"])
        assert n == v.min_mappings and got == [n * a % 2**w for a in x]
    text, v = explore(9, 8, 64, 24, group_order=8)  # a group below its order
    assert v is None and text.startswith("invalid: group_order=8 is out of range")


def test_frontier_frame_matches_frontier_pages():
    fr = frontier_frame(64, 24)
    pig = fr[fr["bound"].str.startswith("pigeonhole")].set_index("bits")
    for b in (4, 6, 8, 24):
        assert pig.loc[b, "pages"] == frontier_pages(b, 64)
    cf = fr[fr["bound"].str.startswith("carry-free")].set_index("bits")
    # 8 bits per value: base 2^o + 1 certified up to order 7, not 8
    assert cf.loc[8, "pages"] == 128


def test_charts_encode_the_library_results():
    d = frontier_chart(frontier_points([WIP_V1])).to_dict()
    layers = d["layer"]
    assert layers[0]["encoding"]["x"]["field"] == "bits"
    pts = d["datasets"][layers[1]["data"]["name"]]
    by = {p["order"]: p["verdict"] for p in pts}
    assert [o for o, v in sorted(by.items()) if v == "unsafe"] == [7, 8, 9]
    vd = verdict_chart(verify_all(WIP_V1)).to_dict()
    rows = vd["datasets"][vd["data"]["name"]]
    assert {r["order"]: r["headroom_bits"] for r in rows}[9] == -9


def test_cost_explorer_and_charts():
    from rmaplab.cost import cost_table, load_published
    from rmaplab.plotting import cost_chart, published_chart
    from rmaplab.widgets import cost_explorer

    box = cost_explorer(24, 64, 9)
    box.wait()
    assert "K = 4 of 6 bits" in box.output.value
    box.controls["order"].value = 13
    box.wait()
    assert "K = 6 of 4 bits" in box.output.value and "2 cache line(s)" in box.output.value
    box.controls["word_bits"].value = 16
    box.wait()
    box.controls["order"].value = 17
    box.wait()
    # a 16-bit word holds the mapcount of folios up to order 15 (issue 18: the
    # message said "allowed [17, 15]")
    assert box.output.value == "invalid: order=17 is out of range: allowed [0, 15]"
    d = cost_chart(cost_table(WIP_V1)).to_dict()
    rows = d["datasets"][d["data"]["name"]]
    assert {(r["order"], r["amount"]) for r in rows if r["cost"] == "bytes"} >= {
        (2, 8),
        (5, 16),
        (10, 32),
    }
    p = published_chart(load_published()["microbench"], ["fork"]).to_dict()
    rows = [r for ds in p["datasets"].values() for r in ds if "benchmark" in r]
    assert {r["benchmark"] for r in rows} == {"fork"}


def test_charts_render_offline_in_jupyterlab():
    """JupyterLab 4 renders Vega-Lite v3..v5 mimetypes natively (no CDN)."""
    import altair as alt

    import rmaplab.plotting  # noqa: F401  (selects the renderer)

    assert alt.SCHEMA_VERSION.startswith("v5.")
    bundle = alt.Chart(alt.Data(values=[{"a": 1}])).mark_point().encode(x="a:Q")._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.vegalite.v5+json" in data and "text/html" not in data


def test_export_control_writes_figure_and_text(tmp_path):
    from rmaplab.export import text_bars
    from rmaplab.plotting import verdict_chart
    from rmaplab.widgets import export_control

    df = verify_all(WIP_V1)
    box = export_control(
        {
            "verdicts": (
                verdict_chart(df),
                text_bars(df["order"], df["headroom_bits"], "headroom"),
            ),
            "text only": (None, "just text"),
        },
        out_dir=tmp_path,
    )
    box.controls["format"].value = "svg"
    box.button.click()
    assert (tmp_path / "verdicts.svg").exists() and not (tmp_path / "verdicts.png").exists()
    box.controls["format"].value = "all"
    box.button.click()
    assert {p.name for p in tmp_path.iterdir()} == {"verdicts.svg", "verdicts.png", "verdicts.txt"}
    assert "wrote" in box.status.value
    box.controls["figure"].value = "text only"
    box.controls["format"].value = "png"
    box.button.click()
    assert box.status.value == "nothing to write in that format"


# -- figure titles, upper bounds, ticks (issue 10 item 8) ---------------------------


def _titles(spec) -> list[str]:
    """Every title and subtitle string in a Vega-Lite spec."""
    out = []

    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k in ("title", "subtitle"):
                    if isinstance(v, str):
                        out.append(v)
                    elif isinstance(v, list):
                        out.extend(s for s in v if isinstance(s, str))
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(spec)
    return out


def _collide_rows():
    import pandas as pd

    rows = []
    # raw-id: hits at 2 and 4 mms, none at 3; hash64 none anywhere; bit-counters proven 0;
    # digits-k2 exactly like raw-id
    for enc, hits in (("raw-id", [4, 0, 2]), ("hash64", [0, 0, 0]), ("digits-k2", [4, 0, 2])):
        for mms, h in zip([2, 3, 4], hits, strict=True):
            rows.append(
                {
                    "encoding": enc,
                    "population": "uniform",
                    "order": 9,
                    "mms": mms,
                    "mappings": 8,
                    "word_bits": 16,
                    "id_bits": 12,
                    "values": 2,
                    "probability": h / 1000,
                    "ci_low": 0.0,
                    "ci_high": 0.0037 if h == 0 else h / 1000 + 0.001,
                    "method": "monte-carlo",
                    "trials": 1000,
                }
            )
    for mms in (2, 3, 4):
        rows.append(
            rows[0]
            | {
                "encoding": "bit-counters",
                "mms": mms,
                "probability": 0.0,
                "ci_high": 0.0,
                "method": "proof",
                "trials": 0,
            }
        )
    return pd.DataFrame(rows)


def test_probability_chart_states_parameters_and_draws_zero_hits_as_upper_bounds():
    from rmaplab.plotting import UPPER_BOUND, probability_chart

    d = probability_chart(_collide_rows(), "mms", config="wip-v1").to_dict()
    title = d["title"]
    assert title["text"] == "False 'exclusive' against mms mapping the folio"
    sub = " | ".join(title["subtitle"])
    for part in (
        "wip-v1",
        "order 9",
        "8 mappings",
        "16-bit words",
        "12-bit ids",
        "1000 trials per point",
        "95% upper bound",
        "exactly 0, not drawn: bit-counters",
        "raw-id = digits-k2",
    ):
        assert part in sub, part
    rows = d["datasets"][d["data"]["name"]]
    by = {(r["encoding"], r["mms"]): r for r in rows}
    assert "bit-counters" not in {r["encoding"] for r in rows}
    # a zero-hit Monte Carlo point sits at its upper bound and is marked as one
    assert by[("hash64", 3)]["shown"] == 0.0037 and by[("hash64", 3)]["kind"] == UPPER_BOUND
    assert by[("raw-id", 2)]["shown"] == 0.004 and by[("raw-id", 2)]["kind"] == "estimate"
    # equal series do not hide each other: drawn at different x, same tick
    assert by[("raw-id", 2)]["x_drawn"] != by[("digits-k2", 2)]["x_drawn"]
    layers = d["layer"]
    assert layers[0]["encoding"]["x"]["axis"] == {"format": "d", "values": [2, 3, 4]}
    marks = [(ly["mark"]["type"], ly["mark"].get("filled")) for ly in layers]
    # line, the estimates' 95% intervals (rules), filled estimates, hollow bounds
    assert marks == [("line", None), ("rule", None), ("point", True), ("point", False)]
    assert layers[1]["encoding"]["y2"]["field"] == "ci_high"
    assert layers[3]["transform"] == [{"filter": f"(datum.kind === '{UPPER_BOUND}')"}]
    shape = layers[3]["encoding"]["shape"]["scale"]
    assert dict(zip(shape["domain"], shape["range"], strict=True))[UPPER_BOUND] == "triangle-down"


def test_false_shared_chart_one_panel_per_scheme_and_quiet_workloads_named():
    import pandas as pd

    from rmaplab import get_config
    from rmaplab.plotting import false_shared_chart

    rows = []
    for w, fs in (("zygote", 0), ("random", 3)):
        for s in ("legacy", "rmap-id", "total-mapcount"):
            for p in (2, 4, 8):
                rows.append(
                    {
                        "scheme": s,
                        "checks": 10,
                        "false_exclusive": 0,
                        "false_shared": fs if s == "total-mapcount" else 0,
                        "workload": w,
                        "procs": p,
                    }
                )
    d = false_shared_chart(
        pd.DataFrame(rows), order=6, config=get_config("wip-v1"), seeds=2
    ).to_dict()
    assert d["facet"]["field"] == "scheme" and d["columns"] == 3
    data = d["datasets"][d["data"]["name"]]
    assert {r["workload"] for r in data} == {"random"}
    assert {r["scheme"] for r in data} == {"legacy", "rmap-id", "total-mapcount"}
    sub = " | ".join(d["title"]["subtitle"])
    assert "order 6, wip-v1 (24-bit ids, 64-bit words), 2 seeds" in sub
    # one workload left: named in the title, no one-entry legend
    assert d["title"]["text"].endswith("random workload")
    assert "zygote: no false shared for any scheme (not drawn)" in sub
    assert d["spec"]["layer"][0]["encoding"]["x"]["axis"] == {"format": "d", "values": [2, 4, 8]}


def test_cost_chart_titles_are_words():
    from rmaplab import get_config
    from rmaplab.cost import cost_table
    from rmaplab.plotting import cost_chart

    cfg = get_config("wip-v1")
    d = cost_chart(cost_table(cfg), configs=[cfg]).to_dict()
    titles = _titles(d)
    assert "wip-v1: 24-bit ids, 64-bit words, orders 0..15" in titles
    panels = d["hconcat"]
    assert [p["title"] for p in panels] == ["Memory per folio", "Atomics per update"]
    assert [p["encoding"]["y"]["title"] for p in panels] == [
        "bytes of rmap values (K words)",
        "atomic RMW per (un)map (legacy 2 + 1 + 2 + K)",
    ]
    assert not any("_" in t for t in titles), titles


def test_every_chart_title_has_parameters_and_no_column_names():
    from rmaplab import get_config
    from rmaplab.cost import load_published
    from rmaplab.plotting import BOUND_LINEAR, published_chart

    cfg = get_config("wip-v1")
    fr = frontier_chart(frontier_points([cfg])).to_dict()
    sub = " ".join(fr["title"]["subtitle"])
    assert "wip-v1 (24-bit ids, orders 0..15)" in sub
    assert "pigeonhole covers sub-IDs linear in the slice's bits" in sub
    assert "not a table w[s] indexed by the whole slice value" in sub
    assert fr["title"]["text"] == "Largest safe folio order per id bits in one value, 64-bit words"
    lines = fr["datasets"][fr["layer"][0]["data"]["name"]]
    assert {r["bound"] for r in lines if r["bits"] == 8} >= {BOUND_LINEAR}
    vd = verdict_chart(verify_all(cfg)).to_dict()
    assert "wip-v1, 24-bit ids, 64-bit words, orders 0..15" in vd["title"]["subtitle"]
    pub = published_chart(load_published()["microbench"], ["fork"]).to_dict()
    assert "against v6.7-rc1" in pub["title"]["subtitle"][0]
    for spec in (fr, vd, pub):
        assert not any("_" in t for t in _titles(spec) if "w_j" not in t and "P_g" not in t)


def test_probability_chart_of_proven_zeros_only_names_them():
    from rmaplab.plotting import probability_chart

    df = _collide_rows()
    d = probability_chart(df[df["encoding"] == "bit-counters"], "mms").to_dict()
    assert d["datasets"][d["data"]["name"]] == []
    assert d["title"]["subtitle"][-1] == "exactly 0, not drawn: bit-counters"
