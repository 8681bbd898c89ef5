"""Geometry of page degradation: a chain of exactly invertible transforms from clean page to output.

Every stage has a closed-form ``forward`` (clean -> output direction), so ground-truth points map
exactly; images are resampled through the numerical ``inverse`` of the whole chain, evaluated on a
coarse grid of output pixels and interpolated into one full-resolution ``cv2.remap`` map (the
chain is smooth, so an 8 px grid is accurate to a few hundredths of a pixel). Coordinates are
pixel centres: pixel ``(x, y)`` of an image is the point ``[x, y]``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

import cv2
import numpy as np

GRID_STEP = 8  # output pixels between exactly computed map samples
_LINEAR_DTYPES = (np.uint8, np.uint16, np.int16, np.float32, np.float64)
_NEAREST_DTYPES = (*_LINEAR_DTYPES, np.int32)


class Stage(ABC):
    """One smooth, invertible transform of the plane."""

    @abstractmethod
    def forward(self, pts: np.ndarray) -> np.ndarray:
        """(N, 2) float64 points of the previous space -> (N, 2) points of the next."""

    def inverse(self, pts: np.ndarray) -> np.ndarray:
        """Solve ``forward(x) = pts`` by Newton's method with a finite-difference Jacobian."""
        return _newton_inverse(self.forward, pts)


def _newton_inverse(f, target: np.ndarray, iterations: int = 12, tol: float = 1e-7) -> np.ndarray:
    """Points x with f(x) = target (f smooth, near identity), to ``tol`` px."""
    x = 2 * target - f(target)  # first-order guess: x = y - d(y)
    h = 1e-3
    for _ in range(iterations):
        fx = f(x)
        r = fx - target
        if np.abs(r).max(initial=0.0) < tol:
            break
        jx = (f(x + (h, 0.0)) - fx) / h  # column d f / d x
        jy = (f(x + (0.0, h)) - fx) / h  # column d f / d y
        det = jx[:, 0] * jy[:, 1] - jy[:, 0] * jx[:, 1]
        x = x - np.stack([jy[:, 1] * r[:, 0] - jy[:, 0] * r[:, 1],
                          jx[:, 0] * r[:, 1] - jx[:, 1] * r[:, 0]], axis=1) / det[:, None]
    return x


@dataclass(frozen=True, eq=False)
class Homography(Stage):
    """A projective map given by a 3x3 matrix (affine maps included)."""

    matrix: np.ndarray

    def forward(self, pts: np.ndarray) -> np.ndarray:
        return _apply_h(self.matrix, pts)

    def inverse(self, pts: np.ndarray) -> np.ndarray:
        return _apply_h(np.linalg.inv(self.matrix), pts)


