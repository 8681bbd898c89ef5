"""Handwriting fonts and line rendering: coverage, ink containment, polygons, determinism."""
from __future__ import annotations

import dataclasses
import unicodedata

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from training.synth.fonts import (FONT_DIR, REQUIRED_CHARS, VIETNAMESE_LETTERS, handwriting_fonts,
                                  print_font, vietnamese_coverage)
from training.synth.handwriting import (InkLine, WriterStyle, _glyph, line_polygon, render_line,
                                        sample_writer, wrap_text)

FONTS = handwriting_fonts(line_fonts=True)  # every font, the training lines' too
SAMPLE = ("Nguyễn Thị Hương  12/3/1998  Xã Tân Phú, huyện Đồng Xoài, tỉnh Bình Phước  "
          "ngày mười hai tháng ba năm một nghìn chín trăm chín mươi tám")
LETTERS = sorted(VIETNAMESE_LETTERS)


def style_for(font, seed: int = 0, **changes) -> WriterStyle:
    return dataclasses.replace(sample_writer(np.random.default_rng(seed)), font=font, **changes)


def assert_contained(line: InkLine) -> None:
    a = line.alpha
    assert a.dtype == np.float32 and a.ndim == 2
    assert a.max() > 0.2 and a.min() >= 0 and a.max() <= 1
    assert not a[0].any() and not a[-1].any() and not a[:, 0].any() and not a[:, -1].any()


def test_counts():
    assert len(VIETNAMESE_LETTERS) == 186  # 93 lower-case letters, NFC
    assert all(unicodedata.is_normalized("NFC", c) and len(c) == 1 for c in REQUIRED_CHARS)
    assert {"Ẩ", "Ộ", "Ỹ", "đ", "ư", "ợ"} <= VIETNAMESE_LETTERS


def test_registry():
    names = {f.name for f in FONTS}
    assert "Pacifico" not in names and "Itim" not in names
    assert {"Patrick Hand", "Charm", "Ms Madi", "Oooh Baby"} <= names  # vendored ones load
    for f in FONTS:
        assert f.path.exists() and f.weight > 0 and 0.75 <= f.size_scale <= 1.35
        assert f.layout_engine == ImageFont.Layout.BASIC


@pytest.mark.parametrize("font", FONTS, ids=lambda f: f.name)
def test_font_covers_every_vietnamese_letter(font):
    assert vietnamese_coverage(font.path) == set()


def test_vendored_fonts_documented():
    readme = (FONT_DIR / "README.md").read_text()
    assert (FONT_DIR / "OFL.txt").exists()
    files = sorted(FONT_DIR.glob("*.ttf"))
    assert files and sum(p.stat().st_size for p in FONT_DIR.iterdir()) < 3_000_000
    for p in files:
        assert p.name in readme and vietnamese_coverage(p) == set()
        assert (FONT_DIR / p.name.replace("-Regular.ttf", "-LICENSE.txt")).exists()


@pytest.mark.parametrize("font", FONTS, ids=lambda f: f.name)
def test_every_letter_renders_inside_the_array(font):
    style = style_for(font, size_px=32, slant=0.3, stroke=2.0)
    rng = np.random.default_rng(1)
    for ch in LETTERS:
        line = render_line(ch, style, rng)
        assert line.text == ch
        assert_contained(line)
    assert_contained(render_line(" ".join(LETTERS), style_for(font, seed=2), rng))


@pytest.mark.parametrize("font", FONTS, ids=lambda f: f.name)
def test_letters_are_distinguishable(font):
    """No two letters share a glyph bitmap (a missing or wrong mark would make them equal)."""
    seen: dict[bytes, str] = {}
    for ch in LETTERS:
        g = _glyph(str(font.path), 40.0, ch, ch in font.compose, 0.0)
        key = bytes(g.mask) + bytes(np.array(g.mask.shape + (g.x0, g.y0)))
        assert key not in seen, f"{font.name}: {ch} looks like {seen.get(key)}"
        seen[key] = ch


def test_composed_letters_fix_dancing_script():
    font = next(f for f in FONTS if f.name == "Dancing Script")
    assert "Ẫ" in font.compose
    a = _glyph(str(font.path), 60.0, "Ẫ", True, 0.0)
    b = _glyph(str(font.path), 60.0, "Ẵ", False, 0.0)
    assert a.mask.shape != b.mask.shape or not np.array_equal(a.mask, b.mask)
    assert a.y0 < _glyph(str(font.path), 60.0, "Â", False, 0.0).y0  # tilde stacked above


