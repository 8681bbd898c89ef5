"""The layout interface: what every layout analyzer takes and returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from ocr.schema import Record, Region, TableGrid
from ocr.templates import LedgerTemplate


@dataclass
class LayoutResult:
    """What a layout analyzer found on one page, in the input image's pixel coordinates.

    ``records`` are schema records whose fields carry the slot (``region``) and the text lines
    found in it (text empty, status empty). ``angle`` is the skew (degrees, counter-clockwise)
    and ``orientation`` the quarter turn (0/90/180/270) that were corrected before analysis.
    """

    grid: TableGrid | None
    records: list[Record] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    side: str = "single"
    angle: float = 0.0
    orientation: int = 0
    warnings: list[str] = field(default_factory=list)


@runtime_checkable
class LayoutAnalyzer(Protocol):
    """Finds the table grid, records, field slots and text lines of a ledger page."""

    name: str

    def analyze(self, image: np.ndarray, template: LedgerTemplate, side: str | None = None) -> LayoutResult:
        """Analyze an RGB page image (H x W x 3, uint8) printed from ``template``; ``side`` is the
        side of a spread ("left"/"right"/"single") or None to infer it."""
        ...
