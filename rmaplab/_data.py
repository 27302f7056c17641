"""Files shipped inside the package, read only through ``importlib.resources``.

Everything the library reads at run time lives under ``rmaplab/`` (``data/``:
published facts with their sources in ``data/README.md``; ``csrc/``: C built
at run time), so a plain, non-editable ``pip install .`` works. A missing
file is a packaging bug: it raises instead of being skipped.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import as_file, files
from pathlib import Path

__all__ = ["c_source", "data_stream", "data_text"]


def _resource(folder: str, name: str):
    res = files(__package__) / folder / name
    if not res.is_file():
        raise FileNotFoundError(
            f"package data {folder}/{name} is missing from the rmaplab install "
            "(package-data in pyproject.toml)"
        )
    return res


def data_text(name: str) -> str:
    """The text of ``rmaplab/data/NAME``."""
    return _resource("data", name).read_text(encoding="utf-8")


def data_stream(name: str) -> io.StringIO:
    """``rmaplab/data/NAME`` as a text stream (for ``csv`` and ``pandas``)."""
    return io.StringIO(data_text(name))


@contextmanager
def c_source(name: str) -> Iterator[Path]:
    """A file-system path to ``rmaplab/csrc/NAME`` for the C compiler, valid
    inside the ``with`` block (a temporary copy if the package is zipped)."""
    with as_file(_resource("csrc", name)) as path:
        yield path
