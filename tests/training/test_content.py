"""Synthetic record contents: consistent people, plausible dates and numbers, exact ground truth."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np
import pytest

from ocr import lexicon
from ocr.ministry import EXCEL_COLUMNS
from ocr.schema import AdminUnit
from training.synth import dates as D
from training.synth.content import EMPTY, BookContentGenerator, FieldContent, random_unit, split_key
from training.synth.places import _table, as_of, commune_of

_SUFFIX_TYPES = (
    ("BangChu", "date_words"), ("HoTen", "name"), ("NgaySinh", "date"), ("NgayChet", "date"),
    ("NoiSinh", "place"), ("QueQuan", "place"), ("NoiCuTru", "place"), ("NoiChet", "place"),
    ("DanToc", "ethnicity"), ("QuocTich", "nationality"), ("GioiTinh", "gender"),
    ("QuanHe", "relationship"), ("ngayDangKy", "date"), ("so", "number"), ("nguoiKy", "signature"),
)


def _fields(book_type: str) -> list[tuple[str, str]]:
    """Every Ministry key of the book type, typed by its suffix (text otherwise)."""
    out = []
    for key in EXCEL_COLUMNS[book_type]:
        ftype = next((t for suffix, t in _SUFFIX_TYPES if key.endswith(suffix) or key == suffix), "text")
        out.append((key, ftype))
    return out


def _unit(province: str, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    pool = [c for c in _table().communes if c.province.name == province]
    return pool[int(rng.integers(len(pool)))].as_dict()


def _book(book_type: str, n: int, *, year: int = 2000, seed: int = 1, unit: dict | None = None,
          first_number: int = 1) -> list[dict[str, FieldContent]]:
    rng = np.random.default_rng(seed)
    gen = BookContentGenerator(book_type, year, unit or random_unit(rng), rng, first_number=first_number)
    fields = _fields(book_type)
    return [gen.next_record(fields) for _ in range(n)]


@pytest.fixture(scope="module")
def births() -> list[dict[str, FieldContent]]:
    """500 birth records from five books of different years and places."""
    out = []
    for i, year in enumerate((1995, 1997, 1999, 2003, 2006)):
        out += _book("KS", 100, year=year, seed=100 + i)
    return out


# --- a test-local reader of written dates ---------------------------------------------------

_DIGITS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
           "nhăm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "giêng": 1}
_WORDS = set(_DIGITS) | {"mười", "mươi", "trăm", "nghìn", "ngàn", "linh", "lẻ", "mồng", "mùng"}


def _words_to_int(text: str) -> int:
    total, current = 0, 0
    for word in text.split():
        assert word in _WORDS, f"unexpected word {word!r} in {text!r}"
        if word in ("nghìn", "ngàn"):
            total, current = total + current * 1000, 0
        elif word == "trăm":
            total, current = total + current * 100, 0
        elif word == "mươi":
            current *= 10
        elif word == "mười":
            current += 10
        elif word in _DIGITS:
            current += _DIGITS[word]
    return total + current


def _read_date(raw: str) -> str:
    """ISO date (or year) of a date as written, numerically or in words."""
    text = raw.strip()
    if re.fullmatch(r"\d{4}", text):
        return text
    m = re.fullmatch(r"[Nn]gày (.+) tháng (.+?) năm (.+)", text)
    if m:
        day, month, year = (_words_to_int(g) if not g.isdigit() else int(g) for g in m.groups())
    else:
        parts = re.split(r"[/.\-]", text)
        assert len(parts) == 3, raw
        day, month, year = (int(p) for p in parts)
        if len(parts[2]) == 2:
            year += 2000 if year <= 6 else 1900
    return dt.date(year, month, day).isoformat()


def _year(value: str) -> int:
    return int(value[:4])


# --- birth books ------------------------------------------------------------------------------


def test_every_key_gets_nfc_content(births):
    keys = {k for k, _ in _fields("KS")}
    for rec in births:
        assert set(rec) == keys
        for fc in rec.values():
            assert isinstance(fc, FieldContent)
            assert unicodedata.is_normalized("NFC", fc.raw)
            assert (fc.raw == "") == (fc.value is None)
            assert fc.value is None or unicodedata.is_normalized("NFC", fc.value)
            assert fc.raw == fc.raw.strip()


def test_core_fields_never_empty(births):
    for rec in births:
        for key in ("so", "ngayDangKy", "nksHoTen", "nksNgaySinh"):
            assert rec[key].raw, key


def test_parents_18_to_45_years_older(births):
    checked = 0
    for rec in births:
        child = _year(rec["nksNgaySinh"].value)
        for key in ("meNgaySinh", "chaNgaySinh"):
            if rec[key].value:
                assert 18 <= child - _year(rec[key].value) <= 45, (key, rec[key].value, child)
                checked += 1
    assert checked > 500


def test_registration_after_birth_mostly_within_60_days(births):
    late = 0
    for rec in births:
        born = dt.date.fromisoformat(rec["nksNgaySinh"].value)
        reg = dt.date.fromisoformat(rec["ngayDangKy"].value)
        assert reg >= born
        late += (reg - born).days > 60
    assert 0.03 < late / len(births) < 0.2


def test_late_registrations_are_marked(births):
    kinds = [rec["loaiDangKy"].value for rec in births if rec["loaiDangKy"].value]
    assert set(kinds) <= {"đúng hạn", "quá hạn", "đăng ký lại"}
    assert "quá hạn" in kinds
    for rec in births:
        if rec["loaiDangKy"].value == "quá hạn":
            born = dt.date.fromisoformat(rec["nksNgaySinh"].value)
            assert (dt.date.fromisoformat(rec["ngayDangKy"].value) - born).days > 60


def test_names_match_gender(births):
    given = {g: {p.name for p in parts} for g, parts in lexicon.names().given.items()}
    kinh = 0
    for rec in births:
        people = [("nksHoTen", rec["nksGioiTinh"].value), ("chaHoTen", "Nam"), ("meHoTen", "Nữ")]
        for key, gender in people:
            name = rec[key].value
            if not name or not gender:
                continue
            words = name.split()
            if gender == "Nam":
                assert "Thị" not in words, name
            if rec[key.replace("HoTen", "DanToc")].value == "Kinh" and len(words) >= 3:
                kinh += 1
                assert words[-1] in given[gender], (name, gender)
    assert kinh > 300


def test_child_takes_fathers_surname_mostly(births):
    same = total = 0
    for rec in births:
        child, father = rec["nksHoTen"].value, rec["chaHoTen"].value
        if father and rec["nksDanToc"].value == "Kinh" and rec["chaDanToc"].value == "Kinh":
            total += 1
            same += child.split()[0] == father.split()[0]
    assert total > 100 and same / total > 0.95


def test_declarant_is_consistent(births):
    for rec in births:
        rel = rec["nycQuanHe"].value
        if rel == "Cha" and rec["chaHoTen"].value and rec["nycHoTen"].value:
            assert rec["nycHoTen"].value == rec["chaHoTen"].value
        if rel == "Mẹ" and rec["meHoTen"].value and rec["nycHoTen"].value:
            assert rec["nycHoTen"].value == rec["meHoTen"].value
        if rel:
            term = lexicon.resolve("relationship", rec["nycQuanHe"].raw)
            assert term is not None and term.name == rel
    rels = [rec["nycQuanHe"].value for rec in births if rec["nycQuanHe"].value]
    assert sum(r in ("Cha", "Mẹ") for r in rels) / len(rels) > 0.6


def test_numbers_sequential_with_rare_duplicates_and_gaps():
    recs = _book("KS", 600, seed=7)
    numbers = [int(r["so"].value) for r in recs]
    steps = np.diff(numbers)
    assert numbers[0] == 1
    assert (steps >= 0).all()
    duplicates, gaps = int((steps == 0).sum()), int((steps > 1).sum())
    assert 0 < duplicates <= 0.03 * len(steps)
    assert 0 < gaps <= 0.03 * len(steps)
    for r in recs:
        assert re.fullmatch(r"0*" + r["so"].value + r"(/\d{2}|/\d{4})?", r["so"].raw)


def test_numbering_continues_from_first_number():
    rng = np.random.default_rng(3)
    gen = BookContentGenerator("KS", 2001, random_unit(rng), rng, first_number=215)
    recs = [gen.next_record([("so", "number")]) for _ in range(20)]
    assert recs[0]["so"].value == "215"
    assert gen.next_number > int(recs[-1]["so"].value)


def test_registration_dates_in_book_year_and_ordered():
    for year in (1995, 2006):
        recs = _book("KS", 300, year=year, seed=year)
        days = [dt.date.fromisoformat(r["ngayDangKy"].value) for r in recs]
        assert all(d.year == year for d in days)
        assert days == sorted(days)


def test_written_dates_parse_back_to_values(births):
    for rec in births:
        for key in ("ngayDangKy", "nksNgaySinh", "meNgaySinh", "chaNgaySinh", "nksNgaySinhBangChu"):
            fc = rec[key]
            if fc.raw:
                assert _read_date(fc.raw) == fc.value, (key, fc.raw, fc.value)


def test_ethnicity_and_nationality_values_are_official(births):
    official = {g.name for g in lexicon.ethnic_groups()}
    for rec in births:
        for key in ("nksDanToc", "meDanToc", "chaDanToc"):
            fc = rec[key]
            if fc.raw:
                assert fc.value in official
                assert lexicon.resolve("ethnic_group", fc.raw).name == fc.value
        for key in ("nksQuocTich", "meQuocTich", "chaQuocTich"):
            fc = rec[key]
            if fc.raw:
                assert lexicon.resolve("nationality", fc.raw).name == fc.value


def test_minority_provinces_raise_minority_share():
    def kinh_share(province: str) -> float:
        recs = _book("KS", 200, unit=_unit(province), seed=11)
        values = [r["nksDanToc"].value for r in recs if r["nksDanToc"].value]
        return sum(v == "Kinh" for v in values) / len(values)

    assert kinh_share("Hà Giang") < 0.4
    assert kinh_share("Thái Bình") > 0.9


def test_old_books_leave_more_fields_empty():
    def empty_share(year: int) -> float:
        recs = _book("KS", 300, year=year, seed=21)
        keys = ("nksQueQuan", "chaNgaySinh", "meDanToc", "nguoiKy")
        return sum(not r[k].raw for r in recs for k in keys) / (len(recs) * len(keys))

    assert empty_share(1996) > 2 * empty_share(2006)


def test_places_value_spells_out_units(births):
    kinds = ("Xã", "Phường", "Thị trấn", "Huyện", "Quận", "Thị xã", "Thành phố", "Tỉnh")
    checked = 0
    for rec in births:
        fc = rec["meNoiCuTru"]
        if fc.raw:
            checked += 1
            assert any(f"{k} " in fc.value for k in kinds), fc.value
    assert checked > 300


def test_every_place_the_generator_writes_fits_the_place_grammar():
    from ocr.htr.constraints import accepts, constraint_for

    grammar = constraint_for("place")
    # mountain provinces: Tày-Thái "Bản", Ê Đê "Buôn" and Bahnar "Làng" villages
    books = [_book("KS", 120, unit=_unit(p), seed=31) for p in ("Hà Giang", "Đắk Lắk", "Kon Tum", "Thái Bình")]
    places = [rec[k].raw for book in books for rec in book for k in rec
              if k.endswith(("NoiSinh", "QueQuan", "NoiCuTru")) and rec[k].raw]
    assert len(places) > 500
    assert any(p.startswith(("Bản ", "Buôn ", "Làng ")) for p in places)
    bad = [p for p in places if not accepts(grammar, p)]
    assert not bad, bad[:5]


def test_same_seed_same_records_different_seed_different():
    a = _book("KS", 50, seed=5)
    b = _book("KS", 50, seed=5)
    c = _book("KS", 50, seed=6)
    assert a == b
    assert a != c


# --- other books ------------------------------------------------------------------------------


def test_death_records_are_consistent():
    recs = _book("KT", 300, year=1999, seed=31)
    for rec in recs:
        died = dt.date.fromisoformat(rec["nktNgayChet"].value)
        assert dt.date.fromisoformat(rec["ngayDangKy"].value) >= died
        born = rec["nktNgaySinh"].value
        if born:
            assert _year(born) <= died.year
        if rec["nktGioPhutChet"].value:
            assert re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", rec["nktGioPhutChet"].value)
        if rec["nktNgayChetGhiBangChu"].raw:
            assert _read_date(rec["nktNgayChetGhiBangChu"].raw) == died.isoformat()
        if rec["nycQuanHe"].value == "Vợ":
            assert rec["nktGioiTinh"].value == "Nam"
        if rec["nycQuanHe"].value == "Chồng":
            assert rec["nktGioiTinh"].value == "Nữ"
    causes = {r["nktNguyenNhanChet"].value for r in recs} - {None}
    assert len(causes) > 5


def test_marriage_ages():
    recs = _book("KH", 300, year=2002, seed=41)
    for rec in recs:
        reg = dt.date.fromisoformat(rec["ngayDangKy"].value)
        for key, low in (("chongNgaySinh", 20), ("voNgaySinh", 18)):
            value = rec[key].value
            if value and len(value) == 10:
                born = dt.date.fromisoformat(value)
                assert reg.year - born.year - ((reg.month, reg.day) < (born.month, born.day)) >= low
        if rec["chongHoTen"].value:
            assert "Thị" not in rec["chongHoTen"].value.split()


@pytest.mark.parametrize("book_type", ["CMC", "NCN"])
def test_other_book_types_fill_their_keys(book_type):
    recs = _book(book_type, 30, seed=51)
    for rec in recs:
        assert set(rec) == set(EXCEL_COLUMNS[book_type])
        assert all(unicodedata.is_normalized("NFC", fc.raw) for fc in rec.values())
    filled = sum(bool(fc.raw) for rec in recs for fc in rec.values())
    assert filled > 10 * len(recs)


def test_unknown_keys_fall_back_on_field_type():
    rng = np.random.default_rng(9)
    gen = BookContentGenerator("KS", 2004, random_unit(rng), rng)
    rec = gen.next_record([("foo", "text"), ("bar", "date"), ("baz", "ethnicity"), ("nguoiKy", "signature")])
    assert rec["foo"] == EMPTY
    assert re.fullmatch(r"\d{4}(-\d\d-\d\d)?", rec["bar"].value)
    assert rec["baz"].value in {g.name for g in lexicon.ethnic_groups()}


def test_split_key():
    assert split_key("nksHoTen") == ("nks", "HoTen")
    assert split_key("meNuoiHoTen") == ("meNuoi", "HoTen")
    assert split_key("ncnHoTen") == ("ncn", "HoTen")
    assert split_key("ncHoTen") == ("nc", "HoTen")
    assert split_key("nycQHNguoiDuocNhan") == ("nyc", "QHNguoiDuocNhan")
    assert split_key("ngayDangKy") == (None, "ngayDangKy")
    assert split_key("nguoiKy") == (None, "nguoiKy")


# --- dates in words, units ------------------------------------------------------------------


@pytest.mark.parametrize("style", [
    D.WordStyle(),
    D.WordStyle(thousand="ngàn", zero_tens="lẻ", hundreds_in_2000s=False, four="bốn", five="nhăm",
                day_prefix="", january="giêng", capital=False),
    D.WordStyle(day_prefix="mùng"),
])
def test_date_words_every_day_and_month(style):
    for month in range(1, 13):
        for day in range(1, 32):
            try:
                d = dt.date(2004 if month == 2 else 1998, month, day)
            except ValueError:
                continue
            text = D.date_in_words(d, style)
            assert _read_date(text) == d.isoformat(), text
            assert not re.search(r"\d", text)
    assert D.day_words(15) == "mười lăm"
    assert D.day_words(5) == "mồng năm"
    assert D.day_words(21) == "hai mươi mốt"
    assert D.day_words(30) == "ba mươi"
    assert D.month_words(4) == "tư"
    assert D.number_words(1998) == "một nghìn chín trăm chín mươi tám"
    assert D.number_words(2003) == "hai nghìn không trăm linh ba"
    short = D.WordStyle(hundreds_in_2000s=False, zero_tens="lẻ", thousand="ngàn")
    assert D.number_words(2003, short) == "hai ngàn lẻ ba"


def test_years_in_words_parse_back():
    for year in range(1900, 2031):
        assert _words_to_int(D.number_words(year)) == year
        assert _words_to_int(D.number_words(year, D.WordStyle(hundreds_in_2000s=False))) == year


def test_random_unit_is_an_admin_unit():
    rng = np.random.default_rng(0)
    unit = random_unit(rng)
    AdminUnit(**unit)
    assert all(unit[k] for k in ("province", "district", "commune", "commune_code"))
    assert random_unit(np.random.default_rng(0)) == unit
    assert len({random_unit(rng)["commune_code"] for _ in range(50)}) > 45


def test_books_name_units_as_in_their_year():
    hadong = next(c for c in _table().communes if c.district.full == "Quận Hà Đông")
    assert as_of(hadong, 1998).province.full == "Tỉnh Hà Tây"
    assert as_of(hadong, 1998).district.full == "Thị xã Hà Đông"
    assert as_of(hadong, 2010).province.full == "Thành phố Hà Nội"
    bac_kan = next(c for c in _table().communes if c.province.name == "Bắc Kạn")
    assert as_of(bac_kan, 1996).province.full == "Tỉnh Bắc Thái"
    assert as_of(bac_kan, 1997).province.full == "Tỉnh Bắc Kạn"
    assert commune_of(bac_kan.as_dict()) == bac_kan


def test_every_date_the_generator_writes_in_words_fits_the_date_grammar() -> None:
    import itertools

    from ocr.htr.constraints import accepts, constraint_for

    grammar = constraint_for("date_words")
    styles = [D.WordStyle(thousand=t, zero_tens=z, hundreds_in_2000s=h, four=f, five=v, day_prefix=d, january=j, capital=c)
              for t, z, h, f, v, d, j, c in itertools.product(("nghìn", "ngàn"), ("linh", "lẻ"), (True, False),
                                                              ("tư", "bốn"), ("lăm", "nhăm"), ("mồng", "mùng", ""),
                                                              ("một", "giêng"), (True, False))]
    day = dt.date(1900, 1, 1)
    for i in range(0, 40000, 7):  # 1900-2009, every weekday in turn, every style in turn
        d = day + dt.timedelta(days=i)
        style = styles[i % len(styles)]
        assert accepts(grammar, D.date_in_words(d, style)), D.date_in_words(d, style)
        assert accepts(grammar, D.year_in_words(d.year, style)), D.year_in_words(d.year, style)
