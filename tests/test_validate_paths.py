"""The validation, budget and executor helpers' less-travelled paths: range
texts, numpy and float inputs, read-only places (simulated: the suite may
run as root, who can write anywhere), the alarm handler's two silent
returns, the ticker, the default executor.

Expected values are the documented texts and properties, written here.
"""

import os
import signal
import sys

import numpy as np
import pytest

import rmaplab.validate as validate
from rmaplab.budget import TimeLimitReached, WorkCounter, ticker, time_limit, want_progress
from rmaplab.config import ConfigError
from rmaplab.validate import (
    check_float,
    check_int,
    check_out_dir,
    check_out_file,
    fmt_range,
    parse_float,
    parse_int,
    parse_int_list,
)


def test_range_texts_for_each_bound_shape():
    assert fmt_range(1, 2) == "[1, 2]"
    assert fmt_range(1, None) == ">= 1"
    assert fmt_range(None, 2) == "<= 2"
    assert fmt_range(None, None) == "any integer"
    with pytest.raises(ConfigError, match=r"^x=0.5 is out of range: allowed > 0.5$"):
        check_float("x", 0.5, 0.5, lo_open=True)
    with pytest.raises(ConfigError, match=r"^x=.a. is not a number: allowed any number$"):
        parse_float("a", "x")
    with pytest.raises(ConfigError, match=r"^x=-1 is out of range: allowed >= 0$"):
        parse_float("-1", "x", 0.0)
    with pytest.raises(ConfigError, match=r"^x=7 is out of range: allowed <= 5$"):
        parse_float("7", "x", None, 5.0)
    assert check_float("x", 2, 1, 3) == 2.0


def test_integers_numpy_accepted_floats_and_bools_refused():
    v = check_int("n", np.int64(7), 1, 9)
    assert v == 7 and type(v) is int
    with pytest.raises(ConfigError, match=r"^n must be an integer, got 2.0$"):
        check_int("n", 2.0, 1)
    with pytest.raises(ConfigError, match=r"^n must be an integer, got True$"):
        check_int("n", True, 0)
    with pytest.raises(ConfigError, match=r"^n=5 is out of range: allowed \[1, 3\]$"):
        parse_int(5, "n", 1, 3)
    assert parse_int(2, "n", 1, 3) == 2
    with pytest.raises(ConfigError, match=r"^n='1-8,10' names 9 values: allowed at most 4$"):
        parse_int_list("1-8,10", "n", 1, 16, max_items=4)


def test_out_file_refuses_a_fifo_and_read_only_places(tmp_path, monkeypatch):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        check_out_file("--out", fifo)
    f = tmp_path / "f.csv"
    f.write_text("x")
    assert check_out_file("--out", f) == f
    # a read-only file system, as a non-root user sees it
    monkeypatch.setattr(validate.os, "access", lambda *a, **k: False)
    with pytest.raises(ConfigError, match="the file is read-only"):
        check_out_file("--out", f)
    with pytest.raises(ConfigError, match=f"{tmp_path} is read-only"):
        check_out_file("--out", tmp_path / "new.csv")
    with pytest.raises(ConfigError, match=f"{tmp_path} is read-only"):
        check_out_dir("--out", tmp_path / "a" / "b")


def test_alarm_handler_is_silent_after_the_block_and_inside_finalisers():
    counter = WorkCounter("nodes")
    with time_limit(60.0, counter):
        handler = signal.getsignal(signal.SIGALRM)
        with pytest.raises(TimeLimitReached):
            handler(signal.SIGALRM, None)  # an ordinary frame: raised

        class Finalised:
            def __del__(self):
                Finalised.frame = sys._getframe()

        Finalised()
        # where Python would print and drop it (a __del__), it is not raised
        assert handler(signal.SIGALRM, Finalised.frame) is None
    # the block is being left: the deadline is cleared, nothing is raised
    assert counter.deadline is None
    assert handler(signal.SIGALRM, None) is None


def test_want_progress_without_a_usable_stderr(monkeypatch):
    assert want_progress(True) and not want_progress(False)
    monkeypatch.setattr(sys, "stderr", object())  # no isatty
    assert want_progress(None) is False


def test_ticker_shows_its_label_on_stderr(capsys):
    with ticker("certify", True):
        pass
    err = capsys.readouterr().err
    assert "certify: 00:00" in err
    with ticker("quiet", False):
        pass
    assert capsys.readouterr().err == ""


def test_default_executor_is_a_thread_per_core(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from rmaplab.executors import dask_executor, default_executor

    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    ex = default_executor()
    try:
        assert isinstance(ex, ThreadPoolExecutor)
        assert ex._max_workers == (os.cpu_count() or 1)
        assert ex.submit(lambda: 6 * 7).result() == 42
    finally:
        ex.shutdown()
    # without dask.distributed installed: one line naming the extra
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ConfigError, match=r"^--scheduler needs dask.distributed"):
        dask_executor("tcp://127.0.0.1:1")
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:1")
    with pytest.raises(ConfigError, match=r"^--scheduler needs dask.distributed"):
        default_executor()
