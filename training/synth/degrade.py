"""Make a clean rendered ledger page look like an aged scan or a phone photo.

Photometric ageing happens on the clean page's own grid (paper, stains, fading, bleed-through,
creases, binding shadow, torn edges), then one remap through a :class:`~training.synth.warp.Warp`
(whose ``points`` map ground truth exactly), then camera/scanner effects on the output grid
(background, lighting, blur, noise, JPEG). Everything is drawn from the ``rng`` passed in, so the
same seed gives the same bytes. Pixel sizes are tuned for a page about 2000 px wide and scale
with the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from training.synth.warp import (
    Fold, FoldShift, Stage, Warp, fit_canvas, random_book_curl, random_perspective,
    random_wobble, rotation,
)

HARD_CONDITIONS = ("skew", "faded", "curvature", "photo", "bleed_through", "stains", "fold",
                   "torn", "blur")
_HARD_PROBABILITY = {"skew": 0.10, "faded": 0.08, "curvature": 0.06, "photo": 0.10,
                     "bleed_through": 0.06, "stains": 0.07, "fold": 0.06, "torn": 0.04,
                     "blur": 0.05}
_CURVATURE_PROBABILITY_BOUND = 0.25  # when the page is known to come from a bound book

# Paper tones (RGB in [0, 1]): white, cream, yellowed, greyish, brown; with sampling weights.
_PAPER_TONES = np.array([[0.96, 0.955, 0.935], [0.95, 0.925, 0.845], [0.925, 0.87, 0.73],
                         [0.875, 0.87, 0.845], [0.87, 0.8, 0.68]], dtype=np.float32)
_PAPER_WEIGHTS = np.array([0.2, 0.3, 0.25, 0.15, 0.1])
_FADED_WEIGHTS = np.array([0.05, 0.2, 0.35, 0.1, 0.3])
_STAIN_RGB = np.array([0.3, 0.55, 1.0], dtype=np.float32)  # absorbance of brown stains
_BLEED_RGB = np.array([0.8, 0.85, 1.0], dtype=np.float32)  # ink seen through the paper
_AGED_INK_RGB = np.array([0.6, 0.8, 1.0], dtype=np.float32)  # iron-gall ink turned brown
_LOW = 8  # smooth fields are computed at 1/_LOW resolution


@dataclass
class DegradeResult:
    image: np.ndarray  # HxWx3 uint8 RGB output
    warp: Warp
    conditions: list[str]  # the hard conditions applied, in HARD_CONDITIONS order
    paper: np.ndarray | None = None  # HxW uint8 output-grid coverage: 255 paper, 0 background
    # (torn-away corners and bites are 0: ground truth there shows no ink)


def degrade_page(clean: np.ndarray, ink: np.ndarray, rng: np.random.Generator, *,
                 conditions: Sequence[str] | None = None, strength: float = 1.0,
                 binding_side: str | None = None) -> DegradeResult:
    """Age a clean page and photograph or scan it.

    clean: HxWx3 uint8 RGB page (white-ish paper, print and handwriting composited);
    ink: HxW float32 in [0, 1], the ink alpha (mirrored for bleed-through, faded apart from rules).
    conditions=None samples hard conditions at random (most pages only mildly degraded); a list
    forces exactly those hard conditions, plus mild random degradations. ``strength`` scales
    every effect. binding_side ('left'/'right') adds a binding shadow and places curvature there.
    """
    h, w = ink.shape
    if clean.shape != (h, w, 3) or clean.dtype != np.uint8:
        raise ValueError(f"clean must be {h}x{w}x3 uint8, got {clean.shape} {clean.dtype}")
    if binding_side not in (None, "left", "right"):
        raise ValueError(f"binding_side must be 'left', 'right' or None, not {binding_side!r}")
    hard = _choose_conditions(rng, conditions, binding_side)
    unit = max(h, w) / 2000.0
    spine = binding_side or (("left", "right")[rng.integers(2)] if "curvature" in hard else None)
    folds = _sample_folds(rng, (w, h), unit, strength) if "fold" in hard else []

    page = _age_page(clean, ink.astype(np.float32, copy=False), rng, hard, strength, unit,
                     spine, folds)
    paper = _paper_mask(rng, (w, h), unit, strength) if "torn" in hard else \
        np.full((h, w), 255, np.uint8)
    warp = _sample_warp(rng, (w, h), hard, strength, unit, spine, folds)
    photo = "photo" in hard
    paper = warp.image(paper)
    alpha = paper.astype(np.float32) * np.float32(1 / 255)
    background = _background(rng, alpha, unit, photo)
    out = cv2.blendLinear(warp.image(page), background, alpha, 1 - alpha)
    out *= _lighting(rng, warp.out_size, photo, strength)
    image = _tone_curve(cv2.convertScaleAbs(out, alpha=255.0), rng, photo, strength)
    image = _blur(image, rng, unit, photo, "blur" in hard, strength)
    image = _noise(image, rng, photo, strength)
    image = _jpeg(image, rng, strength)
    return DegradeResult(image, warp, [c for c in HARD_CONDITIONS if c in hard], paper)


# ----------------------------------------------------------------------------------- sampling

def _choose_conditions(rng: np.random.Generator, conditions: Sequence[str] | None,
                       binding_side: str | None) -> set[str]:
    if conditions is not None:
        unknown = set(conditions) - set(HARD_CONDITIONS)
        if unknown:
            raise ValueError(f"unknown conditions {sorted(unknown)}; known: {HARD_CONDITIONS}")
        return set(conditions)
    p = dict(_HARD_PROBABILITY)
    if binding_side:
        p["curvature"] = _CURVATURE_PROBABILITY_BOUND
    draws = rng.random(len(HARD_CONDITIONS))
    return {c for c, r in zip(HARD_CONDITIONS, draws) if r < p[c]}


def _sample_folds(rng: np.random.Generator, size: tuple[int, int], unit: float,
                  strength: float) -> list[Fold]:
    """One or two creases, mostly across the middle of the page (a sheet folded in half)."""
    w, h = size
    folds = []
    for _ in range(rng.integers(1, 3)):
        vertical = rng.random() < 0.5
        angle = np.deg2rad(rng.normal(0, 2.0)) + (0 if vertical else np.pi / 2)
        normal = (float(np.cos(angle)), float(np.sin(angle)))
        point = (w * rng.uniform(0.3, 0.7), h * rng.uniform(0.3, 0.7))
        shift = strength * unit * rng.normal(0, 1.2, 2)
        folds.append(Fold(point, normal, (float(shift[0]), float(shift[1])),
                          width=unit * rng.uniform(10, 25),
                          strength=strength * rng.uniform(0.5, 1)))
    return folds


def _sample_warp(rng: np.random.Generator, size: tuple[int, int], hard: set[str],
                 strength: float, unit: float, spine: str | None, folds: list[Fold]) -> Warp:
    """Wobble, crease shifts, book curl, rotation (+-1 deg, or 2-8 deg when skewed), perspective;
    the canvas grows so that the whole page stays in view."""
    photo = "photo" in hard
    wobble = strength * unit * rng.uniform(0.3, 2.0 if photo else 1.0)
    stages: list[Stage] = [random_wobble(size, rng, wobble)]
    stages += [FoldShift(f) for f in folds]
    if "curvature" in hard:
        stages.append(random_book_curl(size, rng, spine or "left", strength))
    angle = np.clip(rng.normal(0, 0.4), -1, 1)
    if "skew" in hard:
        angle = rng.choice([-1, 1]) * rng.uniform(2, 8)
    stages.append(rotation(size, strength * angle))
    short = min(size)
    if photo:
        stages.append(random_perspective(size, rng, strength))
        margins = short * rng.uniform(0.02, 0.12, 4)
    else:
        margins = short * rng.uniform(0, 0.012, 4) * (rng.random() < 0.4)
    return fit_canvas(size, stages, tuple(margins))


# -------------------------------------------------------------------------------- page ageing

def smooth_field(rng: np.random.Generator, shape: tuple[int, int], cell: float,
                 octaves: int = 1) -> np.ndarray:
    """Smooth noise of the given (h, w) with features of about ``cell`` px, std about 1."""
    h, w = shape
    total = np.zeros((h, w), np.float32)
    for o in range(octaves):
        c = max(cell / 2**o, 2.0)
        small = rng.standard_normal((int(h / c) + 3, int(w / c) + 3)).astype(np.float32)
        up = cv2.resize(small, (int(small.shape[1] * c), int(small.shape[0] * c)),
                        interpolation=cv2.INTER_CUBIC)
        oy, ox = rng.integers(0, up.shape[0] - h + 1), rng.integers(0, up.shape[1] - w + 1)
        total += up[oy:oy + h, ox:ox + w] * np.float32(0.6**o)
    return total / np.float32(np.sqrt(sum(0.36**o for o in range(octaves))))


def _low_field(rng: np.random.Generator, shape: tuple[int, int], cell: float,
               octaves: int = 1) -> np.ndarray:
    """A smooth field for an (h, w) image, computed at 1/_LOW resolution (see ``_up``)."""
    return smooth_field(rng, _low_shape(shape), cell / _LOW, octaves)


def _low_shape(shape: tuple[int, int]) -> tuple[int, int]:
    return max(2, -(-shape[0] // _LOW)), max(2, -(-shape[1] // _LOW))


def _up(field: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resize a low-resolution field (1 or more channels) to (h, w)."""
    return cv2.resize(np.ascontiguousarray(field, np.float32), (shape[1], shape[0]),
                      interpolation=cv2.INTER_LINEAR)


