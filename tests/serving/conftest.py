"""A workbench on a fresh SQLite database: two districts with a commune each, one user per role,
and a synthetic two-page book (a left and a right page of ks_1999) injected as drafts per commune;
and a throwaway PostgreSQL server for the tests that run on one."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ocr.schema import Page
from ocr.templates import load_template
from serving.accounts import ensure_unit, ensure_user
from serving.app import create_app
from serving.auth import COOKIE
from serving.books import new_book, register_drafts
from serving.config import Settings
from serving.models import Role, UnitLevel

PASSWORD = "mat-khau-thu-nghiem"
TEMPLATE = "ks_1999"


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / TEMPLATE


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two synthetic pages (left, right of one spread) with their truth JSON: the bundled sample
    pages, else two rendered here."""
    if len(list(EXAMPLE.glob("*.json"))) == 2:
        return EXAMPLE
    from training.synth.book import plan_pages
    from training.synth.export import write_page
    from training.synth.render import render_page

    folder = tmp_path_factory.mktemp("synth")
    for plan in plan_pages(load_template(TEMPLATE), 2, 11, conditions=[]):
        write_page(render_page(plan), folder)
    return folder


@dataclass
class World:
    app: FastAPI
    settings: Settings
    units: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    books: dict[str, int] = field(default_factory=dict)
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict)  # user -> (cookie, csrf)

    def client(self, username: str | None = None) -> TestClient:
        """A client of its own (own cookies), logged in as ``username`` with its CSRF header set
        (reusing the session made when the world was built; logging in again would hash again)."""
        c = TestClient(self.app)
        if username is None:
            return c
        if username not in self.sessions:
            r = c.post("/api/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.sessions[username] = (r.cookies[COOKIE], r.json()["csrf"])
        token, csrf = self.sessions[username]
        c.cookies.set(COOKIE, token)
        c.headers["X-CSRF-Token"] = csrf
        return c


def build_world(data_dir: Path, synth_dir: Path, database_url: str | None = None) -> World:
    """Create the units, users and books (password hashing makes this the slow part); SQLite in
    ``data_dir`` unless a ``database_url`` is given."""
    settings = Settings.load(data_dir, database_url, start_worker=False)
    app = create_app(settings)
    world = World(app, settings)
    pages = [Page.load(p) for p in sorted(synth_dir.glob("*.json"))]
    with app.state.sessions() as db:
        prov = ensure_unit(db, "Tỉnh Thái Bình", UnitLevel.PROVINCE)
        d1 = ensure_unit(db, "Huyện Kiến Xương", UnitLevel.DISTRICT, prov)
        d2 = ensure_unit(db, "Huyện Tiền Hải", UnitLevel.DISTRICT, prov)
        c1 = ensure_unit(db, "Xã Bình Minh", UnitLevel.COMMUNE, d1)
        c2 = ensure_unit(db, "Xã Đông Lâm", UnitLevel.COMMUNE, d2)
        world.units = {"prov": prov.id, "d1": d1.id, "d2": d2.id, "c1": c1.id, "c2": c2.id}
        for name, role, unit in [("officer1", Role.OFFICER, c1), ("officer1b", Role.OFFICER, c1),
                                 ("officer2", Role.OFFICER, c2), ("verifier1", Role.VERIFIER, d1),
                                 ("verifier2", Role.VERIFIER, d2), ("supervisor", Role.SUPERVISOR, prov),
                                 ("annotator", Role.ANNOTATOR, c1), ("admin", Role.ADMIN, None),
                                 ("admin2", Role.ADMIN, None)]:
            world.users[name] = ensure_user(db, name, PASSWORD, role, unit)[0].id
        for key, unit in (("c1", c1), ("c2", c2)):
            book = new_book(db, unit=unit, template=TEMPLATE, year=1999, volume="02", user_id=None)
            register_drafts(db, settings, book, pages, synth_dir)
            world.books[key] = book.id
        db.commit()
    for name in world.users:
        world.client(name)
    return world


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory, synth_dir: Path) -> tuple[Path, World]:
    """One world built per session; tests get copies of its data directory."""
    folder = tmp_path_factory.mktemp("world") / "data"
    world = build_world(folder, synth_dir)
    world.app.state.engine.dispose()
    return folder, world


@pytest.fixture
def make_world(world_template: tuple[Path, World], tmp_path: Path) -> Callable[..., World]:
    """A fresh copy of the session's world, with settings ``overrides``."""

    def make(**overrides) -> World:
        src, proto = world_template
        data = tmp_path / f"data{len(list(tmp_path.iterdir()))}"
        shutil.copytree(src, data)
        settings = Settings.load(data, **{"start_worker": False, **overrides})
        return World(create_app(settings), settings, dict(proto.units), dict(proto.users), dict(proto.books),
                     dict(proto.sessions))

    return make


@pytest.fixture
def world(make_world: Callable[..., World]) -> World:
    return make_world()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_bin() -> Path | None:
    """The folder of Debian's PostgreSQL server programs (the newest version), or of those on PATH."""
    on_path = shutil.which("initdb")
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return Path(on_path).parent if on_path else (found[-1].parent if found else None)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server of its own (initdb + pg_ctl in a temporary folder, on a free loopback
    port, trust authentication, as user ``postgres`` when the tests run as root); yields the URL
    without a database name. Skips, saying why, when PostgreSQL or psycopg is missing."""
    pytest.importorskip("psycopg", reason="psycopg is missing: pip install -e '.[serve]'")
    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL is missing: run `make postgres-deps` as root (apt-get install postgresql)")
    folder, run_as = Path(tempfile.mkdtemp(prefix="hotich-pg-")), []
    if os.geteuid() == 0:  # the server refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no user 'postgres' to run the PostgreSQL server as")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", free_port()

    def pg(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*run_as, str(bindir / args[0]), *args[1:]], capture_output=True, text=True,
                              timeout=120)

    try:
        done = pg("initdb", "-D", str(data), "-U", "hotich", "--auth=trust", "-E", "UTF8", "--no-locale")
        if done.returncode == 0:
            options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off")
            done = pg("pg_ctl", "-D", str(data), "-l", str(folder / "server.log"), "-o", options, "-w", "start")
        if done.returncode != 0:
            log = folder / "server.log"
            tail = log.read_text(errors="replace")[-500:] if log.exists() else ""
            pytest.skip(f"the PostgreSQL server did not start: {(done.stderr or done.stdout)[-500:]} {tail}")
        yield f"postgresql+psycopg://hotich@127.0.0.1:{port}"
    finally:
        if (data / "postmaster.pid").exists():
            pg("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the session's PostgreSQL server, dropped afterwards."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = postgres_server.replace("postgresql+psycopg", "postgresql") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{postgres_server}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
