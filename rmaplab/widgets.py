"""Notebook controls. Each callback is a plain function of the widget values
so tests drive it by setting ``.value``; the widgets (sliders, dropdowns)
take both the mouse and the keyboard (Tab to focus, arrow keys to step)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .config import DEFAULT_CONFIG, ConfigError, nr_values_for, single_group_config
from .validate import ID_BITS_RANGE, MAX_ORDER, ORDER_RANGE, check_choice, check_int

if TYPE_CHECKING:
    import ipywidgets as w

    from .certify import EncVerdict
    from .verify import Verdict

__all__ = [
    "collide_explorer",
    "collide_for",
    "cost_explorer",
    "cost_for",
    "encoding_explorer",
    "encoding_for",
    "explore",
    "export_control",
    "proof_explorer",
]


#: Longest a callback holds the kernel: a value not answered by then is
#: finished in a thread and replaces the "computing" line when done.
WIDGET_WAIT_SECONDS = 0.2
#: The cost explorer's orders (the sliders and the checks use the same range;
#: a word of W bits further caps the order at W - 1: a folio needs a count).
COST_ORDER_RANGE = (0, 21)
#: Bits per value the proof explorer offers.
BITS_RANGE = (1, 24)


def _panel(controls: dict, compute, rows, height: str):
    """Wire ``controls`` to a read-only text output: ``compute(**settings)``
    returns ``(text, result)``; ``rows`` lists the control names per line.

    Answers are cached per combination of settings. A new combination is
    computed in a thread; the callback waits at most
    :data:`WIDGET_WAIT_SECONDS` for it, so the kernel never freezes (the
    verifier can take seconds near its node budget). ``box.wait()`` joins the
    pending computation (tests call it after setting ``.value``).
    """
    import threading

    import ipywidgets as w

    out = w.Textarea(layout=w.Layout(width="95%", height=height), disabled=True)
    cache: dict = {}
    lock = threading.Lock()
    state: dict = {"key": None, "thread": None}

    def update(_=None):
        settings = {k: c.value for k, c in controls.items()}
        key = tuple(settings.items())
        with lock:
            state["key"] = key
            if key in cache:
                out.value = cache[key]
                return

        def work():
            text = compute(**settings)[0]
            with lock:
                cache[key] = text
                if state["key"] == key:  # the sliders may have moved on meanwhile
                    out.value = text

        t = threading.Thread(target=work, daemon=True)
        state["thread"] = t
        t.start()
        t.join(WIDGET_WAIT_SECONDS)
        with lock:
            if key not in cache:
                out.value = (
                    f"computing {', '.join(f'{k}={v}' for k, v in settings.items())} "
                    "(the answer replaces this line)"
                )

    def wait(timeout: float | None = None) -> str:
        t = state["thread"]
        if t is not None:
            t.join(timeout)
        return out.value

    for c in controls.values():
        c.observe(update, names="value")
    update()
    box = w.VBox([w.HBox([controls[n] for n in row]) for row in rows] + [out])
    box.controls = controls
    box.output = out
    box.wait = wait
    return box


#: Enumeration budget for live widgets: past it the verdict says "undecided".
WIDGET_NODE_LIMIT = 50_000


def explore(
    order: int, bits: int, word_bits: int, id_bits: int, group_order: int | None = None
) -> tuple[str, Verdict | None]:
    """One folio order, ``bits`` id bits per value, ``word_bits`` words and
    ``id_bits`` ids; K = ceil(id_bits / bits) values, in a group whose largest
    order is ``group_order`` (default: ``order``), so base P_g = 2**group_order.
    Returns ``(text, verdict or None)``."""
    from .verify import split_counterexample, verify

    group_order = order if group_order is None else group_order
    try:
        check_int("order", order, *ORDER_RANGE)
        check_int("bits", bits, *BITS_RANGE)
        check_int("id_bits", id_bits, *ID_BITS_RANGE)
        # the group's largest order is at least this order
        check_int("group_order", group_order, order, MAX_ORDER)
        k = nr_values_for(id_bits, bits)
        cfg = single_group_config(
            id_bits,
            word_bits,
            k,
            bits,
            group_order,
            min_order=order,
            description="widget configuration",
        )
        v = verify(cfg, order, node_limit=WIDGET_NODE_LIMIT)
    except ConfigError as e:
        return f"invalid: {e}", None
    lines = [
        f"order {order}: {1 << order} pages, K = {v.nr_values} values of {bits} bits, "
        f"base {v.base_pages + 1}, {word_bits}-bit words",
        f"headroom: {v.headroom_bits} bits (rule 'P_g * max sub-ID fits': "
        f"{'holds' if cfg.fits(order) else 'fails'})",
        f"frontier: no linear sub-ID weights safe from {v.frontier_pages} pages on "
        "(tables w[s] not covered)",
        f"verdict: {v.verdict.upper()} by {v.method}"
        + (f", min mappings {v.min_mappings}" if v.min_mappings else ""),
        v.evidence,
    ]
    if v.counterexample:
        victim, own, rest = split_counterexample(v.counterexample)
        lines.append(
            f"counterexample: victim {victim} maps {own}; "
            + ", ".join(f"{m} maps {c}" for m, c in rest)
        )
    return "\n".join(lines), v


def proof_explorer(
    order: int = 9,
    bits: int = 8,
    word_bits: int = 64,
    id_bits: int = 24,
    group_order: int | None = None,
) -> w.VBox:
    """Sliders for order / group's largest order / bits per value / word bits /
    id bits, with the headroom and the verdict recomputed on every change."""
    import ipywidgets as w

    style = {"description_width": "110px"}
    controls = {
        "order": w.IntSlider(
            order, *ORDER_RANGE, description="folio order", style=style, continuous_update=False
        ),
        "bits": w.IntSlider(
            bits, *BITS_RANGE, description="bits per value", style=style, continuous_update=False
        ),
        "word_bits": w.Dropdown(
            options=[8, 12, 16, 24, 32, 48, 64],
            value=word_bits,
            description="word bits",
            style=style,
        ),
        "id_bits": w.IntSlider(
            id_bits, *ID_BITS_RANGE, description="id bits", style=style, continuous_update=False
        ),
        "group_order": w.IntSlider(
            order if group_order is None else group_order,
            *ORDER_RANGE,
            description="group max order",
            style=style,
            continuous_update=False,
        ),
    }
    return _panel(
        controls, explore, [["order", "group_order"], ["bits", "id_bits"], ["word_bits"]], "180px"
    )


def encoding_for(
    family: str, id_bits: int, word_bits: int, order: int
) -> tuple[str, EncVerdict | None]:
    """One family's default encoding (:func:`rmaplab.encodings.default_encoding`
    for folios up to ``order``) verified at ``order``: the verdict, its
    certificate or counterexample as the written proof, and the counterexample
    replayed through the folio model. Returns ``(text, verdict or None)``."""
    from .certify import proof_text_encoding, verify_encoding
    from .encodings import FAMILIES, default_encoding
    from .folio import replay

    try:
        check_choice("family", family, FAMILIES)
        check_int("id_bits", id_bits, *ID_BITS_RANGE)
        check_int("order", order, *ORDER_RANGE)
        enc = default_encoding(family, id_bits, word_bits, order, order)
        v = verify_encoding(enc, order, node_limit=WIDGET_NODE_LIMIT)
    except ConfigError as e:
        return f"invalid: {e}", None
    head = (
        f"{enc.describe()}; {id_bits}-bit ids, order {order} ({1 << order} pages)\n"
        f"verdict: {v.verdict.upper()} by {v.method}"
        + (
            f", min mappings {v.min_mappings}"
            + (" (proven minimal)" if v.proven_minimal else " (not proven minimal)")
            if v.min_mappings
            else ""
        )
    )
    lines = [head, "", proof_text_encoding(enc, order, verdict=v)]
    if v.counterexample:
        chk = replay(enc, order, v.counterexample)
        lines += [
            "",
            f"replayed: mapcount {chk.mapcount}, check says "
            f"{'shared' if chk.shared else 'exclusive'} for mm {chk.mm_id}, truly "
            f"{'shared' if chk.truly_shared else 'exclusive'}",
        ]
    return "\n".join(lines), v


def encoding_explorer(
    family: str = "moments", id_bits: int = 24, word_bits: int = 64, order: int = 9
) -> w.VBox:
    """Family dropdown, id bits, word bits and order: the live verdict and its
    certificate (or counterexample) for that family's default encoding."""
    import ipywidgets as w

    from .encodings import FAMILIES

    style = {"description_width": "90px"}
    controls = {
        "family": w.Dropdown(
            options=list(FAMILIES), value=family, description="family", style=style
        ),
        "id_bits": w.IntSlider(
            id_bits, *ID_BITS_RANGE, description="id bits", style=style, continuous_update=False
        ),
        "word_bits": w.Dropdown(
            options=[8, 12, 16, 20, 24, 32, 48, 64],
            value=word_bits,
            description="word bits",
            style=style,
        ),
        "order": w.IntSlider(
            order, *ORDER_RANGE, description="folio order", style=style, continuous_update=False
        ),
    }
    return _panel(controls, encoding_for, [["family", "word_bits"], ["id_bits", "order"]], "300px")


