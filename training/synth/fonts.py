"""Font registry for synthetic ledgers: handwriting fonts and the printed-header serif.

Every registered handwriting font covers every Vietnamese letter with every tone mark, upper
and lower case, digits and ledger punctuation (:func:`vietnamese_coverage`). Fonts are drawn
with ``ImageFont.Layout.BASIC``: raqm (HarfBuzz) misplaces or drops stacked marks with several
of these fonts (e.g. Mali, Oooh Baby, Dancing Script lose the circumflex of "Ậ" in running
text); drawing one precomposed NFC character at a time needs no shaping.
"""
from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr.text import REQUIRED_CHARS, TONE_MARKS, VIETNAMESE_LETTERS  # noqa: F401 (re-exported)

FONT_DIR = Path(__file__).with_name("fonts")

# Target x-height as a fraction of WriterStyle.size_px; size_scale brings each font to it.
TARGET_X_HEIGHT = 0.42
_SCALE_LIMITS = (0.8, 1.3)  # keep fonts with tiny x-height from growing huge capitals


@dataclass(frozen=True)
class FontSpec:
    """A handwriting font and how to use it.

    ``size_scale`` multiplies the nominal size so that x-heights match across fonts;
    ``x_height_ratio`` and ``stroke_ratio`` are the font's x-height and stroke width per
    pixel of font size (measured), ``native_slant`` its built-in slant; ``cursive`` marks joined
    scripts (little extra letter spacing); ``compose`` lists letters whose precomposed glyph
    is wrong in the font and is drawn as base letter + tone-mark glyph instead.
    """

    name: str
    path: Path
    weight: float
    size_scale: float = 1.0
    layout_engine: int = ImageFont.Layout.BASIC
    cursive: bool = False
    x_height_ratio: float = TARGET_X_HEIGHT
    stroke_ratio: float = 0.06
    native_slant: float = 0.0
    compose: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class _Entry:
    name: str
    source: str  # a vendored file name in FONT_DIR, or "fontpkg:<Family>"
    weight: float
    slant: float = 0.0  # built-in slant (shear), judged by eye
    cursive: bool = False
    compose: str = ""
    pages: bool = True  # False: training lines only (see handwriting_fonts)


# Weights: how much each font looks like a 1995-2006 ledger hand (ballpoint/fountain pen,
# school cursive or neat print). Pacifico (heavy brush sign-writing) is left out.
_REGISTRY: tuple[_Entry, ...] = (
    _Entry("Dancing Script", "fontpkg:Dancing Script", 1.0, 0.25, cursive=True,
           compose="ẪẫỄễỖỗ"),  # these carry a breve instead of the circumflex
    _Entry("Patrick Hand", "PatrickHand-Regular.ttf", 1.0),
    _Entry("Charm", "Charm-Regular.ttf", 0.5, 0.2),
    _Entry("Ms Madi", "MsMadi-Regular.ttf", 0.5, 0.35, cursive=True),
    _Entry("Oooh Baby", "OoohBaby-Regular.ttf", 0.7, 0.3, cursive=True),
    _Entry("Playpen Sans", "PlaypenSans-Regular.ttf", 0.3),
    _Entry("Mali", "Mali-Regular.ttf", 0.3),
    _Entry("Indie Flower", "fontpkg:Indie Flower", 0.5,
           compose="ỒỐỔỖ"),  # tone mark fused into the circumflex, unreadable
    _Entry("Great Vibes", "fontpkg:Great Vibes", 0.2, 0.35, cursive=True),
    # Added for the line generator's realism (models/htr.md, "Trained on synthetic lines only");
    # kept off rendered pages until the layout model and the calibration have seen them.
    _Entry("Playwrite VN", "PlaywriteVN-Regular.ttf", 1.0, 0.1, cursive=True,
           pages=False),  # Vietnamese school cursive (Bộ GD&ĐT letterforms)
    _Entry("Grape Nuts", "GrapeNuts-Regular.ttf", 0.8, 0.15, pages=False),
    _Entry("Pangolin", "Pangolin-Regular.ttf", 0.7, pages=False),
    _Entry("Charmonman", "Charmonman-Regular.ttf", 0.4, 0.15, cursive=True, pages=False),
    _Entry("Sriracha", "Sriracha-Regular.ttf", 0.3, 0.1, pages=False),
    _Entry("Square Peg", "SquarePeg-Regular.ttf", 1.0, 0.05, pages=False),
    _Entry("Mynerve", "Mynerve-Regular.ttf", 0.8, pages=False),
    _Entry("Moon Dance", "MoonDance-Regular.ttf", 0.6, 0.1, pages=False),
    _Entry("Sedgwick Ave", "SedgwickAve-Regular.ttf", 0.6, pages=False),
    _Entry("Grey Qo", "GreyQo-Regular.ttf", 0.5, 0.2, cursive=True, pages=False),
    _Entry("Comforter", "Comforter-Regular.ttf", 0.5, 0.2, cursive=True, pages=False),
    _Entry("Fuggles", "Fuggles-Regular.ttf", 0.3, 0.1, pages=False),
    _Entry("Caramel", "Caramel-Regular.ttf", 0.3, 0.15, pages=False),
    _Entry("Gwendolyn", "Gwendolyn-Regular.ttf", 0.3, 0.2, cursive=True, pages=False),
    _Entry("Send Flowers", "SendFlowers-Regular.ttf", 0.2, 0.1, cursive=True, pages=False),
)


def _resolve(source: str) -> Path | None:
    if source.startswith("fontpkg:"):
        try:
            import fontpkg
            return Path(fontpkg.path(source.removeprefix("fontpkg:")))
        except Exception:  # fontpkg or the family package not installed
            return None
    path = FONT_DIR / source
    return path if path.exists() else None


