"""post.txt as an RFC cover letter, the one mail wrapper, the moments proof
and the facts behind them (provenance, largest exact order by id bits).

Expected values come from the verifier, the race explorer, git, or the
rule W + 2 - 2b written out here; never from the report's own numbers.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import CI_SMALL

import rmaplab
from rmaplab.certify import verify_encoding
from rmaplab.config import MAX_ORDER, WIP_V1
from rmaplab.encodings import moments
from rmaplab.encodings.recommended import proof_text as proof_moments_text
from rmaplab.mailtext import NBSP, Pre, fill, mail, nb, tokens

ROOT = Path(__file__).resolve().parent.parent


def rule(b: int, w: int) -> int:
    """The rule as stated in issue 19, capped by the lab's largest order;
    where it gives <= 0, order 1 (one other mapping cannot balance S1)."""
    r = w + 2 - 2 * b
    return min(r, MAX_ORDER) if r >= 2 else 1


# -- the wrapper ----------------------------------------------------------------

ATOMS = ["K = 3", "id^(1,2)", "w[s] = s + s^2", "bit-counters", "(hi - lo)^2/4", "n <= P"]


@pytest.mark.parametrize("atom", ATOMS)
def test_a_math_atom_is_never_split_wherever_the_line_ends(atom):
    for pad in range(0, 80):
        par = "x" * (pad % 9 + 1) + " " + "ab " * (pad // 3) + f"see {atom} here"
        out = fill(par)
        assert max(len(ln) for ln in out.splitlines()) <= 72
        assert atom in out.splitlines()[-1] or any(atom in ln for ln in out.splitlines()), out
        assert "-\n" not in out


def test_list_items_hang_under_their_text_and_pre_is_kept():
    item = "- " + " ".join(["word"] * 40)
    lines = fill(item).splitlines()
    assert len(lines) > 1 and all(ln.startswith("  word") for ln in lines[1:])
    ref = "[12] " + " ".join(["word"] * 40)
    assert all(ln.startswith("     word") for ln in fill(ref).splitlines()[1:])
    indented = "    " + " ".join(["word"] * 40)
    assert all(ln.startswith("    word") for ln in fill(indented).splitlines())
    table = "a    b\n1    2"
    assert mail([Pre(table)]) == table + "\n"
    with pytest.raises(ValueError, match="allowed <= 72"):
        mail([Pre("x" * 73)])
    with pytest.raises(ValueError, match="does not fit"):
        fill("y" * 80)
    assert fill("y" * 80, strict=False) == "y" * 80  # never split, even when too long


_WORDS = st.sampled_from(
    ["K", "=", "3", "bit-counters", "w[s]", "+", "s^2", "id^(1,2)", "<=", "-", "mm", "x" * 30]
)


@given(st.lists(st.lists(_WORDS, min_size=1, max_size=40), min_size=1, max_size=5))
@settings(max_examples=200, deadline=None)
def test_every_token_of_the_input_survives_whole_and_in_order(pars):
    blocks = [" ".join(p) for p in pars]
    out = mail(blocks)
    assert out.split() == tokens(blocks)
    assert all(len(ln) <= 72 for ln in out.splitlines())


def test_no_break_space_glues_and_is_written_as_a_space():
    par = "a " * 30 + nb("sum c*d^2 = 0") + " b"
    out = fill(par)
    assert NBSP not in out and any("sum c*d^2 = 0" in ln for ln in out.splitlines())


# -- the moments proof ----------------------------------------------------------


def test_proof_moments_states_its_assumptions_and_the_rule():
    t = proof_moments_text(24, 64, 9)
    lines = t.splitlines()
    argument = lines[next(i for i, ln in enumerate(lines) if ln.startswith("1. ")) :]
    assert len(argument) <= 15
    flat = " ".join(t.split())
    for part in (
        "ids are unique among live mms",
        "lo = 1, hi = 2^b - 1 = 16777215",
        "every count c >= 0 in a consistent snapshot (the seqcount provides it)",
        "a PMD mapping counts as one mapping, so n <= P",
        "N*(hi - lo)^2/4",
        "(hi - x)(x - lo) >= 0",
        "exact through order W + 2 - 2b",
        "Here W + 2 - 2b = 18 >= 9: order 9 is exact.",
    ):
        assert part in flat, part
    assert "this argument does not cover order 19" in " ".join(
        proof_moments_text(24, 64, 19).split()
    )


def test_proof_moments_fits_mail_for_every_width_and_order():
    for w in (32, 64):
        for b in range(8, 33):
            for o in (0, 1, 2, 9, 13, MAX_ORDER):
                t = proof_moments_text(b, w, o)
                assert max(len(ln) for ln in t.splitlines()) <= 72, (b, w, o)


# -- the rule against the verifier ---------------------------------------------

#: where the verifier does not decide the order above the rule (issue: report)
#: 17/32: the rule gives 0; order 1 is exact, order 2 undecided, order 3 fooled.
#: 19/64 and 20/64: moments_construct runs out of memory building its victim
#: list (sorted(range(1, others)) with others ~ 2^28): not run here.
UNDECIDED_ABOVE = {(17, 32): "undecided"}
NOT_RUN_ABOVE = {(19, 64), (20, 64)}
#: above the rule these take seconds and GBs (21/64: 11 s, 2.5 GB)
HEAVY_ABOVE = {(21, 64), (22, 64)}


def _check_rule(b: int, w: int) -> None:
    from rmaplab.encodings.recommended import largest_exact_order

    L = largest_exact_order(b, w)
    assert L == rule(b, w), (b, w)
    enc = moments(b, w)
    assert verify_encoding(enc, L).verdict == "safe", (b, w, L)
    if L >= MAX_ORDER or (b, w) in NOT_RUN_ABOVE:
        return
    v = verify_encoding(enc, L + 1)
    if (b, w) in UNDECIDED_ABOVE:
        assert v.verdict in ("undecided", "safe")
        assert verify_encoding(enc, L + 2).verdict == "unsafe"
        return
    assert v.verdict == "unsafe" and v.replayed, (b, w, L + 1, v.verdict)


SPREAD = [(b, 64) for b in (8, 12, 17, 18, 23, 24, 26, 28, 31, 32)] + [
    (b, 32) for b in (8, 9, 12, 15, 16, 17, 18, 24, 32)
]


@pytest.mark.parametrize("b,w", SPREAD)
def test_largest_exact_order_is_the_rule_and_the_verifier_agrees(b, w):
    _check_rule(b, w)


@pytest.mark.slow
@pytest.mark.parametrize("w", (64, 32))
def test_largest_exact_order_full_sweep(w):
    for b in range(8, 33):  # HEAVY_ABOVE included: seconds and GBs each
        if CI_SMALL and (b, w) in HEAVY_ABOVE:
            continue  # CI: every width but the two heavy ones
        _check_rule(b, w)


def test_named_widths():
    from rmaplab.encodings.recommended import largest_exact_order

    assert largest_exact_order(24, 64) == 18
    assert largest_exact_order(31, 64) == 4
    assert largest_exact_order(16, 32) == 2


# -- the post and facts of a small report ---------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A report of the verify part only (seconds): the summary's facts."""
    import rmaplab.report as report

    out = tmp_path_factory.mktemp("small") / "r"
    saved = report.PARTS
    report.PARTS = [("verify", ["verify", "proof", "counterexample_steps"])]
    try:
        facts = report.build_report(out, quick=True, progress=False)
    finally:
        report.PARTS = saved
    return out, facts


