"""The training lines' writers: line-only fonts, the monoline ballpoint, glyph warps, form boxes."""
from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from ocr.htr.charset import default_charset
from training.htr.augment import compose_on_paper
from training.htr.config import load_config
from training.synth.fonts import handwriting_fonts
from training.synth.handwriting import (PAGE_HANDS, Hands, monoline, render_line, sample_writer, thin,
                                        warp_glyphs)

pytest.importorskip("torch")  # training.htr.data batches lines as tensors
from training.htr.data import SynthLines  # noqa: E402

LINE_HANDS = Hands(line_fonts=True, ballpoint_p=0.6, warp=0.12)
TEXT = "Xã Quỳnh Trang, Thị xã Hoàng Mai, Nghệ An"


def _stroke_width(alpha: np.ndarray) -> float:
    """Mean stroke width of the ink (as fonts.measure_font: a w px stroke has mean distance w/4 + 1/2)."""
    ink = (alpha > 0.5).astype(np.uint8)
    dist = cv2.distanceTransform(ink, cv2.DIST_L2, 5)
    return 4.0 * (float(dist[ink > 0].mean()) - 0.5)


def test_line_only_fonts_stay_off_pages() -> None:
    pages = {f.name for f in handwriting_fonts()}
    lines = {f.name for f in handwriting_fonts(line_fonts=True)}
    assert pages < lines and {"Playwrite VN", "Grape Nuts", "Pangolin"} <= lines - pages
    rng = np.random.default_rng(0)
    assert {sample_writer(rng).font.name for _ in range(300)} <= pages


def test_page_hands_draw_what_they_always_drew() -> None:
    """The default hands draw the writer that the generator before the line hands drew (values taken
    from commit 605c326) and no extra random numbers: rendered pages stay byte for byte the same."""
    rng = np.random.default_rng(5)
    style = sample_writer(rng, hands=PAGE_HANDS)
    assert (style.font.name, style.pen, style.warp) == ("Mali", 0.0, 0.0)
    assert style.size_px == pytest.approx(47.77469737420286) and style.slant == pytest.approx(0.12019660534857017)
    assert rng.random() == pytest.approx(0.43494755222514203)


def test_line_hands_mix_pens_warps_and_fonts() -> None:
    rng = np.random.default_rng(1)
    styles = [sample_writer(rng, hands=LINE_HANDS) for _ in range(400)]
    ballpoint = [s for s in styles if s.pen > 0]
    assert 0.5 < len(ballpoint) / len(styles) < 0.7
    assert all(s.stroke == 0 and 0.08 <= s.pen / (s.size_px * 0.42) <= 0.16 for s in ballpoint)
    assert all(0 <= s.warp <= 0.12 for s in styles) and max(s.warp for s in styles) > 0.1
    pages = {f.name for f in handwriting_fonts()}
    assert any(s.font.name not in pages for s in styles)


def test_thin_leaves_one_pixel_strokes_and_keeps_loops() -> None:
    bar = np.zeros((30, 80), bool)
    bar[10:19, 5:75] = True
    skeleton = thin(bar)
    assert (skeleton[:, 15:65].sum(axis=0) == 1).all()  # one pixel per column, away from the ends
    ring = cv2.circle(np.zeros((60, 60), np.uint8), (30, 30), 20, 1, 7).astype(bool)
    loop = thin(ring)
    assert loop.sum() < ring.sum() / 4
    holes, _ = cv2.connectedComponents((~loop).astype(np.uint8), connectivity=4)
    assert holes - 1 == 2  # outside and inside: the loop is still closed


@pytest.mark.parametrize("pen", [1.5, 3.0, 5.0])
def test_monoline_draws_one_width_whatever_the_outline(pen: float) -> None:
    canvas = np.zeros((60, 200), np.uint8)
    cv2.line(canvas, (10, 30), (90, 30), 255, 11)   # a heavy stroke
    cv2.line(canvas, (110, 30), (190, 30), 255, 3)  # a hairline
    out = monoline(canvas, pen)
    for x0, x1 in ((20, 80), (120, 180)):
        assert out[:, x0:x1].astype(np.float32).sum(axis=0).mean() / 255 == pytest.approx(pen, abs=0.6)


def test_ballpoint_writers_write_at_their_pen_width_in_any_font() -> None:
    """A heavy font (Sriracha) and a contrasted script (Great Vibes) come out at the pen's width."""
    for name in ("Sriracha", "Great Vibes", "Playwrite VN"):
        font = next(f for f in handwriting_fonts(line_fonts=True) if f.name == name)
        style = dataclasses.replace(sample_writer(np.random.default_rng(2)), font=font, size_px=44.0,
                                    stroke=0.0, pen=3.0, slant=0.0)
        line = render_line(TEXT, style, np.random.default_rng(3))
        assert line.text == TEXT
        assert _stroke_width(line.alpha) == pytest.approx(3.0, abs=1.0), name


