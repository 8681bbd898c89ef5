"""A book's villages: a village of the book's commune misread in a place is read as one the book names often."""

from test_checks import ks_left, page

from ocr.draft.accept import auto_acceptable
from ocr.draft.villages import BOOK_VILLAGE, book_villages, closest_village, infer_villages, village_of
from ocr.schema import AdminUnit, Field, FieldStatus

UNIT = AdminUnit(province="Tỉnh Phú Thọ", district="Huyện Tân Sơn", commune="Xã Minh Đài")
MOI, DONG = "Thôn Mới, Xã Minh Đài", "Xóm Đồng Tâm, Xã Minh Đài"


def place(value: str) -> Field:
    return Field(key="nksNoiSinh", raw_text=value.replace(", Xã", ""), value=value,
                 status=FieldStatus.FILLED, confidence=0.99)


def book_of(places: list[str]):
    pages = [page([ks_left(f"r{i}", str(100 + i), nksNoiSinh=place(p)) for i, p in enumerate(places)])]
    pages[0].book.unit = UNIT
    return pages


def values(pages):
    return [r.field("nksNoiSinh").value for p in pages for r in p.records]


def test_a_village_is_the_first_part_of_a_place_in_the_books_commune_named_without_digits():
    assert village_of("Thôn Mới, Xã Minh Đài, Huyện Tân Sơn", "Xã Minh Đài") == ("Thôn", "Mới")
    assert village_of("Tổ dân phố Hòa Bình", "Xã Minh Đài") == ("Tổ dân phố", "Hòa Bình")
    assert village_of("Thôn Mới, Xã Minh Đức", "Xã Minh Đài") is None  # another commune's village
    assert village_of("Thôn 13, Xã Minh Đài", "Xã Minh Đài") is None  # a number: no closer to 3 than to 18
    assert village_of("Xã Minh Đài, Huyện Tân Sơn", "Xã Minh Đài") is None


def test_the_books_villages_are_read_often_and_are_no_misreading_of_a_more_frequent_one():
    assert book_villages([("Thôn", "Mới")] * 9 + [("Thôn", "Mái")] * 3 + [("Xóm", "Đồng Tâm")] * 3) == {
        ("Thôn", "Mới"), ("Xóm", "Đồng Tâm")}
    assert book_villages([("Thôn", "Mới")] * 2) == set()  # twice is not enough to tell
    # two real villages a diacritic apart, both read often: both kept
    assert book_villages([("Thôn", "Đông")] * 4 + [("Thôn", "Đồng")] * 3) == {("Thôn", "Đông"), ("Thôn", "Đồng")}


def test_a_misread_village_becomes_the_one_close_book_village_of_its_kind():
    villages = {("Thôn", "Mới"), ("Xóm", "Đồng Tâm")}
    assert closest_village(("Thôn", "Mái"), villages) == ("Thôn", "Mới")
    assert closest_village(("Xóm", "Đông Tâm"), villages) == ("Xóm", "Đồng Tâm")
    assert closest_village(("Thôn", "Đông Tâm"), villages) is None  # another kind
    assert closest_village(("Thôn", "Quyết Tiến"), villages) is None  # far from every one


def test_infer_villages_sets_the_value_keeps_the_raw_text_flags_it_and_runs_once():
    pages = book_of([MOI] * 3 + [DONG] * 3 + ["Thôn Mái, Xã Minh Đài", "Xóm Đông Tâm", "Thôn Mái, Xã Minh Đức"])
    assert infer_villages(pages) == {BOOK_VILLAGE: 2}
    assert values(pages)[6:] == [MOI, "Xóm Đồng Tâm", "Thôn Mái, Xã Minh Đức"]
    fixed = pages[0].records[6].field("nksNoiSinh")
    assert fixed.raw_text == "Thôn Mái Minh Đài" and [f.code for f in fixed.flags] == [BOOK_VILLAGE]
    assert not auto_acceptable(fixed, "place", threshold=0.5)
    assert infer_villages(pages) == {} and values(pages)[6:8] == [MOI, "Xóm Đồng Tâm"]  # nothing more
    assert [f.code for f in fixed.flags] == [BOOK_VILLAGE]


def test_a_book_without_its_unit_changes_nothing():
    pages = book_of([MOI] * 3 + ["Thôn Mái, Xã Minh Đài"])
    pages[0].book.unit = None
    assert infer_villages(pages) == {} and values(pages)[-1] == "Thôn Mái, Xã Minh Đài"
