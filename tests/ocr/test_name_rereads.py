"""Lines read again with what the record tells (:mod:`ocr.draft.rereads`): the father's surname
(:mod:`ocr.draft.surnames`), the gender written beside a child's name, a name's lines read as one
name (:mod:`ocr.draft.name_lines`), a registration date of the book's year."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ocr.draft.name_lines import best_joint
from ocr.draft import rereads
from ocr.draft.pipeline import BookInfo, DraftSettings, PageDrafter
from ocr.draft.readers import LineJob, Reading
from ocr.draft.surnames import AGREE, FLAG, choose, pairs, surname, surname_starts
from ocr.htr.decode import Alternative
from ocr.htr.name_prior import name_log_prior
from ocr.schema import Field, Line, Record
from ocr.templates import TemplateError, load_template

BOX = [[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [0.0, 5.0]]


def reading(text: str, score: float, confidence: float = 0.9) -> Reading:
    return Reading(text, confidence, (confidence,) * len(text), (Alternative(text, score),))


class ScriptedReader:
    """Answers each job from ``answers`` by its ``starts`` or ``gender``; keeps the jobs."""

    models: dict[str, str] = {}

    def __init__(self, answers: dict[str, Reading]) -> None:
        self.answers, self.jobs = answers, []

    def read(self, jobs: list[LineJob]) -> list[Reading]:
        self.jobs += jobs
        keys = [next(iter(j.starts)) if j.whole else
                next((s.strip() for s in j.starts if s.strip().istitle()), None) or j.gender for j in jobs]
        return [self.answers[k] for k in keys]


def record(keys: list[str], lines: int = 1) -> Record:
    return Record(id="r0", region=BOX, fields=[Field(key=k, region=BOX, lines=[Line(id=f"{k}-l{n}", polygon=BOX)
                                                                               for n in range(lines)])
                                               for k in keys])


def drafter(reader: ScriptedReader, template: str = "ks_1999") -> PageDrafter:
    t = load_template(template)
    return PageDrafter(DraftSettings(template, BookInfo.for_template(t), layout="classical"), reader=reader)


def test_surnames_compare_in_name_case_and_starts_allow_both_cases_and_tone_placements() -> None:
    assert surname("NGUYỄN VĂN AN") == surname("Nguyễn Thị Hà") == "Nguyễn" and surname("") == ""
    assert surname_starts("Hoà Văn Bình") >= {"Hoà ", "Hòa ", "HOÀ ", "HÒA "}
    assert surname_starts("") == frozenset()


def test_choose_keeps_the_pair_that_scores_best_with_the_agreement_bonus() -> None:
    child, father = ("Thân Thị Trâm", -5.0), ("Thôn Khắc Vinh", -4.0)
    # the father read with the child's surname costs 0.5 and agrees: 3 better than keeping both
    best, share = choose(child, father, ("Thôn Thị Trâm", -12.0), ("Thân Khắc Vinh", -4.5))
    assert best == 2
    options = [-9.0, -16.0 + AGREE, -9.5 + AGREE]
    assert share == pytest.approx(math.exp(options[2]) / sum(math.exp(o) for o in options))
    # a re-read far worse than the bonus, or none, keeps both readings
    assert choose(child, father, None, ("Thân Khắc Vinh", -9.0))[0] == 0
    # a re-read that did not come out with the asked surname does not count
    assert choose(child, father, None, ("Thôn Khắc Vinh", -4.0))[0] == 0


def test_a_disagreeing_pair_is_read_again_and_the_changed_field_flagged() -> None:
    answers = {"Thôn": reading("Thôn Thị Trâm", -12.0), "Thân": reading("Thân Khắc Vinh", -4.5, 0.99)}
    reader = ScriptedReader(answers)
    d = drafter(reader)
    rec = record(["nksHoTen", "chaHoTen", "meHoTen"])
    assert [(p.name, p.of) for p in pairs([rec], d.template)] == [((0, 0, 0), (0, 1, 0))]
    readings = {(0, 0, 0): reading("Thân Thị Trâm", -5.0), (0, 1, 0): reading("Thôn Khắc Vinh", -4.0),
                (0, 2, 0): reading("Lê Thị Hoa", -2.0)}
    crops = {k: np.zeros((8, 8), np.uint8) for k in readings}
    changed = rereads.surname_pairs(d.template, reader, [rec], readings, crops)
    assert changed == {(0, 1)} and len(reader.jobs) == 2
    assert {j.starts for j in reader.jobs} == {surname_starts("Thôn"), surname_starts("Thân")}
    # its confidence is at most the chosen pair's share of the three
    share = choose(("Thân Thị Trâm", -5.0), ("Thôn Khắc Vinh", -4.0), ("Thôn Thị Trâm", -12.0),
                   ("Thân Khắc Vinh", -4.5))[1]
    assert readings[(0, 1, 0)].text == "Thân Khắc Vinh" and readings[(0, 1, 0)].confidence == share < 0.99
    out = d._record(rec, 0, "", readings, np.full((50, 50), 255, np.uint8), changed)
    by_key = {f.key: f for f in out.fields}
    assert by_key["chaHoTen"].value == "Thân Khắc Vinh" and [f.code for f in by_key["chaHoTen"].flags] == [FLAG]
    assert not by_key["nksHoTen"].flags and by_key["nksHoTen"].value == "Thân Thị Trâm"
    # agreeing surnames (in any case) are not read again
    agree = {(0, 0, 0): reading("THÂN THỊ TRÂM", -5.0), (0, 1, 0): reading("Thân Khắc Vinh", -4.0)}
    assert rereads.surname_pairs(d.template, reader, [record(["nksHoTen", "chaHoTen"])], agree, crops) == set()
    assert len(reader.jobs) == 2


def test_a_childs_name_is_read_again_with_the_names_of_the_gender_written_beside() -> None:
    # the kept readings differ by the middle name; pooled over both genders "Văn" wins, for a girl "Thị"
    boy, girl = "Nguyễn Văn Thủy", "Nguyễn Thị Thủy"
    alts = tuple(sorted((Alternative(t, s + name_log_prior(t)) for t, s in ((boy, -1.0), (girl, -1.5))),
                        key=lambda a: -a.score))
    assert alts[0].text == boy
    assert -1.5 + name_log_prior(girl, "Nữ") > -1.0 + name_log_prior(boy, "Nữ")
    reader = ScriptedReader({"Nữ": reading(girl, -1.5)})
    d = drafter(reader)
    rec = record(["nksHoTen", "nksGioiTinh"])
    readings = {(0, 0, 0): Reading(boy, 0.9, None, alts), (0, 1, 0): reading("Nữ", -0.1)}
    rereads.genders(d.template, reader, [rec], readings, {k: np.zeros((8, 8), np.uint8) for k in readings})
    assert [(j.field_type, j.gender) for j in reader.jobs] == [("name", "Nữ")]
    assert readings[(0, 0, 0)].text == girl
    # written "Nam": the best reading stays, nothing is read again
    readings = {(0, 0, 0): Reading(boy, 0.9, None, alts), (0, 1, 0): reading("Nam", -0.1)}
    rereads.genders(d.template, reader, [rec], readings, {k: np.zeros((8, 8), np.uint8) for k in readings})
    assert len(reader.jobs) == 1 and readings[(0, 0, 0)].text == boy


def test_templates_say_whose_surname_and_which_gender_a_name_has(tmp_path) -> None:
    ks = load_template("ks_1999")
    assert ks.field("nksHoTen").surname_of == "chaHoTen" and ks.field("nksHoTen").gender == "nksGioiTinh"
    assert ks.field("meHoTen").gender == "Nữ" and ks.field("chaHoTen").gender == "Nam"
    text = (load_template.__globals__["config_dir"]() / "ledgers" / "ks_1999.yaml").read_text(encoding="utf-8")
    for bad, needle in (("gender: nksGioiTinh", "gender: nksNgaySinh"), ("gender: Nữ", "gender: Female"),
                        ("surname_of: chaHoTen", "surname_of: nksNgaySinh"),
                        ("type: name, gender: nksGioiTinh", "type: name, book_year: true, gender: nksGioiTinh")):
        path = tmp_path / "ks_1999.yaml"
        path.write_text(text.replace(bad, needle, 1), encoding="utf-8")
        with pytest.raises(TemplateError, match="gender|surname_of|book_year"):
            load_template(path)


def test_a_name_over_two_lines_is_ranked_as_one_name() -> None:
    # "Hiên" is read a little likelier than "Hiền", but only "Hiền" is a woman's given name
    lines = [[("Nguyễn Thị", -1.0)], [("Hiên", -1.0), ("Hiền", -1.3)]]
    pick, share = best_joint(lines, "Nữ")
    assert pick == (0, 1) and share == pytest.approx(math.exp(-0.3) / (1 + math.exp(-0.3)))
    assert best_joint([[("Nguyễn Thị Hiên", -1.0)]])[0] == (0,)
    with pytest.raises(ValueError, match="reading"):
        best_joint([[("Nguyễn Thị", -1.0)], []])
    # many readings over many lines: at most MAX_JOINED combinations are ranked
    wide = [[(f"Lê{k}", -float(k)) for k in range(9)]] * 3
    assert best_joint(wide)[0] == (0, 0, 0)


def test_the_changed_line_of_a_name_over_two_lines_is_read_again_as_that_text() -> None:
    reader = ScriptedReader({"Hiền": reading("Hiền", -1.3, 0.7)})
    d = drafter(reader)
    rec = record(["meHoTen"], lines=2)
    top = Reading("Hiên", 0.8, (0.8,) * 4, (Alternative("Hiên", -1.0), Alternative("Hiền", -1.3)))
    readings = {(0, 0, 0): reading("Nguyễn Thị", -1.0), (0, 0, 1): top}
    rereads.names_over_lines(d.template, reader, [rec], readings, {k: np.zeros((8, 8), np.uint8) for k in readings})
    assert [(j.starts, j.whole, j.fragment) for j in reader.jobs] == [(frozenset({"Hiền"}), True, True)]
    assert readings[(0, 0, 1)].text == "Hiền" and readings[(0, 0, 1)].confidence == pytest.approx(
        math.exp(-0.3) / (1 + math.exp(-0.3)))
    assert readings[(0, 0, 0)].text == "Nguyễn Thị"


def test_a_registration_date_outside_the_books_year_takes_the_best_reading_inside_it() -> None:
    reader = ScriptedReader({"21/01/95": reading("21/01/95", -2.5, 0.9)})
    d = drafter(reader, "ks_dense")
    assert d.template.field("ngayDangKy").book_year and not d.template.field("nksNgaySinh").book_year
    rec = record(["ngayDangKy", "nksNgaySinh"])
    read = Reading("21/02/06", 0.6, None, (Alternative("21/02/06", -2.0), Alternative("21/01/95", -2.5)))
    born = Reading("3/4/1960", 0.6, None, (Alternative("3/4/1960", -2.0), Alternative("3/4/1995", -2.5)))
    readings = {(0, 0, 0): read, (0, 1, 0): born}
    crops = {k: np.zeros((8, 8), np.uint8) for k in readings}
    rereads.book_year_dates(d.template, 1995, reader, [rec], readings, crops)
    assert [(j.field_type, j.starts, j.whole) for j in reader.jobs] == [("date", frozenset({"21/01/95"}), True)]
    assert readings[(0, 0, 0)].text == "21/01/95" and readings[(0, 0, 0)].confidence == pytest.approx(
        math.exp(-0.5) / (1 + math.exp(-0.5)))
    assert readings[(0, 1, 0)] is born  # not a date of the book's year
    # a date within a year of the book's stays as read
    near = {(0, 0, 0): Reading("21/02/96", 0.6, None, (Alternative("21/02/96", -2.0), Alternative("21/01/95", -2.5)))}
    rereads.book_year_dates(d.template, 1995, reader, [rec], near, {(0, 0, 0): np.zeros((8, 8), np.uint8)})
    assert near[(0, 0, 0)].text == "21/02/96" and len(reader.jobs) == 1
