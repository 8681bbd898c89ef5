"""The document schema: JSON round trip, versioning, NFC and strictness."""

import json
import unicodedata

import pytest
from pydantic import ValidationError

from ocr.schema import SCHEMA_VERSION, BookMeta, Field, FieldStatus, ImageRef, Line, Page, Record


def _page() -> Page:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hương")
    line = Line(id="l0", polygon=[(1, 2), (30, 2), (30, 12), (1, 12)], baseline=[(1, 10), (30, 10)], text=decomposed)
    field = Field(key="nksHoTen", raw_text=decomposed, value=decomposed, lines=[line], status="filled",
                  region=[(0, 0), (40, 0), (40, 20), (0, 20)], confidence=0.93)
    empty = Field(key="ghiChu")
    unreadable = Field(key="nksNoiSinh", raw_text="Xã Tân Phú", status="unreadable")
    rec = Record(id="r0", number="12", region=[(0, 0), (100, 0), (100, 20), (0, 20)],
                 fields=[field, empty, unreadable])
    return Page(id="p1", image=ImageRef(path="p1.jpg", width=100, height=50), template_id="ks_1999",
                book=BookMeta(book_type="KS", year=1999, page_number=3), records=[rec])


def test_round_trip_is_exact(tmp_path):
    page = _page()
    page.save(tmp_path / "p1.json")
    again = Page.load(tmp_path / "p1.json")
    assert again == page
    assert again.to_json() == page.to_json()
    assert json.loads(page.to_json())["schema_version"] == SCHEMA_VERSION


def test_text_is_nfc_at_the_boundary():
    page = _page()
    f = page.records[0].field("nksHoTen")
    for text in (f.raw_text, f.value, f.lines[0].text):
        assert text == unicodedata.normalize("NFC", text)
    assert len(f.raw_text) == len("Nguyễn Thị Hương")


def test_unknown_keys_and_bad_status_are_refused():
    raw = json.loads(_page().to_json())
    raw["records"][0]["fields"][0]["tpye"] = "x"
    with pytest.raises(ValidationError, match="tpye"):
        Page.model_validate(raw)
    with pytest.raises(ValidationError, match="filled"):
        Field(key="so", status=FieldStatus.FILLED)
    with pytest.raises(ValidationError, match="empty"):
        Field(key="so", raw_text="12", status=FieldStatus.EMPTY)


def test_wrong_version_is_named(tmp_path):
    raw = json.loads(_page().to_json())
    raw["schema_version"] = "0.1"
    (tmp_path / "old.json").write_text(json.dumps(raw))
    with pytest.raises(ValueError, match="schema_version '0.1'"):
        Page.load(tmp_path / "old.json")


def test_missing_field_lookup_names_the_keys():
    with pytest.raises(KeyError, match="nksHoTen"):
        _page().records[0].field("meHoTen")
