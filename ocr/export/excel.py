"""The Ministry's Excel import file: one row per record, columns in the Ministry's order, all text.

Values are the fields' normalized values (the raw text where no value was found), dates as
``dd/mm/yyyy`` (partial dates as ``mm/yyyy`` or ``yyyy``), and code columns as the Ministry's codes
(gioiTinh from ``ocr/lexicon/genders.yaml``, loaiDangKy, loaiCuTru and identity papers from
``ocr/ministry.py``). Columns the ledger does not hold stay empty, except the "no information"
codes (loaiDangKy 0; loaiCuTru and identity-paper type 0 for a person the record names).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from ocr.export.records import BookRecord, book_records, book_type_of, page_template
from ocr.lexicon import lookup_key, resolve
from ocr.ministry import EXCEL_COLUMNS, LOAI_CU_TRU, LOAI_DANG_KY, LOAI_GIAY_TO
from ocr.schema import Field, Page

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{2})")

# Code columns by key suffix: (code table, code written when the column is not in the ledger).
_CODE_TABLES: dict[str, dict[int, str]] = {
    "loaiDangKy": LOAI_DANG_KY, "LoaiCuTru": LOAI_CU_TRU, "LoaiGiayToTuyThan": LOAI_GIAY_TO,
}


def ministry_date(value: str) -> str:
    """An ISO date as the Ministry writes it: ``1998-12-29`` -> ``29/12/1998``, ``1998-12`` ->
    ``12/1998``; a year alone or any other text stays as written."""
    if m := _ISO_DATE.fullmatch(value):
        return f"{m[3]}/{m[2]}/{m[1]}"
    if m := _ISO_MONTH.fullmatch(value):
        return f"{m[2]}/{m[1]}"
    return value


def _code(table: dict[int, str], text: str) -> str:
    """The code of ``text`` in a code table (a code itself, or its label); else the text as is."""
    if text.strip().isdigit() and int(text) in table:
        return str(int(text))
    key = lookup_key(text)
    return next((str(code) for code, label in table.items() if lookup_key(label) == key), text)


def _gender_code(text: str) -> str:
    if text.strip() in ("1", "2", "3"):
        return text.strip()
    term = resolve("gender", text)
    return str(term.code) if term is not None else text


def _date_words_keys(template_id: str) -> frozenset[str]:
    """Keys whose column holds a date written out in words (the words go to Excel, not the date)."""
    template = page_template(template_id)
    if template is None:
        return frozenset(k for cols in EXCEL_COLUMNS.values() for k in cols if k.endswith("BangChu"))
    return frozenset(f.key for f in template.fields if f.type == "date_words")


def cell_text(f: Field, *, words: bool = False) -> str:
    """What one field contributes to its Excel cell (before code mapping)."""
    if words and f.raw_text:
        return f.raw_text
    if f.value is not None:
        return ministry_date(f.value)
    return f.raw_text


def _code_column(key: str) -> dict[int, str] | None:
    return next((t for suffix, t in _CODE_TABLES.items() if key.endswith(suffix)), None)


def record_row(rec: BookRecord, columns: Sequence[str]) -> dict[str, str]:
    """The Excel row of one record: column key -> text ("" for an empty cell)."""
    page = rec.first_page
    words = _date_words_keys(page.template_id)
    row = dict.fromkeys(columns, "")
    for key in columns:
        f = rec.field(key)
        if f is not None:
            row[key] = cell_text(f, words=key in words)
    row["quyenSo"] = row["quyenSo"] or page.book.volume
    row["trangSo"] = row["trangSo"] or str(page.book.page_number)
    written = dict(row)
    for key in columns:
        text = row[key]
        if key.endswith("GioiTinh"):
            row[key] = _gender_code(text) if text else ""
        elif (table := _code_column(key)) is not None:
            if text:
                row[key] = _code(table, text)
            elif key == "loaiDangKy" or _person_named(written, key):
                row[key] = "0"
    return row


def _person_named(row: dict[str, str], code_key: str) -> bool:
    """Whether the person a code column belongs to (``meLoaiCuTru`` -> ``me``) has any text."""
    suffix = next(s for s in _CODE_TABLES if code_key.endswith(s))
    prefix = code_key[: -len(suffix)]
    return bool(prefix) and any(
        v for k, v in row.items() if k.startswith(prefix) and k[len(prefix):][:1].isupper()
    )


def excel_rows(pages: Sequence[Page]) -> tuple[str, list[dict[str, str]]]:
    """The book type of ``pages`` and one row per record (spreads joined), in page order."""
    book_type = book_type_of(pages).value
    columns = EXCEL_COLUMNS[book_type]
    return book_type, [record_row(rec, columns) for rec in book_records(pages)]


def write_ministry_excel(pages: Sequence[Page], path: Path) -> Path:
    """Write the Ministry's import file for the pages of one book type; returns ``path``.

    Row 1 holds the column keys of ``ocr.ministry.EXCEL_COLUMNS``; every cell is text
    (number format ``@``), so that ``01`` stays ``01``.
    """
    book_type, rows = excel_rows(pages)
    columns = EXCEL_COLUMNS[book_type]
    wb = Workbook()
    ws = wb.active
    ws.title = book_type
    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row[k] or None for k in columns])
    for cells in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=len(columns)):
        for cell in cells:
            cell.number_format = "@"
    ws.freeze_panes = "A2"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
