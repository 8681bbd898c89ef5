"""Book-level record checks: each flag fires when it should, and not otherwise."""

import pytest

from ocr.checks import book_records, check_book, date_span
from ocr.fields import normalize
from ocr.schema import BookMeta, Field, FieldStatus, Flag, ImageRef, Page, Record

BOX = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
TYPES = {"so": "number", "ngayDangKy": "date", "nksHoTen": "name", "nksNgaySinh": "date", "meHoTen": "name",
         "meNgaySinh": "date", "chaNgaySinh": "date", "nktHoTen": "name", "nktNgaySinh": "date",
         "nktNgayChet": "date"}


def fld(key, raw="", *, confidence=None, status=None, flags=()):
    """A field as a draft holds it: raw text, the normalized value, a status."""
    value = normalize(TYPES.get(key, "text"), raw, year=1999).value if raw else None
    status = status or (FieldStatus.FILLED if raw else FieldStatus.EMPTY)
    return Field(key=key, raw_text=raw if status != FieldStatus.UNREADABLE else "", value=value,
                 status=status, confidence=confidence, flags=list(flags))


def ks_left(rid, so, reg="10/3/1999", name="Nguyễn Văn An", birth="2/3/1999", **extra):
    fields = {"so": fld("so", so), "ngayDangKy": fld("ngayDangKy", reg), "nksHoTen": fld("nksHoTen", name),
              "nksNgaySinh": fld("nksNgaySinh", birth)}
    fields.update(extra)
    return Record(id=rid, region=BOX, fields=list(fields.values()))


def ks_right(rid, mother_birth="1975", father_birth="1972"):
    return Record(id=rid, region=BOX, fields=[fld("meHoTen", "Lê Thị Hoa"), fld("meNgaySinh", mother_birth),
                                              fld("chaNgaySinh", father_birth)])


def page(records, *, side="left", template="ks_1999", book_type="KS", year=1999, number=1, volume="01"):
    return Page(id=f"p{number}-{side}", image=ImageRef(path="x.jpg", width=100, height=100),
                template_id=template, side=side, records=records,
                book=BookMeta(book_type=book_type, year=year, page_number=number, volume=volume))


def book(numbers, **kw):
    """One left page with a record per number."""
    return [page([ks_left(f"r{i}", str(n), **kw) for i, n in enumerate(numbers)])]


def flagged(pages, code):
    """Ids of records with a record flag or a field flag of ``code``."""
    return [r.id for p in pages for r in p.records
            if any(f.code == code for f in r.flags) or any(f.code == code for x in r.fields for f in x.flags)]


# --- numbering --------------------------------------------------------------------------------


def test_a_clean_book_has_no_flags():
    pages = book([1, 2, 3, 4, 5])
    assert check_book(pages) == {}
    assert all(not r.flags and all(not f.flags for f in r.fields) for r in pages[0].records)


def test_a_book_may_continue_the_previous_books_numbering():
    pages = book([57, 58, 59, 60])
    assert check_book(pages) == {}


def test_duplicate_numbers_flag_every_record_that_uses_them():
    pages = book([1, 2, 2, 3])
    counts = check_book(pages)
    assert counts == {"duplicate_number": 2}
    assert flagged(pages, "duplicate_number") == ["r1", "r2"]


def test_a_number_out_of_order_is_the_one_flagged():
    pages = book([1, 2, 3, 10, 4, 5])
    counts = check_book(pages)
    assert flagged(pages, "out_of_sequence") == ["r3"]
    assert counts == {"out_of_sequence": 1}  # no gap reported around the stray number


def test_a_number_going_back_is_out_of_sequence():
    pages = book([5, 6, 7, 3, 8])
    check_book(pages)
    assert flagged(pages, "out_of_sequence") == ["r3"]


