"""Values a book's order pins down: numbers between two neighbours, registration years."""

import random

import pytest
from test_checks import BOX, book, fld, flagged, ks_left, ks_right, page

from ocr.checks import book_records, check_book, record_number, rising_records
from ocr.draft.accept import auto_acceptable
from ocr.draft.sequence import infer_from_sequence
from ocr.schema import FieldStatus, Record


def numbers(pages):
    """The 'so' value of every record holding one, in page order."""
    return [r.field("so").value for p in pages for r in p.records if any(f.key == "so" for f in r.fields)]


def codes(rec, key):
    return [f.code for f in rec.field(key).flags]


def snapshot(pages):
    return [p.model_dump() for p in pages]


# --- numbers ----------------------------------------------------------------------------------


def test_a_misread_middle_number_is_filled_and_flagged():
    pages = book([101, 102, "60", 104])
    assert infer_from_sequence(pages) == {"inferred_number": 1}
    rec = pages[0].records[2]
    so = rec.field("so")
    assert (so.value, so.raw_text, rec.number) == ("103", "60", "103")
    assert codes(rec, "so") == ["inferred_number"]
    assert so.flags[0].message == "number inferred from its neighbours 102 and 104"


def test_missing_and_unreadable_numbers_are_filled_in_a_run():
    pages = book([99, "", "", 102])
    pages[0].records[2].fields[0] = fld("so", status=FieldStatus.UNREADABLE)
    assert infer_from_sequence(pages) == {"inferred_number": 2}
    assert numbers(pages) == ["99", "100", "101", "102"]
    assert [r.number for r in pages[0].records[1:3]] == ["100", "101"]


def test_several_misreads_between_two_neighbours():
    # true 100..105 as read on a drafted page; 99 and 106 pin them all
    pages = book([*range(90, 100), "60", "1", "02 1", "05", "14", "15", *range(106, 110)])
    assert infer_from_sequence(pages) == {"inferred_number": 6}
    assert numbers(pages) == [str(n) for n in range(90, 110)]
    assert [r.field("so").raw_text for r in pages[0].records[10:16]] == ["60", "1", "02 1", "05", "14", "15"]


def test_a_rising_run_of_misreads_longer_than_the_true_one_wins():
    # the longest rising run decides (as the checks): here the misreads, and nothing is pinned
    pages = book([99, "60", "1", "02 1", "05", "14", "15", 106])
    assert infer_from_sequence(pages) == {}


def test_room_for_a_gap_leaves_the_number_alone():
    pages = book([101, 102, "60", 105])  # 103 or 104, or a skipped number: not pinned
    assert infer_from_sequence(pages) == {}
    assert numbers(pages) == ["101", "102", "60", "105"]
    assert flagged(pages, "inferred_number") == []


def test_the_ends_of_the_book_are_not_inferred():
    pages = book(["7", 101, 102, 103, "", "9"])
    assert infer_from_sequence(pages) == {}
    assert numbers(pages) == ["7", "101", "102", "103", None, "9"]


def test_numbers_in_the_rising_order_never_change():
    pages = book([5, 6, 40, 8, 9, 12, 13])  # 40 is the stray one; 9 -> 12 is a gap
    records = book_records(pages)
    kept = rising_records([(r, n) for r in records if (n := record_number(r)) is not None])
    before = {r.id: r.fields()["so"].model_dump() for r in records if r.id in kept}
    assert infer_from_sequence(pages) == {"inferred_number": 1}
    assert {r.id: r.fields()["so"].model_dump() for r in records if r.id in kept} == before
    assert numbers(pages) == ["5", "6", "7", "8", "9", "12", "13"]


def test_a_duplicate_reading_between_two_neighbours_takes_the_free_number():
    pages = book([101, 102, 102, 104])
    assert infer_from_sequence(pages) == {"inferred_number": 1}
    assert numbers(pages) == ["101", "102", "103", "104"]
    assert flagged(pages, "inferred_number") == ["r2"]  # the first 102 is in the order: kept
    assert check_book(pages) == {}  # no duplicate left


