"""Draft a book: every input page (in parallel, resumable), then the book-level outputs.

Output folder layout: ``drafts/<page>.json`` (schema pages, provenance "draft"),
``pagexml/<page>.xml``, ``records/`` (one file per record), ``<book type>.xlsx``, ``summary.json``,
``images/`` (upright copies of pages that were turned or came from a PDF or multi-page TIFF) and
the state file. One output folder holds one book: the pages given to the last run.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import cv2
from tqdm import tqdm

from ocr.draft.book import DRAFTS, IMAGES, build_book
from ocr.draft.inputs import InputError, PageSource, collect_pages, load_page
from ocr.draft.pipeline import DraftError, DraftSettings, PageDrafter
from ocr.draft.state import DraftState, write_atomic
from ocr.schema import Page

JPEG_QUALITY = 92


@dataclass
class PageResult:
    """What drafting one page gave (sent back from a worker process)."""

    source: PageSource
    draft: str | None = None  # the page's JSON
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


@dataclass
class DraftReport:
    """The outcome of a run."""

    pages: int = 0
    drafted: int = 0
    skipped: int = 0  # done by an earlier run, unchanged
    failed: list[tuple[str, str]] = field(default_factory=list)  # (input, why)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0  # the whole run
    drafting_seconds: float = 0.0  # the pages drafted by this run (book-level outputs excluded)
    outputs: dict[str, Path] = field(default_factory=dict)

    @property
    def pages_per_s(self) -> float:
        return self.drafted / self.drafting_seconds if self.drafting_seconds else 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


def page_task(drafter: PageDrafter, src: PageSource, ordinal: int, out: Path) -> PageResult:
    """Load and draft one page; every problem becomes the result's error, named by input."""
    sides = len(drafter.template.sides)
    prefix = f"s{ordinal // sides}-" if sides > 1 else f"p{ordinal + 1}-"
    try:
        loaded = load_page(src)
        d = drafter.draft(loaded.rgb, page_id=src.id, page_number=ordinal + 1,
                          image_path=str(src.path.resolve()), record_prefix=prefix)
        if d.turn or not loaded.as_stored:  # the draft refers to an upright copy of the page
            ok, buf = cv2.imencode(".jpg", cv2.cvtColor(d.image, cv2.COLOR_RGB2BGR),
                                   [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if not ok:
                raise DraftError(f"{src.name}: the upright page image could not be encoded")
            write_atomic(out / IMAGES / f"{src.id}.jpg", buf.tobytes())
            d.page.image = d.page.image.model_copy(update={"path": f"../{IMAGES}/{src.id}.jpg"})
        return PageResult(src, d.page.to_json(indent=None), d.warnings, None, d.seconds)
    except (InputError, DraftError) as exc:
        return PageResult(src, error=str(exc))
    except MemoryError:
        return PageResult(src, error=f"{src.name}: out of memory; run with fewer --workers")
    except Exception as exc:  # noqa: BLE001 - one bad page must not stop the book
        return PageResult(src, error=f"{src.name}: drafting failed ({type(exc).__name__}: {exc}); "
                                     "report this with the page attached")


_WORKER: PageDrafter | None = None


def _init_worker(settings: DraftSettings) -> None:
    global _WORKER
    _WORKER = PageDrafter(settings)


def _worker_task(src: PageSource, ordinal: int, out: Path) -> PageResult:
    assert _WORKER is not None, "worker not initialised"
    return page_task(_WORKER, src, ordinal, out)


def _results(drafter: PageDrafter, todo: list[tuple[PageSource, int]], out: Path, workers: int):
    """Yield each page's result as it finishes (in-process with one worker, else a pool of
    processes, each loading its models once)."""
    if workers <= 1 or len(todo) <= 1:
        for src, ordinal in todo:
            yield page_task(drafter, src, ordinal, out)
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=ctx, initializer=_init_worker,
                             initargs=(drafter.settings,)) as pool:
        futures: dict[Future, PageSource] = {pool.submit(_worker_task, src, o, out): src for src, o in todo}
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except BrokenProcessPool:
                yield PageResult(futures[fut], error=f"{futures[fut].name}: a worker process died (out of "
                                                     "memory?); run again with fewer --workers")


def _kept(state: DraftState, src: PageSource, ordinal: int, fingerprint: str) -> bool:
    """Whether a page's stored draft stands: same content, settings and place in the book."""
    return state.is_done(src, fingerprint) and state.page(src).book.page_number == ordinal + 1


def run_draft(inputs: Sequence[Path], settings: DraftSettings, out: Path, *, workers: int = 1,
              progress: bool = True) -> DraftReport:
    """Draft every page of ``inputs`` into ``out`` (skipping pages done before with the same
    settings), then rebuild the book-level outputs from all drafts."""
    start = time.perf_counter()
    report = DraftReport()
    sources, problems = collect_pages(inputs)
    report.failed += [(str(p.path), p.message) for p in problems]
    report.pages = len(sources)
    drafter = PageDrafter(settings)
    state = DraftState(out)
    try:
        todo = [(src, i) for i, src in enumerate(sources) if not _kept(state, src, i, drafter.fingerprint)]
        report.skipped = len(sources) - len(todo)
        for src, _ in todo:
            if (out / DRAFTS / f"{src.id}.json").exists():  # an older draft of a changed page
                (out / DRAFTS / f"{src.id}.json").unlink()
        bar = tqdm(total=len(todo), unit="page", desc="drafting", disable=not progress or not todo)
        loop_start = time.perf_counter()
        for res in _results(drafter, todo, out, workers):
            if res.error is None and res.draft is not None:
                page = Page.from_json(res.draft)
                write_atomic(out / DRAFTS / f"{res.source.id}.json", page.to_json())
                state.done(res.source, drafter.fingerprint, page, res.warnings, res.seconds)
                report.drafted += 1
                report.warnings += res.warnings
            else:
                state.failed(res.source, drafter.fingerprint, res.error or "unknown error")
                report.failed.append((res.source.name, res.error or "unknown error"))
            bar.update(1)
        bar.close()
        report.drafting_seconds = time.perf_counter() - loop_start
        redone = {src.sha256 for src, _ in todo}
        for src in sources:  # warnings of pages drafted by earlier runs
            st = state.get(src.sha256)
            if st is not None and st.status == "done" and src.sha256 not in redone:
                report.warnings += st.warnings
        done = [src for src in sources if state.is_done(src, drafter.fingerprint)]
        pages = [state.page(src) for src in done]
        if pages:
            run = {"pages": report.pages, "drafted": report.drafted, "skipped": report.skipped,
                   "failed": [{"input": name, "why": why} for name, why in report.failed],
                   "warnings": report.warnings, "pages_per_s": round(report.pages_per_s, 3),
                   "template": settings.template, "layout": settings.layout, "recognizer": settings.recognizer,
                   "models": dict(drafter.models)}
            try:
                report.outputs = build_book(pages, out, spread=len(drafter.template.sides), run=run)
            except (ValueError, RuntimeError, OSError) as exc:
                report.failed.append((str(out), f"book outputs: {exc}"))
    finally:
        state.close()
    report.seconds = time.perf_counter() - start
    return report


def default_threads(workers: int) -> int:
    """onnxruntime threads per worker: the machine's cores shared among the workers."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


__all__ = ["DraftReport", "PageResult", "default_threads", "page_task", "run_draft"]
