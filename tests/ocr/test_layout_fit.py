"""Fitting a template on ruling masks: every row beside a skewed page's paper edges, and every block
frame of a 2006 page when one is open at a corner."""

import cv2
import numpy as np
import pytest

from ocr.layout.classical import fit_grid
from ocr.layout.template_match import block_frames, column_bounds
from ocr.templates import load_template

W, H = 1900, 2200
X0, X1, TOP, BODY, PITCH = 300, 1600, 180, 236, 50
FRAMES = [(57, 138, 988, 728), (1012, 138, 1943, 728), (57, 752, 988, 1342), (1012, 752, 1943, 1342)]


def _masks(rows: int, paper_edges: bool) -> tuple[np.ndarray, np.ndarray]:
    """The ruling of a ks_dense table as a deskewed 7-degree page shows it: ``rows`` record rows
    under a header, and (``paper_edges``) the paper's two long edges well outside the table, as
    long as its column rules (the corners of the rotated sheet cut them short)."""
    template = load_template("ks_dense")
    hmask, vmask = np.zeros((H, W), np.uint8), np.zeros((H, W), np.uint8)
    bottom = BODY + rows * PITCH
    for y in [TOP, *range(BODY, bottom + 1, PITCH)]:
        cv2.line(hmask, (X0, y), (X1, y), 255, 3)
    for x in column_bounds(template.layout.pages["single"].columns, X0, X1):
        cv2.line(vmask, (int(x), TOP), (int(x), bottom), 255, 3)
    if paper_edges:
        cv2.line(vmask, (100, 280), (100, 1700), 255, 3)
        cv2.line(vmask, (1800, 330), (1800, bottom - 20), 255, 3)
    return hmask, vmask


@pytest.mark.parametrize("paper_edges", [False, True], ids=["table", "table+paper-edges"])
def test_every_row_is_found_beside_paper_edges(paper_edges: bool) -> None:
    slots, warnings = fit_grid(*_masks(36, paper_edges), load_template("ks_dense"), None)
    assert len(slots.records) == 36, warnings
    tops = [float(np.asarray(poly)[:, 1].min()) for poly, _ in slots.records]
    assert tops == pytest.approx(list(range(BODY, BODY + 36 * PITCH, PITCH)), abs=4)


def _frames(open_corner: bool) -> np.ndarray:
    """The four block frames of a ks_2006 page (2000 px wide); ``open_corner``: the top-right
    frame's top rule stops short of its right rule, which starts lower (a curled corner)."""
    mask = np.zeros((1414, 2000), np.uint8)
    for x0, y0, x1, y1 in FRAMES:
        cv2.rectangle(mask, (x0, y0), (x1, y1), 255, 3)
    if open_corner:
        x0, y0, x1, y1 = FRAMES[1]
        cv2.rectangle(mask, (x1 - 14, y0 - 2), (x1 + 2, y0 + 9), 0, -1)
    return mask


@pytest.mark.parametrize("open_corner", [False, True], ids=["closed", "open-corner"])
def test_block_frames_are_found_with_an_open_corner(open_corner: bool) -> None:
    quads, opened = block_frames(_frames(open_corner), load_template("ks_2006"))
    assert len(quads) == 4 and opened == int(open_corner)
    for quad, (x0, y0, x1, y1) in zip(quads, FRAMES):
        assert quad == pytest.approx(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]), abs=6)
