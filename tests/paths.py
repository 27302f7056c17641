from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The repository's generated verify tables (docs, not package data; the published
# facts the library and tests read ship in rmaplab/data/, read via rmaplab._data).
DATA = ROOT / "data"
# CI lays a read-only copy of shared/ beside the clone; tests that read it skip without it.
SHARED_REF = ROOT.parent / "shared" / "reference"
