"""The load check itself: concurrent reviewers over loopback lose no update (bounded and short)."""

from __future__ import annotations

from pathlib import Path

import pytest

from serving.loadtest import run_load


def test_concurrent_reviewers_lose_no_update(tmp_path: Path) -> None:
    r = run_load(reviewers=4, seconds=3, records=1, data_dir=tmp_path)
    assert r["saved"] > 0 and r["errors"] == 0
    assert r["conflicts_409"] > 0  # one shared record: concurrent saves did collide ...
    assert r["lost_updates"] == 0  # ... and none was lost
    assert r["requests"] == r["saved"] + r["conflicts_409"]


def test_load_is_bounded() -> None:
    with pytest.raises(ValueError):
        run_load(reviewers=1000, seconds=5)