def test_deterministic():
    rng_style = np.random.default_rng(7)
    style = sample_writer(rng_style)
    a = render_line(SAMPLE, style, np.random.default_rng(3))
    b = render_line(SAMPLE, style, np.random.default_rng(3))
    assert a.alpha.tobytes() == b.alpha.tobytes() and np.array_equal(a.baseline, b.baseline)
    assert sample_writer(np.random.default_rng(7)) == style


def test_polygon_covers_ink_and_baseline_inside():
    rng = np.random.default_rng(11)
    for _ in range(30):
        style = sample_writer(rng)
        line = render_line(SAMPLE[: int(rng.integers(5, len(SAMPLE)))], style, rng)
        assert_contained(line)
        h, w = line.alpha.shape
        ink = line.alpha > 0.1
        poly = line_polygon(line.alpha)
        assert poly.ndim == 2 and poly.shape[1] == 2 and len(poly) >= 4
        filled = np.zeros((h, w), np.uint8)
        cv2.fillPoly(filled, [poly.astype(np.int32)], 1)
        assert (filled[ink] > 0).mean() >= 0.999
        inside = [cv2.pointPolygonTest(poly.reshape(-1, 1, 2).astype(np.float32),
                                       (float(x), float(y)), False) >= 0
                  for y, x in zip(*np.nonzero(ink))]
        assert np.mean(inside) >= 0.999
        bl = line.baseline
        assert bl.shape[0] >= 2 and bl.shape[1] == 2 and np.all(np.diff(bl[:, 0]) > 0)
        assert bl[:, 0].min() >= 0 and bl[:, 0].max() <= w - 1
        assert bl[:, 1].min() >= 0 and bl[:, 1].max() <= h - 1
        assert 0.2 * style.size_px < line.x_height < 0.7 * style.size_px


def test_text_is_nfc_and_whitespace_collapsed():
    style = style_for(FONTS[0])
    nfd = unicodedata.normalize("NFD", "  Nguyễn\tThị   Hương ")
    line = render_line(nfd, style, np.random.default_rng(0))
    assert line.text == "Nguyễn Thị Hương"


@pytest.mark.parametrize("bad", ["Nguyễn ☃", "x\u0301y", "Ж"])
def test_undrawable_characters_raise(bad):
    with pytest.raises(ValueError):
        render_line(bad, style_for(FONTS[0]), np.random.default_rng(0))


def test_empty_raises():
    with pytest.raises(ValueError):
        render_line("   ", style_for(FONTS[0]), np.random.default_rng(0))


def test_max_width_shrinks_line():
    style = style_for(FONTS[1], size_px=40)
    free = render_line(SAMPLE, style, np.random.default_rng(0))
    limit = free.alpha.shape[1] * 0.7
    fitted = render_line(SAMPLE, style, np.random.default_rng(0), max_width=limit)
    assert fitted.alpha.shape[1] <= limit and fitted.text == free.text
    assert fitted.x_height < free.x_height


def test_wrap_text_keeps_words_in_order():
    rng = np.random.default_rng(5)
    text = "  " + SAMPLE + "  Supercalifragilisticexpialidocious  "
    normal = " ".join(unicodedata.normalize("NFC", text).split())
    for width in (60.0, 200.0, 400.0, 5000.0):
        style = sample_writer(rng)
        lines = wrap_text(text, style, width)
        assert " ".join(lines) == normal
        assert all(line and line == line.strip() for line in lines)
        if width >= 5000:
            assert len(lines) == 1
    assert wrap_text("   ", sample_writer(rng), 100.0) == []


def test_wrapped_lines_fit_when_rendered():
    rng = np.random.default_rng(9)
    style = dataclasses.replace(sample_writer(rng), jitter=0.0, slant=0.0)
    for line in wrap_text(SAMPLE, style, 300.0):
        if " " in line:
            rendered = render_line(line, style, rng)
            assert rendered.alpha.shape[1] <= 300 * 1.1 + 10


def test_print_font_regular_and_bold(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTICH_CACHE_DIR", str(tmp_path))
    regular, bold = print_font(), print_font(bold=True)
    assert vietnamese_coverage(regular) == set() and vietnamese_coverage(bold) == set()

    def ink(path):
        img = Image.new("L", (600, 60), 0)
        font = ImageFont.truetype(str(path), 32, layout_engine=ImageFont.Layout.BASIC)
        ImageDraw.Draw(img).text((5, 5), "SỔ ĐĂNG KÝ KHAI SINH", font=font, fill=255)
        return (np.asarray(img) > 127).sum()

    assert ink(bold) > 1.2 * ink(regular)
