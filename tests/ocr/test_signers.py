"""A book's signers: signature fields read as one of the officers who sign most of the book."""

from test_checks import fld, ks_left, page

from ocr.draft.accept import auto_acceptable
from ocr.draft.signers import BOOK_SIGNER, book_signers, closest_signer, infer_signers

HOP, HOANG = "Võ Sỹ Hợp", "Nguyễn Viết Hoàng"


def signed(readings: list[str]):
    """One ks_1999 page whose records' signature cells were read as ``readings``."""
    return [page([ks_left(f"r{i}", str(100 + i), nguoiKy=fld("nguoiKy", raw, confidence=0.95))
                  for i, raw in enumerate(readings)])]


def values(pages):
    return [r.field("nguoiKy").value for p in pages for r in p.records]


def test_signers_are_the_names_read_exactly_often_enough():
    assert book_signers([HOP] * 3 + [HOANG] * 3 + ["Võ Sỹ Hợ", None, "Nguyễn Văt Hong"]) == [HOANG, HOP]
    assert book_signers([HOP, HOP, "Võ Sỹ Hợ"]) == []  # read exactly twice: not enough to tell
    assert book_signers([HOP] * 3 + ["Lê Văn Tám"] * 40) == ["Lê Văn Tám"]  # 3 of 43: under a tenth
    # the same misreading record after record is not a second signer; it counts for the first
    assert book_signers([HOP] * 4 + ["Võ Sỹ Hợ"] * 3 + ["Lê Văn Tám"] * 50) == ["Lê Văn Tám", HOP]  # 7 of 57


def test_a_close_reading_with_pen_mark_junk_is_read_as_the_one_close_signer():
    assert closest_signer("19N Võ Sỹ Hợ", [HOANG, HOP]) == HOP
    assert closest_signer("NN Nguyễn Văt Hong", [HOANG, HOP]) == HOANG
    assert closest_signer("V1", [HOANG, HOP]) is None  # a pen mark alone
    assert closest_signer("Trần Văn Bình", [HOANG, HOP]) is None  # someone else


def test_infer_signers_sets_the_value_keeps_the_raw_text_and_flags_it():
    pages = signed([HOP, HOP, HOP, HOANG, HOANG, HOANG, "0 Võ Sỹ Hợ", "NN Nguyễn Văt Hong", "V1", "Trần Văn Bình"])
    assert infer_signers(pages) == {BOOK_SIGNER: 2}
    assert values(pages)[6:] == [HOP, HOANG, "V1", "Trần Văn Bình"]  # the last two as they were
    fixed = pages[0].records[6].field("nguoiKy")
    assert fixed.raw_text == "0 Võ Sỹ Hợ" and [f.code for f in fixed.flags].count(BOOK_SIGNER) == 1
    assert HOP not in fixed.flags[-1].message  # no names in messages
    assert not auto_acceptable(fixed, "signature", year=1999, threshold=0.5)
    before = [p.model_dump() for p in pages]
    assert infer_signers(pages) == {}  # idempotent
    assert [p.model_dump() for p in pages] == before


def test_a_book_without_a_frequent_signer_is_left_alone():
    pages = signed([HOP, "Võ Sỹ Hợ", HOANG, "Nguyễn Văt Hong"])
    assert infer_signers(pages) == {}
    assert values(pages) == [HOP, "Võ Sỹ Hợ", HOANG, "Nguyễn Văt Hong"]
