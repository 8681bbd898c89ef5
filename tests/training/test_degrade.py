"""Page degradation: ground-truth geometry follows the image exactly; output is deterministic."""

import time

import cv2
import numpy as np
import pytest

from training.synth.degrade import HARD_CONDITIONS, _choose_conditions, degrade_page
from training.synth.warp import Warp, fit_canvas, random_book_curl, rotation

W, H = 480, 340  # small pages keep the tests fast; pixel sizes scale with the page
COMBOS = [[c] for c in HARD_CONDITIONS] + [
    [],
    ["curvature", "photo", "skew"],
    ["fold", "curvature", "skew", "torn"],
    list(HARD_CONDITIONS),
]


def ledger(width: int = W, height: int = H, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A ruled page with printed headers and 'handwritten' rows: clean RGB and ink alpha."""
    rng = np.random.default_rng(seed)
    img = np.full((height, width, 3), 248, np.uint8)
    s = width / 1000
    for y in np.linspace(0.15, 0.95, 9) * height:
        cv2.line(img, (int(0.03 * width), int(y)), (int(0.97 * width), int(y)), (60, 60, 60), 1)
    for x in np.linspace(0.03, 0.97, 6) * width:
        cv2.line(img, (int(x), int(0.15 * height)), (int(x), int(0.95 * height)), (60, 60, 60), 1)
    cv2.putText(img, "SO DANG KY", (int(0.35 * width), int(0.09 * height)),
                cv2.FONT_HERSHEY_SIMPLEX, 1.4 * s, (30, 30, 30), max(1, int(3 * s)), cv2.LINE_AA)
    hand = np.zeros((height, width), np.uint8)
    for y in np.linspace(0.15, 0.85, 8) * height:
        for x in np.linspace(0.03, 0.78, 5) * width:
            text = f"{rng.integers(1, 29)}/{rng.integers(1, 13)}/99"
            cv2.putText(hand, text, (int(x + 8 * s), int(y + 0.07 * height)),
                        cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 1.2 * s, 255, max(2, int(3 * s)),
                        cv2.LINE_AA)
    ink = hand.astype(np.float32) / 255
    img = (img * (1 - ink[..., None]) + np.array([25, 35, 110]) * ink[..., None]).astype(np.uint8)
    return img, ink


@pytest.fixture(scope="module")
def page() -> tuple[np.ndarray, np.ndarray]:
    return ledger()


def dot_points(rng: np.random.Generator, size: tuple[int, int], grid=(10, 7)) -> np.ndarray:
    """One random integer point per grid cell, away from the cell borders (dots never touch)."""
    cw, ch = size[0] / grid[0], size[1] / grid[1]
    cells = np.stack(np.meshgrid(np.arange(grid[0]), np.arange(grid[1])), -1).reshape(-1, 2)
    offset = rng.uniform(0.25, 0.75, cells.shape)
    return np.floor((cells + offset) * (cw, ch)).astype(int)


def check_dots(warp: Warp, rng: np.random.Generator, tol: float = 1.5) -> float:
    """Draw 3x3 labelled dots, warp the label map (nearest), compare centroids with points()."""
    pts = dot_points(rng, warp.in_size)
    labels = np.zeros((warp.in_size[1], warp.in_size[0]), np.int32)
    for i, (x, y) in enumerate(pts, start=1):
        labels[y - 1:y + 2, x - 1:x + 2] = i
    out = warp.image(labels, nearest=True)
    assert out.shape == (warp.out_size[1], warp.out_size[0]) and out.dtype == np.int32
    ys, xs = np.nonzero(out)
    lab = out[ys, xs]
    count = np.bincount(lab, minlength=len(pts) + 1)[1:]
    assert (count > 0).all(), "a dot vanished"
    centroid = np.stack([np.bincount(lab, xs, len(pts) + 1)[1:],
                         np.bincount(lab, ys, len(pts) + 1)[1:]], 1) / count[:, None]
    err = np.linalg.norm(centroid - warp.points(pts.astype(float)), axis=1).max()
    assert err < tol, f"dots land {err:.2f} px from warp.points"
    return err


@pytest.mark.parametrize("conditions", COMBOS, ids=lambda c: "+".join(c) or "mild")
def test_points_agree_with_image(page, conditions):
    clean, ink = page
    for seed in range(3):
        side = ("left", "right", None)[seed]
        res = degrade_page(clean, ink, np.random.default_rng(seed), conditions=conditions,
                           binding_side=side)
        assert res.conditions == [c for c in HARD_CONDITIONS if c in conditions]
        check_dots(res.warp, np.random.default_rng(100 + seed))
        check_page_visible(res, clean)


def check_page_visible(res, clean: np.ndarray) -> None:
    """The output shows the page where the warp says it is: it correlates with the warped clean."""
    expected = res.warp.image(clean.mean(axis=2).astype(np.float32), border_value=np.nan)
    seen = res.image.mean(axis=2)
    inside = ~np.isnan(expected)
    r = np.corrcoef(expected[inside], seen[inside])[0, 1]
    assert r > 0.25, f"page content barely visible (r={r:.2f})"


def test_points_agree_with_linear_image(page):
    """The bilinear path uses the same map: a blurred dot's intensity centroid follows too."""
    clean, ink = page
    res = degrade_page(clean, ink, np.random.default_rng(3),
                       conditions=["curvature", "photo", "skew", "fold"])
    img = np.zeros((H, W), np.float32)
    pts = dot_points(np.random.default_rng(4), (W, H), grid=(6, 4))
    for x, y in pts:
        img[y, x] = 1
    img = cv2.GaussianBlur(img, (0, 0), 1.5)
    out = res.warp.image(img)
    mapped = res.warp.points(pts.astype(float))
    for (x, y) in mapped:
        x0, y0 = int(x) - 8, int(y) - 8
        win = out[y0:y0 + 17, x0:x0 + 17]
        gy, gx = np.mgrid[y0:y0 + 17, x0:x0 + 17]
        c = np.array([(win * gx).sum(), (win * gy).sum()]) / win.sum()
        assert np.linalg.norm(c - (x, y)) < 1.0


def test_points_roundtrip_and_map_accuracy():
    size = (900, 600)
    rng = np.random.default_rng(0)
    warp = fit_canvas(size, [random_book_curl(size, rng, "right", 1.5), rotation(size, 7)],
                      (20, 20, 20, 20))
    p = rng.uniform((0, 0), size, (500, 2))
    q = warp.points(p)
    assert np.abs(warp.source_points(q) - p).max() < 1e-4
    qi = np.rint(q).astype(int)
    from_map = warp.source_map[qi[:, 1], qi[:, 0]]
    assert np.abs(from_map - warp.source_points(qi.astype(float))).max() < 0.1


def test_same_seed_same_bytes(page):
    clean, ink = page
    for conditions in (None, list(HARD_CONDITIONS)):
        a = degrade_page(clean, ink, np.random.default_rng(11), conditions=conditions)
        b = degrade_page(clean, ink, np.random.default_rng(11), conditions=conditions)
        assert a.image.tobytes() == b.image.tobytes()
        assert a.warp.out_size == b.warp.out_size and a.conditions == b.conditions


def test_different_seeds_differ(page):
    clean, ink = page
    images = [degrade_page(clean, ink, np.random.default_rng(s), conditions=[]).image
              for s in range(3)]
    assert images[0].shape != images[1].shape or not np.array_equal(images[0], images[1])
    assert images[1].shape != images[2].shape or not np.array_equal(images[1], images[2])


@pytest.mark.parametrize("conditions", [None, [], ["photo", "skew"], ["torn", "curvature"]])
def test_output_format(page, conditions):
    clean, ink = page
    res = degrade_page(clean, ink, np.random.default_rng(5), conditions=conditions,
                       binding_side="left")
    w, h = res.warp.out_size
    assert res.image.dtype == np.uint8 and res.image.shape == (h, w, 3)
    assert set(res.conditions) <= set(HARD_CONDITIONS)
    assert res.warp.in_size == (W, H)
    assert res.paper.shape == (h, w) and res.paper.dtype == np.uint8


def test_torn_paper_shows_background():
    """Torn-away paper shows the flat scanner lid, not the (striped) page, and ``paper`` says so."""
    stripes = (np.arange(H) // 3 % 2 == 0)[:, None] & np.ones((1, W), bool)
    clean = np.where(stripes[..., None], 40, 248).astype(np.uint8).repeat(3, axis=2)
    for seed in range(3):
        res = degrade_page(clean, stripes.astype(np.float32), np.random.default_rng(seed),
                           conditions=["torn"])
        page_area = res.warp.image(np.full((H, W), 255, np.uint8), nearest=True) == 255
        torn_away = cv2.erode((page_area & (res.paper == 0)).astype(np.uint8), np.ones((5, 5)))
        assert torn_away.sum() > 0.0008 * page_area.sum()  # corners or bites are gone
        grey = res.image.mean(axis=2)
        assert grey[torn_away > 0].std() < 0.2 * grey[res.paper == 255].std()


@pytest.mark.parametrize("dtype", [np.int32, np.uint16, np.uint8, np.uint32, np.int64])
def test_labels_survive_nearest(page, dtype):
    clean, ink = page
    res = degrade_page(clean, ink, np.random.default_rng(2), conditions=["photo", "curvature"])
    top = min(np.iinfo(dtype).max, 2**40)
    values = np.array([1, 7, 255, top // 3, top], dtype=dtype)
    labels = values[np.random.default_rng(0).integers(0, len(values), (H, W))]
    out = res.warp.image(labels, nearest=True, border_value=0)
    assert out.dtype == labels.dtype
    assert set(np.unique(out)) <= set(values.tolist()) | {0}
    assert set(np.unique(out)) >= set(values.tolist())


def test_warp_image_multichannel_and_border(page):
    clean, ink = page
    warp = degrade_page(clean, ink, np.random.default_rng(1), conditions=["photo"]).warp
    out = warp.image(np.full((H, W, 6), 9, np.uint8), border_value=(1, 2, 3, 4, 5, 6))
    assert out.shape[2] == 6 and tuple(out[0, 0]) == (1, 2, 3, 4, 5, 6)
    with pytest.raises(ValueError):
        warp.image(np.zeros((H + 1, W), np.uint8))


def ink_contrast(res, clean: np.ndarray, ink: np.ndarray) -> float:
    """Paper brightness minus ink brightness in the output, relative to the same in the clean."""
    def contrast(img, ink_mask, paper_mask):
        grey = img.astype(np.float32).mean(axis=2)
        return np.median(grey[paper_mask]) - grey[ink_mask].mean()

    strong = (ink > 0.9).astype(np.uint8)
    dark_clean = clean.min(axis=2) < 200
    blank = (~dark_clean & (cv2.dilate(dark_clean.astype(np.uint8), np.ones((9, 9))) == 0))
    out_ink = res.warp.image(strong, nearest=True) > 0
    out_blank = res.warp.image(cv2.erode(blank.astype(np.uint8), np.ones((5, 5))), nearest=True) > 0
    return contrast(res.image, out_ink, out_blank) / contrast(clean, strong > 0, blank)


def test_faded_lowers_ink_contrast(page):
    clean, ink = page
    mild = [ink_contrast(degrade_page(clean, ink, np.random.default_rng(s), conditions=[]),
                         clean, ink) for s in range(4)]
    faded = [ink_contrast(degrade_page(clean, ink, np.random.default_rng(s),
                                       conditions=["faded"]), clean, ink) for s in range(4)]
    assert max(faded) < 0.75 and np.mean(faded) < 0.75 * np.mean(mild), (mild, faded)


def test_photo_adds_background_around_page(page):
    clean, ink = page
    for seed in range(3):
        res = degrade_page(clean, ink, np.random.default_rng(seed), conditions=["photo"])
        cover = res.warp.image(np.ones((H, W), np.uint8), nearest=True)
        assert cover.mean() < 0.95
        for edge in (cover[0], cover[-1], cover[:, 0], cover[:, -1]):
            assert edge.mean() < 0.5  # the desk shows all around the page
        assert res.warp.out_size[0] * res.warp.out_size[1] >= 0.8 * W * H


def test_skew_rotates_the_page(page):
    clean, ink = page
    for seed in range(4):
        res = degrade_page(clean, ink, np.random.default_rng(seed), conditions=["skew"])
        (x0, y0), (x1, y1) = res.warp.points(np.array([[0.0, H / 2], [W - 1.0, H / 2]]))
        assert 1.8 < abs(np.degrees(np.arctan2(y1 - y0, x1 - x0))) < 8.2


def test_curvature_bends_rows_near_the_spine(page):
    clean, ink = page
    res = degrade_page(clean, ink, np.random.default_rng(0), conditions=["curvature"],
                       binding_side="left")
    xs = np.linspace(0, W - 1, 50)
    for y in (0.1 * H, 0.9 * H):
        row = res.warp.points(np.stack([xs, np.full_like(xs, y)], 1))
        fit = np.polyval(np.polyfit(row[25:, 0], row[25:, 1], 1), row[:, 0])
        assert np.abs(row[:5, 1] - fit[:5]).max() > 1.0  # the spine end leaves the straight line


def test_random_conditions_mostly_mild():
    rng = np.random.default_rng(0)
    draws = [_choose_conditions(rng, None, None) for _ in range(2000)]
    assert 0.45 < np.mean([not d for d in draws]) < 0.7
    assert all(any(c in d for d in draws) for c in HARD_CONDITIONS)
    with pytest.raises(ValueError):
        degrade_page(*ledger(), np.random.default_rng(0), conditions=["nope"])


def test_full_size_page_is_fast():
    clean, ink = ledger(2000, 1400)
    degrade_page(clean, ink, np.random.default_rng(0), conditions=[])  # warm-up
    start = time.perf_counter()
    degrade_page(clean, ink, np.random.default_rng(1), conditions=["photo", "curvature", "skew"])
    assert time.perf_counter() - start < 2.0  # about 0.3 s on 2 cores; generous for CI