def test_a_spread_record_counts_once_and_its_left_part_takes_the_number():
    reads = ["6", "7", "1", "9", "10"]
    left = page([ks_left(f"s-r{i}", n) for i, n in enumerate(reads)], side="left", number=1)
    right = page([ks_right(f"s-r{i}") for i in range(len(reads))], side="right", number=2)
    assert infer_from_sequence([left, right]) == {"inferred_number": 1}
    assert numbers([left]) == ["6", "7", "8", "9", "10"]
    assert (left.records[2].number, right.records[2].number) == ("8", None)


def test_blank_rows_and_records_without_a_number_field_do_not_count():
    blank = Record(id="b", region=BOX, fields=[fld(k) for k in ("so", "ngayDangKy", "nksHoTen")])
    no_so = Record(id="n", region=BOX, fields=[fld("ngayDangKy", "11/3/1999"), fld("nksHoTen", "Lê An")])
    pages = [page([ks_left("a", "100"), ks_left("b", "101"), blank, ks_left("c", "5"), no_so, ks_left("d", "103")])]
    assert infer_from_sequence(pages) == {"inferred_number": 1}
    assert numbers(pages) == ["100", "101", None, "102", "103"]
    assert no_so.number is None and blank.field("so").value is None


def test_checks_read_the_inferred_number_and_accept_needs_a_look():
    pages = book([101, 102, "15", 104])
    rec = pages[0].records[2]
    rec.fields[0] = fld("so", "15", confidence=0.99)
    kept = pages[0].records[1]
    kept.fields[0] = fld("so", "102", confidence=0.99)
    assert auto_acceptable(rec.field("so"), "number", year=1999)  # before: a confident wrong number
    infer_from_sequence(pages)
    assert check_book(pages) == {}  # not out of sequence, no gap
    assert codes(rec, "so") == ["inferred_number"]
    assert not auto_acceptable(rec.field("so"), "number", year=1999)
    assert auto_acceptable(kept.field("so"), "number", year=1999)


def test_without_the_step_checks_flag_the_misread():
    pages = book([101, 102, "15", 104])
    check_book(pages)
    assert flagged(pages, "out_of_sequence") == ["r2"]


# --- registration years -----------------------------------------------------------------------


def reg_book(*dates, year=1999):
    return [page([ks_left(f"r{i}", str(i + 1), reg=d, birth="1/1/1999") for i, d in enumerate(dates)], year=year)]


def regs(pages):
    return [r.field("ngayDangKy").value for p in pages for r in p.records]


def test_a_year_outside_the_book_is_set_when_it_fits_between_its_neighbours():
    pages = reg_book("10/3/1999", "15/3/2007", "20/3/1999")
    assert infer_from_sequence(pages) == {"inferred_year": 1}
    reg = pages[0].records[1].field("ngayDangKy")
    assert (reg.value, reg.raw_text) == ("1999-03-15", "15/3/2007")
    assert codes(pages[0].records[1], "ngayDangKy") == ["inferred_year"]
    assert "2007" in reg.flags[0].message and "15" not in reg.flags[0].message  # the year, not the date
    assert check_book(pages) == {}  # no date_order left
    assert not auto_acceptable(reg.model_copy(update={"confidence": 0.99}), "date", year=1999)


def test_a_year_is_not_set_when_the_date_would_break_the_order():
    pages = reg_book("10/3/1999", "25/3/2007", "20/3/1999")
    assert infer_from_sequence(pages) == {}
    assert regs(pages) == ["1999-03-10", "2007-03-25", "1999-03-20"]


def test_only_the_year_is_fixed_and_only_outside_the_books_years():
    pages = reg_book("10/3/1999", "15/9/1999", "20/3/1999", "29/2/2008", "25/3/1999")
    assert infer_from_sequence(pages) == {}  # a wrong month in range; 29 Feb has no 1999
    assert regs(pages) == ["1999-03-10", "1999-09-15", "1999-03-20", "2008-02-29", "1999-03-25"]


