"""One line of synthetic Vietnamese handwriting, glyph by glyph, with a per-writer style.

Glyphs are rasterised by FreeType (anti-aliased) once per (font, size bucket, character,
rotation bucket) and kept in an LRU cache, so a line is placements along a drifting
baseline and a max-composite; slant (a shear about the baseline), pen width (blur and
threshold, fractional), pressure, grain, blots and skips are then a few vectorised
operations on the whole line. Text is NFC; characters the font cannot draw raise
``ValueError`` (never dropped).

:class:`Hands` says which writers a generator draws. Rendered pages use the defaults (their
layout model and calibration were fitted on them); training lines add the line-only fonts, a
monoline ballpoint pen (the font's outline thinned to its skeleton and drawn again at one width)
and a warp of each glyph's shape, so that no two "a" of one writer are the same.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .degrade import smooth_field
from .fonts import TARGET_X_HEIGHT, FontSpec, font_cmap, handwriting_fonts, pil_font, split_tone

MARGIN = 2               # zero border around the cropped line, px
_SIZE_STEP = 1.0         # glyph cache buckets
_ANGLE_STEP = 2.0
_EM = 1000.0             # size at which advance widths are measured

# Ballpoint / fountain-pen inks (RGB) and how often each occurs.
INKS: dict[str, tuple[tuple[int, int, int], float]] = {
    "blue": ((25, 45, 140), 0.55),
    "black": ((28, 28, 34), 0.25),
    "violet": ((88, 48, 140), 0.20),
}


@dataclass(frozen=True)
class WriterStyle:
    """How one writer writes; all lengths in px at the line's resolution."""

    font: FontSpec
    size_px: float           # nominal font size (x-height is about 0.42 of it)
    slant: float             # extra shear on top of the font's own, right-leaning > 0
    stroke: float            # extra pen width in px (negative thins a heavy font)
    baseline_drift: float    # px amplitude of slow baseline wander / slope
    char_spacing: float      # extra px after each glyph
    word_spacing: float      # multiplier for spaces
    ink: tuple[int, int, int]
    jitter: float            # per-glyph size/rotation/position jitter, 0..1
    pressure: float          # ink intensity variation, 0..1
    pen: float = 0.0         # monoline ballpoint width in px; 0: the font's own strokes
    warp: float = 0.0        # glyph-shape warp, as a fraction of the x-height


@dataclass(frozen=True)
class Hands:
    """Which writers :func:`sample_writer` draws. The defaults are the page generator's."""

    line_fonts: bool = False  # also the fonts kept to training lines
    ballpoint_p: float = 0.0  # share of writers with a monoline ballpoint pen
    warp: float = 0.0         # the largest glyph-shape warp (fraction of the x-height)


PAGE_HANDS = Hands()


@dataclass
class InkLine:
    """A rendered line: ink coverage, its baseline and its exact text."""

    alpha: np.ndarray        # HxW float32 in [0, 1], cropped with a MARGIN px zero border
    baseline: np.ndarray     # (K, 2) float32 xy polyline, left to right
    text: str                # NFC, single spaces: exactly what was drawn
    x_height: float          # px


@dataclass(frozen=True)
class _Glyph:
    mask: np.ndarray         # uint8 coverage
    x0: int                  # left of mask relative to the pen origin
    y0: int                  # top of mask relative to the baseline (negative: above)


