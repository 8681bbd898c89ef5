"""The learned analyzer's post-processing on hand-made maps, and its model loading errors."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from ocr.htr.bundle import ModelError
from ocr.layout.classical import lines_in_slots
from ocr.layout.learned import LayoutModel, ink_lines, line_labels
from ocr.layout.maps import MAP_CHANNELS, MapSpec
from ocr.layout.textlines import dotted_rules, join_rows, slot_index, split_at_slots


def _maps(h: int = 60, w: int = 200) -> np.ndarray:
    return np.zeros((len(MAP_CHANNELS), h, w), np.float32)


def _put(maps: np.ndarray, channel: str, y0: int, y1: int, x0: int, x1: int) -> None:
    maps[MAP_CHANNELS.index(channel), y0:y1, x0:x1] = 0.9


def test_touching_lines_are_separated_by_their_cores():
    m = _maps()
    _put(m, "line", 10, 30, 20, 180)   # two line polygons that touch (a multi-line cell)
    _put(m, "line", 30, 50, 20, 150)
    _put(m, "core", 15, 25, 20, 180)
    _put(m, "core", 35, 45, 20, 150)
    inst = line_labels(m)
    first, second = np.unique(inst[10:30, 20:180]), np.unique(inst[30:50, 20:150])
    assert len(first) == 1 and len(second) == 1 and first[0] != second[0] and 0 not in (first[0], second[0])
    assert inst.max() == 2 and not inst[:10].any() and not inst[50:].any()


def test_word_gaps_join_and_vertical_rules_split():
    m = _maps()
    _put(m, "line", 10, 30, 20, 60)
    _put(m, "line", 10, 30, 63, 100)   # the next word, 3 px on: the same line
    _put(m, "core", 15, 25, 20, 60)
    _put(m, "core", 15, 25, 63, 100)
    _put(m, "vrule", 0, 60, 120, 122)  # a column rule: writing beyond it is another cell's line
    _put(m, "line", 10, 30, 125, 170)
    _put(m, "core", 15, 25, 125, 170)
    inst = line_labels(m)
    assert inst[20, 40] == inst[20, 80] != 0
    assert inst[20, 150] not in (0, inst[20, 40])
    assert inst.max() == 2


def test_specks_and_empty_maps_give_no_lines():
    m = _maps()
    assert not line_labels(m).any()
    _put(m, "core", 5, 7, 5, 8)  # 6 px: noise
    assert not line_labels(m).any()


def _written(*lines: tuple[str, int, int]) -> np.ndarray:
    page = np.full((260, 480, 3), 235, np.uint8)
    for text, x, y in lines:
        cv2.putText(page, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (30, 30, 90), 2, cv2.LINE_AA)
    return page


def test_ink_lines_are_outlined_from_their_ink_inside_their_map():
    page = _written(("Nguyen Van An", 40, 50), ("Kinh", 40, 110))
    cv2.line(page, (60, 48), (420, 48), (30, 30, 90), 2)  # a stroke touching the first line runs on
    inst = np.zeros(page.shape[:2], np.int32)
    inst[28:58, 35:240] = 1  # the line maps end where the writing does
    inst[88:118, 35:110] = 2
    found = sorted(ink_lines(page, np.zeros(page.shape[:2], np.uint8), inst), key=lambda pb: pb[0][:, 1].mean())
    assert len(found) == 2
    (p1, b1), (p2, _) = found
    assert p1[:, 0].max() <= 240 + 1 + 3  # ends at the map (+1 px dilation, +3 px padding), not at 420
    assert p1[:, 0].min() <= 40 and p1[:, 1].min() < 35 and p1[:, 1].max() <= 58 + 1 + 3
    assert np.all(b1[:, 1] <= 58 + 1) and 90 < p2[:, 1].mean() < 118


def test_a_line_written_on_dots_is_outlined_without_them():
    page = _written(("Nguyen Van An", 40, 50))
    for x in range(20, 420, 8):  # a dotted writing line touching the writing's feet, 4 px dots 1.6 mm apart
        cv2.rectangle(page, (x, 53), (x + 3, 56), (30, 30, 90), -1)
    inst = np.zeros(page.shape[:2], np.int32)
    inst[28:62, 15:425] = 1  # the map covers the dots, as it does at its coarse scale
    grey = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    dots = dotted_rules((grey < 128).astype(np.uint8) * 255, px_per_mm=5.0)
    assert dots[53:57].sum() > 0.8 * 255 * 16 * 50 and dots[:50].sum() == 0  # the dots, and no writing
    (with_dots, _), = ink_lines(page, np.zeros(page.shape[:2], np.uint8), inst)
    (without, _), = ink_lines(page, dots, inst)
    assert with_dots[:, 0].max() > 400 and with_dots[:, 1].max() > 55  # runs along the dots
    assert without[:, 0].max() < 300 and without[:, 1].max() < with_dots[:, 1].max()


def test_a_map_line_holding_two_written_lines_is_split():
    page = _written(("Xa Hop Thanh", 40, 50), ("Huyen Phu Luong", 40, 90), ("Kinh", 40, 160), ("Nam", 40, 210))
    inst = np.zeros(page.shape[:2], np.int32)
    inst[25:100, 35:300] = 1  # two written lines under one map line (too close for the map's scale)
    inst[135:168, 35:110] = 2
    inst[185:218, 35:110] = 3
    found = ink_lines(page, np.zeros(page.shape[:2], np.uint8), inst)
    tops = sorted(round(p[:, 1].min()) for p, _ in found)
    assert len(found) == 4 and tops[1] - tops[0] > 25


def test_map_spec_pads_to_a_multiple_and_keeps_aspect():
    spec = MapSpec(long_side=100, multiple=16)
    x = spec.tensor(np.zeros((50, 200, 3), np.uint8))
    assert x.shape == (1, 3, 32, 112)
    assert x[0, :, :25, :100].max() == 0 and x[0, :, 25:, :].min() == 1 and x[0, :, :, 100:].min() == 1


def test_a_missing_or_wrong_model_says_what_to_do(tmp_path: Path):
    with pytest.raises(ModelError, match="hotich export layout"):
        LayoutModel(tmp_path / "none.onnx")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a readable ONNX model"):
        LayoutModel(bad)
    htr = Path(__file__).resolve().parents[2] / "models" / "htr.onnx"
    with pytest.raises(ModelError, match="not a layout model"):
        LayoutModel(htr)


def _box(x0: float, y0: float, x1: float, y1: float) -> tuple[np.ndarray, np.ndarray]:
    poly = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)
    return poly, np.array([[x0, y1], [x1, y1]], float)


def test_pieces_of_one_written_line_are_joined_left_to_right_and_rows_read_top_down():
    # "Phú" and "Thọ" found as two lines, "Thọ" written a little higher: one line, in that order
    rows = join_rows([_box(10, 0, 90, 30), _box(120, 102, 160, 138), _box(20, 40, 100, 75), _box(40, 105, 100, 140)])
    assert len(rows) == 3
    tops = [p[:, 1].min() for p, _ in rows]
    assert tops == sorted(tops)
    last, base = rows[2]
    assert last[:, 0].min() <= 40 and last[:, 0].max() >= 160  # one outline over both pieces
    assert 102 <= last[:, 1].min() <= 105 and 138 <= last[:, 1].max() <= 141  # within a pixel
    assert np.all(np.diff(base[:, 0]) >= 0) and len(base) == 4
    inside = np.zeros((150, 170), np.uint8)
    cv2.fillPoly(inside, [np.round(last).astype(np.int32)], 1)
    assert inside[120, 70] and inside[120, 140] and inside[120, 110]  # both pieces and the gap


def test_lines_in_slots_order_pieces_by_row_then_by_x():
    slot = np.array([[0, 0], [200, 0], [200, 200], [0, 200]], float)
    found = [_box(120, 10, 180, 40), _box(20, 12, 100, 42), _box(20, 60, 150, 95)]
    (lines,) = lines_in_slots(found, [slot], (200, 200))
    assert len(lines) == 2 and lines[0][0][:, 0].min() <= 20 and lines[0][0][:, 0].max() >= 180
    assert lines[1][0][:, 1].min() >= 55


def _cells(*edges: float, top: float = 0, bottom: float = 60) -> list[np.ndarray]:
    return [np.array([[a, top], [b, top], [b, bottom], [a, bottom]], float) for a, b in zip(edges, edges[1:])]


def test_a_line_written_across_three_cells_is_cut_at_their_edges():
    # "1242 31/07/96 Vũ Trung Đại": number, date and name touching, found as one line 40 px high
    cells = _cells(0, 60, 180, 400)
    line = _box(5, 10, 390, 50)
    pieces = split_at_slots(line, slot_index(cells, (60, 400)))
    assert [k for k, _ in pieces] == [0, 1, 2]
    spans = [(p[:, 0].min(), p[:, 0].max()) for _, (p, _) in pieces]
    assert spans[0][0] <= 5 and abs(spans[0][1] - 60) <= 1 and abs(spans[1][0] - 60) <= 1
    assert abs(spans[1][1] - 180) <= 1 and spans[2][1] >= 389
    for _, (p, base) in pieces:  # each baseline stays within its piece
        assert p[:, 0].min() <= base[:, 0].min() and base[:, 0].max() <= p[:, 0].max()
    (slot0, slot1, slot2) = lines_in_slots([line], cells, (60, 400))
    assert len(slot0) == len(slot1) == len(slot2) == 1


def test_a_stroke_over_a_cells_edge_or_a_tone_mark_in_the_row_above_is_not_cut_off():
    cells = _cells(0, 200, 400)
    over_edge = _box(20, 10, 220, 50)  # 20 px past the edge: half a line height
    assert [k for k, _ in split_at_slots(over_edge, slot_index(cells, (60, 400)))] == [0]
    rows = _cells(0, 200, top=0, bottom=30) + _cells(0, 200, top=30, bottom=90)
    tall = _box(20, 15, 180, 80)  # a line of the lower row whose tone marks reach the row above
    ((k, piece),) = split_at_slots(tall, slot_index(rows, (90, 200)))
    assert k == 1 and piece[0] is tall[0]
    assert split_at_slots(_box(250, 10, 300, 50), slot_index(cells[:1], (60, 400))) == []


def test_a_printed_label_above_the_writing_joins_no_line():
    """A small printed label of the row above ("Quoc tich") that the line map takes in with the writing
    under it was outlined and read with it ("Quoc" in a 2006 book's place); the printed-text map marks
    it, and its ink is left out."""
    page = _written(("Quoc tich", 300, 40), ("Thon Hoa Binh", 40, 90))
    inst = np.zeros(page.shape[:2], np.int32)
    inst[20:100, 35:440] = 1  # one map line holding the label and the writing
    printed = np.zeros(page.shape[:2], bool)
    printed[20:46, 295:440] = True
    rules = np.zeros(page.shape[:2], np.uint8)
    (taken_in, _), = ink_lines(page, rules, inst)
    assert taken_in[:, 1].min() < 40 and taken_in[:, 0].max() > 400
    (poly, _), = ink_lines(page, rules, inst, printed)
    assert poly[:, 1].min() > 60 and poly[:, 0].max() < 300
