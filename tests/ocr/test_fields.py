"""Field normalization by type: forms officers write, aliases, OCR-like typos, garbage, impossible dates."""

import pytest

from ocr.fields import FIELD_TYPES, normalize
from ocr.fields.cleaning import clean
from ocr.fields.fuzzy import weighted_distance
from ocr.fields.number_words import parse_number
from ocr.schema import AdminUnit


def codes(result):
    return [f.code for f in result.flags]


# --- all types ----------------------------------------------------------------------------------


@pytest.mark.parametrize("field_type", FIELD_TYPES)
@pytest.mark.parametrize("raw", ["", "   ", " , ", "-"])
def test_empty_is_none_without_flags(field_type, raw):
    result = normalize(field_type, raw, year=1999)
    assert result.value is None and result.flags == () and result.confident


def test_cleaning_nfc_spaces_and_stray_punctuation():
    decomposed = "Nguye\u0302\u0303n"  # NFD
    assert clean(f"  ,{decomposed}   Văn\tAn. ") == "Nguyễn Văn An"
    assert clean("Đã cấp bản sao.", keep_final_dot=True) == "Đã cấp bản sao."
    assert clean("(Đăng ký lại (sổ gốc bị mất)") == "Đăng ký lại (sổ gốc bị mất)"
    assert clean("H’Hen Niê") == "H'Hen Niê"


def test_unknown_field_type_names_the_known_ones():
    with pytest.raises(ValueError, match="date_words"):
        normalize("birthday", "1/1/1999")


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, value", [
    ("HOÀNG THỊ TRÂM", "Hoàng Thị Trâm"),
    ("nguyễn  văn   an", "Nguyễn Văn An"),
    ("H'HEN NIÊ", "H'Hen Niê"),
    ("Y BIH ÊBAN", "Y Bih Êban"),
    ("KSOR H'BRE", "Ksor H'Bre"),
    ("THẠCH THỊ SA RƯƠN", "Thạch Thị Sa Rươn"),
    ("Giàng A Páo", "Giàng A Páo"),
])
def test_names_in_name_case(raw, value):
    result = normalize("name", raw)
    assert result.value == value and result.confident and result.flags == ()


def test_name_with_digits_is_kept_but_not_confident():
    result = normalize("name", "Nguyễn V4n An")
    assert result.value == "Nguyễn V4n An" and not result.confident
    assert codes(result) == ["unknown_name"]


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, value", [
    ("29/12/1998", "1998-12-29"),
    ("5/3/1999", "1999-03-05"),
    ("05.03.1999", "1999-03-05"),
    ("5-3-1999", "1999-03-05"),
    ("ngày 5 tháng 3 năm 1999", "1999-03-05"),
    ("Ngày 05 tháng 03 năm 1999", "1999-03-05"),
    ("1965", "1965"),
    ("năm 1965", "1965"),
    ("3/1999", "1999-03"),
    ("tháng 3 năm 1999", "1999-03"),
    ("29 / 12 / 1998.", "1998-12-29"),
    ("29/02/2000", "2000-02-29"),
])
def test_numeric_dates(raw, value):
    result = normalize("date", raw, year=1999)
    assert result.value == value and result.confident and result.flags == ()


@pytest.mark.parametrize("raw, book_year, value", [
    ("12-03-45", 1999, "1945-03-12"),
    ("12/03/99", 1999, "1999-03-12"),
    ("1/1/00", 1999, "2000-01-01"),  # the day after the book's year: a registration across New Year
    ("3/1/04", 2004, "2004-01-03"),
    ("3/1/04", 2002, "1904-01-03"),  # never a date after the book
])
def test_two_digit_years_read_with_the_book_year(raw, book_year, value):
    result = normalize("date", raw, year=book_year)
    assert result.value == value and result.confident
    assert codes(result) == ["normalized"] and str(book_year) in result.flags[0].message
    assert raw not in result.flags[0].message  # no personal data in flags