def cost_for(id_bits: int, word_bits: int, order: int) -> tuple[str, dict | None]:
    """For one order: the fewest values the verifier proves safe with ids of
    ``id_bits`` in ``word_bits`` words, and what that costs. Returns
    ``(text, row dict or None)``."""
    from .cost import SEQCOUNT_BYTES, cheapest_safe, cost_row

    try:
        check_int("id_bits", id_bits, *ID_BITS_RANGE)
        check_int("word_bits", word_bits, 2, 64)
        # a folio of 2**order pages needs order < word_bits (its mapcount fits)
        check_int("order", order, COST_ORDER_RANGE[0], min(COST_ORDER_RANGE[1], word_bits - 1))
        row = cheapest_safe(id_bits, word_bits, order, min_order=order).iloc[0].to_dict()
    except ConfigError as e:
        return f"invalid: {e}", None
    k, b = int(row["values"]), int(row["bits"])
    cfg = single_group_config(id_bits, word_bits, k, b, order, min_order=order, name="cheapest")
    row.update({key: v for key, v in cost_row(cfg, order).items() if key not in row})
    text = (
        f"order {order} ({1 << order} pages), {id_bits}-bit ids "
        f"({row['ids_supported']} mms), {word_bits}-bit words:\n"
        "fewest values proven safe among base P_g + 1 digits (P_g = 2^order): "
        f"K = {k} of {row['bits']} bits ({row['method']}); "
        f"the series' rule asks for {row['rule_values']}\n"
        f"cost: {row['bytes']} bytes (+{SEQCOUNT_BYTES} seqcount), {row['cache_lines']} "
        f"cache line(s), {row['atomics_per_update']} atomic RMW per update"
    )
    return text, row