def sample_writer(rng: np.random.Generator, *, size_px: float | None = None,
                  hands: Hands = PAGE_HANDS) -> WriterStyle:
    """A random writer: font by registry weight, mostly right-leaning, blue/black/violet ink.
    The default *hands* draw exactly the numbers they always did (pages stay the same)."""
    fonts = handwriting_fonts(line_fonts=hands.line_fonts)
    weights = np.array([f.weight for f in fonts], dtype=float)
    font = fonts[int(rng.choice(len(fonts), p=weights / weights.sum()))]
    size = float(size_px) if size_px is not None else float(rng.uniform(30.0, 52.0))
    total_slant = float(np.clip(rng.normal(0.15, 0.12), -0.1, 0.4))
    native_pen = font.stroke_ratio * size * font.size_scale
    pen = size * rng.uniform(0.045, 0.085)
    names = list(INKS)
    probs = np.array([INKS[n][1] for n in names])
    base_ink = np.array(INKS[names[int(rng.choice(len(names), p=probs / probs.sum()))]][0])
    ink = np.clip(base_ink + rng.integers(-15, 16, 3), 0, 255)
    spacing = rng.uniform(-0.02, 0.02) if font.cursive else rng.uniform(-0.03, 0.06)
    style = WriterStyle(
        font=font,
        size_px=size,
        slant=float(np.clip(total_slant - 0.8 * font.native_slant, -0.15, 0.35)),
        # thinning more than this erases hairline tone marks
        stroke=float(np.clip(pen - native_pen, max(-0.2 * native_pen, -0.6), 3.0)),
        baseline_drift=float(size * rng.uniform(0.0, 0.12)),
        char_spacing=float(size * spacing),
        word_spacing=float(rng.uniform(0.8, 1.8)),
        ink=(int(ink[0]), int(ink[1]), int(ink[2])),
        jitter=float(rng.uniform(0.2, 1.0)),
        pressure=float(rng.uniform(0.1, 0.7)),
    )
    if hands == PAGE_HANDS:
        return style
    u = rng.random(3)
    style = replace(style, warp=float(hands.warp * u[2]))
    if u[0] >= hands.ballpoint_p:
        return style
    # one width whatever the font: 8-16 % of the x-height (the real scans' strokes are about 1/8 of it, by eye)
    return replace(style, pen=float(size * TARGET_X_HEIGHT * (0.08 + 0.08 * u[1])), stroke=0.0)


# ---------------------------------------------------------------- text

def _normalize(text: str) -> tuple[str, list[int]]:
    """NFC text with whitespace runs collapsed to one space, and each run's length."""
    nfc = unicodedata.normalize("NFC", text).strip()
    return " ".join(nfc.split()), [len(g) for g in re.findall(r"\s+", nfc)]


def _check_drawable(text: str, font: FontSpec) -> None:
    cmap = font_cmap(str(font.path))
    bad = sorted({c for c in text if c != " " and (unicodedata.combining(c) or c not in cmap)})
    if bad:
        raise ValueError(f"{font.name} cannot draw {bad!r} (NFC, precomposed glyphs only)")


@lru_cache(maxsize=65536)
def _advance(path: str, text: str) -> float:
    """Advance width of *text* per px of font size (BASIC layout, includes 'kern' pairs)."""
    return pil_font(path, _EM).getlength(text) / _EM


def _kern(path: str, a: str, b: str) -> float:
    return _advance(path, a + b) - _advance(path, a) - _advance(path, b)


def _font_px(style: WriterStyle) -> float:
    return style.size_px * style.font.size_scale


def wrap_text(text: str, style: WriterStyle, width: float) -> list[str]:
    """Greedy word wrap of NFC *text* into lines of at most *width* px (font metrics
    estimate, slant overhang included); a word wider than *width* stays whole on its own
    line."""
    label, _ = _normalize(text)
    if not label:
        return []
    path, px = str(style.font.path), _font_px(style)
    space = _advance(path, " ") * px * style.word_spacing
    width -= abs(style.slant) * 0.75 * px

    def word_width(word: str) -> float:
        return _advance(path, word) * px + style.char_spacing * len(word)

    lines: list[list[str]] = []
    used = 0.0
    for word in label.split(" "):
        w = word_width(word)
        if lines and used + space + w <= width:
            lines[-1].append(word)
            used += space + w
        else:
            lines.append([word])
            used = w
    return [" ".join(words) for words in lines]


# ---------------------------------------------------------------- glyphs

