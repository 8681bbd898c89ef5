"""Line image augmentation and synthetic paper, with numpy/OpenCV and an explicit numpy
Generator (deterministic given it). Images are uint8 grey, dark ink on light paper."""

from __future__ import annotations

import cv2
import numpy as np

from training.htr.config import AugmentConfig
from training.synth.degrade import motion_blur


def paper_level(image: np.ndarray) -> int:
    """The paper's grey level: a high percentile of the line."""
    return int(np.percentile(image, 90))


def _affine(img: np.ndarray, cfg: AugmentConfig, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape
    angle = np.deg2rad(rng.uniform(-cfg.max_rotate, cfg.max_rotate))
    shear = rng.uniform(-cfg.max_shear, cfg.max_shear)
    sx = 1.0 + rng.uniform(-cfg.max_stretch, cfg.max_stretch) if rng.random() < cfg.p_stretch else 1.0
    c, s = np.cos(angle), np.sin(angle)
    m = np.array([[c * sx, -s + shear, 0.0], [s * sx, c, 0.0]])
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], float) @ m.T
    m[:, 2] = -corners.min(axis=0)
    size = np.ceil(corners.max(axis=0) - corners.min(axis=0)).astype(int)
    return cv2.warpAffine(img, m, (int(size[0]), int(size[1])), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=paper_level(img))


def _elastic(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape
    amp = rng.uniform(0.5, 2.0) * h / 40
    gh, gw = 3, max(2, w // max(h, 1) * 2)
    dx = cv2.resize(rng.normal(0, amp, (gh, gw)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(rng.normal(0, amp, (gh, gw)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(img, xs + dx, ys + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _pad(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random paper margins, or a small crop into the line's own margin."""
    h, w = img.shape
    top, bottom = (int(rng.uniform(-0.08, 0.25) * h) for _ in range(2))
    left, right = (int(rng.uniform(-0.01, 0.3) * h) for _ in range(2))
    img = img[max(0, -top): h - max(0, -bottom), max(0, -left): w - max(0, -right)]
    return cv2.copyMakeBorder(img, max(0, top), max(0, bottom), max(0, left), max(0, right),
                              cv2.BORDER_CONSTANT, value=paper_level(img))


def _tone(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random ink and paper levels and gamma."""
    f = img.astype(np.float32) / 255.0
    ink, paper = rng.uniform(0.0, 0.35), rng.uniform(0.7, 1.0)
    lo, hi = float(f.min()), max(float(np.percentile(f, 90)), float(f.min()) + 0.1)
    f = np.clip((f - lo) / (hi - lo), 0.0, 1.0) ** rng.uniform(0.6, 1.6)
    return (ink + f * (paper - ink)) * 255.0


def _hard_blur(f: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Defocus (sigma 1.2-3 px) or motion blur (5-15 px) at the scale of a page-crop line of 49 px,
    the range of the page generator's ``blur`` condition."""
    scale = f.shape[0] / 49
    if rng.random() < 0.6:
        return cv2.GaussianBlur(f, (0, 0), rng.uniform(1.2, 3.0) * scale)
    return motion_blur(f, rng.uniform(5, 15) * scale, rng.uniform(0, 180))


def augment_line(img: np.ndarray, cfg: AugmentConfig, rng: np.random.Generator) -> np.ndarray:
    """A randomly distorted copy of a uint8 grey line image."""
    if rng.random() < cfg.p_pad:
        img = _pad(img, rng)
    if rng.random() < cfg.p_geometric:
        img = _affine(img, cfg, rng)
    if rng.random() < cfg.p_elastic:
        img = _elastic(img, rng)
    if rng.random() < cfg.p_morph:
        k = np.ones((2, 2), np.uint8) if rng.random() < 0.7 else np.ones((3, 3), np.uint8)
        img = cv2.erode(img, k) if rng.random() < 0.5 else cv2.dilate(img, k)
    f = _tone(img, rng) if rng.random() < cfg.p_contrast else img.astype(np.float32)
    if rng.random() < cfg.p_blur:
        f = cv2.GaussianBlur(f, (0, 0), rng.uniform(0.3, 1.2) * img.shape[0] / 48)
    if cfg.p_hard_blur and rng.random() < cfg.p_hard_blur:  # no draw when off: older runs replay
        f = _hard_blur(f, rng)
    if rng.random() < cfg.p_noise:
        f = f + rng.normal(0, rng.uniform(2, 14), f.shape).astype(np.float32)
    out = np.clip(f, 0, 255).astype(np.uint8)
    if rng.random() < cfg.p_jpeg:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 85))])
        out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) if ok else out
    return out


def _box(page: np.ndarray, inner: tuple[int, int, int, int], rng: np.random.Generator) -> None:
    """A form's printed box around the writing, in place: rules above and below (*inner* is the
    writing's top, bottom, left, right), often a right edge with other paper beyond it, sometimes a
    left edge; the writing may cross them, as in a filled form photographed line by line."""
    h, w = page.shape
    top, bottom, left, right = inner
    dark, width = rng.uniform(0.25, 0.7), int(rng.integers(1, 4))
    ys = (int(top * rng.uniform(0.0, 1.0)), min(h - width, int(bottom + (h - bottom) * rng.uniform(-0.4, 0.8))))
    for y in ys:
        page[y: y + width] -= dark
    if rng.random() < 0.7:
        x = min(w - width, int(right + (w - right) * rng.uniform(0.0, 0.8)))
        page[:, x + width:] += rng.uniform(-0.2, 0.05)
        page[:, x: x + width] -= dark
    if rng.random() < 0.3:
        x = int(left * rng.uniform(0.0, 0.8))
        page[:, x: x + width] -= dark


def compose_on_paper(alpha: np.ndarray, rng: np.random.Generator, ruled_p: float,
                     box_p: float = 0.0) -> np.ndarray:
    """Ink coverage (HxW float in [0, 1]) laid on paper: tone, mottle, faint ruling or a form's
    box, noise."""
    h0, w0 = alpha.shape
    top, bottom = (int(rng.uniform(0.02, 0.3) * h0) for _ in range(2))
    left, right = (int(rng.uniform(0.0, 0.5) * h0) for _ in range(2))
    alpha = cv2.copyMakeBorder(alpha, top, bottom, left, right, cv2.BORDER_CONSTANT, value=0.0)
    h, w = alpha.shape
    paper = rng.uniform(0.72, 1.0)
    mottle = cv2.resize(rng.normal(0, rng.uniform(0.0, 0.05), (3, max(2, w // h))).astype(np.float32), (w, h),
                        interpolation=cv2.INTER_CUBIC)
    page = np.full((h, w), paper, np.float32) + mottle
    if rng.random() < ruled_p:
        y = int(np.clip(top + h0 * rng.uniform(0.7, 1.05), 0, h - 1))
        page[y: y + int(rng.integers(1, 3))] -= rng.uniform(0.1, 0.4)
    elif box_p and rng.random() < box_p:
        _box(page, (top, top + h0, left, left + w0), rng)
    ink = rng.uniform(0.0, 0.45)
    img = page * (1.0 - alpha) + ink * alpha
    return np.clip(img * 255.0, 0, 255).astype(np.uint8)