def _age_page(clean: np.ndarray, ink: np.ndarray, rng: np.random.Generator, hard: set[str],
              strength: float, unit: float, spine: str | None, folds: list[Fold]) -> np.ndarray:
    """The aged page on its own grid: float32 HxWx3 RGB in [0, 1]."""
    shape = ink.shape
    weights = _FADED_WEIGHTS if "faded" in hard else _PAPER_WEIGHTS
    tone = _paper_tone(rng, weights, strength)
    mottle = _up(_low_field(rng, shape, shape[1] / 6, octaves=3), shape)
    shade = _paper_shade(rng, mottle, unit, strength)
    brown = _stains(rng, shape, unit, strength, "stains" in hard, mottle)
    for fold in folds:
        _crease(rng, shade, brown, fold, unit)
    if spine:
        curved = "curvature" in hard
        shade *= _binding_shadow(rng, shape[1], spine, unit, strength, curved)[None, :]
    bleed = _bleed_through(rng, ink, unit, strength, "bleed_through" in hard)
    dark = _ink_darkness(clean, ink, rng, "faded" in hard, strength)
    planes = []
    for k in range(3):  # one channel at a time: much faster than broadcasting over HxWx3
        paper = 1 - np.float32(_STAIN_RGB[k]) * brown
        if bleed is not None:
            paper -= np.float32(_BLEED_RGB[k]) * bleed
        paper *= shade
        paper *= np.float32(tone[k])
        planes.append(np.multiply(1 - dark[k], paper, out=paper))
    page = cv2.merge(planes)
    if spine:
        _gutter_defocus(page, rng, spine, unit, strength, "curvature" in hard)
    return page


