"""Book-level outputs, rebuilt from every page draft at the end of a run: checks across the book,
checked drafts (JSON and PAGE-XML), the Ministry's Excel file, one file per record, a summary."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from ocr.checks import check_book
from ocr.draft.inference import infer_book
from ocr.draft.state import write_atomic
from ocr.export import book_summary, page_to_pagexml, write_ministry_excel, write_record_files, write_summary
from ocr.schema import Page

DRAFTS, PAGEXML, RECORDS, IMAGES = "drafts", "pagexml", "records", "images"
SUMMARY = "summary.json"
RECORD_CHUNK_PAGES = 40  # record files are cut from this many page images held at a time


def page_image(page: Page, drafts_dir: Path) -> np.ndarray:
    """The RGB image a draft refers to (its path is relative to the drafts folder, or absolute)."""
    path = Path(page.image.path)
    path = path if path.is_absolute() else drafts_dir / path
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"), dtype=np.uint8)
    except OSError as exc:
        raise RuntimeError(f"{page.id}: its image {path} cannot be read ({exc}); restore the file or draft "
                           "the page again") from None


def _move_unique(src_dir: Path, out_dir: Path) -> list[Path]:
    """Move the files of ``src_dir`` into ``out_dir``; a name taken by an earlier chunk gets _2, _3..."""
    moved = []
    for f in sorted(src_dir.iterdir()):
        target, n = out_dir / f.name, 1
        while target.exists():
            n += 1
            stem, ext = f.name.rsplit(".", 1)  # record stems hold dots: "KS.1999.01.12.jpg"
            target = out_dir / f"{stem}_{n}.{ext}"
        shutil.move(f, target)
        moved.append(target)
    return moved


def write_records(pages: Sequence[Page], drafts_dir: Path, out_dir: Path, *, spread: int) -> list[Path]:
    """One file per record, with at most :data:`RECORD_CHUNK_PAGES` page images in memory (chunks end
    at spread boundaries, so a record's left and right halves stay together)."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    size = max(spread, RECORD_CHUNK_PAGES - RECORD_CHUNK_PAGES % spread)
    written: list[Path] = []
    for lo in range(0, len(pages), size):
        chunk = [(p, page_image(p, drafts_dir)) for p in pages[lo: lo + size] if p.records]
        if not chunk:
            continue
        with tempfile.TemporaryDirectory(dir=out_dir.parent, prefix=".records-") as tmp:
            write_record_files(chunk, Path(tmp))
            written += _move_unique(Path(tmp), out_dir)
    return written


def _prune(folder: Path, keep: set[str], suffix: str) -> None:
    """Remove this command's outputs of pages that are no longer among the inputs."""
    for f in folder.glob(f"*{suffix}"):
        if f.name not in keep:
            f.unlink()


def build_book(pages: Sequence[Page], out: Path, *, spread: int = 1, run: dict | None = None,
               low_confidence: float = 0.8) -> dict[str, Path]:
    """Fill what the whole book pins down (:func:`~ocr.draft.inference.infer_book`), check
    ``pages`` (one book, in book order) as a book and write every book-level output into ``out``;
    ``run`` is added to the summary. Returns the outputs by name."""
    pages = list(pages)
    drafts_dir, xml_dir = out / DRAFTS, out / PAGEXML
    inferred = infer_book(pages)
    check_counts = check_book(pages, low_confidence=low_confidence)
    for page in pages:
        write_atomic(drafts_dir / f"{page.id}.json", page.to_json())
        write_atomic(xml_dir / f"{page.id}.xml", page_to_pagexml(page))
    _prune(drafts_dir, {f"{p.id}.json" for p in pages}, ".json")
    _prune(xml_dir, {f"{p.id}.xml" for p in pages}, ".xml")
    outputs: dict[str, Path] = {"drafts": drafts_dir, "pagexml": xml_dir}
    if any(p.records for p in pages):
        excel = out / f"{pages[0].book.book_type.value}.xlsx"
        write_ministry_excel(pages, excel)
        outputs["excel"] = excel
    outputs["records"] = out / RECORDS
    write_records(pages, drafts_dir, outputs["records"], spread=spread)
    summary = book_summary(pages, low_confidence=low_confidence)
    summary["checks"] = dict(sorted(check_counts.items()))
    summary["inferred"] = dict(sorted(inferred.items()))
    if run is not None:
        summary["run"] = run
    outputs["summary"] = out / SUMMARY
    write_summary(summary, outputs["summary"])
    return outputs