def _apply_h(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    p = pts @ m[:2, :2].T + m[:2, 2]
    w = pts @ m[2, :2] + m[2, 2]
    return p / w[:, None]


@dataclass(frozen=True, eq=False)
class Wobble(Stage):
    """Small elastic wobble: a sum of low-frequency sinusoidal displacements.

    ``waves`` rows are ``(kx, ky, phase, ax, ay)``: displacement ``a * sin(k . p + phase)``.
    """

    waves: np.ndarray

    def forward(self, pts: np.ndarray) -> np.ndarray:
        phase = pts @ self.waves[:, :2].T + self.waves[:, 2]
        return pts + np.sin(phase) @ self.waves[:, 3:5]


@dataclass(frozen=True)
class Fold:
    """A straight crease through ``point`` with unit ``normal``. ``shift`` is the relative
    displacement (px) of the paper across it, smoothed over ``width`` px; ``strength`` scales
    its shading (drawn by the photometric part)."""

    point: tuple[float, float]
    normal: tuple[float, float]
    shift: tuple[float, float]
    width: float
    strength: float

    def signed_distance(self, pts: np.ndarray) -> np.ndarray:
        return (pts - self.point) @ np.asarray(self.normal)


@dataclass(frozen=True)
class FoldShift(Stage):
    """Paper on either side of a crease shifted by +-shift/2, blended smoothly across it."""

    fold: Fold

    def forward(self, pts: np.ndarray) -> np.ndarray:
        s = self.fold.signed_distance(pts) / self.fold.width
        return pts + np.tanh(s)[:, None] * (0.5 * np.asarray(self.fold.shift))


@dataclass(frozen=True)
class BookCurl(Stage):
    """Curvature of a bound book page seen from above, strongest at the spine.

    With ``u`` the distance from the spine as a fraction of the page width and ``h(u) =
    (1 - u/reach)^2`` on ``[0, reach]`` (continued C1 beyond the spine), the page surface dips
    by ``depth * h(u)`` (relative to the camera distance), so rows are pulled toward the optical
    centre row ``cy`` (text lines bend); the tilted surface near the spine is foreshortened by
    ``compress`` (x squeezed); ``lift`` (px) bends all rows one way. Monotone in x for
    ``compress < 1``.
    """

    width: float
    spine: str  # "left" or "right"
    reach: float
    depth: float
    compress: float
    cy: float
    lift: float

    def forward(self, pts: np.ndarray) -> np.ndarray:
        x, y = pts[:, 0], pts[:, 1]
        sign = 1.0 if self.spine == "left" else -1.0
        u = (x if sign > 0 else self.width - 1 - x) / self.width
        t = np.clip(1 - u / self.reach, 0.0, None)
        # x: foreshortening g(u) = c*reach/3*(1-u/reach)^3, continued linearly beyond the spine
        g = np.where(u >= 0, self.compress * self.reach / 3 * t**3,
                     self.compress * (self.reach / 3 - u))
        h = np.where(t <= 1, t * t, 2 * t - 1)  # C1 beyond the spine: no kink for the remap grid
        k = 1.0 / (1.0 + self.depth * h)
        return np.stack([x + sign * self.width * g, self.cy + (y - self.cy) * k + self.lift * h], 1)


@dataclass(eq=False)
class Warp:
    """A composed geometric transform from the clean page to the degraded image."""

    in_size: tuple[int, int]  # (width, height) of the clean page
    out_size: tuple[int, int]  # (width, height) of the output image
    stages: tuple[Stage, ...] = field(default_factory=tuple)

    def points(self, pts: np.ndarray) -> np.ndarray:
        """(N, 2) clean-page xy -> output xy."""
        p = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        for stage in self.stages:
            p = stage.forward(p)
        return p

    def source_points(self, pts: np.ndarray) -> np.ndarray:
        """(N, 2) output xy -> clean-page xy (numerical inverse)."""
        p = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        for stage in reversed(self.stages):
            p = stage.inverse(p)
        return p

    @cached_property
    def source_map(self) -> np.ndarray:
        """(H, W, 2) float32 clean-page xy of every output pixel (a ``cv2.remap`` map)."""
        w, h = self.out_size
        s = GRID_STEP
        # coarse sample k sits at pixel (k - 0.5) * s - 0.5, so that cv2.resize by s is exact
        # bilinear interpolation and pixel x lands at resized index x + s
        gx = (np.arange(-(-w // s) + 2) - 0.5) * s - 0.5
        gy = (np.arange(-(-h // s) + 2) - 0.5) * s - 0.5
        px, py = np.meshgrid(gx, gy)
        src = self.source_points(np.stack([px.ravel(), py.ravel()], 1)).astype(np.float32)
        coarse = src.reshape(len(gy), len(gx), 2)
        full = cv2.resize(coarse, (len(gx) * s, len(gy) * s), interpolation=cv2.INTER_LINEAR)
        return full[s:s + h, s:s + w]

    def image(self, img: np.ndarray, *, nearest: bool = False, border_value=0) -> np.ndarray:
        """Warp an image of the clean page's size; ``nearest=True`` copies source values exactly
        (label maps of any dtype keep only values they had, plus ``border_value`` outside)."""
        if img.shape[:2] != (self.in_size[1], self.in_size[0]):
            raise ValueError(f"image is {img.shape[1]}x{img.shape[0]}, warp expects "
                             f"{self.in_size[0]}x{self.in_size[1]}")
        if img.ndim == 3 and img.shape[2] > 4:  # cv2.remap handles at most 4 channels
            border = np.broadcast_to(np.asarray(border_value), (img.shape[2],))
            return np.dstack([self.image(img[..., i:i + 4], nearest=nearest,
                                         border_value=border[i:i + 4])
                              for i in range(0, img.shape[2], 4)])
        if nearest:
            if img.dtype.type in _NEAREST_DTYPES:
                return _remap(img, self.source_map, cv2.INTER_NEAREST, border_value)
            return _gather(img, self.source_map, border_value)
        if img.dtype.type not in _LINEAR_DTYPES:
            return self.image(img.astype(np.float32), border_value=border_value).astype(img.dtype)
        return _remap(img, self.source_map, cv2.INTER_LINEAR, border_value)

    def outline(self, samples_per_side: int = 64) -> np.ndarray:
        """The clean page's border mapped to the output, as an (M, 2) closed polyline."""
        return self.points(page_outline(self.in_size, samples_per_side))


def _remap(img: np.ndarray, source_map: np.ndarray, interp: int, border_value) -> np.ndarray:
    border = np.asarray(border_value, np.float64).ravel()
    border = tuple(float(b) for b in (np.resize(border, 4) if border.size == 1 else
                                      np.pad(border, (0, 4 - border.size))))
    return cv2.remap(img, source_map, None, interp, borderMode=cv2.BORDER_CONSTANT,
                     borderValue=border)


def _gather(img: np.ndarray, source_map: np.ndarray, border_value) -> np.ndarray:
    h, w = img.shape[:2]
    xi = np.rint(source_map[..., 0]).astype(np.int32)
    yi = np.rint(source_map[..., 1]).astype(np.int32)
    inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    out = img[np.where(inside, yi, 0), np.where(inside, xi, 0)]
    out[~inside] = border_value
    return out


def page_outline(size: tuple[int, int], samples_per_side: int = 64) -> np.ndarray:
    """Points along the border of a (width, height) page, clockwise from the top-left corner."""
    w, h = size[0] - 1.0, size[1] - 1.0
    t = np.linspace(0.0, 1.0, samples_per_side, endpoint=False)
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h], [0, 0]], dtype=np.float64)
    return np.concatenate([a + t[:, None] * (b - a) for a, b in zip(corners[:-1], corners[1:])])


def fit_canvas(in_size: tuple[int, int], stages: Sequence[Stage],
               margins: tuple[float, float, float, float] = (0, 0, 0, 0)) -> Warp:
    """Translate the chain's output so the whole page fits, with (left, top, right, bottom) px
    margins around its bounding box; consecutive homographies are merged into one."""
    outline = Warp(in_size, in_size, tuple(stages)).outline()
    lo, hi = outline.min(0), outline.max(0)
    left, top, right, bottom = margins
    shift = np.array([[1, 0, left - lo[0]], [0, 1, top - lo[1]], [0, 0, 1]], dtype=np.float64)
    out_size = (int(np.ceil(hi[0] - lo[0] + left + right)) + 1,
                int(np.ceil(hi[1] - lo[1] + top + bottom)) + 1)
    return Warp(in_size, out_size, _merge_homographies([*stages, Homography(shift)]))


def _merge_homographies(stages: Sequence[Stage]) -> tuple[Stage, ...]:
    merged: list[Stage] = []
    for stage in stages:
        if isinstance(stage, Homography) and merged and isinstance(merged[-1], Homography):
            stage = Homography(stage.matrix @ merged.pop().matrix)
        merged.append(stage)
    return tuple(merged)


def rotation(size: tuple[int, int], degrees: float) -> Homography:
    """Rotation about the page centre (positive: counter-clockwise on screen)."""
    m = cv2.getRotationMatrix2D(((size[0] - 1) / 2, (size[1] - 1) / 2), degrees, 1.0)
    return Homography(np.vstack([m, [0, 0, 1]]))


def perspective(size: tuple[int, int], corners: np.ndarray) -> Homography:
    """The homography taking the page corners (TL, TR, BR, BL) to ``corners``."""
    w, h = size[0] - 1, size[1] - 1
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    return Homography(cv2.getPerspectiveTransform(src, np.float32(corners)).astype(np.float64))


def random_wobble(size: tuple[int, int], rng: np.random.Generator, amplitude: float,
                  waves: int = 4) -> Wobble:
    """Elastic wobble of about ``amplitude`` px with wavelengths of 1/4 to 1 page width."""
    lam = rng.uniform(0.25, 1.0, waves) * max(size)
    theta = rng.uniform(0, 2 * np.pi, waves)
    k = (2 * np.pi / lam)[:, None] * np.stack([np.cos(theta), np.sin(theta)], 1)
    amp = rng.normal(0, amplitude / np.sqrt(waves), (waves, 2))
    return Wobble(np.column_stack([k, rng.uniform(0, 2 * np.pi, waves), amp]))


def random_book_curl(size: tuple[int, int], rng: np.random.Generator, spine: str,
                     strength: float) -> BookCurl:
    """Book-page curvature at the ``spine`` side; ``strength`` 1 is a clearly bent page."""
    w, h = size
    return BookCurl(width=float(w), spine=spine, reach=rng.uniform(0.2, 0.45),
                    depth=strength * rng.uniform(0.03, 0.09),
                    compress=min(0.6, strength * rng.uniform(0.15, 0.45)),
                    cy=h * rng.uniform(0.35, 0.65), lift=strength * rng.normal(0, 0.012) * h)


def random_perspective(size: tuple[int, int], rng: np.random.Generator,
                       strength: float) -> Homography:
    """A phone held at an angle: keystone tilt about both axes, corner jitter, slight zoom out."""
    w, h = size[0] - 1, size[1] - 1
    tilt_x, tilt_y = strength * rng.uniform(-0.07, 0.07, 2)  # relative shrink of an edge
    jitter = strength * rng.normal(0, 0.012, (4, 2)) * (w, h)
    c = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    c[:2, 0] += np.array([1, -1]) * max(tilt_x, 0) * w / 2  # top edge shorter
    c[2:, 0] += np.array([-1, 1]) * max(-tilt_x, 0) * w / 2  # bottom edge shorter
    c[[0, 3], 1] += np.array([1, -1]) * max(tilt_y, 0) * h / 2  # left edge shorter
    c[[1, 2], 1] += np.array([1, -1]) * max(-tilt_y, 0) * h / 2  # right edge shorter
    scale = rng.uniform(0.8, 1.0)
    return perspective(size, (c + jitter - (w / 2, h / 2)) * scale + (w / 2, h / 2))
