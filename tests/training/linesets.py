"""Tiny labelled line sets for the training tests: drawn lines with a labels.tsv."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def write_line_set(root: Path, texts: list[str], width: int = 160) -> Path:
    """``root/<i>.png`` (a drawn "line i") per text and ``root/labels.tsv``; returns the labels file."""
    rows = []
    for i, text in enumerate(texts):
        img = np.full((40, width), 230, np.uint8)
        cv2.putText(img, f"line {i}", (5, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 20, 2)
        cv2.imwrite(str(root / f"{i}.png"), img)
        rows.append(f"{i}.png\t{text}\n")
    (root / "labels.tsv").write_text("".join(rows), encoding="utf-8")
    return root / "labels.tsv"