def test_post_is_an_rfc_with_the_summary_in_45_lines(small):
    from rmaplab.race import explore
    from rmaplab.verify import verify

    out, _ = small
    text = (out / "post.txt").read_text()
    lines = text.splitlines()
    assert lines[0].startswith("Subject: [RFC") and len(lines[0]) <= 72
    assert all(len(ln) <= 72 for ln in lines)
    head = " ".join(" ".join(lines[:45]).split())
    for part in (
        "ids are unique among live mms",
        "every count c >= 0 in a consistent snapshot, which the seqcount provides",
        "a PMD mapping counts as one mapping",
        "lo = 1 <= x <= hi = 2^b - 1",
        "sum c*d^2 <= N*(hi - lo)^2/4 < 2^W",
        "exact through order W + 2 - 2b",
        "24/64 -> 18, 19 fooled",
        "31/64 -> 4, 5 fooled",
        "16/32 -> 2, 3 fooled",
        "1-sparse test",
    ):
        assert part in head, part
    v = verify(WIP_V1, 9)
    assert f"At order 9, {v.min_mappings} mappings (proven minimal)" in head
    assert "73 bits" in head  # 513^8 - 1 needs 73 bits (rmap-id.md, by hand: 2^72.02)
    assert "rmaplab verify --order 9 --steps" in lines[:45] or any(
        ln.strip() == "rmaplab verify --order 9 --steps" for ln in lines[:45]
    )
    n, s = explore("mom-2mm-2w", "none"), explore("mom-2mm-2w", "seqcount")
    assert n.false_exclusive > 0 and s.false_exclusive == 0
    assert f"{n.false_exclusive} of {n.states} reachable states answer a false 'exclusive'" in head
    assert f"with it, 0 of {s.states}." in head
    assert any(
        ln.strip() == "rmaplab race --scenario mom-2mm-2w --protocol none" for ln in lines[:45]
    )
    assert "6.15" in head and "not compared in this report yet" in head


