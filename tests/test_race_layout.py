"""The seqcount word layout as a model parameter; stuck states.

By hand, from the posted header (../shared/reference/rmap-id.md): 64-bit, 16
writer bits, EXCL = 2^16 = 65536, STEP = 2^17 = 131072, 47 sequence bits;
32-bit, 7 writer bits, EXCL = 2^7 = 128, STEP = 2^8 = 256, 24 sequence bits.
With one sequence bit (and 16 writer bits) the word is 18 bits wide and two
write sections add 2 * 2^17 = 2^18 = 0 mod 2^18: the word comes back. With a
one-bit writer count, EXCL = 2 and STEP = 4: an exclusive writer (2) plus two
shared writers (1 + 1) make 4 = STEP, the exclusive bit cleared, count 0; two
shared writers alone make 2 = EXCL, a phantom exclusive writer.
"""

import json

import pytest

from rmaplab import race
from rmaplab.cli import main
from rmaplab.config import ConfigError
from rmaplab.race.layout import LAYOUTS, Layout, get_layout, layout_bounds, layout_note


def test_real_layouts_are_the_posted_ones():
    l64, l32 = LAYOUTS["64"], LAYOUTS["32"]
    assert (l64.excl, l64.seq_step, l64.word_bits) == (65536, 131072, 64)
    assert (l32.excl, l32.seq_step, l32.word_bits) == (128, 256, 32)
    assert (l32.writer_bits, l32.seq_bits) == (7, 24)
    assert get_layout() == l64 and get_layout("32") == l32
    assert get_layout(seq_bits=1) == Layout(16, 1)
    assert get_layout("32", seq_bits=47, writer_bits=16).word_bits == 64


@pytest.mark.parametrize(
    "kw,msg",
    [
        ({"layout": "16"}, "layout='16' is unknown: allowed 64, 32"),
        ({"seq_bits": 0}, "seq-bits=0 is out of range: allowed 1..47"),
        ({"writer_bits": 17}, "writer-bits=17 is out of range: allowed 1..16"),
    ],
)
def test_bad_layouts_are_refused(kw, msg):
    with pytest.raises(ConfigError, match=msg):
        get_layout(**kw)


def test_one_sequence_bit_wraps_into_a_false_exclusive():
    r = race.explore("3mm-1w", "seqcount", layout=get_layout(seq_bits=1))
    assert r.complete and r.false_exclusive > 0
    df = race.replay("3mm-1w", "seqcount", r.example, r.layout)
    assert df["verdict"].iloc[-1] == "false_exclusive"
    # the reader's two loads of the word see 0 with two whole sections between them
    begin = df[df.action.str.startswith("read begin")].iloc[-1]
    assert begin["word"] == 0 and df["word"].iloc[-1] == 0
    assert sum("end: seq" in a for a in df["action"]) == 2
    for lay in ("64", "32"):
        r = race.explore("3mm-1w", "seqcount", layout=lay)
        assert r.complete and r.false_exclusive == 0 and r.false_shared == 0


def test_one_writer_bit_overflows_into_the_exclusive_bit():
    lay = get_layout(writer_bits=1)
    r = race.explore("3mm-3w", "seqcount", layout=lay)
    assert r.complete and r.false_exclusive > 0
    df = race.replay("3mm-3w", "seqcount", r.example, lay)
    assert df["verdict"].iloc[-1] == "false_exclusive"
    # one writer exclusive, two shared ones carried: word 4 = STEP, no writer visible
    carried = df[df.word == 4].iloc[0]
    assert sum("exclusive" in str(carried[w]) for w in ("W0", "W1", "W2")) == 1
    assert not carried["excl"] and carried["writers"] == 0
    assert race.explore("3mm-3w", "seqcount", layout=get_layout(writer_bits=2)).false_exclusive == 0


def test_stuck_states_are_counted_with_their_shortest_path():
    lay = get_layout(writer_bits=1)
    r = race.explore("3mm-2w-sh", "seqcount", layout=lay)
    # two shared writers: 1 + 1 = 2 = EXCL, both spin on a phantom exclusive writer
    assert r.stuck_states > 0 and r.stuck_example == ["W0", "W1", "R"]
    df = race.replay("3mm-2w-sh", "seqcount", r.stuck_example, lay)
    assert df["word"].iloc[-1] == 2 and df["excl"].iloc[-1]
    m = race.Model("3mm-2w-sh", "seqcount", lay)
    assert not list(m.successors(m.run(r.stuck_example)))
    # the naive DFS finds the same stuck states (a small two-shared-writer scenario)
    sc = race.Scenario("2sh", 1, 1, ((1, 1), (2, 1)), (((2, -1),), ((1, 1),)), False)
    stuck: set = set()
    race.naive_enumerate(sc, "seqcount", layout=lay, stuck=stuck)
    r = race.explore(sc, "seqcount", layout=lay)
    assert len(stuck) == r.stuck_states > 0


def test_bounds_of_the_real_layouts():
    df = layout_bounds(section_ns=100).set_index("layout")
    assert df.loc["32", "sections_to_wrap"] == 16_777_216
    assert df.loc["64", "sections_to_wrap"] == 2**47
    assert df.loc["32", "writers_to_overflow"] == 128
    assert df.loc["64", "writers_to_overflow"] == 65536
    assert df.loc["32", "reader_stall_s"] == pytest.approx(1.6777216)
    note = layout_note()
    assert "16,777,216" in note and "1.68 s" in note and "128" in note
    with pytest.raises(ConfigError, match="section_ns"):
        layout_bounds(0)


def test_cli_layout_options_and_stuck_states_in_every_json(capsys):
    argv = ["race", "--scenario", "3mm-1w", "--protocol", "seqcount", "--json"]
    assert main([*argv, "--seq-bits", "1"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["false_exclusive"] > 0 and d["example"] and d["layout"]["seq_bits"] == 1
    assert d["stuck_states"] == 0 and d["stuck_example"] is None
    for lay in ("64", "32"):
        assert main([*argv, "--layout", lay]) == 0
        d = json.loads(capsys.readouterr().out)
        assert d["false_exclusive"] == 0 and d["layout"]["name"] == lay
    assert main(["race", "--all", "--scenario", "tiny", "--json"]) == 0
    assert all("stuck_states" in r for r in json.loads(capsys.readouterr().out))
    argv = ["race", "--scenario", "3mm-2w-sh", "--writer-bits", "1", "--json"]
    assert main(argv) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["stuck_states"] > 0 and [s["cpu"] for s in d["stuck_example"]] == ["W0", "W1", "R"]
    assert main(["race", "--scenario", "tiny", "--seq-bits", "99"]) == 2
    assert "seq-bits=99 is out of range" in capsys.readouterr().err


def test_cli_list_carries_the_layout_note(capsys):
    from rmaplab.export import check_width

    assert main(["race", "--list"]) == 0
    out = capsys.readouterr().out
    check_width(out)
    assert "2^24 = 16,777,216" in out and "2^7 = 128" in out and "1.68 s" in out
    assert main(["race", "--list", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [r["sections_to_wrap"] for r in d["layout_bounds"]] == [2**47, 2**24]
