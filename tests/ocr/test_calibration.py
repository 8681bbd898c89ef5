"""Calibrated auto-accept thresholds: fitting on samples with known answers, the JSON file, how
drafted fields are judged with it, and which file belongs to which recognizer."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from ocr.calibration import (FLOOR, NEVER, Calibration, CalibrationError, FieldSample, FitSource, blank_group,
                             calibration_file,
                             calibration_for_model, fit_calibration, held_threshold, load_for_model, lowest_threshold,
                             wilson_lower)
from ocr.draft.accept import AUTO_ACCEPT, accept_group, accept_threshold, auto_acceptable
from ocr.registry import file_sha256, get_bundle, model_dir
from ocr.schema import Field, FieldStatus, Flag


def typed(kind: str, n: int, wrong_below: float | None, seed: int, error_rate: float = 0.5) -> list[FieldSample]:
    """``n`` acceptable fields with confidences spread over [0, 1]; below ``wrong_below`` (everywhere
    when None) a field is wrong with probability ``error_rate``, above it always right."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        c = rng.random()
        risky = wrong_below is None or c < wrong_below
        out.append(FieldSample(kind, c, not (risky and rng.random() < error_rate), True))
    return out


@pytest.fixture(scope="module")
def fitted() -> Calibration:
    samples = (typed("gender", 2000, 0.7, 1) + typed("date", 1500, 0.8, 2) + typed("name", 20, None, 3, 0.0)
               + typed("number", 60, None, 4, 0.0) + typed("text", 30, None, 7, 0.3)
               # wrong, confident fields that are not acceptable anyway (flagged): they must not count
               + [FieldSample("gender", 0.99, False, False)] * 300
               # fields never read: in the share's denominator only
               + [FieldSample("gender", None, False, False)] * 50)
    return fit_calibration(samples, 0.99, 50, source=FitSource(data="/tmp/x", seeds=[8700], pages=70))


def test_each_type_gets_the_confidence_below_which_its_errors_lie(fitted: Calibration) -> None:
    gender, date = fitted.types["gender"], fitted.types["date"]
    assert gender.status == date.status == "fitted"
    assert 0.68 <= gender.threshold <= 0.71 and 0.78 <= date.threshold <= 0.81
    assert fitted.threshold("gender") == gender.threshold
    # the fields accepted at the threshold on the fitting set keep the target's precision
    assert gender.precision is not None and gender.precision >= 0.99 and date.precision >= 0.99
    assert gender.fields == 2350 and 0.25 < gender.share < 0.35  # about 600 of 2,000 + 350 never acceptable


def test_small_types_and_unseen_types_take_the_fallback(fitted: Calibration) -> None:
    # 20 fields: below min_fields; 60 all right: too few to prove 99 % even without an error
    for kind in ("name", "number"):
        assert fitted.types[kind].status == "fallback" and fitted.threshold(kind) == fitted.fallback
    assert fitted.threshold("place") == fitted.fallback  # not in the calibration set
    assert fitted.overall.status == "fitted" and FLOOR <= fitted.fallback < NEVER
    # a small type whose own fields are often wrong at the fallback is not given it
    assert fitted.types["text"].status == "never" and fitted.threshold("text") == NEVER
    assert fitted.fitted_on.fields == 3960 and fitted.fitted_on.seeds == [8700] and fitted.fitted_on.fitted


def test_a_type_wrong_at_every_confidence_is_never_accepted() -> None:
    cal = fit_calibration(typed("place", 1000, None, 5, 0.1) + typed("gender", 2000, 0.7, 1))
    assert cal.types["place"].status == "never" and cal.threshold("place") == NEVER > 1
    assert cal.types["place"].accepted == 0 and cal.types["gender"].status == "fitted"
    with pytest.raises(ValueError, match="no fields"):
        fit_calibration([])


