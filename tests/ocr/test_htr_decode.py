"""Charset codec, CTC decoding (greedy and beam search) and field constraints: no model needed."""

import itertools
import math
import typing
import unicodedata

import numpy as np
import pytest

from ocr.fields.place_words import FACILITIES
from ocr.htr.charset import Charset, default_charset
from ocr.htr.constraints import (
    FIELD_TYPES, Constraint, FixedStart, accepts, allowed_after, constraint_for, swap_tone_placement,
)
from ocr.htr.decode import beam_search, char_probs, decode_line, greedy_decode, line_confidence
from ocr.htr.grammar import Automaton, rep, words
from ocr.htr.name_prior import name_log_prior
from ocr.templates import FieldType

CS = default_charset()
TONED_VOWELS = (  # written out, not derived: every vowel with no tone and the five tones
    "aàáảãạ ăằắẳẵặ âầấẩẫậ eèéẻẽẹ êềếểễệ iìíỉĩị oòóỏõọ ôồốổỗộ ơờớởỡợ uùúủũụ ưừứửữự yỳýỷỹỵ"
)


def frames_for(text: str, cs: Charset = CS, p: float = 0.95, second: dict[int, str] | None = None) -> np.ndarray:
    """Log-probabilities with one frame per character (probability ``p``, optionally a runner-up)
    followed by a blank frame."""
    idx, rows = cs.index(), []
    for i, ch in enumerate(text):
        row = np.full(cs.size, 1e-4)
        row[idx[ch]] = p
        if second and i in second:
            row[idx[second[i]]] = 1 - p - 0.02
        rows += [row, np.eye(cs.size)[0] * 0.97 + 1e-4]
    a = np.array(rows)
    return np.log(a / a.sum(1, keepdims=True)).astype(np.float32)


# --- charset --------------------------------------------------------------------------------


def test_every_vietnamese_letter_with_every_tone_round_trips():
    lower = "".join(TONED_VOWELS.split()) + "bcdđghklmnpqrstvx"
    letters = lower + lower.upper()
    assert len(set(letters)) == 2 * (72 + 17)
    for ch in letters:
        for form in (ch, unicodedata.normalize("NFD", ch)):
            labels = CS.encode(form)
            assert len(labels) == 1 and CS.decode(labels) == ch
    text = " ".join(letters)
    assert CS.decode(CS.encode(unicodedata.normalize("NFD", text))) == text


def test_charset_json_round_trip():
    assert Charset.from_json(CS.to_json()) == CS


# --- greedy ---------------------------------------------------------------------------------


def reference_greedy(lp: np.ndarray, length: int, cs: Charset) -> tuple[str, list[float]]:
    text, probs, prev = "", [], -1
    for t in range(length):
        k = int(np.argmax(lp[t]))
        if k != 0 and k == prev:
            probs[-1] = max(probs[-1], float(np.exp(lp[t, k])))
        elif k != 0:
            text += cs.chars[k - 1]
            probs.append(float(np.exp(lp[t, k])))
        prev = k
    return text, probs


def random_logprobs(rng, shape, peaky: float = 3.0) -> np.ndarray:
    x = rng.normal(size=shape) * peaky
    x[..., 0] += peaky  # blanks more common, as in real output
    return (x - np.logaddexp.reduce(x, axis=-1, keepdims=True)).astype(np.float32)


def test_greedy_matches_brute_force_reference():
    rng = np.random.default_rng(0)
    small = Charset(tuple("abcd"))
    for cs in (small, CS):
        lp = random_logprobs(rng, (40, 30, cs.size))
        lengths = rng.integers(0, 31, size=40)
        for r, row, n in zip(greedy_decode(lp, cs, lengths), lp, lengths):
            text, probs = reference_greedy(row, n, cs)
            assert r.text == text
            assert r.char_probs == pytest.approx(probs, rel=1e-5)
            if text:
                assert r.confidence == pytest.approx(math.prod(probs), rel=1e-5)
            else:
                expect = float(np.exp(row[:n, 0].min())) if n else 0.0
                assert r.confidence == pytest.approx(expect, rel=1e-5)
            assert r.confidence == pytest.approx(line_confidence(r.char_probs, row[:n, 0]), rel=1e-5)


def test_greedy_collapses_repeats_only_without_blank_between():
    cs = Charset(tuple("ab"))
    path = [1, 1, 0, 1, 2, 2, 0, 0, 2]  # a a _ a b b _ _ b -> "aabb"
    lp = np.log(np.eye(3)[path] * 0.9 + 0.1 / 3).astype(np.float32)
    r = greedy_decode(lp[None], cs)[0]
    assert r.text == "aabb" and len(r.char_probs) == 4


