"""The workbench on a real PostgreSQL server (started for the session by the ``postgres_server``
fixture; skipped, saying why, without one): the migrations and the race of two saves."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import build_world
from serving.db import make_engine
from test_serving_api import check_migration, check_race

pytestmark = pytest.mark.xdist_group("postgres")  # one server for these tests under xdist


def test_migrations_on_postgresql(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        assert engine.dialect.name == "postgresql"
        check_migration(engine)
    finally:
        engine.dispose()


def test_race_on_postgresql(postgres_url: str, synth_dir: Path, tmp_path: Path) -> None:
    world = build_world(tmp_path / "data", synth_dir, postgres_url)
    try:
        assert world.app.state.engine.dialect.name == "postgresql"
        check_race(world)
    finally:
        world.app.state.engine.dispose()