def test_two_digit_year_without_book_year_is_not_confident():
    result = normalize("date", "12/03/45")
    assert result.value == "1945-03-12" and not result.confident


@pytest.mark.parametrize("raw", ["31/02/1999", "29/02/1999", "31/04/2001", "12/13/1999", "0/5/1999", "1/1/1700"])
def test_impossible_dates_have_no_value(raw):
    result = normalize("date", raw, year=1999)
    assert result.value is None and not result.confident and codes(result) == ["invalid_date"]


@pytest.mark.parametrize("raw", ["hôm qua", "12/ab/1999", "????", "1999/12"])
def test_garbage_dates_have_no_value(raw):
    result = normalize("date", raw, year=1999)
    assert result.value is None and not result.confident and codes(result) == ["unknown_date"]


def test_letters_that_look_like_digits_are_read_but_flagged():
    result = normalize("date", "l2/O3/1999", year=1999)
    assert result.value == "1999-03-12" and not result.confident and "normalized" in codes(result)


@pytest.mark.parametrize("raw, value", [("1 31/12/2001", "2001-12-31"), ("08/01/2001 1", "2001-01-08"),
                                        ("l 8.1.2000", "2000-01-08"), ("4 31/8/2001", "2001-08-31")])
def test_a_stray_mark_beside_a_date_is_left_out_and_flagged(raw, value):
    result = normalize("date", raw, year=2001)
    assert result.value == value and not result.confident and "normalized" in codes(result)
    assert raw not in result.flags[-1].message  # no personal data in flags


@pytest.mark.parametrize("raw", ["1 1998", "12 3 1998", "123 31/12/2001", "1 2 31/12/2001", "1 32/12/2001"])
def test_only_one_short_mark_beside_a_whole_date_is_left_out(raw):
    assert normalize("date", raw, year=2001).value is None


# --- dates in words ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw, value", [
    ("Ngày mồng bảy tháng một năm một nghìn chín trăm chín mươi chín", "1999-01-07"),
    ("ngày mùng năm tháng giêng năm một ngàn chín trăm chín mươi tám", "1998-01-05"),
    ("Ngày năm tháng năm năm hai nghìn linh năm", "2005-05-05"),
    ("ngày mười lăm tháng tư năm hai nghìn không trăm linh ba", "2003-04-15"),
    ("ngày hai mươi lăm tháng mười hai năm hai nghìn lẻ bốn", "2004-12-25"),
    ("ngày hai mươi nhăm tháng chạp năm một nghìn chín trăm bảy mươi", "1970-12-25"),
    ("ngày hai mươi mốt tháng mười một năm hai nghìn mười hai", "2012-11-21"),
    ("ngày ba mươi mốt tháng bảy năm một nghìn chín trăm bốn mươi tư", "1944-07-31"),
    ("Năm một nghìn chín trăm sáu mươi lăm", "1965"),
    ("năm hai nghìn", "2000"),
])
def test_dates_in_words(raw, value):
    result = normalize("date_words", raw, year=1999)
    assert result.value == value and result.confident and result.flags == ()


def test_number_words_parser():
    assert parse_number("một nghìn chín trăm chín mươi tám".split()) == 1998
    assert parse_number("hai nghìn không trăm linh ba".split()) == 2003
    assert parse_number("hai nghìn lẻ ba".split()) == 2003
    assert parse_number("mười".split()) == 10
    assert parse_number("hai mươi tư".split()) == 24
    assert parse_number("chín mươi".split()) == 90
    assert parse_number("hai mười".split()) is None
    assert parse_number("ba ba".split()) is None
    assert parse_number("một nghìn hai nghìn".split()) is None


def test_misspelt_number_words_are_corrected_and_flagged():
    result = normalize("date_words", "ngày mồng bay tháng mot năm một nghìn chín trăm chín mươi chín", year=1999)
    assert result.value == "1999-01-07" and not result.confident
    assert codes(result) == ["normalized"] and "bay -> bảy" in result.flags[0].message


