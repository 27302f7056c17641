"""Every chart the report and the notebooks draw, built from small inputs and
checked through its Vega-Lite spec (issue 19, "Figures"):

* the title (text and subtitle) states the parameters the data was made with;
* every legend entry has data, a legend has at least two entries (one
  series is named in the title instead), and no legend tells series apart
  by dash alone (a dash drawn over points shows the same mark for each);
* two series with the same points in one panel are drawn apart
  (``xOffset``, or the dodged ``x_drawn``), so neither hides the other;
* two renders give the same SVG (the report is byte for byte reproducible);
* the figure is at most 600 CSS px wide, so the report's PNG (scale 2) is
  at most 1200 px, and no text is cut off with an ellipsis;
* wherever a value is estimated, its interval is drawn (the view computes
  it; the chart only draws).
"""

import math
import re

import pandas as pd
import pytest
import vl_convert as vlc

from rmaplab.config import WIP_V1
from rmaplab.export import save_chart
from rmaplab.views import Params, false_shared_rates, view

#: The report writes PNG at this scale (rmaplab.export.save_chart's default).
PNG_SCALE = 2.0
MAX_PNG_PX = 1200
LEGEND_CHANNELS = ("color", "shape", "strokeDash", "size", "opacity", "fill", "stroke")


# -- reading a spec -------------------------------------------------------------


def _units(spec, datasets, data=None, encoding=None, facet=None):
    """Every unit (a spec with a mark), with its rows, merged encoding and facet field."""
    data = spec.get("data", data)
    enc = {**(encoding or {}), **spec.get("encoding", {})}
    if "facet" in spec and isinstance(spec["facet"], dict):
        facet = spec["facet"].get("field", facet)
    if "facet" in enc:
        facet = enc["facet"].get("field", facet)
    if "mark" in spec:
        rows = datasets.get(data.get("name"), data.get("values", [])) if data else []
        yield spec, rows, enc, facet
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for child in spec.get(key, []):
            yield from _units(child, datasets, data, enc, facet)
    if "spec" in spec:
        yield from _units(spec["spec"], datasets, data, enc, facet)


def _title_text(spec) -> str:
    t = spec.get("title", "")
    if isinstance(t, dict):
        parts = [t.get("text", ""), t.get("subtitle", "")]
    else:
        parts = [t]
    out = []
    for p in parts:
        out += p if isinstance(p, list) else [p]
    return " ".join(map(str, out))


def _values(rows, field):
    return {r[field] for r in rows if field in r and r[field] is not None}