def test_warp_changes_shapes_not_layout() -> None:
    canvas = np.zeros((50, 300), np.uint8)
    for x in range(20, 280, 30):
        cv2.putText(canvas, "a", (x, 35), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)
    assert np.array_equal(warp_glyphs(canvas, 0.0, 40.0, np.random.default_rng(0)), canvas)
    warped = warp_glyphs(canvas, 2.0, 40.0, np.random.default_rng(0))
    assert not np.array_equal(warped, canvas)
    cols = lambda a: np.flatnonzero(a.any(axis=0))  # noqa: E731
    assert abs(cols(warped)[0] - cols(canvas)[0]) <= 6 and abs(cols(warped)[-1] - cols(canvas)[-1]) <= 6
    assert int(warped.sum()) == pytest.approx(int(canvas.sum()), rel=0.15)
    glyphs = [warped[:, x - 2:x + 26] for x in (50, 140, 230)]
    assert not np.array_equal(glyphs[0], glyphs[1]) and not np.array_equal(glyphs[1], glyphs[2])


def test_form_box_rules_the_paper_under_the_ink() -> None:
    alpha = np.zeros((40, 400), np.float32)
    alpha[12:30, 20:380] = 1.0
    plain = compose_on_paper(alpha, np.random.default_rng(4), ruled_p=0.0, box_p=0.0)
    boxed = [compose_on_paper(alpha, np.random.default_rng(s), ruled_p=0.0, box_p=1.0) for s in range(20)]
    paper = lambda img: np.median(img, axis=1)  # noqa: E731
    dark_rows = [int((paper(b) < paper(b).max() - 40).sum()) for b in boxed]
    assert int((paper(plain) < paper(plain).max() - 40).sum()) <= 18  # the ink's rows only
    assert sum(d > 18 for d in dark_rows) >= 15  # rules above or below the writing
    # the writing lies over the rules that cross it: every pixel of solid ink keeps the one ink level
    solid = np.ones((40, 400), np.float32)
    inked = [compose_on_paper(solid, np.random.default_rng(s), ruled_p=0.0, box_p=1.0) for s in range(20)]
    assert all(np.bincount(b.ravel()).max() >= 40 * 400 for b in inked)


def test_synthetic_lines_take_the_hands_from_the_config() -> None:
    cfg = load_config(overrides=["data.synth.line_fonts=true", "data.synth.ballpoint_p=1.0",
                                 "data.synth.warp=0.1", "data.synth.box_p=0.5"]).data
    synth = SynthLines(cfg, default_charset(), np.random.default_rng(0))
    assert synth.hands == Hands(True, 1.0, 0.1)
    lines = [ln for ln in (synth.line() for _ in range(20)) if ln is not None]
    assert len(lines) == 20 and all(ln.image.dtype == np.uint8 and ln.text for ln in lines)
    assert SynthLines(load_config().data, default_charset(), np.random.default_rng(0)).hands == PAGE_HANDS


def test_fontbuild_takes_a_family_whose_latin_file_holds_vietnamese(tmp_path, monkeypatch) -> None:
    """Playwrite VN ships one latin file with every Vietnamese letter and no vietnamese subset."""
    import json
    import shutil

    from training.synth import fontbuild
    from training.synth.fonts import FONT_DIR, vietnamese_coverage

    def fake_pack(package: str, dest, npm: str = "npm"):
        pkg = dest / "package"
        (pkg / "files").mkdir(parents=True)
        shutil.copyfile(FONT_DIR / "PlaywriteVN-Regular.ttf", pkg / "files" / "fake-latin-400-normal.ttf")
        shutil.copyfile(FONT_DIR / "PlaywriteVN-LICENSE.txt", pkg / "LICENSE")
        (pkg / "metadata.json").write_text(json.dumps(
            {"family": "Fake", "license": {"type": "OFL-1.1", "attribution": "Someone"}}))
        return pkg, "1.0.0"

    monkeypatch.setattr(fontbuild, "npm_pack", fake_pack)
    out = tmp_path / "out"
    out.mkdir()
    [built] = fontbuild.build_family("fake", "Fake", out, tmp_path)
    assert built.path.name == "Fake-Regular.ttf" and vietnamese_coverage(built.path) == set()
    with pytest.raises(FileNotFoundError, match="latin"):
        fontbuild.build_family("other", "Other", out, tmp_path / "none")  # no file for "other"


def test_htr_lines_command_takes_the_hands_from_set(tmp_path) -> None:
    """`hotich train htr-lines --set` writes the line generator's validation lines; a wrong key is refused."""
    from pathlib import Path

    from click.testing import CliRunner

    from training.cli import train as train_cli

    config = str(Path(__file__).resolve().parents[2] / "configs/htr/crnn.yaml")
    args = ["htr-lines", "--config", config, "--lines", "6", "--seed", "3"]
    plain = CliRunner().invoke(train_cli, args + ["--out", str(tmp_path / "a")])
    hands = CliRunner().invoke(train_cli, args + ["--out", str(tmp_path / "b"), "--set", "data.synth.ballpoint_p=1.0",
                                                  "--set", "data.synth.line_fonts=true"])
    assert plain.exit_code == 0 and hands.exit_code == 0, plain.output + hands.output
    a, b = ((tmp_path / d / "00000.jpg").read_bytes() for d in "ab")
    assert len((tmp_path / "b" / "labels.tsv").read_text().splitlines()) == 6 and a != b
    wrong = CliRunner().invoke(train_cli, args + ["--out", str(tmp_path / "c"), "--set", "data.synth.pen=2"])
    assert wrong.exit_code != 0 and not (tmp_path / "c" / "labels.tsv").exists()
