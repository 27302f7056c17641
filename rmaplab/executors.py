"""Where Monte Carlo tasks run: a thread per core, or a dask cluster.

Any ``concurrent.futures`` executor works (:func:`rmaplab.collide.monte_carlo`
seeds every task from (seed, task index), so results do not depend on where
tasks ran); these are the two the command line offers.
"""

from __future__ import annotations

import os
from concurrent.futures import Executor

from .config import ConfigError

__all__ = ["DASK_CONNECT_SECONDS", "dask_executor", "default_executor"]

#: How long to wait for a dask scheduler before giving up.
DASK_CONNECT_SECONDS = 3


def default_executor() -> Executor:
    """A thread per core (the Monte Carlo kernel releases the GIL, so threads
    run in parallel without process start-up or pickling), or the dask
    cluster named by ``DASK_SCHEDULER_ADDRESS``."""
    addr = os.environ.get("DASK_SCHEDULER_ADDRESS")
    if addr:
        return dask_executor(addr)
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1)


def dask_executor(address: str) -> Executor:
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError(
            "--scheduler needs dask.distributed: pip install 'rmaplab[dist]'"
        ) from None
    try:
        # a wrong address would otherwise retry for 30 s and end in a traceback
        return Client(address, timeout=DASK_CONNECT_SECONDS).get_executor()
    except (OSError, TimeoutError) as e:
        raise ConfigError(
            f"--scheduler={address!r}: no dask scheduler answered within "
            f"{DASK_CONNECT_SECONDS} s ({type(e).__name__}): allowed a running "
            "scheduler's address, e.g. tcp://host:8786"
        ) from None
