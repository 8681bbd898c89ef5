"""Resumable drafting: which pages are done, in a SQLite file in the output folder.

Pages are keyed by their content hash (:attr:`PageSource.sha256`). A page counts as done when its
draft was stored with the same settings fingerprint; a changed file (new hash) or changed settings
(template, book, layout, model...) mean the page is drafted again, and failed pages are retried.
Each page is committed on its own, so a run killed at any moment (even ``kill -9``) loses at most
the pages in flight. :func:`write_atomic` writes files as tmp + rename, never half.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ocr.draft.inputs import PageSource
from ocr.schema import Page

STATE_FILE = ".hotich-draft.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    sha256 TEXT PRIMARY KEY,
    page_id TEXT NOT NULL,
    source TEXT NOT NULL,
    page_index INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    settings TEXT NOT NULL,
    draft TEXT,
    warnings TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    seconds REAL,
    updated TEXT NOT NULL
)
"""


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``path`` so that it is either the old file or the whole new one (tmp + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@dataclass(frozen=True)
class PageState:
    """What the state file knows about one page."""

    sha256: str
    page_id: str
    status: str
    settings: str
    draft: str | None
    warnings: list[str]
    error: str | None
    seconds: float | None


class DraftState:
    """The state file of one output folder."""

    def __init__(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.path = out / STATE_FILE
        try:
            self.db = sqlite3.connect(self.path)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute(_SCHEMA)
            self.db.commit()
        except sqlite3.DatabaseError as exc:
            raise RuntimeError(f"{self.path}: the state file cannot be used ({exc}); delete it to draft "
                               "every page again") from None

    def close(self) -> None:
        self.db.close()

    def get(self, sha256: str) -> PageState | None:
        row = self.db.execute("SELECT sha256, page_id, status, settings, draft, warnings, error, seconds "
                              "FROM pages WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            return None
        return PageState(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), row[6], row[7])

    def is_done(self, src: PageSource, settings: str) -> bool:
        """Whether ``src`` was drafted, unchanged, with these settings."""
        st = self.get(src.sha256)
        return st is not None and st.status == "done" and st.settings == settings and st.draft is not None

    def _put(self, src: PageSource, status: str, settings: str, draft: str | None, warnings: list[str],
             error: str | None, seconds: float | None) -> None:
        with self.db:  # one transaction per page
            self.db.execute(
                "INSERT OR REPLACE INTO pages (sha256, page_id, source, page_index, status, settings, draft, "
                "warnings, error, seconds, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (src.sha256, src.id, str(src.path), src.index, status, settings, draft,
                 json.dumps(warnings, ensure_ascii=False), error, seconds,
                 datetime.now(timezone.utc).isoformat(timespec="seconds")))

    def done(self, src: PageSource, settings: str, page: Page, warnings: list[str], seconds: float) -> None:
        self._put(src, "done", settings, page.to_json(indent=None), warnings, None, seconds)

    def failed(self, src: PageSource, settings: str, error: str) -> None:
        self._put(src, "failed", settings, None, [], error, None)

    def page(self, src: PageSource) -> Page:
        """The stored draft of a done page (before the book-level checks)."""
        st = self.get(src.sha256)
        if st is None or st.draft is None:
            raise KeyError(f"{src.name}: no draft stored")
        return Page.from_json(st.draft)
