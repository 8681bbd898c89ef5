"""Upload -> drafting in the background worker (the real ocr.draft.run_draft on one synthetic
page) -> a review queue of drafted records with confidences."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from ocr.schema import Page


def test_upload_is_drafted_in_the_background(make_world, synth_dir: Path) -> None:  # noqa: ANN001
    world = make_world(start_worker=True)
    scan = sorted(synth_dir.glob("*.jpg"))[0]
    truth = Page.load(scan.with_suffix(".json"))
    with TestClient(world.app) as c:  # runs the lifespan: the worker thread starts
        token, csrf = world.sessions["officer1"]
        c.cookies.set("hotich_session", token)
        c.headers["X-CSRF-Token"] = csrf
        r = c.post("/api/books", data={"template": "ks_1999", "year": "1999", "volume": "07"},
                   files=[("files", (scan.name, scan.read_bytes(), "image/jpeg"))])
        assert r.status_code == 201, r.text
        book_id = r.json()["id"]
        seen, deadline = [], time.monotonic() + 120
        while time.monotonic() < deadline:
            book = c.get(f"/api/books/{book_id}").json()
            seen.append(book["progress"]["state"])
            if book["progress"]["state"] in ("ready", "failed"):
                break
            time.sleep(0.2)
        assert book["progress"] == {"state": "ready", "pages_total": 1, "pages_drafted": 1, "error": None}, book
        assert {"queued", "drafting"} & set(seen)  # progress was visible before the end
        records = c.get(f"/api/books/{book_id}/records").json()
        assert abs(len(records) - len(truth.records)) <= 1 and all(r["state"] == "pending" for r in records)
        rec = c.get(f"/api/records/{records[0]['id']}").json()
        filled = [f for f in rec["fields"] if f["status"] == "filled"]
        assert filled and all(f["confidence"] is not None and f["value"] == f["draft_value"] for f in filled)
        assert rec["book"]["volume"] == "07"
        assert c.get(f"/api/records/{rec['id']}/image").headers["content-type"] == "image/jpeg"