def test_the_replay_commands_replay(capsys):
    from rmaplab.cli import main

    assert main(["verify", "--order", "9", "--steps"]) == 0
    got = " ".join(capsys.readouterr().out.split())
    assert "EXCLUSIVE" in got and "truth: shared" in got
    assert main(["race", "--scenario", "mom-2mm-2w", "--protocol", "none", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["false_exclusive"] >= 1


def test_post_keeps_every_token_and_ends_with_the_footer(small):
    import rmaplab.report as report

    out, facts = small
    blocks = report.post_blocks(facts, WIP_V1, quick=True)
    text = (out / "post.txt").read_text()
    assert text.split() == tokens(blocks)
    assert not re.search(r"\w-\n", text)  # nothing broken after a hyphen
    lines = text.rstrip("\n").splitlines()
    tail = lines[len(lines) - 1 - lines[::-1].index("--") :]
    assert tail[1] == f"rmaplab {rmaplab.__version__}"
    assert re.fullmatch(r"git commit [0-9a-f]{40}", tail[2]), tail[2]
    k = next(i for i, ln in enumerate(tail) if ln.startswith("Command: "))
    assert " ".join(tail[k:]) == f"Command: rmaplab report --out {out} --quick"
    assert k in (3, 4)  # 4: "(the checkout had uncommitted changes)" before it


def test_the_615_hook_fills_the_paragraph(small, monkeypatch):
    import rmaplab.report_post as post

    _, facts = small
    assert post.comparison_615(facts) == []  # no 6.15 part yet: nothing invented
    monkeypatch.setattr(post, "comparison_615", lambda f: ["6.15 says: from facts", ""])
    text = post.post_text(facts, WIP_V1)
    assert "6.15 says: from facts" in text and "not compared in this report yet" not in text


def test_facts_have_provenance_and_the_rule_table(small):
    out, _ = small
    facts = json.loads((out / "facts.json").read_text())
    assert facts["rmaplab_version"] == rmaplab.__version__
    assert facts["command"] == f"rmaplab report --out {out} --quick"
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    if head.returncode == 0:
        assert facts["git_commit"] == head.stdout.strip()
    leo = facts["largest_exact_order"]
    assert leo["rule"] == "W + 2 - 2b"
    assert sorted(map(int, leo["by_id_bits"])) == list(range(8, 33))
    for b, per in leo["by_id_bits"].items():
        for w, L in per.items():
            assert L == rule(int(b), int(w)), (b, w)
    assert (leo["by_id_bits"]["24"]["64"], leo["by_id_bits"]["31"]["64"]) == (18, 4)
    assert leo["by_id_bits"]["16"]["32"] == 2
    assert "--" not in json.dumps(facts["manifest"])  # names only
    assert set(facts["manifest"]) == {p.name for p in out.iterdir()} - {"facts.json"}


def test_git_commit_is_null_outside_a_checkout(tmp_path):
    shutil.copytree(ROOT / "rmaplab", tmp_path / "rmaplab", ignore=shutil.ignore_patterns("*.pyc"))
    code = "import json, rmaplab.report as r; print(json.dumps(r.provenance('x')))"
    got = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "HOME": str(tmp_path)},
        check=True,
    )
    p = json.loads(got.stdout)
    assert p["git_commit"] is None and p["command"] == "x"
    assert p["rmaplab_version"] == rmaplab.__version__


def test_post_from_a_whole_report_s_facts():
    """post.txt from the facts of a whole `report --quick` run (stored in
    tests/data/facts_quick.json, from rmaplab 4659900): every part's paragraph
    is built, the mail format holds, and the numbers it states are the facts'."""
    from paths import ROOT

    from rmaplab.config import DEFAULT_CONFIG
    from rmaplab.report_post import ATTACHMENTS, post_text

    facts = json.loads((ROOT / "tests" / "data" / "facts_quick.json").read_text())
    text = post_text(facts, DEFAULT_CONFIG, quick=True)
    lines = text.splitlines()
    assert lines[0].startswith("Subject: [RFC")
    assert max(map(len, lines)) <= 72
    flat = " ".join(text.split())
    cx = facts["counterexample"]
    assert f"{facts['min_mappings']} mappings" in flat and f"mm {cx['victim']} (1 page)" in flat
    for mm, c in cx["mappings"][1:]:
        assert f"{mm} ({c})" in flat
    # 6.15: the largest needless-copy rate of any shape, in thousands per GiB
    top = max(s["mm_owner_per_gib"] for s in facts["versus_615"]["shapes"])
    assert f"{round(top / 1000)}k" in flat
    for i, _ in enumerate(ATTACHMENTS, 1):
        assert f"[{i}]" in text
    assert lines[-1].startswith("Command: rmaplab report")


def test_a_deep_out_path_does_not_break_the_post():
    """The footer quotes the command; a --out path longer than a mail line
    (pytest-xdist's tmp paths are) once made post_text raise at the end of a
    report. Its tail is kept; facts.json keeps the whole command."""
    from paths import ROOT

    from rmaplab.config import DEFAULT_CONFIG
    from rmaplab.report_post import FOOTER_TOKEN, post_text

    facts = json.loads((ROOT / "tests" / "data" / "facts_quick.json").read_text())
    deep = "/tmp/" + "/".join(["a-rather-long-folder-name"] * 6) + "/report-out"
    facts["command"] = f"rmaplab report --quick --out {deep}"
    text = post_text(facts, DEFAULT_CONFIG, quick=True)
    assert max(map(len, text.splitlines())) <= 72
    last = " ".join(text.split()[-6:])
    assert last.endswith("--out ..." + deep[-(FOOTER_TOKEN - 3) :]), last
    assert "Command: rmaplab report --quick --out ..." in " ".join(text.split())