def test_greedy_rejects_a_charset_mismatch():
    with pytest.raises(ValueError, match="C = 5"):
        greedy_decode(np.zeros((1, 4, 7), np.float32), Charset(tuple("abcd")))


# --- beam search ----------------------------------------------------------------------------


def exact_best(lp: np.ndarray, cs: Charset) -> tuple[str, float]:
    """The label sequence of highest probability summed over all its CTC paths (brute force)."""
    T, C = lp.shape
    totals: dict[str, float] = {}
    for path in itertools.product(range(C), repeat=T):
        labels = [k for k, _ in itertools.groupby(path) if k != 0]
        text = "".join(cs.chars[k - 1] for k in labels)
        totals[text] = np.logaddexp(totals.get(text, -np.inf), sum(lp[t, k] for t, k in enumerate(path)))
    text = max(totals, key=totals.get)
    return text, float(totals[text])


def test_wide_beam_finds_the_exact_best_label_sequence():
    rng = np.random.default_rng(1)
    cs = Charset(tuple("ab"))
    for _ in range(20):
        lp = random_logprobs(rng, (6, 3), peaky=1.0).astype(np.float64)
        best = beam_search(lp, cs, beam_width=200, prune=1e-9)[0]
        text, score = exact_best(lp, cs)
        assert best.text == text
        assert best.score == pytest.approx(score, abs=1e-6)


def test_beam_width_one_equals_greedy_on_peaky_output():
    rng = np.random.default_rng(2)
    lp = random_logprobs(rng, (50, 60, CS.size), peaky=8.0)
    for row, g in zip(lp, greedy_decode(lp, CS)):
        assert beam_search(row, CS, beam_width=1)[0].text == g.text


def test_beam_alternatives_are_ranked_and_scored():
    lp = frames_for("Kinb", p=0.7, second={3: "h"})
    r = decode_line(lp, CS, beam_width=8, top_k=3)
    assert r.text == "Kinb" and r.constraint_met is None
    assert [a.text for a in r.alternatives[:2]] == ["Kinb", "Kinh"]
    scores = [a.score for a in r.alternatives]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True) and scores[0] <= 0


def test_lexicon_constraint_picks_the_best_allowed_word():
    lp = frames_for("Kinb", p=0.7, second={3: "h"})
    assert greedy_decode(lp[None], CS)[0].text == "Kinb"
    r = decode_line(lp, CS, beam_width=8, constraint=constraint_for("ethnicity"))
    assert r.text == "Kinh" and r.constraint_met is True
    assert r.char_probs[3] == pytest.approx(0.28, abs=0.01)  # the probability the model gave "h"
    assert r.confidence == pytest.approx(math.prod(r.char_probs))


def test_a_rival_reading_one_letter_longer_caps_the_confidence():
    # "Côn" read surely, then a frame that is "g" at 0.45 and blank at 0.55: the best reading
    # skips the "g", and the product of its character probabilities cannot see that
    idx = CS.index()
    g = np.full(CS.size, 1e-4)
    g[0], g[idx["g"]] = 0.55, 0.45
    lp = np.concatenate([frames_for("Côn"), np.log(g / g.sum())[None].astype(np.float32)])
    greedy = decode_line(lp, CS)
    beam = decode_line(lp, CS, beam_width=8)
    assert greedy.text == beam.text == "Côn" and greedy.confidence > 0.8
    assert [a.text for a in beam.alternatives[:2]] == ["Côn", "Công"]
    assert beam.confidence == pytest.approx(0.55, abs=0.02)  # the reading's share, not 0.86
    sure = decode_line(frames_for("Công"), CS, beam_width=8)
    assert sure.confidence == pytest.approx(math.prod(sure.char_probs), rel=1e-3)


def test_constraint_that_allows_nothing_readable_falls_back_to_greedy():
    lp = frames_for("xyz")
    r = decode_line(lp, CS, beam_width=8, constraint=constraint_for("ethnicity"))
    assert r.text == "xyz" and r.constraint_met is False