def cost_explorer(id_bits: int = 24, word_bits: int = 64, order: int = 9) -> w.VBox:
    """Sliders for id bits, word bits and order; shows the cheapest safe K."""
    import ipywidgets as w

    style = {"description_width": "90px"}
    controls = {
        "id_bits": w.IntSlider(
            id_bits, *ID_BITS_RANGE, description="id bits", style=style, continuous_update=False
        ),
        "word_bits": w.Dropdown(
            options=[16, 32, 64], value=word_bits, description="word bits", style=style
        ),
        "order": w.IntSlider(
            order,
            *COST_ORDER_RANGE,
            description="folio order",
            style=style,
            continuous_update=False,
        ),
    }
    return _panel(controls, cost_for, [["id_bits", "word_bits", "order"]], "110px")


def collide_for(
    encoding: str,
    word_bits: int,
    id_bits: int,
    mms: int,
    mappings: int,
    population: str = "uniform",
    order: int = 9,
    trials: int = 200_000,
) -> tuple[str, dict | None]:
    """One point of the collision explorer. Returns ``(text, row or None)``."""
    from .collide import collide

    try:
        r = collide(
            encoding,
            order,
            mms,
            mappings,
            trials,
            0,
            population,
            DEFAULT_CONFIG,
            word_bits,
            id_bits,
            executor=None,
        )
    except ConfigError as e:
        return f"invalid: {e}", None
    text = (
        f"{encoding}: {r['values']} value(s) of {r['word_bits']} bits, {r['id_bits']}-bit ids; "
        f"{population} population, {mms} mms, {mappings} mappings, order-{order} folio\n"
        f"encoding: {r['detail']}\n"
        f"P(false exclusive) = {r['probability']:.4g}  95% [{r['ci_low']:.3g}, {r['ci_high']:.3g}]"
        f"  by {r['method']}" + (f", analytic {r['analytic']:.3g}" if "analytic" in r else "")
    )
    return text, r


