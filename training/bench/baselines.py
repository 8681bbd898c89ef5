"""Baseline line recognizers behind the same ``recognize(images)`` interface as ours.

- Tesseract 5 with Vietnamese: :mod:`ocr.htr.tesseract` (no training dependencies, so the
  drafting pipeline's evaluation can use it too).
- PaddleOCR's PP-OCRv6 recognizer as shipped (ONNX, offline) in rapidocr 3.x, run on the line
  crop alone: no detection, no orientation classifier. Its charset has no Vietnamese tone
  marks, so it cannot read most Vietnamese words exactly.

Neither is tuned: both run with their defaults on the line images as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

import cv2
import numpy as np

from ocr.htr.tesseract import TESSERACT_INSTALL, NotInstalled, Read, TesseractLines

__all__ = ["NotInstalled", "RAPIDOCR_INSTALL", "RapidOcrLines", "Read", "TESSERACT_INSTALL", "TesseractLines"]

RAPIDOCR_INSTALL = "pip install -e '.[bench]' (rapidocr>=3)"


class RapidOcrLines:
    """rapidocr 3.x's recognition model alone (PP-OCRv6, ONNX Runtime), batched as rapidocr does."""

    def __init__(self, threads: int = 1) -> None:
        try:
            from rapidocr import RapidOCR
            release = version("rapidocr")
        except (ImportError, PackageNotFoundError):
            raise NotInstalled(f"not installed: {RAPIDOCR_INSTALL}") from None
        if int(release.split(".")[0]) < 3:
            raise NotInstalled(f"not installed: rapidocr {release} is too old; {RAPIDOCR_INSTALL}")
        self.engine = RapidOCR(params={
            "Global.use_det": False, "Global.use_cls": False, "Global.log_level": "warning",
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        })
        self.engine.recognize_txt([np.full((48, 96, 3), 255, np.uint8)])  # load the model now, untimed
        rec = self.engine.cfg.Rec
        model = " ".join(str(getattr(v, "value", v)) for v in (rec.ocr_version, "rec", rec.model_type))
        self.description = f"rapidocr {release}, {model}, recognition only"

    def recognize(self, images: Sequence[np.ndarray], *, beam_width: int = 1) -> list[Read]:
        bgr = [cv2.cvtColor(im, cv2.COLOR_GRAY2BGR) if im.ndim == 2 else im for im in images]
        return [Read(text) for text in self.engine.recognize_txt(bgr).txts]
