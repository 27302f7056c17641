"""Notebook 06's library side: the encoding explorer, the step-by-step
replay and the design view, each checked against another computation."""

from rmaplab.certify import verify_encoding
from rmaplab.encodings import bit_counters, digits, moments, raw_id


def _verdict_line(v) -> str:
    return f"verdict: {v.verdict.upper()} by {v.method}"


def test_encoding_explorer_follows_every_control():
    from rmaplab.widgets import encoding_explorer

    box = encoding_explorer(family="raw-id", id_bits=24, word_bits=64, order=9)
    box.wait()
    # ids 1 and 3 fool 2: (1 - 2) + (3 - 2) = 0, one other mm cannot
    assert "UNSAFE by raw-id, min mappings 3 (proven minimal)" in box.output.value
    assert "check says exclusive for mm 2, truly shared" in box.output.value
    box.controls["family"].value = "moments"
    box.wait()
    v = verify_encoding(moments(24, 64), 9)
    assert v.verdict == "safe" and _verdict_line(v) in box.output.value
    box.controls["word_bits"].value = 16
    box.wait()
    v = verify_encoding(moments(24, 16), 9)
    assert _verdict_line(v) in box.output.value and "2 x 16-bit words" in box.output.value
    box.controls["id_bits"].value = 6
    box.wait()
    v = verify_encoding(moments(6, 16), 9)
    assert _verdict_line(v) in box.output.value
    box.controls["order"].value = 6
    box.wait()
    # the variance bound: N' >= ceil(2^16 / 31^2) = 69 > 63 others
    assert "SAFE by moments-variance" in box.output.value and "= 69." in box.output.value
    box.controls["order"].value = 7
    box.wait()
    v = verify_encoding(moments(6, 16), 7)
    assert v.verdict == "unsafe" and f"min mappings {v.min_mappings}" in box.output.value
    box.controls["family"].value = "bit-counters"
    box.wait()
    assert "SAFE by no-wrap-convex" in box.output.value
    box.controls["word_bits"].value = 8
    box.wait()
    v = verify_encoding(bit_counters(6, 8), 7)
    assert _verdict_line(v) in box.output.value and "6 x 8-bit words" in box.output.value
    box.controls["order"].value = 8
    box.wait()
    assert box.output.value.startswith("invalid:") and "max_order=8" in box.output.value


def test_replay_steps_agree_with_the_posted_folio_model():
    """The posted digits at order 9 (base 513, 8-bit slices): the encoding's
    replay ends where rmaplab.folio's independent model ends."""
    from rmaplab.config import WIP_V1
    from rmaplab.folio import Folio
    from rmaplab.proof import replay_steps, replay_steps_text

    enc = digits(24, 64, bits=8, base=513)
    v = verify_encoding(enc, 9)
    assert v.verdict == "unsafe" and v.min_mappings == 71
    ce = v.counterexample
    st = replay_steps(enc, 9, ce)
    f = Folio(WIP_V1, 9)
    for mm, c in ce["mappings"]:
        f.map(mm, c)
    last = st[st["step"] == st["step"].max()]
    assert list(last["word_value"]) == list(f.rmap_vals)
    assert last["equal"].all() and set(last["check"]) == {"exclusive"}
    assert last["truly_shared"].all() and int(last["mapcount"].iloc[0]) == 71
    # before the last step the words do not all match: the check says shared
    assert not st[st["step"] == st["step"].max() - 1]["equal"].all()
    text = replay_steps_text(st, enc, 9, ce["victim"])
    assert max(len(line) for line in text.splitlines()) <= 72
    assert f"answers 'exclusive' for mm {ce['victim']} while other mms map" in " ".join(
        text.split()
    )


def test_replay_steps_of_a_moments_counterexample_fool_the_check():
    from rmaplab.folio import Folio
    from rmaplab.proof import replay_steps

    enc = moments(6, 16)
    v = verify_encoding(enc, 7)
    st = replay_steps(enc, 7, v.counterexample)
    # recompute the final words from the definition: sum c*x and sum c*x^2 mod 2^16
    pairs = v.counterexample["mappings"]
    s1 = sum(c * x for x, c in pairs) % 2**16
    s2 = sum(c * x * x for x, c in pairs) % 2**16
    last = st[st["step"] == st["step"].max()]
    assert list(last["word_value"]) == [s1, s2]
    n = sum(c for _, c in pairs)
    x = v.counterexample["victim"]
    assert s1 == n * x % 2**16 and s2 == n * x * x % 2**16 and n <= 128
    f = Folio(enc, 7)
    for mm, c in pairs:
        f.map(mm, c)
    assert f.check(x).false_exclusive


def test_raw_id_counterexample_is_the_three_mm_one():
    v = verify_encoding(raw_id(24, 64), 9)
    assert v.counterexample == {"victim": 2, "mappings": [[2, 1], [1, 1], [3, 1]]}


def test_design_view_text_and_chart_state_their_parameters():
    from rmaplab.design import design
    from rmaplab.views import Params, design_text, view

    df = design(6, 16, 6, min_order=1)
    text = design_text(df)
    assert max(len(line) for line in text.splitlines()) <= 72
    assert "6-bit ids, 16-bit words, orders 1..6: cheapest design" in text
    assert "among the families searched" in " ".join(text.split())
    assert "bench-atomics" in text
    spec = view("design").render_chart(df, Params()).to_dict()
    sub = " ".join(spec["title"]["subtitle"])
    assert "6-bit ids, 16-bit words" in sub and "orders 1..6" in sub
    # every plotted K is one the verifier proves safe, rebuilt from the row's detail
    rows = spec["datasets"][spec["data"]["name"]]
    assert rows and all(r["values"] >= 1 for r in rows)
    best = df[df["best"]].set_index("order")
    for o in (4, 6):
        assert int(best.loc[o, "values"]) in {r["values"] for r in rows if r["order"] == o}


def test_tiny_frontier_view_fits_mail_and_names_its_parameters():
    import pandas as pd

    from rmaplab.views import Params, view

    # a frame shaped like frontier_table's (its numbers are enc's tests' business)
    df = pd.DataFrame(
        [
            dict(
                slice_bits=3,
                word_bits=10,
                linear_bound=10,
                best_linear=10,
                best_linear_base=10,
                moments_table=6,
                best_table=10,
                best_table_status="found (lower bound)",
                table_bound=36,
                table="0 1 10 11 100 101 110 111",
            ),
            dict(
                slice_bits=2,
                word_bits=8,
                linear_bound=16,
                best_linear=16,
                best_linear_base=16,
                moments_table=10,
                best_table=16,
                best_table_status="exact (exhaustive)",
                table_bound=18,
                table="0 1 16 17",
            ),
        ]
    )
    v = view("frontier_tables")
    text = v.render_text(df, Params())
    assert max(len(line) for line in text.splitlines()) <= 72
    assert "B = 3, W = 10: w[s] = 0 1 10 11 100 101 110 111" in text
    assert "found: hill climbing, a lower bound only" in " ".join(text.split())
    spec = v.render_chart(df, Params()).to_dict()
    sub = " ".join(spec["title"]["subtitle"])
    assert "slice bits 2, 3; word bits 8, 10" in sub and "exact" in sub
    assert "in 1 of 2 cases, else a lower bound" in sub
