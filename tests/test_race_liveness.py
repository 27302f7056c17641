"""Bounded reader starvation under writers that keep entering (rmaplab.race.liveness).

By hand: in 2mm-1w / 3mm-1w the writer maps then unmaps one page, so looping
it is allowed; every completed section changes the word, so under the
seqcount a reader that read the word before a section retries after it: it
can be kept retrying forever. Without a seqcount (`none`) the reader never
retries.
"""

import json

import pytest

from rmaplab import race
from rmaplab.cli import main
from rmaplab.config import ConfigError
from rmaplab.export import check_width
from rmaplab.race.liveness import starvation


def test_seqcount_reader_can_be_starved_by_a_repeating_cycle():
    r = starvation("3mm-1w", "seqcount", rounds=4)
    assert r.found and r.complete and len(r.schedule) > 4
    # the schedule really retries 4 times without returning
    m = race.Model("3mm-1w", "seqcount", loop=True)
    s = m.initial()
    texts = []
    for cpu in r.schedule:
        s, text = m.step(s, m.cpus.index(cpu))
        texts.append(text)
    assert sum(": retry" in t for t in texts) == 4 and race.Model.verdict(s) is None
    # the cycle: one map and one unmap section, each forcing one retry
    assert r.cycle is not None and r.cycle.count("R") >= 2
    assert r.cycle.count("W0") == 2 * 7  # two exclusive sections of 7 steps each


def test_without_a_seqcount_the_reader_never_retries():
    r = starvation("3mm-1w", "none", rounds=1)
    assert not r.found and r.complete and r.summary()["verdict"] == "not starvable"


def test_starvation_refuses_writers_that_do_not_undo_their_ops():
    with pytest.raises(ConfigError, match="does not undo its own ops"):
        starvation("tiny", "seqcount")
    with pytest.raises(ConfigError, match="rounds=0 is out of range"):
        starvation("3mm-1w", "seqcount", rounds=0)


def test_budget_gives_undecided():
    r = starvation("3mm-1w", "seqcount", rounds=50, max_states=100)
    assert not r.found and not r.complete
    assert r.summary()["verdict"] == "undecided (budget)"


def test_cli_starvation(capsys):
    assert main(["race", "--scenario", "3mm-1w", "--starvation", "4", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["found"] and d["verdict"] == "starvable" and d["cycle"]
    assert main(["race", "--scenario", "3mm-1w", "--starvation", "4"]) == 0
    out = capsys.readouterr().out
    check_width(out)
    assert "starvable" in out and "cycle of" in out
    assert main(["race", "--scenario", "tiny", "--starvation", "3"]) == 2
