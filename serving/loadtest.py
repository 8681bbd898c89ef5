"""Load figure: N reviewers saving concurrently over loopback against a live server.

Each reviewer logs in, then for ``seconds`` picks one of a few shared records, reads it and saves
a unique value into one of its fields with the version it read; a 409 means reload and try again.
Afterwards every accepted save must have been made on the record's latest version (two accepted
saves on the same version means one overwrote the other unseen), be in the audit log, and every
field must hold the value of its last accepted save: ``lost`` counts what is not so (it must be 0).

    python -m serving.loadtest --reviewers 8 --seconds 20
"""

from __future__ import annotations

import multiprocessing
import random
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
import httpx
from sqlalchemy import select

from ocr.schema import Page
from serving.accounts import ensure_unit, ensure_user
from serving.books import new_book, register_drafts
from serving.config import Settings
from serving.models import AuditEntry, FieldRow, Role, UnitLevel

MAX_REVIEWERS, MAX_SECONDS = 32, 120
PASSWORD = "load-test-password"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ks_1999"


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)  # seconds per save request (200 or 409)
    saved: list[tuple[int, int, int, str]] = field(default_factory=list)  # (record, version, field, value) accepted
    conflicts: int = 0
    errors: int = 0


def prepare(data_dir: Path, reviewers: int, pages_dir: Path = EXAMPLE) -> Settings:
    """A data directory with one book (the sample pages) and ``reviewers`` officers."""
    from serving.app import create_app

    settings = Settings.load(data_dir, start_worker=False)
    app = create_app(settings)
    pages = [Page.load(p) for p in sorted(pages_dir.glob("*.json"))]
    if not pages:
        raise click.ClickException(f"no sample pages in {pages_dir}; pass --pages DIR with <id>.jpg + <id>.json")
    with app.state.sessions() as db:
        commune = ensure_unit(db, "Xã Thử Tải", UnitLevel.COMMUNE, ensure_unit(
            db, "Huyện Thử Tải", UnitLevel.DISTRICT, ensure_unit(db, "Tỉnh Thử Tải", UnitLevel.PROVINCE)))
        for i in range(reviewers):
            ensure_user(db, f"reviewer{i}", PASSWORD, Role.OFFICER, commune)
        book = new_book(db, unit=commune, template=pages[0].template_id, year=pages[0].book.year,
                        volume=pages[0].book.volume, user_id=None)
        register_drafts(db, settings, book, pages, pages_dir)
        db.commit()
    app.state.engine.dispose()
    return settings


def _serve(settings: Settings, port: int) -> None:
    import uvicorn

    from serving.app import create_app

    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _reviewer(base: str, index: int, records: list[int], until: float, out: Outcome, lock: threading.Lock) -> None:
    rng = random.Random(index)
    with httpx.Client(base_url=base, timeout=60) as c:
        r = c.post("/api/auth/login", json={"username": f"reviewer{index}", "password": PASSWORD})
        r.raise_for_status()
        c.headers["X-CSRF-Token"] = r.json()["csrf"]
        n = 0
        while time.monotonic() < until:
            rid = rng.choice(records)
            rec = c.get(f"/api/records/{rid}").json()
            fld = rng.choice([f for f in rec["fields"] if f["type"] in ("name", "text", "place")] or rec["fields"])
            value = f"r{index}-{n}"
            n += 1
            t0 = time.perf_counter()
            res = c.put(f"/api/records/{rid}", json={"version": rec["version"], "changes": [
                {"field_id": fld["id"], "value": value}]})
            dt = time.perf_counter() - t0
            with lock:
                out.latencies.append(dt)
                if res.status_code == 200:
                    out.saved.append((rid, rec["version"], fld["id"], value))
                elif res.status_code == 409:
                    out.conflicts += 1
                else:
                    out.errors += 1


def lost_updates(settings: Settings, saved: list[tuple[int, int, int, str]]) -> int:
    """Accepted saves made on a version another accepted save had already used (blind overwrites),
    missing from the audit log, plus fields not holding their last accepted value."""
    from serving.db import make_engine, session_maker

    engine = make_engine(settings.database_url)
    with session_maker(engine)() as db:
        edits = db.execute(select(AuditEntry.entity_id, AuditEntry.new, AuditEntry.id)
                           .where(AuditEntry.action == "edit").order_by(AuditEntry.id)).all()
        audited = {(fid, new) for fid, new, _ in edits}
        last = {fid: new for fid, new, _ in edits}
        missing = sum((fid, v) not in audited for _, _, fid, v in saved)
        blind = len(saved) - len({(rid, version) for rid, version, _, _ in saved})
        wrong = sum(db.get(FieldRow, fid).current_value != v for fid, v in last.items())
    engine.dispose()
    return blind + missing + wrong + abs(len(edits) - len(saved))


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))] if s else 0.0


def run_load(reviewers: int, seconds: float, records: int = 3, data_dir: Path | None = None) -> dict:
    """Start a server process, run the reviewers, check for lost updates; returns the figures."""
    if not 1 <= reviewers <= MAX_REVIEWERS or not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"reviewers 1-{MAX_REVIEWERS} and seconds up to {MAX_SECONDS}")
    tmp = tempfile.TemporaryDirectory(prefix="hotich-load-") if data_dir is None else None
    settings = prepare(Path(tmp.name if tmp else data_dir) / "data", reviewers)
    port = _free_port()
    proc = multiprocessing.get_context("spawn").Process(target=_serve, args=(settings, port), daemon=True)
    proc.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/login", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or not proc.is_alive():
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        with httpx.Client(base_url=base) as c:
            r = c.post("/api/auth/login", json={"username": "reviewer0", "password": PASSWORD})
            c.headers["X-CSRF-Token"] = r.json()["csrf"]
            book = c.get("/api/books").json()[0]["id"]
            ids = [r["id"] for r in c.get(f"/api/books/{book}/records").json()][:records]
        out, lock = Outcome(), threading.Lock()
        start = time.monotonic()
        threads = [threading.Thread(target=_reviewer, args=(base, i, ids, start + seconds, out, lock))
                   for i in range(reviewers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
    finally:
        proc.terminate()
        proc.join(timeout=10)
    result = {"reviewers": reviewers, "records": len(ids), "seconds": round(elapsed, 1),
              "requests": len(out.latencies), "saved": len(out.saved), "conflicts_409": out.conflicts,
              "errors": out.errors, "saves_per_s": round(len(out.saved) / elapsed, 1),
              "p50_ms": round(percentile(out.latencies, 0.5) * 1000, 1),
              "p95_ms": round(percentile(out.latencies, 0.95) * 1000, 1),
              "max_ms": round(max(out.latencies, default=0) * 1000, 1),
              "lost_updates": lost_updates(settings, out.saved)}
    if tmp:
        tmp.cleanup()
    return result


@click.command()
@click.option("--reviewers", "-n", type=click.IntRange(1, MAX_REVIEWERS), default=8, show_default=True)
@click.option("--seconds", "-s", type=click.FloatRange(1, MAX_SECONDS), default=20, show_default=True)
@click.option("--records", type=click.IntRange(1), default=3, show_default=True,
              help="Records the reviewers share (fewer: more conflicts).")
def main(reviewers: int, seconds: float, records: int) -> None:
    """N concurrent reviewers saving over loopback: latency, conflicts and lost updates."""
    r = run_load(reviewers, seconds, records)
    click.echo(" ".join(f"{k}={v}" for k, v in r.items()))
    if r["lost_updates"] or r["errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
