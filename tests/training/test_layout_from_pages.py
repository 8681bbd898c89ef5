"""Layout training pages from labelled schema pages: the maps drawn from a page's polygons agree
with the renderer's own maps, the training pages round-trip, and no page is left out unsaid."""

import logging
import shutil

import cv2
import numpy as np
import pytest

from ocr.evaluation.layout import load_rgb
from ocr.layout.maps import MAP_CHANNELS, MapSpec
from ocr.templates import load_template
from training.layout.data import model_scale
from training.layout.from_pages import build_pages, page_dataset, page_maps_from_schema
from training.layout.train import load_page, targets
from training.synth.book import plan_pages
from training.synth.export import write_page
from training.synth.render import render_page

HRULE, VRULE, PRINT, LINE, CORE = (MAP_CHANNELS.index(k) for k in ("hrule", "vrule", "print", "line", "core"))


@pytest.fixture(scope="module")
def rendered():
    """A skewed, curved ruled table, and the last page of a block book (3 of its 4 blocks empty)."""
    plans = [plan_pages(load_template("ks_1999"), 1, 11, conditions=["curvature", "skew"])[0],
             plan_pages(load_template("ks_2006"), 12, 1)[11]]
    assert sum(r is None for r in plans[1].records) == 3
    return [render_page(p, with_maps=True) for p in plans]


@pytest.fixture(scope="module")
def dataset(rendered, tmp_path_factory):
    src, out = tmp_path_factory.mktemp("pages"), tmp_path_factory.mktemp("npz")
    for r in rendered:
        write_page(r, src)
    return src, out, page_dataset(src, out)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def _near(a: np.ndarray, b: np.ndarray, px: int) -> float:
    """Share of ``a`` within ``px`` pixels of ``b``."""
    grown = cv2.dilate(b.astype(np.uint8), np.ones((2 * px + 1, 2 * px + 1), np.uint8)) > 0
    return float((a & grown).sum() / max(1, a.sum()))


def test_maps_from_the_schema_agree_with_the_renderers(rendered, dataset):
    _, out, written = dataset
    for r in rendered:
        _, ref = model_scale(r.image, r.maps)
        got = load_page(out / f"{r.page.id}.npz")[1]
        assert got.shape == ref.shape
        a, b = ref > 127, got > 127
        # measured 0.970 / 0.980 (lines), 0.88 / 0.80 (cores), 0.93 / 0.97 (printed word blobs)
        assert _iou(a[..., LINE], b[..., LINE]) > 0.93
        assert _iou(a[..., CORE], b[..., CORE]) > 0.7
        assert _iou(targets(ref)[..., PRINT] > 0.5, targets(got)[..., PRINT] > 0.5) > 0.85
        for k in (HRULE, VRULE):  # measured 1.000 both ways within 2 px, 0.979 / 0.967 within 1 px
            assert b[..., k].sum() > 0.004 * b[..., k].size  # about 1 % of the page
            assert _near(b[..., k], a[..., k], 2) > 0.98 and _near(a[..., k], b[..., k], 2) > 0.98
            assert _near(b[..., k], a[..., k], 1) > 0.93 and _near(a[..., k], b[..., k], 1) > 0.93
        ratio = b[..., HRULE].sum() / a[..., HRULE].sum()  # rules as wide as the renderer's
        assert 0.85 < ratio < 1.2


def test_training_pages_round_trip(rendered, dataset):
    src, out, written = dataset
    assert sorted(written) == sorted(out / f"{r.page.id}.npz" for r in rendered)
    spec = MapSpec()
    for r in rendered:
        image, maps = load_page(out / f"{r.page.id}.npz")
        jpeg = load_rgb(src / r.page.image.path)
        assert np.array_equal(image, spec.resize(jpeg))
        w, h = spec.size(jpeg.shape[1], jpeg.shape[0])
        assert maps.shape == (h, w, len(MAP_CHANNELS)) and maps.dtype == np.uint8
        assert np.array_equal(maps, spec.resize(page_maps_from_schema(r.page, jpeg.shape[:2], jpeg)))


def test_polygons_follow_an_image_of_another_size(rendered):
    page, (h, w) = rendered[0].page, rendered[0].image.shape[:2]
    full = page_maps_from_schema(page, (h, w))
    half = page_maps_from_schema(page, (h // 2, w // 2))
    small = cv2.resize(full[..., LINE], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    assert half.shape == (h // 2, w // 2, len(MAP_CHANNELS))
    assert _iou(half[..., LINE] > 127, small > 127) > 0.9


def test_blocks_without_a_grid_take_their_rules_from_the_records(rendered):
    r = rendered[1]
    page = r.page.model_copy(update={"grid": None})
    maps = page_maps_from_schema(page, r.image.shape[:2]) > 127
    rules, ref = maps[..., HRULE] | maps[..., VRULE], (r.maps[..., HRULE] > 127) | (r.maps[..., VRULE] > 127)
    assert _near(rules, ref, 2) > 0.98  # every rule drawn is a real one, the one filled block's border
    assert 0.15 < rules.sum() / ref.sum() < 0.5


def test_pages_left_out_are_reported(rendered, dataset, tmp_path, caplog):
    src, _, _ = dataset
    table, blocks = (r.page for r in rendered)
    (tmp_path / "a").mkdir()
    shutil.copy(src / f"{table.id}.json", tmp_path / "a" / "lost.json")  # its image is not beside it
    gridless = table.model_copy(update={"grid": None, "id": "gridless"})
    gridless.image.path = f"{table.id}.jpg"
    shutil.copy(src / f"{table.id}.jpg", tmp_path)
    gridless.save(tmp_path / "gridless.json")
    (tmp_path / "report.json").write_text('{"pulled": []}')
    shutil.copy(src / f"{blocks.id}.json", tmp_path / "a" / "blocks.json")
    shutil.copy(src / f"{blocks.id}.jpg", tmp_path / "a" / "blocks.jpg")  # found by its stem
    shutil.copy(src / f"{blocks.id}.json", tmp_path / "twice.json")

    report = build_pages(tmp_path, tmp_path / "out")
    assert [p.name for p in report.written] == [f"{blocks.id}.npz"]
    reasons = dict(report.skipped)
    assert set(reasons) == {"a/lost.json", "gridless.json", "report.json", "twice.json"}
    assert reasons["a/lost.json"].startswith("no image")
    assert "no table grid" in reasons["gridless.json"]
    assert "not a schema" in reasons["report.json"]
    assert "a/blocks.json" in reasons["twice.json"]

    with caplog.at_level(logging.WARNING, logger="training.layout.from_pages"):
        written = page_dataset(tmp_path, tmp_path / "out2")
    assert len(written) == 1
    assert "a/lost.json: no image" in caplog.text and "1 written" in caplog.text and "4 left out" in caplog.text


def test_a_missing_folder_says_what_to_give(tmp_path):
    with pytest.raises(FileNotFoundError, match="folder of page JSON"):
        page_dataset(tmp_path / "nope", tmp_path / "out")
