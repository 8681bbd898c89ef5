"""Background drafting: one thread takes queued books in turn, runs ``ocr.draft.run_draft`` on
their scans and imports the drafts; progress is the number of page drafts written so far."""

from __future__ import annotations

import logging
import queue
import threading

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ocr.draft.book import DRAFTS
from ocr.draft.pipeline import BookInfo, DraftSettings
from ocr.draft.run import default_threads, run_draft
from ocr.htr.bundle import ModelError
from ocr.schema import BookType
from serving.books import admin_unit, draft_dir, drafts_of, scans_dir
from serving.config import Settings
from serving.ingest import import_pages
from serving.models import AuditEntry, Book, BookState, Unit

log = logging.getLogger("hotich.serve")


def progress(settings: Settings, book: Book) -> dict:
    """Pages drafted so far out of the book's pages, and the state."""
    if book.state == BookState.READY.value:
        done = book.pages_total
    else:
        folder = draft_dir(settings, book.id) / DRAFTS
        done = min(book.pages_total, len(list(folder.glob("*.json")))) if folder.exists() else 0
    return {"state": book.state, "pages_total": book.pages_total, "pages_drafted": done, "error": book.error}


def draft_book(settings: Settings, db: Session, book: Book) -> None:
    """Draft the book's scans and import the drafts (state ``ready``, or ``failed`` with why)."""
    unit = db.get(Unit, book.unit_id)
    info = BookInfo(BookType(book.book_type), book.year, book.volume, admin_unit(db, unit) if unit else None)
    draft = DraftSettings(template=book.template, book=info, threads=default_threads(settings.draft_workers))
    report = run_draft([scans_dir(settings, book.id)], draft, draft_dir(settings, book.id),
                       workers=settings.draft_workers, progress=False)
    pages = drafts_of(settings, book.id)
    n = import_pages(db, book, pages, draft_dir(settings, book.id) / DRAFTS) if pages else 0
    failed = [why for _, why in report.failed]
    book.error = ("; ".join(failed[:5]) + (f" (+{len(failed) - 5})" if len(failed) > 5 else "")) or None
    book.state = BookState.READY.value if pages else BookState.FAILED.value
    db.add(AuditEntry(action="drafted", entity="book", entity_id=book.id, book_id=book.id,
                      new=f"{len(pages)} pages, {n} records, {len(failed)} failed"))
    log.info("book %s drafted: %d pages, %d records, %d failed, %.1f s", book.id, len(pages), n, len(failed),
             report.seconds)


class DraftWorker:
    """A daemon thread drafting the books put in its queue, one at a time."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings, self.sessions = settings, sessions
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread and queue the books left queued or half-drafted by an earlier run."""
        if self._thread is not None:
            return
        with self.sessions() as db:
            for book_id in db.scalars(select(Book.id).where(Book.state.in_([BookState.QUEUED.value,
                                                                             BookState.DRAFTING.value]))):
                self._queue.put(book_id)
        self._thread = threading.Thread(target=self._run, name="hotich-drafting", daemon=True)
        self._thread.start()

    def submit(self, book_id: int) -> None:
        self._queue.put(book_id)

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def idle(self) -> bool:
        return self._queue.unfinished_tasks == 0

    def _run(self) -> None:
        while (book_id := self._queue.get()) is not None:
            try:
                self._draft(book_id)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _draft(self, book_id: int) -> None:
        with self.sessions() as db:
            book = db.get(Book, book_id)
            if book is None or book.state not in (BookState.QUEUED.value, BookState.DRAFTING.value):
                return
            book.state = BookState.DRAFTING.value
            db.commit()
            try:
                draft_book(self.settings, db, book)
            except (ModelError, OSError, ValueError, RuntimeError) as exc:
                db.rollback()
                book = db.get(Book, book_id)
                book.state, book.error = BookState.FAILED.value, f"{type(exc).__name__}: {exc}"
                log.warning("book %s: drafting failed (%s)", book_id, type(exc).__name__)
            db.commit()