def test_an_allowed_reading_pruned_away_is_searched_again_wider():
    # "Kinh" is written, but the model is sure of "Kïnb"-like junk: every letter of "Kinh" but the
    # first is below the search's 0.1 % pruning, so the first search keeps nothing the set allows
    idx = CS.index()
    rows = []
    for sure, weak in (("K", "K"), ("x", "i"), ("y", "n"), ("z", "h")):
        row = np.full(CS.size, 1e-6)
        row[idx[sure]], row[idx[weak]] = 0.99, max(row[idx[weak]], 3e-4) if sure != weak else 0.99
        rows += [row, np.eye(CS.size)[0] * 0.97 + 1e-6]
    lp = np.log(np.array(rows) / np.array(rows).sum(1, keepdims=True)).astype(np.float32)
    r = decode_line(lp, CS, beam_width=8, constraint=constraint_for("ethnicity"))
    assert r.text == "Kinh" and r.constraint_met is True and r.confidence < 0.01


def test_a_fixed_start_reads_a_name_with_a_given_surname():
    # "Thôn Khắc Vinh" is read a little likelier than "Thân Khắc Vinh"; told the surname, the
    # search reads "Thân", in capitals too, and a name with another surname is not allowed
    lp = frames_for("Thôn Khắc Vinh", p=0.9, second={2: "â"})
    assert decode_line(lp, CS, beam_width=8, constraint=constraint_for("name")).text == "Thôn Khắc Vinh"
    forced = FixedStart(constraint_for("name"), ["Thân ", "THÂN "])
    r = decode_line(lp, CS, beam_width=8, constraint=forced)
    assert r.text == "Thân Khắc Vinh" and r.constraint_met is True
    # scored as the free reading scores it: log-probability plus the name prior
    free = decode_line(lp, CS, beam_width=8, constraint=constraint_for("name"))
    rival = next(a for a in free.alternatives if a.text == "Thân Khắc Vinh")
    assert r.alternatives[0].score == pytest.approx(rival.score, abs=1e-6)
    assert rival.score < free.alternatives[0].score
    assert accepts(forced, "THÂN KHẮC VINH") and not accepts(forced, "Thôn Khắc Vinh")
    assert not accepts(forced, "Thân") and forced.prior is name_log_prior
    # or the line as a whole: one piece of a name, nothing after it
    piece = FixedStart(constraint_for("name", fragment=True), ["Hiền"], whole=True)
    assert accepts(piece, "Hiền") and not accepts(piece, "Hiền Lê") and not accepts(piece, "Hiên")


def test_constrained_greedy_with_width_one():
    lp = frames_for("Kinb", p=0.7, second={3: "h"})
    assert decode_line(lp, CS, beam_width=1, constraint=constraint_for("ethnicity")).text == "Kinh"


def test_aligned_char_probs_equal_greedy_ones_on_the_greedy_reading():
    rng = np.random.default_rng(3)
    lp = random_logprobs(rng, (20, 300, CS.size), peaky=8.0)  # readings of ~100 characters
    for row, g in zip(lp, greedy_decode(lp, CS)):
        probs = char_probs(row, CS.encode(g.text))
        assert probs == pytest.approx(g.char_probs, rel=1e-5)


# --- constraints ----------------------------------------------------------------------------

DATES_OK = [
    "12/3/1998", "03/04/98", "3/4/98", "3-4-98", "03-04-1998", "3.4.1998", "ngày 12 tháng 3 năm 1998",
    "Ngày 5 tháng 11 năm 2001", "1998", "Năm 1965", "12/1998",
    "Ngày mười hai tháng ba năm một nghìn chín trăm chín mươi tám",
    "ngày mồng năm tháng giêng năm hai nghìn linh ba",
    "Ngày hai mươi mốt tháng tư năm một ngàn chín trăm bảy mươi lăm",
    "Năm một nghìn chín trăm sáu mươi lăm", "1/1/1850", "31/12/2039",
]
DATES_BAD = ["", "abc", "32/1/1998", "12/13/1998", "12/3/199", "12//1998", "12/3-1998", "ngày ngày",
             "ngày 12", "Ngày mười hai tháng ba", "12 3 1998", "1998a", "năm",
             # number words that are no number, no day, no month or no year of a ledger
             "Ngày mồng ba tháng một năm hai ngàn không tám lẻ một",
             "Ngày hai mươi chín tháng một tám một ngàn chín trăm chín mươi ba",
             "Ngày hai trăm bảy tháng mươi một năm hai ngàn", "Ngày ba mươi hai tháng ba năm hai nghìn",
             "Ngày mồng hai mươi tháng một năm hai ngàn", "Ngày mười tháng mười ba năm hai nghìn",
             "Năm ba nghìn", "Năm hai mươi",
             # years in digits outside 1850-2039: a misread "2001"
             "31/12/2901", "31/12/1200", "ngày 5 tháng 1 năm 2906", "1064", "12/1849", "1/1/2040"]


@pytest.mark.parametrize("text", DATES_OK)
def test_date_grammar_accepts(text):
    assert accepts(constraint_for("date"), text)


