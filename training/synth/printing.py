"""The printed layer of a ledger page: ruling, dotted lines, titles, headers and labels."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr.schema import Line, Region
from training.synth.canvas import Canvas
from training.synth.fonts import print_font
from training.synth.layout import Box, PageGeom, PrintedText

PRINT_INKS = ((28, 28, 32), (35, 38, 70), (55, 40, 75), (45, 45, 45))  # black, blue-black, violet, grey
HAND_RULE_INKS = ((40, 50, 120), (30, 30, 35), (70, 40, 110))


def rule_thickness(weight: float, px_per_mm: float) -> int:
    """The pen width in px of a rule of ``weight`` (px at 4.8 px/mm) on a page of ``px_per_mm``."""
    return max(1, int(round(weight * px_per_mm / 4.8)))


@lru_cache(maxsize=64)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(print_font(bold=bold)), size, layout_engine=ImageFont.Layout.BASIC)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    lines, cur = [], ""
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if cur and font.getlength(trial) > width:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    return lines + ([cur] if cur else [])


def _layout_text(pt: PrintedText) -> tuple[ImageFont.FreeTypeFont, list[str], float]:
    """The largest size (up to the requested one) at which the wrapped text fits its box."""
    size = pt.size
    while True:
        font = _font(max(6, int(size)), pt.bold)
        lines = _wrap(pt.text, font, pt.box.w)
        pitch = size * 1.25
        fits = len(lines) * pitch <= pt.box.h and all(font.getlength(ln) <= pt.box.w for ln in lines)
        if fits or size <= 7:
            return font, lines, pitch
        size *= 0.9


class PrintLayer:
    """Draws the printed parts of a page and describes the printed text as regions."""

    def __init__(self, geom: PageGeom, rng: np.random.Generator) -> None:
        self.geom = geom
        self.ink = PRINT_INKS[int(rng.integers(len(PRINT_INKS)))]
        self.hand_ruled = bool(geom.side == "single" and geom.rows > 30 and rng.random() < 0.5)
        self.rule_ink = HAND_RULE_INKS[int(rng.integers(len(HAND_RULE_INKS)))] if self.hand_ruled else self.ink
        self.rng = rng
        self.regions: list[Region] = []
        # Layout-model targets in clean-page pixels (filled by ``draw`` when ``with_maps``).
        self.maps: dict[str, np.ndarray] = {}

    def draw(self, canvas: Canvas, with_maps: bool = False) -> None:
        """Composite the printed layer onto ``canvas`` (paper colour, not handwriting labels);
        ``with_maps`` also keeps masks of the horizontal and vertical rules and the printed text."""
        g = self.geom
        alpha = np.zeros((g.height, g.width), np.uint8)
        if with_maps:
            self.maps = {k: np.zeros((g.height, g.width), np.uint8) for k in ("hrule", "vrule")}
        for x0, y0, x1, y1, weight in g.rules:
            key = "hrule" if abs(x1 - x0) >= abs(y1 - y0) else "vrule"
            self._rule([alpha, self.maps[key]] if with_maps else [alpha], x0, y0, x1, y1, weight)
        for x0, x1, y in g.dotted:
            for x in np.arange(x0, x1, 7.0):
                cv2.circle(alpha, (int(x), int(y)), 1, 200, -1, cv2.LINE_AA)
        canvas.composite(alpha.astype(np.float32) / 255.0, 0, 0, self.rule_ink)
        text_alpha = Image.new("L", (g.width, g.height), 0)
        draw = ImageDraw.Draw(text_alpha)
        for i, pt in enumerate(g.texts):
            self.regions.append(self._text(draw, pt, f"print{i}"))
        text = np.asarray(text_alpha)
        canvas.composite(text.astype(np.float32) / 255.0, 0, 0, self.ink)
        if with_maps:
            self.maps["print"] = np.where(text > 60, 255, 0).astype(np.uint8)

    def _rule(self, targets: list[np.ndarray], x0: float, y0: float, x1: float, y1: float, weight: float) -> None:
        """Draw one rule into every array of ``targets`` (the same stroke: random draws once)."""
        thickness = rule_thickness(weight, self.geom.px_per_mm)
        if not self.hand_ruled:
            for alpha in targets:
                cv2.line(alpha, (int(x0), int(y0)), (int(x1), int(y1)), 235, thickness, cv2.LINE_AA)
            return
        # A ruler and a pen: a slightly slanted, wavering stroke of uneven pressure.
        n = max(2, int(np.hypot(x1 - x0, y1 - y0) / 40))
        t = np.linspace(0, 1, n)[:, None]
        pts = np.hstack([x0 + (x1 - x0) * t, y0 + (y1 - y0) * t])
        normal = np.array([-(y1 - y0), x1 - x0]) / max(1e-6, np.hypot(x1 - x0, y1 - y0))
        wobble = np.cumsum(self.rng.normal(0, 0.35, n))
        wobble -= np.linspace(wobble[0], wobble[-1], n)
        pts = pts + (wobble + self.rng.normal(0, 1.0))[:, None] * normal
        value = int(self.rng.uniform(170, 235))
        for alpha in targets:
            cv2.polylines(alpha, [pts.astype(np.int32)], False, value, thickness, cv2.LINE_AA)

    def _text(self, draw: ImageDraw.ImageDraw, pt: PrintedText, rid: str) -> Region:
        font, lines, pitch = _layout_text(pt)
        y = pt.box.y0 + max(0.0, (pt.box.h - len(lines) * pitch) / 2)
        out: list[Line] = []
        for k, text in enumerate(lines):
            w = font.getlength(text)
            x = {"left": pt.box.x0, "right": pt.box.x1 - w}.get(pt.align, pt.box.x0 + (pt.box.w - w) / 2)
            draw.text((x, y), text, font=font, fill=255)
            l, t, r, b = draw.textbbox((x, y), text, font=font)
            box = Box(l - 1, t - 1, r + 1, b + 1)
            out.append(Line(id=f"{rid}-l{k}", polygon=[(p[0], p[1]) for p in box.polygon(step=1e9).tolist()],
                            baseline=[(x, y + font.getmetrics()[0]), (x + w, y + font.getmetrics()[0])], text=text))
            y += pitch
        kind = "title" if pt.kind == "title" else "page_number" if pt.kind == "page_number" else "header"
        return Region(id=rid, kind=kind, polygon=[(p[0], p[1]) for p in pt.box.polygon().tolist()],
                      text=pt.text, lines=out)