@pytest.mark.parametrize("raw, code", [
    ("ngày ba mươi tháng hai năm hai nghìn", "invalid_date"),
    ("ngày bốn mươi tháng ba năm hai nghìn", "invalid_date"),
    ("tháng mười ba năm hai nghìn", "invalid_date"),
    ("hôm nay trời đẹp quá", "unknown_date"),
    ("ngày tháng năm", "unknown_date"),
])
def test_impossible_or_unreadable_dates_in_words(raw, code):
    result = normalize("date_words", raw, year=2000)
    assert result.value is None and not result.confident and codes(result) == [code]


def test_date_words_field_holding_digits_reads_them():
    assert normalize("date_words", "7/1/1999").value == "1999-01-07"


# --- closed sets ------------------------------------------------------------------------------


@pytest.mark.parametrize("field_type, raw, value", [
    ("ethnicity", "Mèo", "Mông"),
    ("ethnicity", "khmer", "Khơ Me"),
    ("ethnicity", "Ra-đê", "Ê Đê"),
    ("ethnicity", "Cao Lan", "Sán Chay"),
    ("nationality", "VN", "Việt Nam"),
    ("nationality", "V.Nam", "Việt Nam"),
    ("gender", "Trai", "Nam"),
    ("gender", "gái", "Nữ"),
    ("relationship", "Má", "Mẹ"),
    ("relationship", "Bố", "Cha"),
    ("title", "P. Chủ tịch", "Phó Chủ tịch"),
    ("title", "Chủ tịch UBND phường", "Chủ tịch"),
    ("title", "PCT UBND", "Phó Chủ tịch"),
    ("title", "KT Chủ tịch Phó Chủ tịch", "Phó Chủ tịch"),
])
def test_aliases_give_the_official_name_with_a_flag(field_type, raw, value):
    result = normalize(field_type, raw)
    assert result.value == value and result.confident
    assert codes(result) == ["normalized"] and raw in result.flags[0].message


@pytest.mark.parametrize("field_type, raw, value", [
    ("ethnicity", "KINH", "Kinh"), ("gender", "nữ", "Nữ"), ("nationality", "việt nam", "Việt Nam"),
    ("ethnicity", "Khơ-Me", "Khơ Me"), ("relationship", "bà nội", "Bà nội"), ("title", "phó chủ tịch", "Phó Chủ tịch"),
])
def test_official_names_in_another_case_need_no_flag(field_type, raw, value):
    result = normalize(field_type, raw)
    assert result.value == value and result.confident and result.flags == ()


@pytest.mark.parametrize("field_type, raw, value", [
    ("ethnicity", "Kinb", "Kinh"),
    ("ethnicity", "Tay", "Tày"),
    ("ethnicity", "Mường.", "Mường"),
    ("ethnicity", "Nùnq", "Nùng"),
    ("nationality", "Viêt Nam", "Việt Nam"),
    ("nationality", "Viet Nam", "Việt Nam"),
    ("nationality", "Trung Quôc", "Trung Quốc"),
    ("gender", "Nư", "Nữ"),
    ("relationship", "Ông ngoai", "Ông ngoại"),
])
def test_ocr_typos_are_read_as_the_closest_spelling(field_type, raw, value):
    result = normalize(field_type, raw)
    assert result.value == value and result.confident


@pytest.mark.parametrize("field_type, raw", [
    ("ethnicity", "Xyzzy"), ("ethnicity", "12345"), ("nationality", "Atlantis"),
    ("gender", "Ba"), ("relationship", "Hàng xóm"),
])
def test_garbage_is_kept_and_not_confident(field_type, raw):
    result = normalize(field_type, raw)
    assert result.value == raw and not result.confident
    assert codes(result) == [f"unknown_{field_type}"]