@pytest.mark.parametrize("text", DATES_BAD)
def test_date_grammar_rejects(text):
    assert not accepts(constraint_for("date"), text)


def test_date_fragments_for_multiline_fields():
    frag = constraint_for("date_words", fragment=True)
    for line in ("Ngày mười hai tháng ba năm", "tháng ba năm một nghìn chín trăm"):
        assert accepts(frag, line) and not accepts(constraint_for("date_words"), line)
    assert not accepts(frag, "nghìn chín trăm xyz")


def test_a_misread_number_word_in_a_date_becomes_the_valid_one():
    # "hai mươi bảy" (27) leaning to "hai mười bảy", which is no number: the grammar reads 27
    text = "Ngày hai mươi bảy tháng mười một năm hai ngàn"
    i = text.index("mươi") + 2
    lp = frames_for(text, p=0.4, second={i: "ờ"})
    assert decode_line(lp, CS, beam_width=8).text == text[:i] + "ờ" + text[i + 1:]
    read = decode_line(lp, CS, beam_width=8, constraint=constraint_for("date_words"))
    assert read.text == text and read.constraint_met is True


def test_number_grammar():
    c = constraint_for("number")
    assert all(accepts(c, t) for t in ("7", "012", "12/98", "12/1998"))
    assert not any(accepts(c, t) for t in ("", "12/", "/98", "1a", "12/9", "12 98", "12/2998"))


def test_time_of_day_grammar_and_a_misread_unit_word():
    c = constraint_for("time")
    for ok in ("7 giờ 30 phút", "7h30", "7g30", "7 giờ 30'", "7 giờ", "7h", "23h45", "08h05", "lúc 19 giờ",
               "7 giờ tối"):
        assert accepts(c, ok), ok
    for bad in ("", "25h", "7h60", "22gõ 15 phút", "4 giờ 45 phú", "giờ 30", "7 30"):
        assert not accepts(c, bad), bad
    text = "22 giờ 15 phút"
    i = text.index("ờ")
    lp = frames_for(text, p=0.4, second={i: "õ"})  # "õ" is likelier than "ờ" at its frame
    assert decode_line(lp, CS, beam_width=8).text == text.replace("ờ", "õ")
    assert decode_line(lp, CS, beam_width=8, constraint=c).text == text


def test_signer_title_grammar():
    c = constraint_for("title")
    for ok in ("Chủ tịch", "Phó Chủ tịch UBND xã", "Chủ tịch UBND thị trấn", "P. Chủ tịch", "CT UBND",
               "Chủ tịch UBND"):
        assert accepts(c, ok), ok
    for bad in ("Phó", "Bí thư", "Chủ tịch UBND huyện"):
        assert not accepts(c, bad), bad


def test_name_grammar():
    c = constraint_for("name")
    for ok in ("Nguyễn Văn An", "NGUYỄN VĂN AN", "Lê Thị Hòa", "Lê Thị Hoà", "Trần Thị Thu Hương", "H'Hen Niê"):
        assert accepts(c, ok), ok
    for bad in ("Nguyễn", "Nguyễn  An", "nguyễn văn an", "Nguyễn Văn An ", "An An An An An An", "Nguyễn Văn Xyz"):
        assert not accepts(c, bad), bad


def test_place_grammar():
    c = constraint_for("place")
    for ok in ("Xã Tân Lập, Huyện Đan Phượng, Tỉnh Hà Tây", "X. Tân Lập, H. Đan Phượng", "Thôn 4, xã Tân Lập",
               "P.5, Q.3, TP Hồ Chí Minh", "Số 12/3 Hàng Bạc", "Trạm y tế xã Tân Lập", "Tân Lập - Đan Phượng - Hà Nội",
               "Ấp Tân Hòa, Xã Long Thạnh", "Tại nhà", "Tại nhà ở", "Tại nhà riêng", "Thôn Đông, x. Tân Lập, h. Đan Phượng, T. Hà Tây"):
        assert accepts(c, ok), ok
    for bad in ("", "xyz", "Tân Lập,, Đan Phượng", "Xã", "Xã Tân Lập,"):
        assert not accepts(c, bad), bad
    frag = constraint_for("place", fragment=True)
    assert accepts(frag, "Xã Tân Lập, Huyện Đan") and accepts(frag, "Phượng, Tỉnh Hà Tây")


def test_place_grammar_reads_every_facility_as_officers_write_it():
    c = constraint_for("place")
    for _, raws, _ in FACILITIES:
        for raw in raws:
            assert accepts(c, f"{raw} Tỉnh Hà Tây"), raw  # "Bệnh viện Đa khoa" was read as units before