def test_skipped_numbers_are_a_gap():
    pages = book([1, 2, 5, 6, 8])
    counts = check_book(pages)
    assert counts == {"number_gap": 2}
    assert flagged(pages, "number_gap") == ["r2", "r4"]
    messages = [f.message for f in pages[0].records[2].flags]
    assert messages == ["numbers 3-4 are missing before number 5"]


def test_numbers_run_across_pages_in_page_order():
    pages = [page([ks_left("a", "1"), ks_left("b", "2")], side="single", template="ks_dense", number=1),
             page([ks_left("c", "3"), ks_left("d", "5")], side="single", template="ks_dense", number=2)]
    check_book(pages)
    assert flagged(pages, "number_gap") == ["d"]


def test_written_number_forms_are_read():
    pages = book(["1/99", "Số 2", "003", "4/1999"])
    assert check_book(pages) == {}


# --- a spread: one record on two pages ----------------------------------------------------------


def test_the_two_pages_of_a_spread_are_one_record():
    left = page([ks_left("s0-r0", "7"), ks_left("s0-r1", "8")], side="left", number=1)
    right = page([ks_right("s0-r0"), ks_right("s0-r1", mother_birth="5/3/1999")], side="right", number=2)
    pages = [left, right]
    records = book_records(pages)
    assert [r.id for r in records] == ["s0-r0", "s0-r1"] and all(len(r.parts) == 2 for r in records)
    counts = check_book(pages)
    assert counts == {"date_order": 1}  # no duplicate number from the two halves
    mother = right.records[1].field("meNgaySinh")
    assert [f.code for f in mother.flags] == ["date_order"] and "after the child" in mother.flags[0].message


def test_required_fields_of_a_page_not_given_are_not_missing():
    rec = Record(id="r0", region=BOX, fields=[fld("meHoTen", "Lê Thị Hoa")])
    right_only = page([rec], side="right", number=2)
    check_book([right_only])
    assert flagged([right_only], "required_empty") == []
    left_missing = page([Record(id="r0", region=BOX, fields=[fld("so", "1"), fld("ngayDangKy", "3/3/1999")])])
    counts = check_book([left_missing])
    assert counts == {"required_empty": 2}  # nksHoTen and nksNgaySinh are printed on this page


# --- dates ------------------------------------------------------------------------------------


def test_birth_after_registration():
    pages = book([1], birth="20/3/1999", reg="10/3/1999")
    assert check_book(pages) == {"date_order": 1}
    flags = pages[0].records[0].field("nksNgaySinh").flags
    assert [f.message for f in flags] == ["born after the registration date"]


def test_parent_must_be_born_twelve_years_before_the_child():
    for mother, expected in [("1990", 1), ("1988", 1), ("1987", 0), ("5/6/1987", 1), ("1/1/1987", 0)]:
        left = page([ks_left("r", "1", birth="2/3/1999")])
        right = page([ks_right("r", mother_birth=mother)], side="right", number=2)
        counts = check_book([left, right])
        assert counts.get("date_order", 0) == expected, mother


def test_registration_date_outside_the_book_year():
    for reg, expected in [("10/3/1999", 0), ("30/12/1998", 0), ("2/1/2000", 0), ("10/3/2001", 1), ("10/3/1997", 1)]:
        pages = book([1], reg=reg, birth="1/1/1990")
        assert check_book(pages).get("date_order", 0) == expected, reg


def test_death_before_birth_and_after_registration():
    def kt(died, reg="10/3/1999", born="1950"):
        fields = [fld("so", "1"), fld("ngayDangKy", reg), fld("nktHoTen", "Trần Văn Ba"),
                  fld("nktNgaySinh", born), fld("nktNgayChet", died)]
        return [page([Record(id="r", region=BOX, fields=fields)], template="kt_1999", book_type="KT", side="single")]

    assert check_book(kt("5/3/1999")) == {}
    before_birth = kt("5/3/1949")
    assert check_book(before_birth) == {"date_order": 1}
    assert "before the birth" in before_birth[0].records[0].field("nktNgayChet").flags[0].message
    after_reg = kt("15/3/1999")
    assert check_book(after_reg) == {"date_order": 1}
    assert check_book(kt("1950", born="1950")) == {}  # the same year: possible