def test_year_neighbours_are_the_nearest_in_range_and_fixed_ones_count():
    pages = reg_book("10/3/1999", "15/3/2007", "17/3/1960", "20/3/1999")
    assert infer_from_sequence(pages) == {"inferred_year": 2}
    assert regs(pages) == ["1999-03-10", "1999-03-15", "1999-03-17", "1999-03-20"]
    pages = reg_book("10/3/1999", "18/3/2007", "17/3/1960", "20/3/1999")
    assert infer_from_sequence(pages) == {"inferred_year": 1}  # 17/3 would come after 18/3
    assert regs(pages) == ["1999-03-10", "1999-03-18", "1960-03-17", "1999-03-20"]


def test_at_the_ends_of_the_book_one_neighbour_bounds_the_year():
    pages = reg_book("5/3/2007", "10/3/1999", "20/12/1999", "28/12/2005")
    assert infer_from_sequence(pages) == {"inferred_year": 2}
    assert regs(pages) == ["1999-03-05", "1999-03-10", "1999-12-20", "1999-12-28"]
    late = reg_book("10/3/1999", "20/12/1999", "5/1/2007")  # 5 Jan 1999 is before 20 Dec
    assert infer_from_sequence(late) == {}
    alone = reg_book("5/3/2007")
    assert infer_from_sequence(alone) == {}


# --- the step as a whole ----------------------------------------------------------------------


def test_running_twice_changes_nothing_more():
    pages = reg_book("9/3/1999", "10/3/1999", "15/3/2007", "20/3/1999", "21/3/1999", "22/3/1999")
    for rec, so in zip(pages[0].records, ["100", "101", "", "60", "104", "105"]):
        rec.fields[0] = fld("so", so)
    assert infer_from_sequence(pages) == {"inferred_number": 2, "inferred_year": 1}
    once = snapshot(pages)
    assert infer_from_sequence(pages) == {}
    assert snapshot(pages) == once


def test_random_books_stay_idempotent_and_keep_their_order():
    rng = random.Random(5)
    for _ in range(300):
        reads = []
        for n in range(rng.randint(40, 60), rng.randint(61, 80)):
            if rng.random() < 0.08:
                continue  # a skipped number
            roll = rng.random()
            reads.append("" if roll < 0.05 else str(rng.randint(1, 200)) if roll < 0.3 else str(n))
        pages = book(reads)
        read = [(f.raw_text, f.value) for f in (r.field("so") for r in pages[0].records)]
        infer_from_sequence(pages)
        once = snapshot(pages)
        assert infer_from_sequence(pages) == {}
        assert snapshot(pages) == once
        for rec, (raw, value) in zip(pages[0].records, read):
            so = rec.field("so")
            assert so.raw_text == raw
            inferred = "inferred_number" in codes(rec, "so")
            assert (so.value != value) == inferred and (not inferred or rec.number == so.value)
        check_book(pages)
        inferred = set(flagged(pages, "inferred_number"))
        assert not inferred & set(flagged(pages, "out_of_sequence")), reads


def test_an_empty_book_and_pages_of_several_books():
    assert infer_from_sequence([]) == {}
    pages = book([1]) + [page([ks_left("x", "2")], year=2000, number=2)]
    with pytest.raises(ValueError, match="group the pages by book"):
        infer_from_sequence(pages)


def test_a_year_next_to_the_books_is_set_only_between_two_neighbours_of_the_books_year():
    # "2001" read as "2000" (in range): it breaks the order and both neighbours pin it
    pages = reg_book("10/12/2001", "31/12/2000", "31/12/2001", year=2001)
    assert infer_from_sequence(pages) == {"inferred_year": 1}
    assert regs(pages) == ["2001-12-10", "2001-12-31", "2001-12-31"]
    # a true registration of late 2000 opening a 2001 book: one neighbour is not enough
    early = reg_book("28/12/2000", "3/1/2001", "5/1/2001", year=2001)
    assert infer_from_sequence(early) == {}
    # and between two neighbours it must fit: 2000-06-01 would be 2001-06-01, after 2001-03-05
    wrong = reg_book("3/3/2001", "1/6/2000", "5/3/2001", year=2001)
    assert infer_from_sequence(wrong) == {}