def _paper_tone(rng: np.random.Generator, weights: np.ndarray, strength: float) -> np.ndarray:
    """Base paper colour, varied only along plausible axes (brightness, yellowing): never pink."""
    tone = _PAPER_TONES[rng.choice(len(_PAPER_TONES), p=weights)] * rng.uniform(0.97, 1.02)
    tone = tone * (1 - rng.uniform(-0.02, 0.04) * _STAIN_RGB) + rng.normal(0, 0.003, 3)
    return np.clip(1 - strength * (1 - np.clip(tone, 0.6, 1)), 0.3, 1)


def _paper_shade(rng: np.random.Generator, mottle: np.ndarray, unit: float,
                 strength: float) -> np.ndarray:
    """Luminance of the bare paper: low-frequency mottling and fine fibre texture."""
    fibre = rng.random(mottle.shape, dtype=np.float32)
    fibre = cv2.GaussianBlur(fibre, (0, 0), 0.6 * unit)
    amp_mottle = strength * rng.uniform(0.01, 0.035)
    amp_fibre = strength * rng.uniform(0.04, 0.12)  # blurred uniform noise has std ~0.12
    shade = mottle * np.float32(amp_mottle)
    shade += (fibre - np.float32(0.5)) * np.float32(amp_fibre)
    shade += np.float32(1 - 0.01 * strength)
    return shade


def _stains(rng: np.random.Generator, shape: tuple[int, int], unit: float, strength: float,
            hard: bool, mottle: np.ndarray) -> np.ndarray:
    """Density (absorbance) of brown discolouration: yellowing, browned edges, foxing, stains."""
    h, w = shape
    brown = np.maximum(mottle, 0) * np.float32(strength * rng.uniform(0.0, 0.04))
    xs, ys = np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)
    edge = np.minimum(np.minimum(xs, w - 1 - xs)[None, :], np.minimum(ys, h - 1 - ys)[:, None])
    edge *= np.float32(-1 / (unit * rng.uniform(8, 40)))
    edge = cv2.exp(edge)
    edge *= 1 + np.float32(0.4) * mottle
    brown += edge * np.float32(strength * rng.uniform(0.04, 0.25 if hard else 0.12))
    n_spots = rng.integers(20, 90) if hard else rng.integers(0, 12) * (rng.random() < 0.5)
    _foxing(brown, rng, int(n_spots), unit, strength)
    if hard:
        for _ in range(rng.integers(1, 4)):
            (_coffee_ring if rng.random() < 0.5 else _water_stain)(brown, rng, unit, strength)
    return brown


