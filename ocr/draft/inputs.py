"""Pages to draft: files or folders of JPEG, PNG, TIFF (every frame) and PDF (every page).

Every page gets a stable id (from its file name, plus its page number for multi-page files) and a
content hash (sha256 of the file's bytes and the page index), which is what resuming keys on.
Problems are per file and never stop the others: :func:`collect_pages` returns them beside the
pages, and :func:`load_page` raises :class:`InputError` with a message naming the file and saying
what to do. Huge images are refused from their header, before any pixel is decoded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff"})
PDF_SUFFIX = ".pdf"
SUFFIXES = IMAGE_SUFFIXES | {PDF_SUFFIX}
MAX_PIXELS = 100_000_000  # larger pages are refused before decoding (a 600 dpi A3 scan is ~70 MP)
PDF_DPI = 200
_RESCAN = "scan it again, or export the page as JPEG, PNG or TIFF"


class InputError(ValueError):
    """A file or page that cannot be drafted; the message names it and says what to do."""


@dataclass(frozen=True)
class PageSource:
    """One page of one input file."""

    id: str  # stable: the file name's stem, "-p<n>" added for pages of multi-page files
    path: Path
    index: int  # page (frame) index within the file, 0-based
    pages_in_file: int
    sha256: str  # of the file's bytes and the page index: changes when the page's source changes

    @property
    def name(self) -> str:
        """How messages name the page: the file, and the page for multi-page files."""
        return str(self.path) if self.pages_in_file == 1 else f"{self.path} (page {self.index + 1})"


@dataclass(frozen=True)
class Problem:
    """An input that yields no pages, and why."""

    path: Path
    message: str


def _files(inputs: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    files: list[Path] = []
    problems: list[Problem] = []
    for item in inputs:
        item = Path(item)
        if item.is_dir():
            found = sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            if not found:
                problems.append(Problem(item, f"{item}: no JPEG, PNG, TIFF or PDF files in this folder"))
            files += found
        elif not item.exists():
            problems.append(Problem(item, f"{item}: no such file or folder; check the path"))
        elif item.suffix.lower() not in SUFFIXES:
            problems.append(Problem(item, f"{item}: not a page image ({item.suffix or 'no suffix'}); "
                                          "give JPEG, PNG, TIFF or PDF files"))
        else:
            files.append(item)
    unique = list(dict.fromkeys(p.resolve() for p in files))
    return unique, problems


def _check_size(path: Path, width: float, height: float, what: str = "image") -> None:
    if width * height > MAX_PIXELS:
        raise InputError(f"{path}: the {what} is {int(width)} x {int(height)} pixels, more than the limit of "
                         f"{MAX_PIXELS // 1_000_000} million; scan at 300 dpi or less, or split it")


@contextmanager
def _own_size_check() -> Iterator[None]:
    """Pillow's decompression-bomb check off (this module checks :data:`MAX_PIXELS` itself, with
    a clearer message), on again afterwards."""
    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = limit


def _image_frames(path: Path) -> int:
    """Frames of an image file, its size checked from the header (nothing decoded)."""
    try:
        with _own_size_check(), Image.open(path) as im:
            _check_size(path, *im.size)
            return max(1, int(getattr(im, "n_frames", 1)))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"{path}: not a readable image ({exc}); {_RESCAN}") from None


def _pdf_pages(path: Path, data: bytes) -> int:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if re.search(rb"/Count\s+0\b", data):  # PDFium refuses a page tree without pages
            raise InputError(f"{path}: the PDF has no pages; export the scan again") from None
        raise InputError(f"{path}: not a readable PDF ({exc}); {_RESCAN}") from None
    try:
        if len(pdf) == 0:
            raise InputError(f"{path}: the PDF has no pages; export the scan again")
        for i in range(len(pdf)):
            w, h = pdf[i].get_size()
            _check_size(path, w * PDF_DPI / 72, h * PDF_DPI / 72, f"page {i + 1} at {PDF_DPI} dpi")
        return len(pdf)
    finally:
        pdf.close()


def _stem(path: Path) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "_", path.stem).strip("._") or "page"


def collect_pages(inputs: Sequence[Path]) -> tuple[list[PageSource], list[Problem]]:
    """Every page of the given files and folders (folders: their page files, sorted, recursively),
    and the inputs that yield no page with the reason. Reads each file once to hash it."""
    files, problems = _files(inputs)
    stems: dict[str, int] = {}
    for f in files:
        stems[_stem(f)] = stems.get(_stem(f), 0) + 1
    pages: list[PageSource] = []
    for f in files:
        try:
            data = f.read_bytes()
            if not data:
                raise InputError(f"{f}: the file is empty; copy or scan it again")
            count = _pdf_pages(f, data) if f.suffix.lower() == PDF_SUFFIX else _image_frames(f)
        except InputError as exc:
            problems.append(Problem(f, str(exc)))
            continue
        except OSError as exc:
            problems.append(Problem(f, f"{f}: cannot be read ({exc.strerror or exc}); check its permissions"))
            continue
        stem = _stem(f)
        if stems[stem] > 1:  # the same name in two folders: keep ids apart, stably
            stem = f"{stem}-{hashlib.sha256(str(f).encode()).hexdigest()[:6]}"
        digest = hashlib.sha256(data)
        for i in range(count):
            h = digest.copy()
            h.update(f"\0page {i}".encode())
            pid = stem if count == 1 else f"{stem}-p{i + 1:03d}"
            pages.append(PageSource(pid, f, i, count, h.hexdigest()))
    return pages, problems


@dataclass
class LoadedPage:
    """A decoded page: RGB pixels, and whether they are the file's pixels as stored (a single
    image, not turned by its EXIF orientation), so that a draft may refer to the file itself."""

    rgb: np.ndarray
    as_stored: bool


def load_page(src: PageSource) -> LoadedPage:
    """The page as RGB uint8 pixels (EXIF rotation applied); :class:`InputError` if it cannot
    be decoded (a truncated or corrupt file)."""
    try:
        if src.path.suffix.lower() == PDF_SUFFIX:
            return LoadedPage(_render_pdf(src), False)
        with _own_size_check(), Image.open(src.path) as im:
            _check_size(src.path, *im.size)
            im.seek(src.index)
            upright = ImageOps.exif_transpose(im)
            rgb = np.asarray(upright.convert("RGB"), dtype=np.uint8).copy()
            return LoadedPage(rgb, src.pages_in_file == 1 and im.getexif().get(0x0112, 1) == 1)
    except InputError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InputError(f"{src.name}: cannot be decoded ({exc}); {_RESCAN}") from None


def _render_pdf(src: PageSource) -> np.ndarray:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(src.path)
    try:
        page = pdf[src.index]
        w, h = page.get_size()
        _check_size(src.path, w * PDF_DPI / 72, h * PDF_DPI / 72, f"page {src.index + 1} at {PDF_DPI} dpi")
        bitmap = page.render(scale=PDF_DPI / 72)
        return np.asarray(bitmap.to_pil().convert("RGB"), dtype=np.uint8).copy()
    except pdfium.PdfiumError as exc:
        raise InputError(f"{src.name}: cannot be rendered ({exc}); {_RESCAN}") from None
    finally:
        pdf.close()