def check_spec(chart, params: list[str], interval: bool = False) -> dict:
    """Every check of the module docstring on ``chart``; returns its spec."""
    spec = chart.to_dict()
    datasets = spec.get("datasets", {})
    problems = []
    title = _title_text(spec)
    for p in params:
        if p not in title:
            problems.append(f"title lacks {p!r}: {title!r}")

    units = list(_units(spec, datasets))
    legends: dict[tuple[str, str], set] = {}
    domains: dict[tuple[str, str], list] = {}
    channels_of: dict[str, set] = {}
    for _unit, rows, enc, _facet in units:
        for ch in LEGEND_CHANNELS:
            e = enc.get(ch)
            if not isinstance(e, dict) or "field" not in e or e.get("legend", {}) is None:
                continue
            key = (ch, e["field"])
            legends.setdefault(key, set()).update(_values(rows, e["field"]))
            channels_of.setdefault(e["field"], set()).add(ch)
            dom = (e.get("scale") or {}).get("domain")
            if isinstance(dom, list):
                domains[key] = dom
    for (ch, field), seen in legends.items():
        entries = domains.get((ch, field), sorted(seen, key=str))
        missing = [v for v in entries if v not in seen]
        if missing:
            problems.append(f"{ch} legend {field!r}: entries without data {missing}")
        if len(entries) < 2:
            problems.append(f"{ch} legend {field!r} has one entry {entries}: say it in the title")
        if ch == "strokeDash" and not channels_of[field] & {"color", "shape"}:
            problems.append(f"legend {field!r} tells series apart by dash alone")

    # series with the same points in one panel must be drawn apart
    for unit, rows, enc, facet in units:
        mark = unit["mark"]["type"] if isinstance(unit["mark"], dict) else unit["mark"]
        col = enc.get("color", {}).get("field") if isinstance(enc.get("color"), dict) else None
        x, y = enc.get("x", {}).get("field"), enc.get("y", {}).get("field")
        if mark not in ("line", "point") or not col or not x or not y or not rows:
            continue
        if "xOffset" in enc or x == "x_drawn":
            continue
        series: dict = {}
        for r in rows:
            if r.get(y) is None:
                continue
            series.setdefault((r.get(facet), r[col]), set()).add((r[x], r[y]))
        seen_pts: dict = {}
        for (panel, name), pts in series.items():
            other = seen_pts.get((panel, frozenset(pts)))
            if other is not None:
                problems.append(f"{other!r} and {name!r} coincide in panel {panel!r}")
            seen_pts[(panel, frozenset(pts))] = name

    if interval and not any(
        "y2" in enc or (isinstance(unit["mark"], dict) and unit["mark"].get("type") == "errorbar")
        for unit, _rows, enc, _f in units
    ):
        problems.append("estimates drawn without an interval (no y2 / errorbar layer)")

    svg = vlc.vegalite_to_svg(spec)
    if vlc.vegalite_to_svg(spec) != svg:  # e.g. clip-path ids count per process
        problems.append("the SVG differs between two renders: the report would not be reproducible")
    width = float(re.search(r'<svg[^>]*\swidth="([\d.]+)"', svg).group(1))
    if width * PNG_SCALE > MAX_PNG_PX:
        problems.append(f"{width:.0f} CSS px wide: PNG {width * PNG_SCALE:.0f} > {MAX_PNG_PX}")
    # what the renderer drew: one legend per title, none of dashes alone, none of one entry
    drawn = re.findall(
        r"aria-label=\"Symbol legend (?:titled '([^']*)' )?for (.*?) with (\d+) value", svg
    )
    if (
        any(
            enc.get(ch, {}).get("legend", {}) is not None
            for ch in LEGEND_CHANNELS
            for _u, _r, enc, _f in units
            if isinstance(enc.get(ch), dict) and "field" in enc[ch]
        )
        and not drawn
    ):
        problems.append("legends in the spec, none drawn")
    titles = [t or "(untitled)" for t, _ch, _n in drawn]
    for t in {t for t in titles if titles.count(t) > 1}:
        problems.append(f"two legends titled {t!r} (their marks differ from the chart's)")
    for t, ch, n in drawn:
        if ch == "strokeDash":
            problems.append(f"legend {t!r} drawn for strokeDash alone: one dot per entry")
        if n == "1":
            problems.append(f"legend {t!r} drawn with one entry")
    if "\u2026" in svg:
        cut = re.findall(r">([^<]*\u2026)<", svg)
        problems.append(f"text cut off: {cut[:3]}")
    assert not problems, "\n".join(problems)
    return spec


# -- small inputs ----------------------------------------------------------------


def _collide_rows():
    rows = []
    for enc, hits in (("posted", 8), ("raw-id", 8), ("hash64", 0)):
        for mms in (2, 4, 8):
            trials = 2000
            h = hits * mms // 2
            rows.append(
                {
                    "encoding": enc,
                    "mms": mms,
                    "order": 9,
                    "mappings": 8,
                    "word_bits": 16,
                    "id_bits": 12,
                    "population": "uniform",
                    "trials": trials,
                    "hits": h,
                    "probability": h / trials,
                    "ci_low": max(0.0, h / trials - 0.002),
                    "ci_high": h / trials + 0.002 if h else 3 / trials,
                    "method": "monte-carlo",
                }
            )
    return pd.DataFrame(rows)


