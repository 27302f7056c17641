from rmaplab.config import WIP_V1
from rmaplab.plotting import frontier_chart, frontier_frame, verdict_chart
from rmaplab.verify import frontier_pages, verify_all
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


def test_explore_reports_undecided_or_verdict_never_crashes():
    for args in [(0, 1, 8, 1), (30, 1, 64, 32), (12, 12, 64, 24), (5, 24, 64, 24)]:
        text, v = explore(*args)
        assert text and (v is None or v.verdict in {"safe", "unsafe", "undecided"})


def test_frontier_frame_matches_frontier_pages():
    fr = frontier_frame(64, 24)
    pig = fr[fr["bound"].str.startswith("pigeonhole")].set_index("bits")
    for b in (4, 6, 8, 24):
        assert pig.loc[b, "pages"] == frontier_pages(b, 64)
    cf = fr[fr["bound"].str.startswith("carry-free")].set_index("bits")
    # 8 bits per value: base 2^o + 1 certified up to order 7, not 8
    assert cf.loc[8, "pages"] == 128


def test_charts_encode_the_library_results():
    d = frontier_chart([WIP_V1]).to_dict()
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
    assert box.output.value.startswith("invalid:") and "max_order=17" in box.output.value
    d = cost_chart(cost_table(WIP_V1)).to_dict()
    rows = d["datasets"][d["data"]["name"]]
    assert {(r["order"], r["amount"]) for r in rows if r["cost"] == "bytes"} >= {
        (2, 8),
        (5, 16),
        (10, 32),
    }
    p = published_chart(load_published()["microbench"], ["fork"]).to_dict()
    assert {r["benchmark"] for r in p["datasets"][p["data"]["name"]]} == {"fork"}


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