def test_ambiguous_spelling_is_not_guessed():
    tie = normalize("ethnicity", "Hra")  # one edit from both "Hoa" and "Hrê"
    assert tie.value == "Hra" and not tie.confident and codes(tie) == ["unknown_ethnicity"]
    assert "equally close" in tie.flags[0].message
    short = normalize("relationship", "Ch")  # too short to be read as "Chú", "Chị" or "Cô"
    assert short.value == "Ch" and not short.confident
    # a lost tone mark costs half an edit: "Thai" is "Thái", not "Tày" or "Thổ"
    assert normalize("ethnicity", "Thai").value == "Thái"


def test_tone_mark_errors_cost_half_an_edit():
    assert weighted_distance("viêt", "việt") == 0.5
    assert weighted_distance("kinb", "kinh") == 1.0
    assert weighted_distance("dao", "đào") == 1.0


# --- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, value", [
    ("1/99", "1"), ("Số 12", "12"), ("số: 12", "12"), ("12/KS", "12"), ("003", "3"),
    ("12/1999", "12"), ("12/QĐ-UB", "12"), ("45", "45"), ("12a", "12a"),
])
def test_registration_numbers(raw, value):
    result = normalize("number", raw, year=1999)
    assert result.value == value and result.confident and result.flags == ()


def test_number_misread_letters_and_garbage():
    looks = normalize("number", "l2/99")
    assert looks.value == "12" and not looks.confident and codes(looks) == ["normalized"]
    bad = normalize("number", "không rõ")
    assert bad.value == "không rõ" and not bad.confident and codes(bad) == ["unknown_number"]


# --- places -----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, value", [
    ("Thôn 4, xã Tân Lập, huyện Đan Phượng", "Thôn 4, Xã Tân Lập, Huyện Đan Phượng"),
    ("Thôn 4, x. Tân Lập, h. Đan Phượng, t. Hà Tây", "Thôn 4, Xã Tân Lập, Huyện Đan Phượng, Tỉnh Hà Tây"),
    ("Tổ 5, P.5, Q.3", "Tổ 5, Phường 5, Quận 3"),
    ("TDP 7, TT. Phùng", "Tổ dân phố 7, Thị trấn Phùng"),
    ("P. Cái Vồn, TX Bình Minh, T. Vĩnh Long", "Phường Cái Vồn, Thị xã Bình Minh, Tỉnh Vĩnh Long"),  # no dot
    ("TT Phùng", "Thị trấn Phùng"),
    ("Tại nhà", "Tại nhà"),
])
def test_places_with_kinds_written_are_spelled_out_without_flags(raw, value):
    result = normalize("place", raw)
    assert result.value == value and result.confident and result.flags == ()


@pytest.mark.parametrize("raw, value", [
    ("Tân Lập, Đan Phượng, Hà Tây", "Xã Tân Lập, Huyện Đan Phượng, Tỉnh Hà Tây"),
    ("Thôn Đông - Tân Lập - Đan Phượng", "Thôn Đông, Xã Tân Lập, Huyện Đan Phượng"),
    ("TYT Tân Lập - Đan Phượng", "Trạm y tế Xã Tân Lập, Huyện Đan Phượng"),
    ("BVĐK Hà Tây", "Bệnh viện đa khoa Tỉnh Hà Tây"),
    ("Bản Phiệt - Bảo Thắng - Lào Cai", "Xã Bản Phiệt, Huyện Bảo Thắng, Tỉnh Lào Cai"),
])
def test_bare_unit_names_get_their_kind_when_certain(raw, value):
    result = normalize("place", raw)
    assert result.value == value and result.confident
    assert "normalized" in codes(result)


def test_bare_unit_name_fitting_several_kinds_is_kept():
    result = normalize("place", "Tân Lập")  # a Xã, a Phường and a Thị trấn of that name exist
    assert result.value == "Tân Lập" and not result.confident and codes(result) == ["unknown_place"]
    # "Tỉnh Cần Thơ" in 1999, "Thành phố Cần Thơ" now: the province keeps its bare name
    old = normalize("place", "Thạnh Tiến, Vĩnh Thạnh, Cần Thơ")
    assert old.value == "Xã Thạnh Tiến, Huyện Vĩnh Thạnh, Cần Thơ" and not old.confident