def _sweep_rows():
    rows = []
    for seed in range(3):
        for scheme in ("rmap-id", "legacy-estimate"):
            for wl in ("random", "zygote"):
                for procs in (2, 4, 8):
                    fs = 0 if wl == "zygote" else (procs * (seed + 1)) % 7
                    rows.append(
                        {
                            "scheme": scheme,
                            "workload": wl,
                            "procs": procs,
                            "seed": seed,
                            "checks": 100,
                            "false_exclusive": 0,
                            "false_shared": fs,
                        }
                    )
    return pd.DataFrame(rows)


def _design_rows():
    rows = []
    for i, w in ((24, 64), (31, 64)):
        for o in (8, 9, 10):
            k = {"digits": 3, "table": 3, "moments": 2, "bit-counters": 35}
            for fam, v in k.items():
                rows.append(
                    {
                        "id_bits": i,
                        "word_bits": w,
                        "order": o,
                        "encoding": fam,
                        "values": v,
                        "best": False,
                        "bytes": 8 * v,
                        "atomics_per_update": 5 + v,
                    }
                )
            rows.append({**rows[-2], "best": True})
    return pd.DataFrame(rows)


P = Params(WIP_V1, quick=True)


def _view_chart(name, frame=None):
    v = view(name)
    df = v.build(P) if frame is None else frame
    return v.render_chart(df, P)