def test_a_threshold_must_hold_without_any_fifth_of_the_books() -> None:
    # 190 right fields above 0.8 and wrong ones below, 19 per book over 10 books: all of them prove
    # 99 % at 0.8 (190 of 190), but without two books (152 of 152) nothing does
    small = [FieldSample("time", 0.8 + 0.1 * (i % 19) / 19, True, True, f"b{i % 10}") for i in range(190)]
    small += [FieldSample("time", 0.5 + 0.2 * (i % 7) / 7, False, True, f"b{i % 10}") for i in range(70)]
    assert lowest_threshold(small, 0.99) == pytest.approx(0.8)
    assert held_threshold(small, 0.99) is None
    # the same fields from unknown books are not checked
    assert held_threshold([s._replace(book="") for s in small], 0.99) == pytest.approx(0.8)
    fit = fit_calibration(small + typed("gender", 2000, 0.7, 1), 0.99, 50)
    assert fit.types["time"].status == "never" and fit.types["time"].accepted == 0
    # a large type from many books: the highest of the five refits, close to the one fit over all
    many = [s._replace(book=f"b{i % 40}") for i, s in enumerate(typed("date", 3000, 0.8, 2))]
    own, held = lowest_threshold(many, 0.99), held_threshold(many, 0.99)
    assert own is not None and held is not None and own <= held < own + 0.05


def test_threshold_is_never_below_the_floor_and_the_bound_is_wilsons() -> None:
    always_right = typed("gender", 3000, None, 6, 0.0)
    assert lowest_threshold(always_right, 0.99) == min(s.confidence for s in always_right if s.confidence >= FLOOR)
    # all right: (n / (n + z^2)), z = 1.2816 at 90 %; 163 right fields are needed for 99 %
    assert wilson_lower(100, 100) == pytest.approx(100 / (100 + 1.2816 ** 2), abs=1e-4)
    assert wilson_lower(162, 162) < 0.99 <= wilson_lower(164, 164)
    assert wilson_lower(95, 100) < wilson_lower(950, 1000) < 0.95 and wilson_lower(0, 0) == 0.0  # tighter with more


def test_json_round_trip_holds_counts_and_thresholds_only(fitted: Calibration, tmp_path: Path) -> None:
    path = fitted.save(tmp_path / "htr.calibration.json")
    again = Calibration.load(path)
    assert again == fitted and again.thresholds() == fitted.thresholds()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"format", "target", "rule", "level", "fallback", "overall", "types", "fitted_on"}
    assert set(data["types"]["gender"]) == {"threshold", "status", "fields", "accepted", "correct"}
    data["types"]["gender"]["text"] = "Nguyễn Văn A"  # unknown keys are refused
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CalibrationError, match="hotich models calibrate"):
        Calibration.load(path)
    with pytest.raises(CalibrationError, match="cannot be read"):
        Calibration.load(tmp_path / "missing.json")


def _field(raw: str, confidence: float | None) -> Field:
    return Field(key="k", raw_text=raw, value=raw, confidence=confidence, status=FieldStatus.FILLED)


def test_auto_acceptable_honours_per_type_thresholds(fitted: Calibration) -> None:
    gender, date = fitted.threshold("gender"), fitted.threshold("date")
    between = (gender + date) / 2  # above gender's threshold, below date's, below the global 0.9
    assert auto_acceptable(_field("Nam", between), "gender", calibration=fitted)
    assert not auto_acceptable(_field("12/03/1999", between), "date", year=1999, calibration=fitted)
    assert auto_acceptable(_field("12/03/1999", date), "date", year=1999, calibration=fitted)
    assert not auto_acceptable(_field("Nam", between), "gender")  # without a calibration: AUTO_ACCEPT
    assert auto_acceptable(_field("Nam", between), "gender", threshold=0.5, calibration=None)
    assert accept_threshold("gender", threshold=0.95, calibration=fitted) == 0.95  # an explicit one wins
    assert accept_threshold("gender") == AUTO_ACCEPT
    assert not auto_acceptable(_field("Nam", None), "gender", calibration=fitted)
    assert not auto_acceptable(_field("xq!", 0.99), "gender", calibration=fitted)  # does not normalize