def test_a_dash_inside_a_unit_name_is_not_a_separator():
    result = normalize("place", "Thôn 2 - Điện Minh - Điện Bàn - Quảng Nam - Đà Nẵng")
    parts = result.value.split(", ")
    assert len(parts) == 4 and parts[0] == "Thôn 2" and parts[-1] == "Tỉnh Quảng Nam - Đà Nẵng"
    assert normalize("place", "xã Điện Minh, tỉnh Quảng Nam - Đà Nẵng").value == "Xã Điện Minh, Tỉnh Quảng Nam - Đà Nẵng"


def test_listed_unit_names_are_never_changed():
    assert normalize("place", "xã Tân Lập, tỉnh Hà Tây").value == "Xã Tân Lập, Tỉnh Hà Tây"
    assert normalize("place", "Xóm Chùa, Atlantis").value == "Xóm Chùa, Atlantis"
    assert normalize("place", "Thôn 7 Đan Phượng").value == "Thôn 7 Đan Phượng"  # one unit: no cut is sure


@pytest.mark.parametrize("raw, value", [
    ("Minh Đài Tân Sơn Phú Thọ", "Xã Minh Đài, Huyện Tân Sơn, Tỉnh Phú Thọ"),
    ("Xóm Tân Lập - Minh Đài Tân Sơn - Phú Thọ", "Xóm Tân Lập, Xã Minh Đài, Huyện Tân Sơn, Tỉnh Phú Thọ"),
    ("Thôn 4 Tân Lập Đan Phượng Hà Tây", "Thôn 4, Xã Tân Lập, Huyện Đan Phượng, Tỉnh Hà Tây"),
    ("Xã Minh Đài Huyện Tân Sơn Tỉnh Phú Thọ", "Xã Minh Đài, Huyện Tân Sơn, Tỉnh Phú Thọ"),
    ("Số 5 Hàng Bài Hoàn Kiếm Hà Nội", "Số 5, Phường Hàng Bài, Quận Hoàn Kiếm, Thành phố Hà Nội"),
])
def test_units_written_without_commas_are_told_apart_by_the_list(raw, value):
    result = normalize("place", raw)
    assert result.value == value and result.confident
    assert any("told apart" in f.message for f in result.flags)


@pytest.mark.parametrize("raw, value", [
    ("Xóm 3 Minh Đắc Tân Sơn Phú Thọ", "Xóm 3, Xã Minh Đài, Huyện Tân Sơn, Tỉnh Phú Thọ"),  # commune misread
    ("Thôn 15, Minh Đài, Tân Sơn, Phú Tha", "Thôn 15, Xã Minh Đài, Huyện Tân Sơn, Tỉnh Phú Thọ"),  # province
    ("Thôn 6 Minh Đắt Tân Sơn, Phú Thọ", "Thôn 6, Xã Minh Đài, Huyện Tân Sơn, Tỉnh Phú Thọ"),  # one comma read
])
def test_a_misread_unit_under_a_listed_one_becomes_the_closest_listed_unit_not_confidently(raw, value):
    result = normalize("place", raw)
    assert result.value == value and not result.confident
    assert any("closest listed unit" in f.message for f in result.flags)


def test_a_misread_unit_far_from_every_listed_one_is_kept():
    result = normalize("place", "Thôn 15, Xyzqw, Tân Sơn, Phú Thọ")
    assert "Xyzqw" in result.value and "closest" not in " ".join(f.message for f in result.flags)


@pytest.mark.parametrize("raw", ["Thôn 9 Minh Đối", "Thôn Hòa Bình Minh Đài"])
def test_no_unit_is_guessed_without_a_listed_unit_to_read_it_under(raw):
    # a village and a misread commune: "Minh Đài" is no province's name, a village no unit
    assert normalize("place", raw).value == raw


