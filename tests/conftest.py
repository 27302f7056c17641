import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))

settings.register_profile(
    "default", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# NUMBA_DISABLE_JIT=1 runs the kernel bodies as Python: fewer examples, same checks.
settings.register_profile(
    "nojit", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("RMAPLAB_HYPOTHESIS_PROFILE", "default"))
