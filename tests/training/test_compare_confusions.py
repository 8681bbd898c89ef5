"""training.compare: character alignment, Vietnamese tone and vowel-mark confusions, calibration
of line confidences, and field types read from line image names."""

from __future__ import annotations

import random

import pytest

from ocr.draft.accept import AUTO_ACCEPT
from ocr.metrics import edit_distance
from training.compare.align import align
from training.compare.calibration import (THRESHOLDS, calibration, coverage_at, expected_calibration_error,
                                          reliability)
from training.compare.confusions import Letter, count_confusions, decompose
from training.compare.fields import NO_FIELD, field_key, line_field_type


def test_alignment_is_minimal_and_keeps_both_texts():
    rng = random.Random(4)
    letters = "aăâeêoôơuưdđ nguyễn"
    for _ in range(300):
        ref = "".join(rng.choice(letters) for _ in range(rng.randint(0, 12)))
        hyp = "".join(rng.choice(letters) for _ in range(rng.randint(0, 12)))
        pairs = align(ref, hyp)
        assert "".join(r for r, _ in pairs if r) == ref and "".join(h for _, h in pairs if h) == hyp
        assert sum(r != h for r, h in pairs) == edit_distance(ref, hyp)


def test_alignment_pairs_substitutions_in_place():
    assert align("Nguyễn", "Nguyên") == [(c, c) for c in "Nguy"] + [("ễ", "ê"), ("n", "n")]
    assert align("Thị", "Th") == [("T", "T"), ("h", "h"), ("ị", None)]
    assert align("", "ab") == [(None, "a"), (None, "b")]


@pytest.mark.parametrize("char, letter", [
    ("ễ", Letter("e", "circumflex", "ngã")), ("Ặ", Letter("a", "breve", "nặng")),
    ("ừ", Letter("u", "horn", "huyền")), ("ở", Letter("o", "horn", "hỏi")), ("í", Letter("i", "", "sắc")),
    ("Đ", Letter("d", "stroke", "none")), ("y", Letter("y", "", "none")),
])
def test_decompose(char, letter):
    assert decompose(char) == letter


def test_plain_letter_drops_only_the_tone():
    assert [decompose(c).plain for c in "ễẶĐúơ"] == ["ê", "ă", "đ", "u", "ơ"]


def test_a_lost_tilde_is_one_tone_confusion():
    c = count_confusions([("Nguyễn", "Nguyên")])
    assert dict(c.tones) == {("ngã", "none"): 1}
    assert not c.marks and not c.substitutions and not c.deleted
    assert c.vowels == 3 and c.tone_error_rate == pytest.approx(1 / 3)


def test_lost_stroke_and_horn_are_vowel_mark_confusions():
    c = count_confusions([("Đức", "Dúc")])  # ứ -> ú keeps its acute: no tone confusion
    assert dict(c.marks) == {("đ", "d"): 1, ("ư", "u"): 1}
    assert not c.tones


def test_mark_and_tone_of_one_letter_are_both_counted():
    c = count_confusions([("Tấn", "Tan"), ("Bình", "Binh"), ("Lê Thị", "Lê Th"), ("Hà", "Hàà")])
    assert dict(c.tones) == {("sắc", "none"): 1, ("huyền", "none"): 1}
    assert dict(c.marks) == {("â", "a"): 1}
    assert dict(c.deleted) == {"ị": 1} and dict(c.inserted) == {"à": 1}
    matrix = c.tone_matrix()
    assert sum(map(sum, matrix)) == 2 and all(matrix[i][i] == 0 for i in range(len(matrix)))


def test_other_letters_and_exact_lines():
    c = count_confusions([("Kiên", "Hiên"), ("Hải Dương", "Hải  Dương")])  # the second is exact
    assert dict(c.substitutions) == {("K", "H"): 1}
    assert not c.tones and not c.marks
    assert c.vowels == 2 + 4


def test_reliability_bins_and_ece():
    conf = [0.05, 0.15, 0.95, 0.95, 0.99, 1.0]
    exact = [False, True, True, False, True, True]
    bins = reliability(conf, exact)
    assert len(bins) == 10 and [b.lines for b in bins] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 4]
    assert bins[9].confidence == pytest.approx(0.9725) and bins[9].accuracy == 0.75
    assert bins[2].confidence is None
    assert expected_calibration_error(bins) == pytest.approx((0.05 + 0.85 + 4 * 0.2225) / 6)
    assert expected_calibration_error(reliability([1.0, 0.0], [True, False])) == 0.0


def test_coverage_and_precision_at_thresholds():
    conf = [0.05, 0.15, 0.95, 0.95, 0.99, 1.0]
    exact = [False, True, True, False, True, True]
    at = coverage_at(conf, exact, 0.9)
    assert (at.coverage, at.precision, at.lines) == (pytest.approx(4 / 6), 0.75, 4)
    assert coverage_at(conf, exact, 0.99).precision == 1.0
    assert coverage_at(conf, exact, 1.01).precision is None
    report = calibration(conf, exact)
    assert report["auto_accept"]["threshold"] == AUTO_ACCEPT and AUTO_ACCEPT in THRESHOLDS
    assert [t["threshold"] for t in report["thresholds"]] == sorted(THRESHOLDS)
    with pytest.raises(ValueError):
        reliability([0.5], [True, False])


@pytest.mark.parametrize("rel, key", [
    ("lines/cmc_1999-5150-00000_b0-s0-r0-cmHoTen-l0.jpg", "cmHoTen"),
    ("lines/ks_1999-3-00000/r3-cmHoTen-l12.jpg", "cmHoTen"),
    ("lines/ks_1999-3-00000_b0-s0-r0-ngayDangKy-l1.png", "ngayDangKy"),
    ("lines/ks_1999-3-00000_note116.jpg", None),
    ("cinnamon/0916_Data_Samples_2/0000_samples.jpg", None),
    ("kalapa/writer_07/12.jpg", None),
])
def test_field_key(rel, key):
    assert field_key(rel) == key


def test_field_type_from_templates():
    assert line_field_type("lines/p_b0-s0-r0-cmHoTen-l0.jpg") == "name"
    assert line_field_type("lines/p_b0-s0-r0-ngayDangKy-l0.jpg") == "date"
    assert line_field_type("lines/p_b0-s0-r0-notAField-l0.jpg") == NO_FIELD
    assert line_field_type("kalapa/writer_07/12.jpg") == NO_FIELD