def _raster(path: str, size: float, ch: str) -> tuple[np.ndarray, int, int]:
    """Coverage of one character and its top-left relative to the pen origin."""
    font = pil_font(path, size)
    left, top, right, bottom = font.getbbox(ch, anchor="ls")
    left, top = left - 2, top - 2
    img = Image.new("L", (right - left + 2, bottom - top + 2), 0)
    ImageDraw.Draw(img).text((-left, -top), ch, font=font, fill=255, anchor="ls")
    return np.asarray(img), left, top


def _ink_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if not rows.size:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _composed(path: str, size: float, ch: str) -> tuple[np.ndarray, int, int]:
    """Letter drawn as base letter + the font's combining tone mark, for fonts whose
    precomposed glyph is wrong: the mark is centred over (under) the base's top (bottom)."""
    base, tone = split_tone(ch)
    bm, bx, by = _raster(path, size, base)
    tm, tx, ty = _raster(path, size, tone)
    bbox, tbox = _ink_box(bm), _ink_box(tm)
    if bbox is None or tbox is None:
        raise ValueError(f"cannot compose {ch!r}: no ink for {base!r} or {tone!r}")
    top, bottom, _, _ = bbox
    band = max(2, (bottom - top) // 5)
    below = tone == "\u0323"
    rows = slice(bottom - band, bottom) if below else slice(top, top + band)
    cols = np.flatnonzero(bm[rows].any(0))
    centre = bx + (cols[0] + cols[-1] + 1) / 2
    gap = 0.07 * size
    mark_x = round(centre - (tbox[2] + tbox[3]) / 2)
    mark_y = round(by + bottom + gap - tbox[0]) if below else round(by + top - gap - tbox[1])
    x0, y0 = min(bx, mark_x), min(by, mark_y)
    h = max(by + bm.shape[0], mark_y + tm.shape[0]) - y0
    w = max(bx + bm.shape[1], mark_x + tm.shape[1]) - x0
    out = np.zeros((h, w), np.uint8)
    out[by - y0:by - y0 + bm.shape[0], bx - x0:bx - x0 + bm.shape[1]] = bm
    sub = out[mark_y - y0:mark_y - y0 + tm.shape[0], mark_x - x0:mark_x - x0 + tm.shape[1]]
    np.maximum(sub, tm, out=sub)
    return out, x0, y0


@lru_cache(maxsize=32768)
def _glyph(path: str, size: float, ch: str, compose: bool, angle: float) -> _Glyph | None:
    """One glyph rotated by *angle* degrees about its pen origin; None when it has no ink."""
    mask, x0, y0 = (_composed if compose else _raster)(path, size, ch)
    if angle:
        a = math.radians(angle)
        lin = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
        h, w = mask.shape
        corners = np.array([[x0, y0], [x0 + w, y0], [x0, y0 + h], [x0 + w, y0 + h]], float)
        lo = np.floor((corners @ lin.T).min(0)).astype(int) - 1
        hi = np.ceil((corners @ lin.T).max(0)).astype(int) + 1
        shift = lin @ np.array([x0, y0], float) - lo
        mask = cv2.warpAffine(mask, np.hstack([lin, shift[:, None]]),
                              (int(hi[0] - lo[0]), int(hi[1] - lo[1])), flags=cv2.INTER_LINEAR)
        x0, y0 = int(lo[0]), int(lo[1])
    box = _ink_box(mask)
    if box is None:
        return None
    r0, r1, c0, c1 = box
    return _Glyph(np.ascontiguousarray(mask[r0:r1, c0:c1]), x0 + c0, y0 + r0)


def _q(value: float, step: float) -> float:
    return round(value / step) * step


# ---------------------------------------------------------------- lines

@dataclass(frozen=True)
class _Noise:
    """Every random number a line needs, drawn up front so re-layouts reuse them."""

    glyph: np.ndarray        # (n, 5) standard normals: size, angle, dx, dy, spacing
    baseline: np.ndarray     # slope, 2 x (amplitude, wavelength, phase)
    pressure: np.ndarray     # 2 x (wavelength, phase)
    effects: np.ndarray      # blot?, blot glyph, blot pixel, blot radius, skip?, skip x, factor


def _draw_noise(rng: np.random.Generator, n: int) -> _Noise:
    return _Noise(rng.standard_normal((n, 5)), rng.random(7), rng.random(4), rng.random(7))


def _baseline_fn(style: WriterStyle, px: float, u: np.ndarray):
    d = style.baseline_drift
    slope = d * (2 * u[0] - 1) / (10 * px)
    waves = [(d * (0.15 + 0.35 * u[i]), px * (5 + 12 * u[i + 1]), 2 * math.pi * u[i + 2])
             for i in (1, 4)]

    def fn(x: np.ndarray | float) -> np.ndarray | float:
        y = slope * np.asarray(x, float)
        for amp, lam, phase in waves:
            y = y + amp * np.sin(2 * math.pi * np.asarray(x, float) / lam + phase)
        return y
    return fn


def _layout(chars: str, gaps: list[int], style: WriterStyle, scale: float, noise: _Noise):
    """Glyph placements [(glyph, left, top)] at *scale*, the baseline function and font px."""
    spec, path = style.font, str(style.font.path)
    px = _font_px(style) * scale
    jit = style.jitter
    loose = 0.03 * px * jit * (0.3 if spec.cursive else 1.0)
    base = _baseline_fn(style, px, noise.baseline)
    glyphs: list[_Glyph] = []
    xs: list[float] = []
    dys: list[float] = []
    x, gap_i, prev = 0.0, 0, " "
    for ch, (r_size, r_angle, r_dx, r_dy, r_space) in zip(chars, noise.glyph.tolist()):
        if ch == " ":
            run = min(gaps[gap_i] if gap_i < len(gaps) else 1, 4)
            gap_i += 1
            x += _advance(path, " ") * px * style.word_spacing * run * (1 + 0.15 * jit * r_space)
            prev = ch
            continue
        if prev != " ":
            x += _kern(path, prev, ch) * px
        size = _q(px * (1 + 0.05 * jit * r_size), _SIZE_STEP)
        angle = _q(max(-4.5, min(4.5, 2.0 * jit * r_angle)), _ANGLE_STEP)
        g = _glyph(path, size, ch, ch in spec.compose, angle)
        if g is not None:
            glyphs.append(g)
            xs.append(x + loose * r_dx)
            dys.append(0.035 * px * jit * r_dy)
        x += _advance(path, ch) * px + style.char_spacing * scale + loose * r_space
        prev = ch
    ys = (base(np.array(xs)) + np.array(dys)).tolist() if xs else []
    placed = [(g, round(gx) + g.x0, round(gy) + g.y0) for g, gx, gy in zip(glyphs, xs, ys)]
    return placed, base, px


def _extent(placed: list[tuple[_Glyph, int, int]]) -> tuple[int, int, int, int]:
    x0 = min(x for _, x, _ in placed)
    x1 = max(x + g.mask.shape[1] for g, x, _ in placed)
    y0 = min(y for _, _, y in placed)
    y1 = max(y + g.mask.shape[0] for g, _, y in placed)
    return x0, x1, y0, y1


def _blot(canvas: np.ndarray, placed, offset: tuple[int, int], pen: float,
          style: WriterStyle, u: np.ndarray) -> None:
    """Occasional ink blot on a stroke (in place, uint8 canvas)."""
    if u[0] >= 0.05 + 0.15 * style.pressure:
        return
    g, gx, gy = placed[int(u[1] * len(placed))]
    ys, xs = np.nonzero(g.mask > 160)
    if not ys.size:
        return
    k = int(u[2] * ys.size)
    radius = max(1.0, pen * (0.45 + 0.4 * u[3]))
    centre = (round((gx + offset[0] + xs[k]) * 16), round((gy + offset[1] + ys[k]) * 16))
    cv2.circle(canvas, centre, round(radius * 16), 255, -1, cv2.LINE_AA, shift=4)


def _shear(canvas: np.ndarray, slant: float, y_ref: float) -> tuple[np.ndarray, float]:
    """Shear about the row *y_ref* (right-leaning for slant > 0): x' = x - slant*(y - y_ref)
    + shift. Returns the widened image and the shift."""
    if abs(slant) < 1e-3:
        return canvas, 0.0
    h, w = canvas.shape
    ends = (slant * y_ref, -slant * (h - y_ref))
    shift = -min(ends)
    size = (w + math.ceil(max(ends) - min(ends)) + 2, h)
    m = np.array([[1.0, -slant, slant * y_ref + shift], [0.0, 1.0, 0.0]])
    return cv2.warpAffine(canvas, m, size, flags=cv2.INTER_LINEAR), shift


def _pen(canvas: np.ndarray, delta: float) -> np.ndarray:
    """Coverage (float32) of the uint8 *canvas* with the pen width changed by *delta* px
    (total, fractional): thicker by Gaussian blur and a lowered threshold (the 0.5 edge moves
    out by delta/2); small changes and thinning (kept small, so hairline tone marks survive)
    by a gamma curve on the anti-aliased coverage."""
    if delta < 0.4:
        gamma = 1 - 1.5 * delta if delta < 0 else 1 / (1 + 1.5 * delta)
        return _gamma_lut(round(gamma, 2))[canvas]
    alpha = canvas.astype(np.float32) * np.float32(1 / 255)
    sigma = delta / 2
    blur = cv2.GaussianBlur(alpha, (0, 0), sigma)
    # an anti-aliased edge blurred by sigma is about a Gaussian edge of spread s; its level-t
    # contour lies s * z out, z = Phi^-1(1 - t): pick t for z * s = delta / 2. The gain gives
    # a ~1 px ramp, but at least 0.6 / t so that the Gaussian tail stays zero.
    spread = math.hypot(sigma, 0.3)
    z = delta / 2 / spread
    t = 0.5 * math.erfc(z / math.sqrt(2))
    gain = max(spread * math.sqrt(2 * math.pi) * math.exp(z * z / 2), 0.6 / t)
    return np.clip((blur - np.float32(t)) * np.float32(gain) + np.float32(0.5), 0, 1)


@lru_cache(maxsize=256)
def _gamma_lut(gamma: float) -> np.ndarray:
    return (np.arange(256, dtype=np.float32) / 255) ** np.float32(gamma)


def render_line(text: str, style: WriterStyle, rng: np.random.Generator, *,
                max_width: float | None = None) -> InkLine:
    """Render one line of handwriting.

    Whitespace runs become one space in ``InkLine.text`` (longer runs leave wider gaps).
    With *max_width*, glyphs and spacing shrink (down to half size) until the line fits.
    Raises ValueError for empty text or characters the font cannot draw.
    """
    label, gaps = _normalize(text)
    if not label:
        raise ValueError("nothing to draw")
    _check_drawable(label, style.font)
    noise = _draw_noise(rng, len(label))
    scale = 1.0
    for _ in range(5):
        placed, base, px = _layout(label, gaps, style, scale, noise)
        if not placed:
            raise ValueError(f"no ink in {label!r}")
        x0, x1, y0, y1 = _extent(placed)
        width = x1 - x0 + abs(style.slant) * (y1 - y0) + 2 * MARGIN + 2
        if max_width is None or width <= max_width or scale <= 0.5:
            break
        scale = max(0.5, scale * (max_width - 2 * MARGIN - 3) / (width - 2 * MARGIN - 2))

    pen = style.pen * scale if style.pen else max(1.0, style.font.stroke_ratio * px + style.stroke)
    room = MARGIN + math.ceil(max(style.stroke, 0.0) + pen + style.warp * px) + 2
    n_pts = max(2, math.ceil((x1 - x0) / max(px, 8.0)) + 1)
    bx = np.linspace(x0, x1 - 1, n_pts)
    by = np.asarray(base(bx), float)
    top, left = min(y0, math.floor(by.min())) - room, x0 - room
    height = max(y1, math.ceil(by.max()) + 1) - top + room
    canvas = np.zeros((height, x1 - x0 + 2 * room), np.uint8)
    for g, gx, gy in placed:
        sub = canvas[gy - top:gy - top + g.mask.shape[0], gx - left:gx - left + g.mask.shape[1]]
        np.maximum(sub, g.mask, out=sub)
    if style.warp:
        canvas = warp_glyphs(canvas, style.warp * style.font.x_height_ratio * px, px, rng)
    if style.pen:
        canvas = monoline(canvas, max(1.0, pen))
    _blot(canvas, placed, (-left, -top), pen, style, noise.effects)

    by, bx = by - top, bx - left
    y_ref = float(by.mean())
    canvas, shift = _shear(canvas, style.slant, y_ref)
    bx = bx - style.slant * (by - y_ref) + shift
    alpha = _pen(canvas, style.stroke)
    _apply_pressure(alpha, style, px, noise, rng)
    _apply_skip(alpha, style, px, noise.effects[4:], by)
    return _crop(alpha, np.stack([bx, by], axis=1), label, style.font.x_height_ratio * px)


def warp_glyphs(canvas: np.ndarray, amp: float, px: float, rng: np.random.Generator) -> np.ndarray:
    """The uint8 coverage *canvas* displaced by a smooth random field of about *amp* px whose
    features are about half a glyph wide (*px* is the font size): each letter's shape changes,
    the line's layout does not."""
    h, w = canvas.shape
    dx, dy = (np.float32(amp) * smooth_field(rng, (h, w), max(4.0, 0.3 * px)) for _ in range(2))
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(canvas, xs + dx, ys + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def thin(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a boolean *mask* to one-pixel-wide strokes (connectivity kept)."""
    img = np.pad(mask.astype(np.uint8), 1)
    while True:
        changed = False
        for step in (0, 1):
            p = img
            n = [p[:-2, 1:-1], p[:-2, 2:], p[1:-1, 2:], p[2:, 2:],      # P2 P3 P4 P5
                 p[2:, 1:-1], p[2:, :-2], p[1:-1, :-2], p[:-2, :-2]]    # P6 P7 P8 P9
            c = p[1:-1, 1:-1]
            b = sum(x.astype(np.int8) for x in n)
            a = sum(((n[i] == 0) & (n[(i + 1) % 8] == 1)).astype(np.int8) for i in range(8))
            if step == 0:
                side = (n[0] * n[2] * n[4] == 0) & (n[2] * n[4] * n[6] == 0)
            else:
                side = (n[0] * n[2] * n[6] == 0) & (n[0] * n[4] * n[6] == 0)
            drop = (c == 1) & (b >= 2) & (b <= 6) & (a == 1) & side
            if drop.any():
                c[drop] = 0
                changed = True
        if not changed:
            return img[1:-1, 1:-1].astype(bool)


def monoline(canvas: np.ndarray, pen: float) -> np.ndarray:
    """The uint8 coverage *canvas* drawn again as a ballpoint of *pen* px: its strokes thinned to
    their skeleton, then every pixel within pen/2 of it inked, with a one-pixel anti-aliased edge."""
    mask = canvas > 64
    skeleton = thin(mask)
    # Zhang-Suen erases a 2x2 blob whole: a dot (the "ị" of a thin font) keeps its strongest pixel
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    for lost in np.setdiff1d(np.arange(1, count), labels[skeleton]):
        where = np.flatnonzero(labels.ravel() == lost)
        skeleton.flat[where[np.argmax(canvas.flat[where])]] = True
    dist = cv2.distanceTransform((~skeleton).astype(np.uint8), cv2.DIST_L2, 3)
    return (np.clip(pen / 2 + 0.5 - dist, 0.0, 1.0) * 255).astype(np.uint8)


def _crop(alpha: np.ndarray, baseline: np.ndarray, text: str, x_height: float) -> InkLine:
    """Crop to ink and baseline plus MARGIN zero pixels on every side."""
    rows, cols = np.flatnonzero(alpha.any(1)), np.flatnonzero(alpha.any(0))
    r0 = min(int(rows[0]), math.floor(baseline[:, 1].min())) - MARGIN
    r1 = max(int(rows[-1]), math.ceil(baseline[:, 1].max())) + MARGIN + 1
    c0 = min(int(cols[0]), math.floor(baseline[:, 0].min())) - MARGIN
    c1 = max(int(cols[-1]), math.ceil(baseline[:, 0].max())) + MARGIN + 1
    out = np.zeros((r1 - r0, c1 - c0), np.float32)
    sr0, sc0 = max(r0, 0), max(c0, 0)
    src = alpha[sr0:r1, sc0:c1]
    out[sr0 - r0:sr0 - r0 + src.shape[0], sc0 - c0:sc0 - c0 + src.shape[1]] = src
    shifted = (baseline - np.array([c0, r0], float)).astype(np.float32)
    return InkLine(alpha=out, baseline=shifted, text=text, x_height=float(x_height))


def _apply_pressure(alpha: np.ndarray, style: WriterStyle, px: float, noise: _Noise,
                    rng: np.random.Generator) -> None:
    """Slow intensity variation along the line plus a light ballpoint grain (in place)."""
    x = np.arange(alpha.shape[1], dtype=np.float32)
    u = noise.pressure
    wave = np.zeros_like(x)
    for lam, phase in ((u[0], u[1]), (u[2], u[3])):
        wave += np.sin(x * np.float32(2 * math.pi / (px * (3 + 12 * lam))) + np.float32(2 * math.pi * phase))
    profile = 1 - np.float32(0.45 * style.pressure) * (0.5 + 0.25 * wave)
    alpha *= profile[None, :]
    grain = rng.random(alpha.shape, dtype=np.float32)
    alpha *= 1 - np.float32(0.25 * style.pressure) * grain


def _apply_skip(alpha: np.ndarray, style: WriterStyle, px: float, u: np.ndarray,
                base_y: np.ndarray) -> None:
    """Occasional ballpoint skip: a soft narrow band of weak ink across the x-height zone."""
    if u[0] >= 0.15:
        return
    cols = np.flatnonzero(alpha.any(0))
    x = int(cols[int(u[1] * cols.size)])
    half = max(2, round(0.08 * px))
    y1 = int(np.clip(np.median(base_y), 0, alpha.shape[0]))
    y0 = max(0, y1 - round(style.font.x_height_ratio * px))
    xs = np.arange(max(0, x - half), min(alpha.shape[1], x + half + 1))
    dip = np.float32(0.65 - 0.3 * u[2]) * np.exp(-((xs - x) / (0.5 * half)) ** 2).astype(np.float32)
    alpha[y0:y1, xs[0]:xs[-1] + 1] *= 1 - dip[None, :]


def line_polygon(alpha: np.ndarray, *, step: int = 16, pad: int = 3,
                 thresh: float = 0.1) -> np.ndarray:
    """(M, 2) int32 polygon hugging the ink: upper contour left->right then lower contour
    right->left, from the min/max ink row (+- pad) of each *step*-px column strip; covers
    every pixel above *thresh*. Clipped to the array; empty (0, 2) when there is no ink."""
    ink = alpha > thresh
    cols = np.flatnonzero(ink.any(0))
    if not cols.size:
        return np.zeros((0, 2), np.int32)
    h, w = alpha.shape
    upper: list[tuple[int, int]] = []
    lower: list[tuple[int, int]] = []
    first, last = int(cols[0]), int(cols[-1])
    for start in range(first, last + 1, step):
        strip = ink[:, start:min(start + step, last + 1)]
        rows = np.flatnonzero(strip.any(1))
        if not rows.size:
            continue
        xa = max(start - (pad if start == first else 0), 0)
        xb = min(start + strip.shape[1] - 1 + (pad if start + step > last else 0), w - 1)
        ya, yb = max(int(rows[0]) - pad, 0), min(int(rows[-1]) + pad, h - 1)
        upper += [(xa, ya), (xb, ya)]
        lower += [(xa, yb), (xb, yb)]
    return np.array(upper + lower[::-1], np.int32)
