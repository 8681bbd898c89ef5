"""Page layout: table grid, records, field slots and text lines of ledger pages."""

from collections.abc import Callable
from functools import lru_cache

from ocr.layout.base import LayoutAnalyzer, LayoutResult
from ocr.layout.classical import ClassicalLayoutAnalyzer
from ocr.registry import active_model_path

def _classical_ppocr() -> ClassicalLayoutAnalyzer:
    from ocr.layout.ppocr_lines import PPOCRLineFinder  # rapidocr is optional: import on demand

    return ClassicalLayoutAnalyzer(line_finder=PPOCRLineFinder())


def _learned(headers: bool = True) -> LayoutAnalyzer:
    from ocr.layout.learned import LearnedLayoutAnalyzer

    return LearnedLayoutAnalyzer(headers=headers)


ANALYZERS: dict[str, Callable[[], LayoutAnalyzer]] = {
    "learned": _learned,  # U-Net maps (models/layout.onnx) + template fitting by headers and widths
    "classical": ClassicalLayoutAnalyzer,
    "classical+ppocr": _classical_ppocr,  # classical grid, PP-OCR text lines
    "learned-widths": lambda: _learned(headers=False),  # columns matched by the template's widths alone
    "classical-widths": lambda: ClassicalLayoutAnalyzer(headers=False),
}


def get_analyzer(name: str) -> LayoutAnalyzer:
    """A layout analyzer by name (one explicit name -> factory mapping)."""
    if name not in ANALYZERS:
        raise ValueError(f"unknown layout analyzer {name!r}; known: {', '.join(ANALYZERS)}")
    return ANALYZERS[name]()


def shared_analyzer(name: str) -> LayoutAnalyzer:
    """One analyzer per name and active model for the whole process (analyzers keep no per-page
    state; a learned one holds its model session, hundreds of MB that need not be loaded twice). A
    promotion (``hotich models promote``) is picked up at the next call."""
    return _shared(name, str(active_model_path("layout")) if name == "learned" else "")


@lru_cache(maxsize=2)
def _shared(name: str, model: str) -> LayoutAnalyzer:
    return get_analyzer(name)


__all__ = ["ANALYZERS", "ClassicalLayoutAnalyzer", "LayoutAnalyzer", "LayoutResult", "get_analyzer", "shared_analyzer"]