CASES = {
    # the report's charts, through their views
    "frontier": (lambda: _view_chart("frontier"), ["64-bit words", "24-bit ids", "wip-v1"], False),
    "cost": (lambda: _view_chart("cost"), ["wip-v1", "24-bit ids", "64-bit words"], False),
    "published": (
        lambda: _view_chart("published"),
        ["v6.7-rc1", "Xeon", "EPYC", "123 = 1/2/3-value groups", "faster"],
        False,
    ),
    "frontier_tables": (lambda: _view_chart("frontier_tables"), ["slice bits 2..4"], False),
    "design": (
        lambda: _view_chart("design", _design_rows()),
        ["24-bit ids", "31-bit ids", "64-bit words", "orders 8..10"],
        False,
    ),
    "collide_mms": (
        lambda: _view_chart("collide_mms", _collide_rows()),
        ["16-bit words", "12-bit ids", "order 9", "2000 trials"],
        True,
    ),
    "false_shared": (
        lambda: _view_chart("false_shared", false_shared_rates(_sweep_rows())),
        ["order 6", "3 seeds", "24-bit ids"],
        True,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_figure_spec(name):
    build, params, interval = CASES[name]
    check_spec(build(), params, interval)


def test_collide_title_names_the_rows_widths_not_the_configuration():
    """collide_mms runs 16-bit words and 12-bit ids: a title naming wip-v1
    (24-bit ids) would say the wrong widths."""
    spec = _view_chart("collide_mms", _collide_rows()).to_dict()
    assert "wip-v1" not in _title_text(spec)


def test_design_y_axis_fits_the_small_counts():
    """bit-counters need 35 values at 24-bit ids (one per id bit and more):
    drawn on the same axis they squash the 2..4 values every other family
    needs. The chart's y range stops well below 35 and says so."""
    spec = check_spec(_view_chart("design", _design_rows()), ["bit-counters"])
    ys = [u[2]["y"] for u in _units(spec, spec.get("datasets", {})) if "y" in u[2]]
    tops = [max(y["scale"]["domain"]) for y in ys if "domain" in y.get("scale", {})]
    assert tops and max(tops) < 35


def test_checks_catch_a_dash_only_legend_and_an_empty_entry():
    """The checker itself fails on the faults issue 19 found."""
    import altair as alt

    d = pd.DataFrame({"x": [1, 2, 1, 2], "y": [1, 2, 2, 3], "cpu": ["a", "a", "b", "b"]})
    dash_only = (
        alt.Chart(d)
        .mark_line(point=True)
        .encode(x="x:Q", y="y:Q", strokeDash="cpu:N")
        .properties(title="t", width=200)
    )
    with pytest.raises(AssertionError, match="dash alone"):
        check_spec(dash_only, [])
    empty = (
        alt.Chart(d)
        .mark_point()
        .encode(x="x:Q", y="y:Q", color=alt.Color("cpu:N", scale=alt.Scale(domain=["a", "b", "c"])))
        .properties(title="t", width=200)
    )
    with pytest.raises(AssertionError, match="without data"):
        check_spec(empty, [])
    twins = (
        alt.Chart(pd.DataFrame({"x": [1, 2, 1, 2], "y": [1, 2, 1, 2], "s": ["a", "a", "b", "b"]}))
        .mark_line()
        .encode(x="x:Q", y="y:Q", color="s:N")
        .properties(title="t", width=200)
    )
    with pytest.raises(AssertionError, match="coincide"):
        check_spec(twins, [])
    split = (
        alt.Chart(d)
        .mark_line(point=True)
        .encode(x="x:Q", y="y:Q", color="cpu:N", shape="cpu:N")
        .properties(title="t", width=200)
    )
    with pytest.raises(AssertionError, match="two legends"):
        check_spec(split, [])
    wide = alt.Chart(d).mark_point().encode(x="x:Q", y="y:Q").properties(title="t", width=900)
    with pytest.raises(AssertionError, match="PNG"):
        check_spec(wide, [])


def test_report_png_width_is_what_the_check_assumes(tmp_path):
    """The 600 CSS px limit holds because the report saves PNG at scale 2."""
    import altair as alt

    d = pd.DataFrame({"x": [1, 2], "y": [1, 2]})
    c = alt.Chart(d).mark_point().encode(x="x:Q", y="y:Q").properties(width=300, height=100)
    (png,) = save_chart(c, tmp_path / "c", formats=("png",))
    import struct

    with open(png, "rb") as f:
        w = struct.unpack(">I", f.read(24)[16:20])[0]
    svg = vlc.vegalite_to_svg(c.to_dict())
    css = float(re.search(r'<svg[^>]*\swidth="([\d.]+)"', svg).group(1))
    assert math.isclose(w, css * PNG_SCALE, abs_tol=2)


# -- plain-text charts -----------------------------------------------------------


def _legend_letters(text):
    return re.findall(r"^  ([a-z]) = ", text, flags=re.M)


def test_ascii_chart_legend_letters_are_all_on_the_grid():
    """A series of zeros on a log axis cannot be drawn, and two series with the
    same values land on the same cells: neither may leave a letter in the
    legend that the grid never shows."""
    from rmaplab.export import text_lines

    text = text_lines(
        [2, 3, 4],
        {"posted": [0, 0, 0], "raw-id": [1e-4, 2e-4, 4e-4], "hash64": [1e-4, 2e-4, 4e-4]},
        "P against mms",
        log=True,
        xlabel="mms",
    )
    grid = text.split("+-")[0]
    letters = _legend_letters(text)
    assert letters and all(m in grid for m in letters)
    assert "raw-id, hash64 (same values)" in text
    assert "not plotted (0 at every x): posted" in text
    # labels a reader parses: no fractional powers of ten
    assert not re.search(r"1e-?\d+\.\d", text)
    assert "0.0004" in text and "0.0001" in text


@pytest.mark.parametrize("name", ["collide_mms", "false_shared"])
def test_report_ascii_charts_are_readable(name):
    v = view(name)
    df = _collide_rows() if name == "collide_mms" else false_shared_rates(_sweep_rows())
    text = v.render_text(df, P)
    grid = text.split("+-")[0]
    assert all(m in grid for m in _legend_letters(text))
    assert not re.search(r"1e-?\d+\.\d", text)
    assert max(len(line) for line in text.splitlines()) <= 72


# -- the notebooks' charts, called directly -----------------------------------------


def _one_value_rows():
    rows = []
    for n, base in (("polygon", 14), ("paraboloid-3d", 19)):
        for o in (8, 9, 10):
            rows.append(
                {
                    "construction": n,
                    "order": o,
                    "proven_id_bits": base - (o - 8),
                    "word_bits": 64,
                    "at_scan_cap": False,
                }
            )
    return pd.DataFrame(rows)


def _race_rows():
    rows = []
    for sc in ("fork-unmap", "mom-2mm-2w"):
        for pr, out in (("rmap-id", "none wrong"), ("no-seqcount", "wrong answers")):
            rows.append(
                {
                    "scenario": sc,
                    "protocol": pr,
                    "outcome": out,
                    "label": "0" if out == "none wrong" else "2",
                    "states": 100,
                    "complete": True,
                    "false_exclusive": 0 if out == "none wrong" else 2,
                    "false_shared": 0,
                    "max_states": 5000,
                }
            )
    return pd.DataFrame(rows)


def _shape_table():
    rows = []
    for wl in ("double-fork", "bgsave", "zygote-exit", "fork-tree", "preload-server"):
        for o in (4, 9):
            rows.append(
                {
                    "workload": wl,
                    "order": o,
                    "mapped": "PTE",
                    "needless/GiB mm-owner": 10.0 * o,
                    "needless/GiB rmap-moments": 0.0,
                }
            )
    t = pd.DataFrame(rows)
    t.attrs = {"sweep": {"procs": [2, 4], "seed": [0, 1], "folios": 2}}
    return t


def _atomics_rows():
    return pd.DataFrame(
        [
            {
                "values": k,
                "threads": t,
                "path": p,
                "ns_per_update": (5.0 if p == "atomic" else 2.0) * k * t,
                "ratio_vs_k3": 1,
            }
            for k in (1, 3)
            for t in (1, 2)
            for p in ("atomic", "plain")
        ]
    )


def _notebook_cases():
    from rmaplab.config import DEFAULT_CONFIG, get_config
    from rmaplab.cost import cost_table
    from rmaplab.plotting import (
        atomics_chart,
        cost_chart,
        one_value_chart,
        probability_chart,
        race_chart,
        shape_cost_chart,
        verdict_chart,
    )
    from rmaplab.verify import verify_all

    cfg32 = get_config("wip-v1-32bit")
    widths = _collide_rows().assign(word_bits=lambda d: 8 * d["mms"], mms=3)
    return {
        "verdict": (
            lambda: verdict_chart(verify_all(WIP_V1)),
            ["wip-v1", "24-bit ids", "64-bit words", "orders 0..15"],
        ),
        "cost-two-configs": (
            lambda: cost_chart(
                pd.concat([cost_table(WIP_V1), cost_table(cfg32)]), configs=[WIP_V1, cfg32]
            ),
            ["wip-v1", "wip-v1-32bit", "32-bit words"],
        ),
        "atomics": (
            lambda: atomics_chart(_atomics_rows(), iters=1000, repeat=2),
            ["1000 updates per run", "best of 2 runs"],
        ),
        "one_value": (lambda: one_value_chart(_one_value_rows()), ["64-bit", "orders 8..10"]),
        "race": (lambda: race_chart(_race_rows()), ["budget 5000 states"]),
        "versus_615": (
            lambda: shape_cost_chart(_shape_table()),
            ["procs 2,4", "seed 0,1", "2 folios", "PMD order 9"],
        ),
        "probability-word-bits": (
            lambda: probability_chart(widths, "word_bits", config=DEFAULT_CONFIG),
            ["3 mms", "12-bit ids", "order 9", "2000 trials"],
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "verdict",
        "cost-two-configs",
        "atomics",
        "one_value",
        "race",
        "versus_615",
        "probability-word-bits",
    ],
)
def test_notebook_figure_spec(name):
    build, params = _notebook_cases()[name]
    check_spec(build(), params, interval=name.startswith("probability"))