@pytest.mark.parametrize("raw, value", [
    # Huế's wards lay in "Thành phố Huế" of "Tỉnh Thừa Thiên Huế" until 2025 (in Quận Phú Xuân of
    # Thành phố Huế since): a ward or province misread among those names is read
    ("Phường Hoàng Long, Thành phố Huế, Tỉnh Thừa Thiên Huế", "Phường Hương Long, Thành phố Huế, Tỉnh Thừa Thiên Huế"),
    ("Phường Hương Long, Thành phố Huế, Tỉnh Thái Thiên Huế", "Phường Hương Long, Thành phố Huế, Tỉnh Thừa Thiên Huế"),
])
def test_a_misread_unit_among_the_names_older_books_gave_units_is_read_as_the_closest(raw, value):
    result = normalize("place", raw)
    assert result.value == value and not result.confident
    assert any("closest listed unit" in f.message for f in result.flags)


@pytest.mark.parametrize("raw", [
    "Phường Hương Long, Thành phố Huế, Tỉnh Thừa Thiên Huế",
    "Thị trấn Nhã Nam, Huyện Tân Yên, Tỉnh Hà Bắc",   # Bắc Giang's, in Hà Bắc until 1997
    "Phường Hương Long, Quận Phú Xuân, Thành phố Huế",  # the same ward, named as in 2024
])
def test_units_under_the_names_of_their_year_nest_and_are_kept(raw):
    result = normalize("place", raw)
    assert result.value == raw and result.confident and result.flags == ()


def test_the_books_own_unit_is_read_under_the_names_of_the_books_year():
    home = AdminUnit(province="Thành phố Huế", district="Quận Phú Xuân", commune="Phường Hương Long")  # 2024
    raw = "Tổ 6, Phường Hương Long Thành phố Hồi Tỉnh Thừa Thiên Huế"
    result = normalize("place", raw, unit=home, year=2000)
    assert result.value == "Tổ 6, Phường Hương Long, Thành phố Huế, Tỉnh Thừa Thiên Huế" and not result.confident
    # in a book of 2025 the book's unit has its 2024 names, none of which the misread "Hồi" is
    assert normalize("place", raw, unit=home, year=2025).value == raw


# --- text and signatures ----------------------------------------------------------------------


def test_text_is_cleaned_and_a_lone_time_is_hh_mm():
    assert normalize("text", "  Đã cấp   bản sao ").value == "Đã cấp bản sao"
    assert normalize("text", "Cải chính họ tên theo QĐ số 12/QĐ-UB ngày 3/4/2005").value.endswith("3/4/2005")
    assert normalize("text", "7 giờ 30 phút").value == "07:30"
    assert normalize("text", "14h05").value == "14:05"
    assert normalize("text", "9 giờ").value == "09:00"
    assert not normalize("text", "25 giờ 70").confident
    assert normalize("signature", "Trần Văn Bình").value == "Trần Văn Bình"


@pytest.mark.parametrize("raw, value", [
    ("7 giờ 30 phút", "07:30"), ("7h30", "07:30"), ("7g05", "07:05"), ("7 giờ 30'", "07:30"), ("23h", "23:00"),
    ("lúc 7 giờ tối", "19:00"), ("1 giờ trưa", "13:00"), ("3 giờ chiều", "15:00"), ("12 giờ đêm", "00:00"),
    ("11 giờ đêm", "23:00"), ("2 giờ đêm", "02:00"), ("9 giờ sáng", "09:00"),
])
def test_a_time_of_day_is_hh_mm_on_the_24_hour_clock(raw, value):
    read = normalize("time", raw)
    assert (read.value, read.confident, read.flags) == (value, True, ())


def test_a_time_field_that_reads_as_no_time_is_kept_and_flagged():
    read = normalize("time", "22gõ 15 phút")
    assert read.value == "22gõ 15 phút" and not read.confident
    assert [f.code for f in read.flags] == ["unknown_time"]