def collide_explorer(
    encoding: str = "posted",
    word_bits: int = 16,
    id_bits: int = 12,
    mms: int = 3,
    mappings: int = 8,
    population: str = "uniform",
) -> w.VBox:
    """Dropdowns for the encoding and the population, sliders for word bits,
    id bits, mms, mappings."""
    import ipywidgets as w

    from .collide import ENCODINGS, POPULATIONS

    style = {"description_width": "90px"}
    controls = {
        "encoding": w.Dropdown(
            options=list(ENCODINGS), value=encoding, description="encoding", style=style
        ),
        "word_bits": w.IntSlider(
            word_bits, 8, 64, description="word bits", style=style, continuous_update=False
        ),
        "id_bits": w.IntSlider(
            id_bits, 2, 24, description="id bits", style=style, continuous_update=False
        ),
        "mms": w.IntSlider(mms, 2, 16, description="mms", style=style, continuous_update=False),
        "mappings": w.IntSlider(
            mappings, 2, 512, description="mappings", style=style, continuous_update=False
        ),
        "population": w.Dropdown(
            options=list(POPULATIONS), value=population, description="population", style=style
        ),
    }
    return _panel(
        controls,
        collide_for,
        [["encoding", "population"], ["word_bits", "id_bits"], ["mms", "mappings"]],
        "80px",
    )


def export_control(items: dict, out_dir: str | Path = "exports") -> w.VBox:
    """Export the current figures: a dropdown picks the item (name -> (chart or
    None, text or None)), another the format (png, svg, txt or all); the
    button (Enter or click) writes ``out_dir/name.ext`` and lists the files."""
    import ipywidgets as w

    from .export import check_width, save_chart

    names = list(items)
    which = w.Dropdown(options=names, value=names[0], description="figure")
    fmt = w.Dropdown(options=["png", "svg", "txt", "all"], value="all", description="format")
    button = w.Button(
        description="Export", icon="download", tooltip="write the figure and its text form"
    )
    status = w.Label(value="")

    def export(_=None):
        from pathlib import Path

        chart, text = items[which.value]
        stem = Path(out_dir) / which.value
        stem.parent.mkdir(parents=True, exist_ok=True)
        written = []
        formats = ["png", "svg", "txt"] if fmt.value == "all" else [fmt.value]
        if chart is not None:
            written += save_chart(chart, stem, [f for f in formats if f != "txt"])
        if text is not None and "txt" in formats:
            Path(f"{stem}.txt").write_text(check_width(text).rstrip() + "\n")
            written.append(f"{stem}.txt")
        status.value = (
            "wrote " + ", ".join(written) if written else "nothing to write in that format"
        )
        return written

    button.on_click(export)
    box = w.VBox([w.HBox([which, fmt, button]), status])
    box.controls = {"figure": which, "format": fmt}
    box.button = button
    box.status = status
    box.export = export
    return box
