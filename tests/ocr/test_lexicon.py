"""The closed-set lexicons: complete, NFC, unambiguous, light to import."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml

from ocr import lexicon
from ocr.lexicon.admin_units import admin_units
from ocr.lexicon.history import history

LEXICON_DIR = Path(lexicon.__file__).parent

OFFICIAL_54 = """Kinh Tày Thái Mường|Khơ Me|Hoa|Nùng|Mông|Dao|Gia Rai|Ngái|Ê Đê|Ba Na|Xơ Đăng|Sán Chay|Cơ Ho|
Chăm|Sán Dìu|Hrê|Mnông|Ra Glai|Xtiêng|Bru-Vân Kiều|Thổ|Giáy|Cơ Tu|Gié Triêng|Mạ|Khơ Mú|Co|Tà Ôi|Chơ Ro|
Kháng|Xinh Mun|Hà Nhì|Chu Ru|Lào|La Chí|La Ha|Phù Lá|La Hủ|Lự|Lô Lô|Chứt|Mảng|Pà Thẻn|Cờ Lao|Cống|Bố Y|
Si La|Pu Péo|Brâu|Ơ Đu|Rơ Măm"""


def _official() -> set[str]:
    names: set[str] = set()
    for chunk in OFFICIAL_54.replace("\n", "").split("|"):
        names.update(chunk.split(" ") if chunk.startswith("Kinh") else [chunk])
    return names


def test_54_ethnic_groups_with_unique_official_names():
    groups = lexicon.ethnic_groups()
    names = [g.name for g in groups]
    assert len(groups) == 54
    assert len(set(names)) == 54
    assert set(names) == _official()
    assert names[0] == "Kinh"
    total = sum(g.weight for g in groups)
    assert 0.8 < groups[0].weight / total < 0.9  # Kinh ~86%
    by_name = {g.name: g.weight for g in groups}
    assert by_name["Tày"] > by_name["Ê Đê"] > by_name["Chứt"] > by_name["Ơ Đu"]


def test_data_files_are_nfc_and_loaded_strings_too():
    for path in LEXICON_DIR.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", text), path.name
    strings: list[str] = []
    for terms in (lexicon.ethnic_groups(), lexicon.nationalities(), lexicon.genders(), lexicon.relationships()):
        for t in terms:
            strings += t.spellings
    strings += lexicon.names().syllables()
    assert strings and all(unicodedata.is_normalized("NFC", s) for s in strings)
    assert all(s == s.strip() and s for s in strings)


@pytest.mark.parametrize("kind", ["ethnic_group", "nationality", "gender", "relationship", "title"])
def test_spellings_are_unambiguous(kind):
    entries = lexicon.LOADERS[kind]()
    index = lexicon.alias_index(entries)  # raises on a spelling shared by two entries
    assert {e.name for e in index.values()} == {e.name for e in entries}


@pytest.mark.parametrize("kind,text,expected", [
    ("ethnic_group", "Mèo", "Mông"),
    ("ethnic_group", "H'Mông", "Mông"),
    ("ethnic_group", "hmông", "Mông"),
    ("ethnic_group", "KHMER", "Khơ Me"),
    ("ethnic_group", "Khơ-me", "Khơ Me"),
    ("ethnic_group", "Ra-đê", "Ê Đê"),
    ("ethnic_group", "Cao Lan", "Sán Chay"),
    ("ethnic_group", "Bru - Vân Kiều", "Bru-Vân Kiều"),
    ("ethnic_group", "  kinh ", "Kinh"),
    ("nationality", "VN", "Việt Nam"),
    ("nationality", "Mỹ", "Hoa Kỳ"),
    ("gender", "trai", "Nam"),
    ("gender", "Gái", "Nữ"),
    ("relationship", "Bố", "Cha"),
    ("relationship", "con gái", "Con"),
])
def test_resolve_aliases(kind, text, expected):
    term = lexicon.resolve(kind, text)
    assert term is not None and term.name == expected


def test_resolve_unknown_is_none():
    assert lexicon.resolve("ethnic_group", "Việt Kiều") is None
    assert lexicon.resolve("gender", "") is None


def test_genders_and_nationalities():
    assert [(g.code, g.name) for g in lexicon.genders()] == [(1, "Nam"), (2, "Nữ"), (3, "Chưa xác định")]
    nats = lexicon.nationalities()
    assert nats[0].name == "Việt Nam" and len(nats) >= 30
    assert len({n.name for n in nats}) == len(nats)


def test_relationship_weights_by_book_type():
    rels = lexicon.relationships()
    assert all(r.weights for r in rels)
    ks = {r.name: r.weights.get("KS", 0.0) for r in rels}
    assert (ks["Cha"] + ks["Mẹ"]) / sum(ks.values()) > 0.7
    kt = {r.name: r.weights.get("KT", 0.0) for r in rels}
    assert max(kt, key=kt.get) == "Con"
    assert lexicon.resolve("relationship", "Vợ").gender == "Nữ"
    assert next(r for r in rels if r.name == "Ông nội").generation == 2


def test_names_by_gender():
    lex = lexicon.names()
    raw = yaml.safe_load((LEXICON_DIR / "names.yaml").read_text(encoding="utf-8"))
    male_middles = {p.name for p in lex.middle["Nam"]}
    female_middles = {p.name for p in lex.middle["Nữ"]}
    assert "Văn" in male_middles and "Thị" in female_middles
    assert not any("Thị" in m.split() for m in male_middles)
    unisex = set(raw["given_names"]["unisex"])
    assert not unisex & set(raw["given_names"]["male"]) and not unisex & set(raw["given_names"]["female"])
    assert len(lex.given["Nam"]) > 80 and len(lex.given["Nữ"]) > 80
    weights = {s.name: s.north for s in lex.surnames}
    assert max(weights, key=weights.get) == "Nguyễn"
    assert 0.3 < weights["Nguyễn"] / sum(weights.values()) < 0.45
    assert len(lex.surnames) > 70
    south = {s.name: s.south for s in lex.surnames}
    assert south["Huỳnh"] > south["Hoàng"] and weights["Hoàng"] > weights["Huỳnh"]


def test_name_patterns_name_official_groups():
    official = {g.name for g in lexicon.ethnic_groups()}
    lex = lexicon.names()
    for pat in lex.patterns:
        assert set(pat.groups) <= official
        assert all("{given}" in f for f in pat.format.values())
        if pat.middle:
            assert "Thị" not in {p.name for p in pat.middle["Nam"]}
    assert lex.pattern_for("Ê Đê").lineage == "maternal"
    assert lex.pattern_for("Kinh") is None


def test_import_is_light():
    code = (
        "import sys, ocr.lexicon as L; L.names(); L.ethnic_groups();"
        "bad = [m for m in ('numpy', 'torch', 'training', 'vietnamadminunits') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=LEXICON_DIR.parents[1])


def test_books_of_a_year_name_units_as_the_history_says():
    h = history()
    assert h.named("Huế", "Quận Phú Xuân", 2000) == ("Tỉnh Thừa Thiên Huế", "Thành phố Huế")
    assert h.named("Huế", "Quận Phú Xuân", 2025) == (None, None)
    assert h.named("Hà Nội", "Quận Hà Đông", 2000) == ("Tỉnh Hà Tây", "Thị xã Hà Đông")
    assert h.named("Bắc Giang", "Huyện Tân Yên", 1996) == ("Tỉnh Hà Bắc", None)
    assert h.named("Bắc Giang", "Huyện Tân Yên", 1997) == (None, None)


def test_former_units_are_the_historical_names_no_2024_unit_bears():
    former = set(admin_units().former)
    assert {"Tỉnh Hà Tây", "Tỉnh Thừa Thiên Huế", "Thị xã Hà Đông"} <= former
    assert former <= history().names()
    # still a district in 2024 (of Hà Nội), and a province then: not former
    assert "Huyện Gia Lâm" not in former and "Thành phố Huế" not in former
