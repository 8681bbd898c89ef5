"""Make test helper modules (tests/training/gt_checks.py) importable by name, and keep the tests
off the developer's model registry: a bundle promoted on this machine must not change what the
tests load (tests that use the registry point $HOTICH_REGISTRY at their own folder)."""

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "training"))


def pytest_configure(config) -> None:  # noqa: ARG001 (pytest hook signature)
    os.environ["HOTICH_REGISTRY"] = tempfile.mkdtemp(prefix="hotich-test-registry-")
