"""`hotich draft` inputs and state: page enumeration, hashes, refusals before decoding, resume keys."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr.draft.inputs import MAX_PIXELS, InputError, collect_pages, load_page
from ocr.draft.pipeline import BLANK_INK, BookInfo, ink_share, parse_unit, turn
from ocr.draft.state import DraftState, write_atomic
from ocr.schema import BookMeta, BookType, ImageRef, Page
from ocr.templates import load_template


def _page_image(seed: int = 0, size: tuple[int, int] = (120, 160)) -> np.ndarray:
    """A light page with dark strokes: not blank."""
    rng = np.random.default_rng(seed)
    img = np.full((*size, 3), 230, np.uint8)
    for _ in range(30):
        y, x = rng.integers(5, size[0] - 5), rng.integers(5, size[1] - 40)
        img[y:y + 2, x:x + 30] = 20
    return img


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims the size, with a few bytes of pixel data: 200 bytes, not 1.2 GB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def _pdf(pages: list[np.ndarray]) -> bytes:
    buf = io.BytesIO()
    ims = [Image.fromarray(p) for p in pages]
    ims[0].save(buf, "PDF", resolution=200.0, save_all=True, append_images=ims[1:])
    return buf.getvalue()


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    Image.fromarray(_page_image(1)).save(d / "a.png")
    Image.fromarray(_page_image(2)).save(d / "sub" / "b.jpg", quality=90)
    frames = [Image.fromarray(_page_image(s)) for s in (3, 4, 5)]
    frames[0].save(d / "book.tif", save_all=True, append_images=frames[1:])
    (d / "two.pdf").write_bytes(_pdf([_page_image(6), _page_image(7)]))
    (d / "notes.txt").write_text("not a page")
    return d


def test_pages_ids_and_hashes(folder: Path) -> None:
    pages, problems = collect_pages([folder])
    assert problems == []
    assert [p.id for p in pages] == ["a", "book-p001", "book-p002", "book-p003", "b", "two-p001", "two-p002"]
    assert len({p.sha256 for p in pages}) == len(pages)  # the page index is part of the hash
    again, _ = collect_pages([folder])
    assert [(p.id, p.sha256) for p in again] == [(p.id, p.sha256) for p in pages]
    Image.fromarray(_page_image(99)).save(folder / "a.png")
    changed, _ = collect_pages([folder])
    assert changed[0].sha256 != pages[0].sha256 and changed[1:] == pages[1:]


def test_every_kind_of_page_decodes(folder: Path) -> None:
    pages, _ = collect_pages([folder])
    by_id = {p.id: p for p in pages}
    tif = load_page(by_id["book-p002"])
    assert tif.rgb.shape == (120, 160, 3) and not tif.as_stored
    assert np.abs(tif.rgb.astype(int) - _page_image(4)).max() == 0
    pdf = load_page(by_id["two-p002"])
    assert not pdf.as_stored and pdf.rgb.ndim == 3
    assert abs(pdf.rgb.shape[1] - 160) <= 2  # saved at 200 dpi, rendered at 200 dpi
    png = load_page(by_id["a"])
    assert png.as_stored and np.array_equal(png.rgb, _page_image(1))


def test_bad_inputs_are_named_and_the_rest_continues(tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    Image.fromarray(_page_image()).save(good)
    (tmp_path / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a JPEG" * 10)
    (tmp_path / "huge.png").write_bytes(_png_claiming(20000, 20000))
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "nopages.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                                           b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    (tmp_path / "readme.txt").write_text("x")
    names = ["good.png", "corrupt.jpg", "huge.png", "empty.jpg", "nopages.pdf", "readme.txt", "missing.png"]
    pages, problems = collect_pages([tmp_path / n for n in names])
    assert [p.id for p in pages] == ["good"]
    why = {p.path.name: p.message for p in problems}
    assert set(why) == set(names) - {"good.png"}
    assert "not a readable image" in why["corrupt.jpg"] and "scan it again" in why["corrupt.jpg"]
    assert "20000 x 20000" in why["huge.png"] and f"{MAX_PIXELS // 1_000_000} million" in why["huge.png"]
    assert "empty" in why["empty.jpg"]
    assert "no pages" in why["nopages.pdf"]
    assert "not a page image" in why["readme.txt"]
    assert "no such file" in why["missing.png"]
    assert all(str(tmp_path) in m for m in why.values())


def test_truncated_image_fails_at_decoding_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "cut.jpg"
    buf = io.BytesIO()
    Image.fromarray(_page_image()).save(buf, "JPEG", quality=95)
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    pages, problems = collect_pages([path])
    assert problems == [] and len(pages) == 1  # the header is fine
    with pytest.raises(InputError, match="cut.jpg: cannot be decoded"):
        load_page(pages[0])


def test_blank_and_turns() -> None:
    rng = np.random.default_rng(0)
    blank = np.clip(rng.normal(232, 3, (700, 1000, 3)), 0, 255).astype(np.uint8)
    assert ink_share(blank) < BLANK_INK
    assert ink_share(_page_image(0, (700, 1000))) > BLANK_INK
    img = _page_image()
    assert np.array_equal(turn(turn(img, 90), 270), img)
    assert np.array_equal(turn(img, 180), img[::-1, ::-1])
    assert turn(img, 90)[0, -1].tolist() == img[0, 0].tolist()  # clockwise: top-left goes top-right


def test_book_info_from_options() -> None:
    t = load_template("ks_1999")
    info = BookInfo.for_template(t, year=2001, volume="03", unit="Tỉnh Bình Dương, Huyện Dầu Tiếng")
    assert (info.book_type, info.year, info.volume) == (BookType.KS, 2001, "03")
    assert info.unit.district == "Huyện Dầu Tiếng" and info.unit.commune is None
    assert BookInfo.for_template(t).year == t.years[0]
    with pytest.raises(ValueError, match="does not match template ks_1999"):
        BookInfo.for_template(t, book_type="KT")
    with pytest.raises(ValueError, match="--unit"):
        parse_unit("a,,b")


def _draft(page_id: str) -> Page:
    return Page(id=page_id, image=ImageRef(path="x.jpg", width=10, height=10), template_id="ks_1999",
                book=BookMeta(book_type="KS", year=1999, page_number=1))


def test_state_done_changed_settings_and_failed(tmp_path: Path, folder: Path) -> None:
    pages, _ = collect_pages([folder])
    state = DraftState(tmp_path / "out")
    state.done(pages[0], "settings-1", _draft(pages[0].id), ["a warning"], 1.5)
    state.failed(pages[1], "settings-1", "book.tif (page 1): broken")
    assert state.is_done(pages[0], "settings-1")
    assert not state.is_done(pages[0], "settings-2")  # other model, template or book: draft again
    assert not state.is_done(pages[1], "settings-1")  # failed pages are retried
    assert not state.is_done(pages[2], "settings-1")
    state.close()
    reopened = DraftState(tmp_path / "out")  # what a new run (or one after kill -9) sees
    assert reopened.page(pages[0]).id == pages[0].id
    assert reopened.get(pages[0].sha256).warnings == ["a warning"]
    assert reopened.get(pages[1].sha256).error.endswith("broken")


def test_write_atomic_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "d" / "p.json"
    write_atomic(target, "old")
    write_atomic(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert [p.name for p in target.parent.iterdir()] == ["p.json"]  # no temporary left behind