@pytest.mark.parametrize("raw, value", [
    ("19N Võ Sỹ Hợp", "Võ Sỹ Hợp"),     # the pen mark read as "19N"
    ("nm Trần Văn Bình", "Trần Văn Bình"),
    ("V1 H'Hen Niê", "H'Hen Niê"),
    ("NN NGUYỄN VĂN AN", "NGUYỄN VĂN AN"),  # no vowel: not a syllable
    ("VU Nguyễn Văn Hiếu", "Nguyễn Văn Hiếu"),  # capitals before a name in small letters
    ("DYN Nguyễn Văn Thanh", "Nguyễn Văn Thanh"),
])
def test_a_signature_keeps_the_written_name_not_what_was_read_from_the_pen_mark(raw, value):
    result = normalize("signature", raw)
    assert result.value == value and result.confident and codes(result) == ["normalized"]


def test_capitals_after_a_name_in_small_letters_stay_in_the_name():
    assert normalize("signature", "AN Nguyễn Văn ĐỨC").value == "Nguyễn Văn ĐỨC"


@pytest.mark.parametrize("raw", ["V1", "VNh", "N9h 16 3ý Hợa", "Võ"])
def test_a_signature_without_a_legible_name_has_no_value(raw):
    result = normalize("signature", raw)
    assert result.value is None and not result.confident and codes(result) == ["unknown_signature"]


@pytest.mark.parametrize("raw", ['"', "'", "(", ")", "[\"", "\"("])
def test_text_of_lone_brackets_and_quotes_cleans_to_nothing(raw):
    # Tesseract on a handwritten line can read a lone quote; it must not crash the draft
    assert normalize("text", raw).value is None


_HOME = AdminUnit(province="Tỉnh Phú Thọ", district="Huyện Tân Sơn", commune="Xã Minh Đài")


@pytest.mark.parametrize("raw, value, confident", [
    ("Minh Đá", "Xã Minh Đài", False),                      # the book's commune, misread
    ("Minh Bố", "Xã Minh Đài", False),                      # two letters off, syllable for syllable
    ("Thôn 9 Minh Đối", "Thôn 9, Xã Minh Đài", False),
    ("Thôn Hòa Bình Minh Đài", "Thôn Hòa Bình, Xã Minh Đài", True),  # no comma, the book's commune
])
def test_the_books_own_unit_reads_a_place_that_names_no_unit_above_it(raw, value, confident):
    result = normalize("place", raw, unit=_HOME)
    assert result.value == value and result.confident is confident
    assert normalize("place", raw).value == raw  # without the book's unit nothing is guessed


def test_a_listed_unit_is_not_taken_for_the_books_own():
    assert normalize("place", "Thôn 2, Minh Đức", unit=_HOME).value == "Thôn 2, Xã Minh Đức"


_WARD = AdminUnit(province="Tỉnh Bắc Ninh", district="Thị xã Thuận Thành", commune="Phường Hà Mãn")


@pytest.mark.parametrize("raw, value", [
    # "Hà Mòn" is a commune of Kon Tum, not of Thuận Thành: read as the Thuận Thành ward it is closest to
    ("Khu 27, Hà Mòn, Thuận Thành", "Khu 27, Phường Hà Mãn, Thị xã Thuận Thành"),
    ("Tổ 7, Hà Mòn Thuận Thành Bắc Ninh", "Tổ 7, Phường Hà Mãn, Thị xã Thuận Thành, Tỉnh Bắc Ninh"),
    ("Tổ 10, Hà Mòn, Thuận Thành, Bắc Ninh", "Tổ 10, Phường Hà Mãn, Thị xã Thuận Thành, Tỉnh Bắc Ninh"),  # all listed
])
def test_a_listed_unit_that_cannot_lie_in_the_unit_above_it_is_read_as_that_units_closest(raw, value):
    for unit in (None, _WARD):
        result = normalize("place", raw, unit=unit)
        assert result.value == value and not result.confident
        assert any("closest listed unit" in f.message for f in result.flags)