def test_impossible_date_is_flagged_and_kept_empty():
    pages = book([1], birth="31/02/1999")
    field = pages[0].records[0].field("nksNgaySinh")
    assert field.value is None and field.raw_text == "31/02/1999"
    assert check_book(pages) == {"invalid_date": 1}
    assert field.value is None and field.flags[0].code == "invalid_date"


def test_date_spans():
    assert date_span("1999") == (date_span("1999-01-01")[0], date_span("1999-12-31")[1])
    assert date_span("2000-02")[1].day == 29
    assert date_span("1999-02-31") is None and date_span(None) is None


# --- fields -----------------------------------------------------------------------------------


def test_required_empty_but_not_unreadable_nor_blank_rows():
    empty_name = ks_left("a", "1", name="")
    unreadable = ks_left("b", "2", nksHoTen=fld("nksHoTen", status=FieldStatus.UNREADABLE))
    blank = Record(id="c", region=BOX, fields=[fld(k) for k in ("so", "ngayDangKy", "nksHoTen", "nksNgaySinh")])
    pages = [page([empty_name, unreadable, blank])]
    assert check_book(pages) == {"required_empty": 1}
    assert flagged(pages, "required_empty") == ["a"]


def test_low_confidence_fields():
    rec = ks_left("a", "1", nksHoTen=fld("nksHoTen", "Nguyễn Văn An", confidence=0.55),
                  nksNgaySinh=fld("nksNgaySinh", "2/3/1999", confidence=0.85))
    pages = [page([rec])]
    assert check_book(pages) == {"low_confidence": 1}
    assert check_book(pages, low_confidence=0.9) == {"low_confidence": 2}
    assert [f.code for f in rec.field("nksHoTen").flags] == ["low_confidence"]


def test_overwritten_is_kept_and_counted_and_checks_are_idempotent():
    over = Flag(code="overwritten", message="digits written over")
    rec = ks_left("a", "1", nksNgaySinh=fld("nksNgaySinh", "2/3/1999", flags=[over]))
    pages = book([1, 1]) + [page([rec], number=2)]
    first = check_book(pages)
    snapshot = [f.model_dump() for p in pages for r in p.records for f in r.fields]
    record_flags = [list(r.flags) for p in pages for r in p.records]
    assert check_book(pages) == first  # nothing new the second time
    assert [f.model_dump() for p in pages for r in p.records for f in r.fields] == snapshot
    assert [list(r.flags) for p in pages for r in p.records] == record_flags
    assert first == {"duplicate_number": 3, "overwritten": 1}
    assert rec.field("nksNgaySinh").flags == [over]


def test_values_are_never_changed():
    pages = book([3, 1, 1, 9], birth="20/3/1999")
    before = [(f.raw_text, f.value, f.status) for r in pages[0].records for f in r.fields]
    check_book(pages)
    assert [(f.raw_text, f.value, f.status) for r in pages[0].records for f in r.fields] == before


def test_pages_of_several_books_are_refused():
    pages = book([1]) + [page([ks_left("x", "2")], year=2000, number=2)]
    with pytest.raises(ValueError, match="group the pages by book"):
        check_book(pages)
    assert check_book([]) == {}


def test_a_template_this_installation_lacks_uses_the_default_checks():
    rec = Record(id="a", region=BOX, fields=[fld("so", "1"), fld("ngayDangKy", "10/3/1999"), fld("nksHoTen"),
                                             fld("nksNgaySinh", "20/3/1999")])
    pages = [page([rec], template="local_design_1997", side="single")]
    counts = check_book(pages)
    assert counts == {"date_order": 1, "required_empty": 1}
    assert [f.code for f in rec.field("nksHoTen").flags] == ["required_empty"]