@lru_cache(maxsize=64)
def font_cmap(path: str | Path) -> frozenset[str]:
    """Characters the font maps to a glyph."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(chr(c) for c in font.getBestCmap())


def vietnamese_coverage(path: str | Path, chars: frozenset[str] = REQUIRED_CHARS) -> set[str]:
    """The characters of *chars* (default: all Vietnamese letters, digits, ledger punctuation)
    that the font at *path* has no glyph for; empty means full coverage."""
    return set(chars) - font_cmap(str(path))


@lru_cache(maxsize=1024)
def pil_font(path: str, size: float, engine: int = ImageFont.Layout.BASIC) -> ImageFont.FreeTypeFont:
    """Cached Pillow font."""
    return ImageFont.truetype(path, size, layout_engine=engine)


def _ink(font: ImageFont.FreeTypeFont, text: str) -> np.ndarray:
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    img = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(img).text((2 - left, 2 - top), text, font=font, fill=255, anchor="ls")
    return np.asarray(img) > 127


@lru_cache(maxsize=64)
def measure_font(path: str) -> tuple[float, float]:
    """(x-height, stroke width) of a font per pixel of font size.

    x-height is OS/2 sxHeight when the font sets it (script fonts' "x" has flourishes),
    else the ink height of "x"; stroke width from the mean distance-to-background over the
    ink of "nmuo" at 100 px (a straight stroke w px wide has mean w/4 + 1/2).
    """
    from fontTools.ttLib import TTFont

    size = 100
    font = pil_font(path, size)
    with TTFont(path, lazy=True) as tt:
        sx_height = getattr(tt["OS/2"], "sxHeight", 0) / tt["head"].unitsPerEm
    if sx_height <= 0:
        _, top, _, bottom = font.getbbox("x", anchor="ls")
        sx_height = (bottom - top) / size
    ink = _ink(font, "nmuo")
    dist = cv2.distanceTransform(ink.astype(np.uint8), cv2.DIST_L2, 5)
    return sx_height, 4.0 * (float(dist[ink].mean()) - 0.5) / size


def split_tone(ch: str) -> tuple[str, str]:
    """(letter without its tone mark, tone mark or "") of one NFC character."""
    nfd = unicodedata.normalize("NFD", ch)
    tone = "".join(c for c in nfd if c in TONE_MARKS)
    base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in TONE_MARKS))
    return base, tone


def make_spec(name: str, path: Path, weight: float, *, slant: float = 0.0,
              cursive: bool = False, compose: str = "") -> FontSpec:
    """A FontSpec with measured metrics; raises if a compose letter cannot be composed."""
    compose_set = frozenset(unicodedata.normalize("NFC", compose))
    cmap = font_cmap(str(path))
    for ch in compose_set:
        base, tone = split_tone(ch)
        if len(tone) != 1 or base not in cmap or tone not in cmap:
            raise ValueError(f"{name}: cannot compose {ch!r} from {base!r} + {tone!r}")
    x_height, stroke = measure_font(str(path))
    scale = float(np.clip(TARGET_X_HEIGHT / x_height, *_SCALE_LIMITS))
    return FontSpec(name=name, path=path, weight=weight, size_scale=scale, cursive=cursive,
                    x_height_ratio=x_height, stroke_ratio=stroke, native_slant=slant,
                    compose=compose_set)


def handwriting_fonts(*, line_fonts: bool = False) -> list[FontSpec]:
    """Registered handwriting fonts that are installed and cover every Vietnamese letter: those
    drawn on rendered pages, and with *line_fonts* also those kept to training lines."""
    return list(_registered_fonts(line_fonts))


@lru_cache(maxsize=2)
def _registered_fonts(line_fonts: bool) -> tuple[FontSpec, ...]:
    specs = []
    for entry in _REGISTRY:
        if not (entry.pages or line_fonts):
            continue
        path = _resolve(entry.source)
        if path is None or vietnamese_coverage(path):
            continue
        specs.append(make_spec(entry.name, path, entry.weight, slant=entry.slant,
                               cursive=entry.cursive, compose=entry.compose))
    if not specs:
        raise RuntimeError(f"no handwriting font found (vendored fonts in {FONT_DIR})")
    return tuple(specs)


def _cache_dir() -> Path:
    root = os.environ.get("HOTICH_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") \
        or Path.home() / ".cache"
    path = Path(root) / "hotich" / "fonts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _static_instance(src: Path, axes: dict[str, float], stem: str) -> Path:
    """A static instance of a variable font at *axes*, trimmed to Latin + Vietnamese,
    built once (about 1 s) and cached on disk."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    from .fontbuild import KEEP_UNICODES

    stat = src.stat()
    key = hashlib.sha1(f"{src}|{stat.st_size}|{stat.st_mtime_ns}|{sorted(axes.items())}"
                       .encode()).hexdigest()[:10]
    out = _cache_dir() / f"{stem}-{key}.ttf"
    if out.exists():
        return out
    font = TTFont(src)
    opts = subset.Options()
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.hinting = False
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=KEEP_UNICODES)
    sub.subset(font)
    static = instancer.instantiateVariableFont(font, axes)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    static.save(tmp)
    os.replace(tmp, out)
    return out


def print_font(bold: bool = False) -> Path:
    """Noto Serif (full Vietnamese coverage) for printed headers.

    Noto Serif ships as one variable font [wdth,wght] whose default instance is Regular, so
    regular is the fontpkg file itself; bold is a static wght=700 instance cached on disk,
    so that ``ImageFont.truetype(print_font(bold=True), size)`` renders bold.
    """
    import fontpkg

    src = Path(fontpkg.path("Noto Serif"))
    if not bold:
        return src
    return _static_instance(src, {"wght": 700, "wdth": 100}, "NotoSerif-Bold")