def test_the_calibration_of_a_model_is_found_beside_it_and_checked(fitted: Calibration, tmp_path: Path) -> None:
    model = tmp_path / "htr.onnx"
    model.write_bytes(b"a model")
    assert calibration_file(model) is None and calibration_for_model(model) is None
    mine = fitted.model_copy(update={"fitted_on": fitted.fitted_on.model_copy(
        update={"model_sha256": file_sha256(model)})})
    path = mine.save(tmp_path / "htr.calibration.json")
    assert calibration_for_model(model) == (mine, path)
    model.write_bytes(b"another model")
    with pytest.raises(CalibrationError, match="another recognizer"):
        load_for_model(path, model)
    # a registry bundle's calibration.json belongs to its model.onnx, not to its int8 twin
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "model.onnx").write_bytes(b"m")
    (folder / "model.int8.onnx").write_bytes(b"q")
    fitted.save(folder / "calibration.json")
    assert calibration_file(folder / "model.onnx") == folder / "calibration.json"
    assert calibration_file(folder / "model.int8.onnx") is None


def test_bundles_say_where_their_calibration_lives() -> None:
    shipped = get_bundle("shipped", "htr")
    assert shipped.calibration == model_dir() / "htr.calibration.json"


def test_only_the_confidence_flag_gives_way_to_a_calibrated_threshold(fitted: Calibration) -> None:
    field = _field("Nam", fitted.threshold("gender"))
    field.flags.append(Flag(code="low_confidence", message="read with confidence 0.70"))
    assert auto_acceptable(field, "gender", calibration=fitted)
    field.flags.append(Flag(code="required_empty", message="x"))
    assert not auto_acceptable(field, "gender", calibration=fitted)


def _blank(confidence: float | None) -> Field:
    return Field(key="k", confidence=confidence, status=FieldStatus.EMPTY)


def test_fields_drafted_empty_are_judged_in_blank_groups_of_their_own() -> None:
    # blank note slots are right when clean (ink confidence above 0.6) and often wrong below;
    # few blank names: no threshold of their own
    samples = (typed("text", 100, 0.5, 8) + typed(blank_group("text"), 3000, 0.6, 9)
               + typed("gender", 2000, 0.7, 1) + typed(blank_group("name"), 40, None, 10, 0.0))
    cal = fit_calibration(samples, 0.99, 50)
    fit = cal.types[blank_group("text")]
    assert fit.status == "fitted" and 0.58 <= fit.threshold <= 0.62 and fit.precision >= 0.99
    # a blank group never takes the read fields' fallback, fitted or unseen
    assert cal.types[blank_group("name")].status == "never" and cal.threshold(blank_group("name")) == NEVER
    assert cal.threshold(blank_group("place")) == NEVER and cal.threshold("place") == cal.fallback < 1
    # the fallback is fitted on read fields only: 3,000 clean blanks do not lower it
    assert cal.overall.fields == 2100
    clean = _blank(0.99)
    assert auto_acceptable(clean, "text", calibration=cal)
    assert not auto_acceptable(_blank(fit.threshold - 0.01), "text", calibration=cal)
    assert not auto_acceptable(_blank(None), "text", calibration=cal)  # no slot measured
    # without a calibration, or with one fitted before blank groups existed, never; an explicit
    # threshold is for readings only
    assert not auto_acceptable(clean, "text") and not auto_acceptable(clean, "text", threshold=0.5)
    old = fit_calibration(typed("text", 800, None, 8, 0.2) + typed("gender", 2000, 0.7, 1))
    assert not auto_acceptable(clean, "text", calibration=old) and not auto_acceptable(clean, "gender", calibration=old)
    # a blank that a book check flags (a required field left empty) is looked at
    clean.flags.append(Flag(code="required_empty", message="a required field is empty"))
    assert not auto_acceptable(clean, "text", calibration=cal)
    assert accept_group(clean, "text") == "text/blank" and accept_group(_field("Nam", 0.9), "gender") == "gender"


def test_a_large_type_seldom_acceptable_is_not_given_the_fallback() -> None:
    # 900 signatures, 880 of them flagged (never acceptable) and the 20 others right: too few to
    # prove 99 % on their own, but the type is large enough that it could have; it is never accepted
    samples = (typed("gender", 2000, 0.7, 1) + [FieldSample("signature", 0.95, True, True)] * 20
               + [FieldSample("signature", 0.95, False, False)] * 880)
    cal = fit_calibration(samples, 0.99, 50)
    assert cal.overall.status == "fitted" and cal.types["signature"].status == "never"
