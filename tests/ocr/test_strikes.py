"""Struck-out lines: a stroke through a long line is found, clean writing, rules and short joined
words are not, and a field's last line is never taken for struck out; the drafting pipeline leaves
struck lines out of the value and flags the field."""

from __future__ import annotations

import cv2
import numpy as np

from ocr.draft.pipeline import mark_struck
from ocr.templates import load_template
from ocr.layout.strikes import is_struck, leading_struck
from ocr.schema import Field, Line, Record


def page(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(225 + rng.normal(0, 4, (400, 900)), 0, 255).astype(np.uint8)


def write(grey: np.ndarray, text: str, x: int, y: int) -> list[list[float]]:
    """Write ``text`` with its baseline at y; returns the outline of its ink, padded by 3 px."""
    cv2.putText(grey, text, (x, y), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 1.1, 50, 2, cv2.LINE_AA)
    ys, xs = np.nonzero(grey[y - 45:y + 20, x - 5:] < 140)
    x0, x1, y0, y1 = x - 5 + xs.min() - 3, x - 5 + xs.max() + 3, y - 45 + ys.min() - 3, y - 45 + ys.max() + 3
    return [[float(x0), float(y0)], [float(x1), float(y0)], [float(x1), float(y1)], [float(x0), float(y1)]]


def strike(grey: np.ndarray, poly: list[list[float]], rise: int = 3) -> None:
    (x0, y0), (x1, y1) = poly[0], poly[2]
    mid = int((y0 + y1) / 2) + 4
    cv2.line(grey, (int(x0) + 4, mid), (int(x1) - 4, mid + rise), 50, 2, cv2.LINE_AA)


def test_a_stroke_through_a_line_is_found_and_clean_writing_is_not() -> None:
    grey = page()
    clean = write(grey, "Nguyen Van Hung", 40, 80)
    struck = write(grey, "Nguyen Van Hu", 40, 180)
    strike(grey, struck)
    assert not is_struck(grey, clean)
    assert is_struck(grey, struck)


def test_a_rule_under_the_writing_and_a_short_struck_word_are_not_struck() -> None:
    grey = page(1)
    poly = write(grey, "Thon Dong, Xa An Hoa", 40, 80)
    y1 = int(poly[2][1]) + 2  # a rule just under the outline: outside it
    cv2.line(grey, (0, y1), (899, y1), 60, 2)
    assert not is_struck(grey, poly)
    short = write(grey, "Ba", 40, 200)
    strike(grey, short, rise=0)
    assert not is_struck(grey, short)  # too short for its height to tell a stroke from joined letters


def test_only_leading_lines_and_never_the_last_are_struck() -> None:
    grey = page(2)
    first, second = write(grey, "Tran Thi Ma", 40, 80), write(grey, "Tran Thi Mai Anh", 40, 160)
    strike(grey, first)
    assert leading_struck(grey, [first, second]) == 1
    strike(grey, second)
    assert leading_struck(grey, [first, second]) == 1  # the entry itself is never struck out
    assert leading_struck(grey, [second]) == 0


def test_drafting_marks_struck_lines_of_a_record() -> None:
    grey = page(3)
    first, second = write(grey, "Le Van Tam Le", 40, 80), write(grey, "Le Van Tam", 40, 160)
    strike(grey, first)
    lines = [Line(id=f"l{i}", polygon=p, baseline=[p[3], p[2]]) for i, p in enumerate((first, second))]
    rec = Record(id="r0", region=[[0, 0], [900, 0], [900, 400], [0, 400]],
                 fields=[Field(key="nksHoTen", lines=lines), Field(key="meHoTen", lines=lines[1:]),
                         Field(key="nguoiKy", lines=lines)])  # a signature's pen mark may look struck
    marked = mark_struck(rec, grey, load_template("ks_1999"))
    assert [ln.strikethrough for ln in marked.fields[0].lines] == [True, False]
    assert [ln.strikethrough for ln in marked.fields[1].lines] == [False]
    assert [ln.strikethrough for ln in marked.fields[2].lines] == [False, False]


def test_a_struck_line_keeps_its_reading_but_not_in_the_value() -> None:
    from ocr.draft.pipeline import BookInfo, DraftSettings, PageDrafter
    from ocr.draft.readers import Reading

    class NoReader:
        models: dict[str, str] = {}

        def read(self, jobs):  # pragma: no cover - _field is given its readings
            raise AssertionError("not called")

    template = load_template("ks_1999")
    drafter = PageDrafter(DraftSettings("ks_1999", BookInfo.for_template(template), layout="classical"),
                          reader=NoReader())
    grey = page(4)
    first, second = write(grey, "Le Van Tam Le", 40, 80), write(grey, "Le Van Tam", 40, 160)
    lines = [Line(id="l0", polygon=first, baseline=[first[3], first[2]], strikethrough=True),
             Line(id="l1", polygon=second, baseline=[second[3], second[2]])]
    fld = drafter._field(Field(key="nksHoTen", lines=lines),
                         [(lines[0], Reading("Lê Văn Tâm Lê", 0.4)), (lines[1], Reading("Lê Văn Tâm", 0.95))], grey)
    assert fld.raw_text == "Lê Văn Tâm" and fld.value == "Lê Văn Tâm" and fld.confidence == 0.95
    assert [(ln.text, ln.strikethrough) for ln in fld.lines] == [("Lê Văn Tâm Lê", True), ("Lê Văn Tâm", False)]
    assert [f.code for f in fld.flags] == ["struck_out"]
