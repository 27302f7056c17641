from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
# CI lays a read-only copy of shared/ beside the clone; tests that read it skip without it.
SHARED_REF = ROOT.parent / "shared" / "reference"