def test_the_books_own_commune_may_be_misread_by_more_than_another():
    raw = "Tổ dân phố 34, Hà Hòn, Thuận Thành"  # two letters off "Hà Mãn": too far for any ward
    assert normalize("place", raw).value == "Tổ dân phố 34, Hà Hòn, Thị xã Thuận Thành"
    result = normalize("place", raw, unit=_WARD)
    assert result.value == "Tổ dân phố 34, Phường Hà Mãn, Thị xã Thuận Thành" and not result.confident


def test_the_books_unit_does_not_beat_a_closer_listed_unit():
    # "Thạnh Sơn" is a diacritic off Thanh Sơn, a district of Phú Thọ; the book is of Tân Sơn
    result = normalize("place", "Thôn Đông, Yên Lương Thạnh Sơn, Phú Thọ", unit=_HOME)
    assert result.value == "Thôn Đông, Xã Yên Lương, Huyện Thanh Sơn, Tỉnh Phú Thọ"


@pytest.mark.parametrize("raw", ["Thôn Trung, Xã Đông Nam, Thành phố Thanh Hóa", "Nhà riêng"])
def test_a_unit_kind_or_a_phrase_is_never_read_as_the_books_unit(raw):
    home = AdminUnit(province="Tỉnh Thanh Hóa", district="Thành phố Thanh Hóa", commune="Xã Đông Nam")
    assert normalize("place", raw, unit=home).value == raw


@pytest.mark.parametrize("raw, value", [("Tại nhà 6", "Tại nhà ở"), ("Tại gia Kinh", "Tại gia đình"),
                                        ("Nhà riêg", "Nhà riêng")])
def test_a_misread_phrase_for_a_home_is_read_as_that_phrase_not_confidently(raw, value):
    result = normalize("place", raw)
    assert result.value == value and not result.confident and codes(result) == ["normalized"]


@pytest.mark.parametrize("raw", ["Tại nhà", "Tại nhà ở", "Tại gia đình", "Hà Nội", "Tại nhà số 5 Lê Lợi"])
def test_phrases_for_a_home_and_places_near_them_are_kept(raw):
    assert normalize("place", raw).value == raw


@pytest.mark.parametrize("raw, value", [
    ("Xã Nghĩa Khánh, Huyện Nghĩa Đàn, X. Nghệ An", "Xã Nghĩa Khánh, Huyện Nghĩa Đàn, Tỉnh Nghệ An"),
    ("Thôn Quyết Tiến, x. Phú Lai h. Yên Thuỷ, H. Hòa Bình",
     "Thôn Quyết Tiến, Xã Phú Lai, Huyện Yên Thủy, Tỉnh Hòa Bình"),
])
def test_an_abbreviated_kind_that_says_another_level_is_read_as_misread_not_confidently(raw, value):
    result = normalize("place", raw)
    assert result.value == value and not result.confident


def test_a_kind_written_out_is_never_taken_for_a_misread_one():
    assert normalize("place", "Xã Nghĩa Khánh, Huyện Nghĩa Đàn, Xã Nghệ An").value.endswith("Xã Nghệ An")


@pytest.mark.parametrize("raw, value", [("A, Xã Minh Đài, Huyện Tân Sơn", "Xã Minh Đài, Huyện Tân Sơn"),
                                        ("Xá, Minh Đài, Tân Sơn", "Xã Minh Đài, Huyện Tân Sơn")])
def test_a_stray_letter_or_two_before_a_place_is_left_out_not_confidently(raw, value):
    result = normalize("place", raw)
    assert result.value == value and not result.confident
    assert any("stray" in f.message for f in result.flags)


@pytest.mark.parametrize("raw", ["Ấp I, Xã Trà Bình", "Hồ, Thuận Thành", "A"])
def test_short_parts_that_are_units_or_names_or_the_whole_place_are_kept(raw):
    assert "stray" not in " ".join(f.message for f in normalize("place", raw).flags)
