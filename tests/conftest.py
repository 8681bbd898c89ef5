"""Make test helper modules (tests/training/gt_checks.py) importable by name."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "training"))