def test_closed_sets_with_aliases_and_case():
    eth = constraint_for("ethnicity")
    assert all(accepts(eth, t) for t in ("Kinh", "kinh", "KINH", "Mèo", "H'Mông", "Khơ Me", "Khmer", "Ê Đê"))
    assert not accepts(eth, "Kinb") and not accepts(eth, "Kin")
    assert allowed_after(eth, "Kin") >= {"h"}
    assert all(accepts(constraint_for("gender"), t) for t in ("Nam", "nữ", "Trai", "Gái"))
    assert all(accepts(constraint_for("nationality"), t) for t in ("Việt Nam", "VN", "Việt-Nam", "Trung Quốc"))
    assert all(accepts(constraint_for("relationship"), t) for t in ("Cha", "Bố", "Ông nội", "Ông Nội", "mẹ"))


def test_registry_covers_every_template_field_type():
    assert set(FIELD_TYPES) == set(typing.get_args(FieldType))
    assert isinstance(constraint_for("name"), Constraint)
    assert constraint_for("text") is None and constraint_for("signature") is None
    with pytest.raises(ValueError, match="unknown field type"):
        constraint_for("colour")


def test_tone_placement_variants():
    assert swap_tone_placement("Hòa") == "Hoà" and swap_tone_placement("Hoà") == "Hòa"
    assert swap_tone_placement("Thủy") == "Thuỷ" and swap_tone_placement("khoẻ") == "khỏe"
    assert swap_tone_placement("Quý") == "Quý" and swap_tone_placement("Hoàng") == "Hoàng"


def test_grammar_repetition_bounds():
    a = Automaton(rep(words(["ab", "a"]), 2, 3, sep=" "))
    assert [accepts(a, t) for t in ("a", "a ab", "ab a a", "a a a a", " a a", "a a ")] == [
        False, True, True, False, False, False]
    b = Automaton(rep("x", 0, None, sep=","))
    assert [accepts(b, t) for t in ("", "x", "x,x,x", ",x", "x,")] == [True, True, True, False, False]


def test_a_constraints_prior_ranks_readings_the_strokes_barely_tell_apart():
    # "Dùng" is read a little likelier than "Dũng"; as a given name "Dũng" is far more common
    lp = frames_for("Nguyễn Văn Dùng", p=0.5, second={12: "ũ"})
    plain = Automaton(words(["Nguyễn Văn Dùng", "Nguyễn Văn Dũng"]), "two names")
    assert decode_line(lp, CS, beam_width=8, constraint=plain).text == "Nguyễn Văn Dùng"
    with_prior = Automaton(words(["Nguyễn Văn Dùng", "Nguyễn Văn Dũng"]), "two names", prior=name_log_prior)
    result = decode_line(lp, CS, beam_width=8, constraint=with_prior)
    assert result.text == "Nguyễn Văn Dũng" and result.alternatives[0].text == "Nguyễn Văn Dũng"
    # a clear reading is not overruled by the prior
    clear = frames_for("Nguyễn Văn Dùng", p=0.95, second={12: "ũ"})
    assert decode_line(clear, CS, beam_width=8, constraint=with_prior).text == "Nguyễn Văn Dùng"
    assert constraint_for("name").prior is name_log_prior and constraint_for("name", fragment=True).prior is None


def test_the_name_prior_favours_common_names_and_positions():
    assert name_log_prior("Nguyễn Văn Dũng") > name_log_prior("Nguyễn Văn Dùng")
    assert name_log_prior("Lê Thị Yến") > name_log_prior("Lê Thị Yên")
    assert name_log_prior("Nguyễn Văn An") > name_log_prior("An Văn Nguyễn")  # a surname goes first
    assert name_log_prior("NGUYỄN VĂN DŨNG") == name_log_prior("Nguyễn Văn Dũng")
    # with the gender known: a man's middle name for a man, a woman's for a woman
    assert name_log_prior("Lê Văn Hà", "Nam") > name_log_prior("Lê Thị Hà", "Nam")
    assert name_log_prior("Lê Thị Hà", "Nữ") > name_log_prior("Lê Văn Hà", "Nữ")
    woman = constraint_for("name", gender="Nữ")
    assert woman.prior("Lê Thị Hà") == name_log_prior("Lê Thị Hà", "Nữ") and accepts(woman, "Lê Thị Hà")
    assert constraint_for("name", gender="Nữ", fragment=True).prior is None
    with pytest.raises(ValueError, match="gender"):
        constraint_for("name", gender="F")
