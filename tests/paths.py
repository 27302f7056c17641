import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The repository's generated verify tables (docs, not package data; the published
# facts the library and tests read ship in rmaplab/data/, read via rmaplab._data).
DATA = ROOT / "data"
# CI lays a read-only copy of shared/ beside the clone; tests that read it skip without it.
SHARED_REF = ROOT.parent / "shared" / "reference"
# `slow` tests run at a small size where this is set (.ci/run sets it): the
# full size stays the default of the README's command on a developer's machine.
CI_SMALL = os.environ.get("RMAPLAB_CI_SMALL") == "1"
