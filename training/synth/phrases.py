"""Free-text phrases of synthetic records: causes of death, notes, facilities, officers' titles.

Each entry is (raw, normalized) where the officer's wording differs from the normal form; the
value of a free-text field is the text as written.
"""

from __future__ import annotations

from ocr.fields.place_words import FACILITIES, HOME_PLACES  # noqa: F401  (re-exported: the normalizer reads them too)

# Causes of death by age band (upper bound of the band in years, phrases).
DEATH_CAUSES: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, ("Sinh non", "Viêm phổi", "Sốt cao", "Bệnh", "Ốm", "Suy hô hấp", "Tiêu chảy")),
    (15, ("Đuối nước", "Sốt xuất huyết", "Viêm phổi", "Sốt cao", "Tai nạn giao thông", "Bệnh",
          "Sốt rét", "Viêm não")),
    (45, ("Tai nạn giao thông", "Tai nạn lao động", "Đuối nước", "Ốm đau", "Bệnh", "Ung thư",
          "Sốt rét", "Lao phổi", "Bệnh tim", "Điện giật")),
    (70, ("Ung thư", "Bệnh tim", "Tai biến mạch máu não", "Cao huyết áp", "Ốm đau", "Xơ gan",
          "Lao phổi", "Bệnh phổi", "Tai nạn giao thông", "Bệnh hiểm nghèo", "Ung thư gan",
          "Ung thư phổi", "Đột quỵ")),
    (200, ("Bệnh già", "Già yếu", "Tuổi già", "Ốm đau", "Già yếu, bệnh tật", "Tai biến mạch máu não",
           "Cao huyết áp", "Bệnh tim", "Ốm lâu ngày", "Già")),
)

# Where people died, besides hospitals and addresses.
HOME_DEATH = HOME_PLACES
HOME_BIRTH = ("Tại nhà", "Tại gia đình", "Nhà riêng")

REGISTRATION_TYPE_WORDS: dict[int, tuple[str, ...]] = {
    1: ("Đúng hạn", "Đúng hạn", "ĐK đúng hạn"),
    2: ("Đăng ký lại", "ĐK lại", "Đăng ký lại"),
    4: ("Quá hạn", "Đăng ký quá hạn", "ĐK quá hạn"),
}

LATE_NOTES = ("Đăng ký quá hạn", "ĐK quá hạn", "Quá hạn", "Khai sinh quá hạn")
LATE_DEATH_NOTES = ("Đăng ký quá hạn", "ĐK quá hạn", "Khai tử quá hạn")
AGAIN_NOTES = ("Đăng ký lại", "ĐK lại", "Đăng ký lại (sổ gốc bị mất)")

# Later notes in the margin; {qd} a decision reference, {date} a later date, {unit} the commune.
CORRECTION_NOTES: dict[str, tuple[str, ...]] = {
    "KS": (
        "Cải chính họ tên theo QĐ số {qd} ngày {date}",
        "Cải chính ngày sinh theo QĐ số {qd} ngày {date}",
        "Thay đổi họ tên theo QĐ số {qd} ngày {date}",
        "Bổ sung quê quán theo QĐ số {qd} ngày {date}",
        "Xác định lại dân tộc theo QĐ số {qd} ngày {date}",
        "Đã cấp bản sao ngày {date}",
        "Đã cấp bản sao",
        "Đã cấp bản sao GKS",
    ),
    "KT": ("Đã cấp bản sao", "Đã cấp bản sao ngày {date}", "Cải chính họ tên theo QĐ số {qd} ngày {date}"),
    "KH": ("Đã cấp bản sao", "Đã ly hôn theo bản án số {qd} ngày {date}", "Đã cấp bản sao ngày {date}"),
    "CMC": ("Đã cấp bản sao", "Đã ghi chú vào sổ khai sinh"),
    "NCN": ("Đã cấp bản sao", "Đã ghi chú vào sổ khai sinh"),
}
FATHER_LATER_NOTES = ("Nhận cha theo QĐ số {qd} ngày {date}", "Bổ sung phần khai về cha ngày {date}")

RECOGNITION_TYPES = ("Nhận cha", "Nhận mẹ", "Nhận con")
DEATH_NOTICE_TYPES = ("Giấy báo tử", "Giấy chứng tử", "Giấy báo tử của bệnh viện")