def _stamp(layer: np.ndarray, cx: float, cy: float, radius: float, density) -> None:
    """Add ``density(dx, dy)`` (offsets from the centre) to the layer within ``radius``."""
    h, w = layer.shape
    x0, x1 = max(int(cx - radius), 0), min(int(cx + radius) + 1, w)
    y0, y1 = max(int(cy - radius), 0), min(int(cy + radius) + 1, h)
    if x0 >= x1 or y0 >= y1:
        return
    dx = np.arange(x0, x1, dtype=np.float32)[None, :] - np.float32(cx)
    dy = np.arange(y0, y1, dtype=np.float32)[:, None] - np.float32(cy)
    layer[y0:y1, x0:x1] += density(dx, dy)


def _foxing(layer: np.ndarray, rng: np.random.Generator, n: int, unit: float,
            strength: float) -> None:
    """Clusters of small rust-brown spots."""
    h, w = layer.shape
    centres = rng.uniform((0, 0), (w, h), (max(1, n // 12), 2))
    for i in range(n):
        c = centres[i % len(centres)] + rng.normal(0, 120 * unit, 2)
        r = unit * rng.uniform(0.8, 5.0)
        amp = strength * rng.uniform(0.08, 0.4)
        _stamp(layer, c[0], c[1], 3 * r,
               lambda dx, dy: amp * np.exp(-(dx * dx + dy * dy) / np.float32(r * r)))


def _wobbly_radius(rng: np.random.Generator, dx: np.ndarray, dy: np.ndarray,
                   radius: float, wobble: float) -> np.ndarray:
    """Distance from the centre relative to an irregular (low-harmonic) outline."""
    ang = np.arctan2(dy, dx)
    outline = np.ones_like(ang)
    for k in (2, 3, 5, 7):
        phase = rng.uniform(0, 2 * np.pi)
        outline += np.float32(wobble * rng.normal() / k) * np.cos(k * ang + phase)
    return np.sqrt(dx * dx + dy * dy) / (np.float32(radius) * outline)


def _coffee_ring(layer: np.ndarray, rng: np.random.Generator, unit: float,
                 strength: float) -> None:
    """A cup ring: a dark tide line, faint inside, often only an arc."""
    h, w = layer.shape
    r = unit * rng.uniform(40, 130)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    ring_w, ring_amp = rng.uniform(0.02, 0.05), strength * rng.uniform(0.12, 0.35)
    in_amp = strength * rng.uniform(0.02, 0.08)
    arc_pow, arc_dir = rng.uniform(0, 3), rng.uniform(0, 2 * np.pi)  # how partial, which side

    def density(dx, dy):
        rad = _wobbly_radius(rng, dx, dy, r, 0.08)
        arc = (0.5 + 0.5 * np.cos(np.arctan2(dy, dx) - arc_dir)) ** arc_pow
        ring = np.exp(-((rad - 1) / ring_w) ** 2) * arc
        inside = 1 / (1 + np.exp(np.clip((rad - 1) * 60, -50, 50)))
        return (ring_amp * ring + in_amp * inside).astype(np.float32)

    _stamp(layer, cx, cy, 1.3 * r, density)


def _water_stain(layer: np.ndarray, rng: np.random.Generator, unit: float,
                 strength: float) -> None:
    """A dried water patch: irregular, slightly tinted, with a brownish tide line."""
    h, w = layer.shape
    r = unit * rng.uniform(120, 450)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    tide_amp, in_amp = strength * rng.uniform(0.06, 0.18), strength * rng.uniform(0.01, 0.05)

    def density(dx, dy):
        rad = _wobbly_radius(rng, dx, dy, r, 0.3)
        tex = smooth_field(rng, rad.shape, r / 4)
        phi = 1 - rad + 0.06 * tex
        tide = np.exp(-(phi / 0.02) ** 2)
        inside = 1 / (1 + np.exp(np.clip(-phi * 50, -50, 50)))
        return (tide_amp * tide + in_amp * inside * (1 + 0.5 * tex)).astype(np.float32)

    _stamp(layer, cx, cy, 1.3 * r, density)


def _crease(rng: np.random.Generator, shade: np.ndarray, brown: np.ndarray, fold: Fold,
            unit: float) -> None:
    """Shading of a crease: a dark worn core with a lit and a shadowed flank, a little dirt."""
    width = unit * rng.uniform(2, 5)
    rows, cols = _band(shade.shape, fold, 12 * width)
    nx, ny = fold.normal
    s = (np.arange(cols.start, cols.stop, dtype=np.float32) * np.float32(nx))[None, :] + \
        (np.arange(rows.start, rows.stop, dtype=np.float32) * np.float32(ny))[:, None]
    s -= np.float32(fold.point[0] * nx + fold.point[1] * ny)
    s *= np.float32(1 / width)  # in crease widths
    shade, brown = shade[rows, cols], brown[rows, cols]
    flank = np.float32(fold.strength * rng.uniform(0.04, 0.1) * rng.choice([-1, 1]))
    core = np.float32(fold.strength * rng.uniform(0.04, 0.12))
    dirt = np.float32(fold.strength * rng.uniform(0.02, 0.08))
    shade *= 1 + flank * s * np.exp(-s * s / 4) - core * np.exp(-s * s)
    brown += dirt * np.exp(-s * s / 9)


def _band(shape: tuple[int, int], fold: Fold, radius: float) -> tuple[slice, slice]:
    """Rows and columns of the image within ``radius`` px of a crease line (a bounding box)."""
    h, w = shape
    (px, py), (nx, ny) = fold.point, fold.normal
    if abs(nx) >= abs(ny):  # steep line: x = px - (y - py) * ny / nx
        xs = px - (np.array([0, h - 1]) - py) * ny / nx
        lo, hi = xs.min() - radius / abs(nx), xs.max() + radius / abs(nx)
        return slice(0, h), slice(int(np.clip(lo, 0, w)), int(np.clip(np.ceil(hi) + 1, 0, w)))
    ys = py - (np.array([0, w - 1]) - px) * nx / ny
    lo, hi = ys.min() - radius / abs(ny), ys.max() + radius / abs(ny)
    return slice(int(np.clip(lo, 0, h)), int(np.clip(np.ceil(hi) + 1, 0, h))), slice(0, w)


def _spine_distance(w: int, spine: str) -> np.ndarray:
    x = np.arange(w, dtype=np.float32)
    return x if spine == "left" else w - 1 - x


def _binding_shadow(rng: np.random.Generator, w: int, spine: str, unit: float,
                    strength: float, curved: bool) -> np.ndarray:
    """Per-column brightness: a deep narrow gutter shadow and a wide soft falloff."""
    d = _spine_distance(w, spine)
    deep = strength * rng.uniform(0.25, 0.55 if curved else 0.35)
    wide = strength * rng.uniform(0.05, 0.2 if curved else 0.1)
    narrow_w, wide_w = unit * rng.uniform(8, 35), unit * rng.uniform(80, 300)
    return 1 - deep * np.exp(-d / narrow_w) - wide * np.exp(-d / wide_w)


def _gutter_defocus(page: np.ndarray, rng: np.random.Generator, spine: str, unit: float,
                    strength: float, curved: bool) -> None:
    """Blur near the spine, where the page lifts off the scanner glass (in place)."""
    h, w = page.shape[:2]
    reach = int(min(w, unit * rng.uniform(60, 250 if curved else 100)))
    cols = slice(0, reach) if spine == "left" else slice(w - reach, w)
    roi = page[:, cols]
    blurred = cv2.GaussianBlur(roi, (0, 0), max(0.1, strength * unit * rng.uniform(0.8, 2.0)))
    weight = np.exp(-_spine_distance(w, spine)[cols] / (reach / 3))[None, :, None]
    roi += (blurred - roi) * weight


def _ink_darkness(clean: np.ndarray, ink: np.ndarray, rng: np.random.Generator, faded: bool,
                  strength: float) -> list[np.ndarray]:
    """Per-channel darkness planes of print and ink (1 - clean / paper white), faded: the ink
    and the printed rules (the dark parts outside ``ink``) keep different smooth fractions."""
    white = np.percentile(clean[::7, ::7].reshape(-1, 3), 99, axis=0).clip(1, 255)
    lut = (1 - np.minimum(np.arange(256)[:, None] / white, 1)).astype(np.float32)
    dark = [lut[:, k][clean[..., k]] for k in range(3)]
    shape = ink.shape
    if faded:
        ink_keep = _fade_field(rng, shape, 0.25, 0.7, strength)
        vanish = rng.random() < 0.4  # printed rules almost gone
        rule_keep = _fade_field(rng, shape, *((0.05, 0.3) if vanish else (0.25, 0.7)), strength)
    else:
        ink_keep = _fade_field(rng, shape, 0.8, 1.0, strength)
        rule_keep = _fade_field(rng, shape, 0.7, 1.0, strength)
    keep = _up(ink_keep - rule_keep, shape)
    keep *= ink
    keep += _up(rule_keep, shape)
    for d in dark:
        d *= keep
    if faded and rng.random() < 0.7:  # the ink's colour drifts toward brown
        mix = np.float32(strength * rng.uniform(0.3, 0.8))
        mean = (dark[0] + dark[1] + dark[2]) * np.float32(1 / 3)
        dark = [d + (mean * np.float32(a) - d) * mix for d, a in zip(dark, _AGED_INK_RGB)]
    return dark


def _fade_field(rng: np.random.Generator, shape: tuple[int, int], lo: float, hi: float,
                strength: float) -> np.ndarray:
    """A low-resolution field of kept contrast between lo and hi (scaled toward 1 by strength)."""
    field = _low_field(rng, shape, max(shape) / 4, octaves=2)
    keep = lo + (hi - lo) / (1 + np.exp(-1.5 * field))
    return np.clip(1 - strength * (1 - keep), 0, 1).astype(np.float32)


def _bleed_through(rng: np.random.Generator, ink: np.ndarray, unit: float, strength: float,
                   hard: bool) -> np.ndarray | None:
    """Faint, blurred, mirrored ink of the other side of the sheet (None when absent)."""
    if not hard and rng.random() < 0.6:
        return None
    amount = strength * (rng.uniform(0.1, 0.25) if hard else rng.uniform(0.02, 0.06))
    h, w = ink.shape
    small = cv2.resize(ink, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    centre = np.array([(w // 2 - 1) / 2, (h // 2 - 1) / 2])
    angle = np.deg2rad(rng.normal(0, 0.5))
    c, s = np.cos(angle), np.sin(angle)
    turn_and_flip = np.array([[c, -s], [s, c]]) @ np.diag([-1.0, 1.0])
    offset = centre + rng.normal(0, 0.01, 2) * centre - turn_and_flip @ centre
    mirror = np.hstack([turn_and_flip, offset[:, None]]).astype(np.float32)
    other = cv2.warpAffine(small, mirror, (w // 2, h // 2))
    other = cv2.GaussianBlur(other, (0, 0), unit * rng.uniform(1.2, 3.0))
    return cv2.resize(other, (w, h), interpolation=cv2.INTER_LINEAR) * np.float32(amount)


def _paper_mask(rng: np.random.Generator, size: tuple[int, int], unit: float,
                strength: float) -> np.ndarray:
    """uint8 alpha of the paper (255): missing corners and torn bites along the edges are 0."""
    w, h = size
    mask = np.full((h, w), 255, np.uint8)
    short = min(w, h)
    corners = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float64)
    for i in rng.choice(4, size=rng.integers(1, 3), replace=False):
        a, b = strength * short * rng.uniform(0.05, 0.15, 2)
        c = corners[i]
        inward = np.sign((w / 2, h / 2) - c)
        p, q = c + (a * inward[0], 0), c + (0, b * inward[1])
        cv2.fillPoly(mask, [_jagged(rng, p, q, unit, c).astype(np.int32)], 0, cv2.LINE_AA)
    for _ in range(rng.integers(0, 3)):
        edge = rng.integers(4)
        p, q = corners[edge], corners[(edge + 1) % 4]
        t0 = rng.uniform(0.05, 0.75)
        t1 = t0 + rng.uniform(0.05, 0.2)
        depth = strength * short * rng.uniform(0.015, 0.05)
        inward = np.array([[0, 1], [-1, 0], [0, -1], [1, 0]][edge], dtype=np.float64)
        a, b = p + t0 * (q - p), p + t1 * (q - p)
        bite = _jagged(rng, a, b, unit, None, bulge=inward * depth)
        outward = -inward * 4 * unit
        cv2.fillPoly(mask, [np.vstack([bite, b + outward, a + outward]).astype(np.int32)],
                     0, cv2.LINE_AA)
    return cv2.GaussianBlur(mask, (0, 0), 0.6 * unit)


def _jagged(rng: np.random.Generator, p: np.ndarray, q: np.ndarray, unit: float,
            apex: np.ndarray | None, bulge: np.ndarray | None = None) -> np.ndarray:
    """A torn-paper polyline from p to q (random-walk roughness), closed through ``apex``."""
    n = max(8, int(np.linalg.norm(q - p) / (3 * unit)))
    t = np.linspace(0, 1, n)[:, None]
    normal = np.array([-(q - p)[1], (q - p)[0]]) / max(np.linalg.norm(q - p), 1e-6)
    walk = np.cumsum(rng.normal(0, 1.2 * unit, n))
    walk -= np.linspace(walk[0], walk[-1], n)  # pinned at both ends
    line = p + t * (q - p) + walk[:, None] * normal + rng.normal(0, 0.7 * unit, (n, 2))
    if bulge is not None:
        line += np.sin(np.pi * t) ** 0.7 * bulge
    return line if apex is None else np.vstack([line, apex])


# ----------------------------------------------------------------------------- output grid

def _background(rng: np.random.Generator, alpha: np.ndarray, unit: float,
                photo: bool) -> np.ndarray:
    """What is around the page (HxWx3): a desk or table, on which a photographed page casts a
    soft shadow, or the scanner lid."""
    h, w = alpha.shape
    if not photo:
        level = (0.08, 0.5, 0.93)[rng.choice(3, p=(0.4, 0.2, 0.4))] + rng.normal(0, 0.02)
        colour = np.clip(level + rng.normal(0, 0.01, 3), 0, 1)
        return np.full((h, w, 3), colour, np.float32)
    kind = rng.choice(4)
    colour = np.array([[0.42, 0.28, 0.17], [0.16, 0.15, 0.15], [0.52, 0.52, 0.5],
                       [0.22, 0.33, 0.36]][kind]) * rng.uniform(0.8, 1.2)
    if kind == 0:  # wood: fine grain stretched along one axis
        stretch = 30
        small = (h, max(2, w // stretch)) if rng.random() < 0.5 else (max(2, h // stretch), w)
        lum = cv2.resize(smooth_field(rng, small, 4 * unit), (w, h))
        lum += np.float32(0.5) * _up(_low_field(rng, (h, w), 150 * unit), (h, w))
        lum *= np.float32(0.1)
    else:  # cloth, paint or stone: soft mottling
        lum = _up(_low_field(rng, (h, w), 40 * unit, octaves=3), (h, w)) * np.float32(0.05)
    lum += 1
    # the page, lifted a little, shades the desk next to its edges
    low = cv2.resize(alpha, (max(1, w // _LOW), max(1, h // _LOW)), interpolation=cv2.INTER_AREA)
    off = rng.normal(0, 3, 2) * unit / _LOW
    low = cv2.warpAffine(low, np.float32([[1, 0, off[0]], [0, 1, off[1]]]), low.shape[::-1])
    low = cv2.GaussianBlur(low, (0, 0), unit * rng.uniform(2, 6) * 4 / _LOW)
    lum *= 1 - np.float32(rng.uniform(0.2, 0.5)) * _up(low, (h, w))
    return cv2.merge([lum * np.float32(c) for c in colour])


def _lighting(rng: np.random.Generator, size: tuple[int, int], photo: bool,
              strength: float) -> np.ndarray:
    """Illumination (HxWx3): gradients, vignetting and cast shadows of a phone, colour cast."""
    w, h = size
    sh, sw = _low_shape((h, w))
    x = np.linspace(-0.5, 0.5, sw, dtype=np.float32)[None, :]
    y = np.linspace(-0.5, 0.5, sh, dtype=np.float32)[:, None]
    gx, gy = rng.normal(0, 0.15 if photo else 0.03, 2) * strength
    light = 1 + gx * x + gy * y
    if photo:
        vx, vy = rng.uniform(-0.2, 0.2, 2)
        light = light * (1 - strength * rng.uniform(0.05, 0.35) * ((x - vx) ** 2 + (y - vy) ** 2))
        if rng.random() < 0.6:
            light = light * (1 - strength * rng.uniform(0.15, 0.45) * _cast_shadow(rng, sw, sh))
    exposure = rng.uniform(0.8, 1.02) if photo else rng.uniform(0.97, 1.03)
    # white balance: warm (tungsten) or cool (daylight) light, mostly warm; slight green/magenta
    warmth = rng.uniform(-0.025, 0.05) if photo else rng.uniform(-0.008, 0.012)
    tint = rng.normal(0, 0.008 if photo else 0.003)
    cast = 1 + strength * (warmth * np.array([1, 0, -1]) + tint * np.array([-0.5, 1, -0.5]))
    gains = (exposure * cast).astype(np.float32)
    return _up(light[..., None] * gains, (h, w))


def _cast_shadow(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A soft shadow (0..1) of the phone or the photographer's hand coming in from one side."""
    mask = np.zeros((h, w), np.float32)
    side = rng.integers(4)
    reach = rng.uniform(0.15, 0.5)
    along = np.sort(rng.uniform(0, 1, 2))
    t = np.linspace(along[0], along[1], 12)
    depth = reach * np.sqrt(np.clip(np.sin(np.pi * (t - t[0]) / max(t[-1] - t[0], 1e-6)), 0, 1))
    depth += rng.normal(0, 0.03, 12)
    pts = np.stack([t, depth], 1)
    pts = np.vstack([[along[0], 0], pts, [along[1], 0]])
    if side in (1, 3):
        pts = pts[:, ::-1]
    if side in (2, 1):
        pts[:, 1 if side == 2 else 0] = 1 - pts[:, 1 if side == 2 else 0]
    cv2.fillPoly(mask, [(pts * (w - 1, h - 1)).astype(np.int32)], 1.0)
    return cv2.GaussianBlur(mask, (0, 0), max(w, h) * rng.uniform(0.03, 0.08))


def _tone_curve(image: np.ndarray, rng: np.random.Generator, photo: bool,
                strength: float) -> np.ndarray:
    """Gamma, contrast and black level of the scanner or camera pipeline (a LUT)."""
    x = np.arange(256, dtype=np.float64) / 255
    gamma = np.exp(strength * rng.normal(0, 0.12 if photo else 0.06))
    y = x**gamma
    if photo:  # gentle S-curve
        k = strength * rng.uniform(0, 0.3)
        y = y + k * (y - 0.5) * (1 - np.abs(2 * y - 1))
    black = strength * rng.uniform(0, 0.05)
    y = black + (1 - black) * y
    return cv2.LUT(image, np.clip(y * 255 + 0.5, 0, 255).astype(np.uint8))


def motion_blur(image: np.ndarray, length: float, angle: float) -> np.ndarray:
    """The smear of a camera moving ``length`` px at ``angle`` degrees during the exposure."""
    size = max(3, int(length) | 1)
    kernel = np.zeros((size, size), np.float32)
    kernel[size // 2] = 1
    rot = cv2.getRotationMatrix2D(((size - 1) / 2, (size - 1) / 2), angle, 1)
    kernel = cv2.warpAffine(kernel, rot, (size, size))
    return cv2.filter2D(image, -1, kernel / kernel.sum())


def _blur(image: np.ndarray, rng: np.random.Generator, unit: float, photo: bool, hard: bool,
          strength: float) -> np.ndarray:
    """Optics: mild gaussian blur always; for the hard condition, defocus or motion blur."""
    if hard and rng.random() < 0.4:
        return motion_blur(image, strength * unit * rng.uniform(6, 15), rng.uniform(0, 180))
    mild = rng.uniform(0.2, 0.9 if photo else 0.6)
    sigma = strength * unit * (rng.uniform(1.5, 3.0) if hard else mild)
    return cv2.GaussianBlur(image, (0, 0), sigma) if sigma > 0.15 else image


def _noise(image: np.ndarray, rng: np.random.Generator, photo: bool,
           strength: float) -> np.ndarray:
    """Sensor noise: luminance grain, plus blotchy chroma noise for a phone camera."""
    h, w = image.shape[:2]
    sigma = strength * (rng.uniform(2.5, 7) if photo else rng.uniform(0.5, 3))
    grain = rng.random((h, w), dtype=np.float32)
    grain -= rng.random((h, w), dtype=np.float32)  # triangular, std sqrt(1/6)
    grain *= np.float32(sigma * np.sqrt(6))
    if photo:  # demosaicing leaves coarse colour blotches
        chroma = rng.random((h // 3 + 1, w // 3 + 1, 3), dtype=np.float32) - np.float32(0.5)
        noise = cv2.resize(chroma * np.float32(1.4 * sigma), (w, h))
        noise += grain[..., None]
    else:
        noise = cv2.merge([grain, grain, grain])
    noise += image
    return cv2.convertScaleAbs(noise)


def _jpeg(image: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """JPEG artefacts: encode and decode at a random quality (40-90), most of the time."""
    if rng.random() < 0.15 or strength <= 0:
        return image
    quality = int(round(90 - strength * rng.uniform(0, 50)))
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
