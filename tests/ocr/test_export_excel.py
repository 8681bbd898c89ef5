"""The Ministry's Excel file: columns, one row per record across a spread, codes, dates, text cells."""

import pytest
from openpyxl import load_workbook

from export_pages import page, spread
from ocr.export import write_ministry_excel
from ocr.export.excel import ministry_date
from ocr.lexicon import resolve
from ocr.ministry import EXCEL_COLUMNS, LOAI_CU_TRU, LOAI_DANG_KY


def _read(path):
    ws = load_workbook(path).active
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2)]
    return ws, header, rows


def test_header_rows_values_and_codes(tmp_path):
    left, right = spread()
    out = write_ministry_excel([left, right], tmp_path / "ks" / "book.xlsx")
    assert out == tmp_path / "ks" / "book.xlsx"
    ws, header, rows = _read(out)
    assert header == list(EXCEL_COLUMNS["KS"])
    assert len(rows) == 2  # two records, each on both pages of the spread
    r0, r1 = rows
    # Values: normalized, dates as dd/mm/yyyy, a partial date kept partial, a year kept as written.
    assert r0["so"] == "01"
    assert (r0["quyenSo"], r0["trangSo"]) == (left.book.volume, str(left.book.page_number))
    assert r0["ngayDangKy"] == "29/12/1998"
    assert r0["nksNgaySinh"] == "12/1998"
    assert r0["meNgaySinh"] == "1970"
    assert r0["nksHoTen"] == "Hoàng Thị Trâm"
    assert r0["nycQuanHe"] == "Mẹ"
    # The date in words keeps its words; an unreadable field without a value keeps its raw text.
    assert r0["nksNgaySinhBangChu"] == left.records[0].field("nksNgaySinhBangChu").raw_text
    assert r0["nksDanToc"] == "Mèo"
    # Fields of the right page land in the same row as the left page's.
    assert r0["meHoTen"] == "Lê Thị B"
    # Code columns: the lexicon's gender codes and the Ministry's code tables.
    assert r0["nksGioiTinh"] == str(resolve("gender", "Nữ").code) == "2"
    assert r1["nksGioiTinh"] == str(resolve("gender", "Nam").code) == "1"
    assert r0["loaiDangKy"] == str(next(k for k, v in LOAI_DANG_KY.items() if v == "quá hạn"))
    assert r0["meLoaiCuTru"] == str(next(k for k, v in LOAI_CU_TRU.items() if v == "thường trú"))
    # "No information" codes where the ledger has no such column, only for people the row names.
    assert r1["loaiDangKy"] == "0"
    assert r0["meLoaiGiayToTuyThan"] == "0" and r0["nycLoaiGiayToTuyThan"] == "0"
    assert r0["chaLoaiCuTru"] is None and r0["chaHoTen"] is None
    # An empty number stays empty (nothing invented); empty cells are empty.
    assert r1["so"] is None and r1["ghiChu"] is None
    # Every cell is text, formatted as text, so Excel keeps "01".
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                assert cell.data_type == "s" and cell.number_format == "@"


def test_same_id_on_two_single_pages_is_not_merged(tmp_path):
    left, right = spread()
    a = page("single", left.records, number=1)
    b = page("single", right.records, number=2)
    _, _, rows = _read(write_ministry_excel([a, b], tmp_path / "x.xlsx"))
    assert len(rows) == 4
    assert [r["trangSo"] for r in rows] == ["1", "1", "2", "2"]


def test_mixed_or_missing_book_types_are_refused(tmp_path):
    left, _ = spread()
    death = page("single", [], number=3, book_type="KT", template="kt_1999")
    with pytest.raises(ValueError, match="KS, KT"):
        write_ministry_excel([left, death], tmp_path / "x.xlsx")
    with pytest.raises(ValueError, match="no pages"):
        write_ministry_excel([], tmp_path / "x.xlsx")


def test_death_register_uses_its_own_columns(tmp_path):
    death = page("single", [], number=3, book_type="KT", template="kt_1999")
    ws, header, rows = _read(write_ministry_excel([death], tmp_path / "kt.xlsx"))
    assert header == list(EXCEL_COLUMNS["KT"]) and rows == [] and ws.title == "KT"


@pytest.mark.parametrize("value, expected", [
    ("1998-12-29", "29/12/1998"), ("2004-01", "01/2004"), ("1977", "1977"), ("20:21", "20:21"),
])
def test_ministry_date(value, expected):
    assert ministry_date(value) == expected
