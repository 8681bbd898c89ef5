"""Words of places as officers write them: unit kinds, their abbreviations, health facilities, village names.

The synthetic generator (training/synth) writes places with these same tables, so what it
writes and what the normalizer reads cannot drift apart.
"""

from __future__ import annotations

# Unit kinds, longest first so that "Thành phố X" is not read as "Thành X".
UNIT_KINDS = (
    "Tổ dân phố", "Khu phố", "Thành phố", "Thị trấn", "Thị xã", "Phường", "Huyện", "Quận",
    "Tỉnh", "Xã", "Thôn", "Xóm", "Ấp", "Bản", "Buôn", "Làng", "Khóm", "Tổ", "Khu",
)
ADMIN_KINDS = frozenset({"Xã", "Phường", "Thị trấn", "Huyện", "Quận", "Thị xã", "Thành phố", "Tỉnh"})
# Level of an administrative kind: 0 commune, 1 district, 2 province (None: either of two).
KIND_LEVEL: dict[str, int | None] = {
    "Xã": 0, "Phường": 0, "Thị trấn": 0, "Huyện": 1, "Quận": 1, "Thị xã": 1, "Thành phố": None, "Tỉnh": 2,
}
# Abbreviations officers used: (upper-case habit, lower-case habit).
UNIT_ABBREVIATIONS: dict[str, tuple[str, str]] = {
    "Xã": ("X.", "x."), "Phường": ("P.", "p."), "Thị trấn": ("TT.", "tt."), "Huyện": ("H.", "h."),
    "Quận": ("Q.", "q."), "Thị xã": ("TX.", "tx."), "Thành phố": ("TP.", "tp."), "Tỉnh": ("T.", "t."),
    "Tổ dân phố": ("TDP", "tdp"), "Khu phố": ("KP.", "kp."),
}
# Births and deaths at home: written instead of an address.
HOME_PLACES: tuple[str, ...] = ("Tại nhà", "Tại nhà riêng", "Tại gia đình", "Nhà riêng", "Tại nhà ở")
# Health facilities: (level, raw variants, normalized); level = the unit written after it.
FACILITIES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("commune", ("Trạm y tế", "Trạm Y tế", "TYT", "Trạm YT"), "Trạm y tế"),
    ("commune", ("Trạm xá",), "Trạm xá"),
    ("district", ("Bệnh viện", "BV"), "Bệnh viện"),
    ("district", ("Trung tâm y tế", "TTYT"), "Trung tâm y tế"),
    ("province", ("Bệnh viện đa khoa", "Bệnh viện Đa khoa", "BVĐK", "BV đa khoa"), "Bệnh viện đa khoa"),
    ("district", ("Nhà hộ sinh", "NHS"), "Nhà hộ sinh"),
)

# Names of villages as books write them, by kind (Thôn and Xóm share theirs): common Kinh names, and
# the Tày-Thái, Ê Đê and Bahnar elements of mountain villages ("Nà", "Khuổi", "Buôn Ea", "Plei",
# "Kon") whose syllables are no personal name's. The place grammar reads their syllables too.
VILLAGE_NAMES: dict[str, tuple[str, ...]] = {
    "Thôn": ("Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Đình", "Chùa", "Mới", "Tân Lập",
             "Đồng Tâm", "An Phú", "Phú Lộc", "Yên Thịnh", "Hòa Bình", "Thống Nhất", "Quyết Tiến"),
    "Ấp": ("Tân Hòa", "Long Thạnh", "Phú Hòa", "Bình An", "Mỹ Lợi", "Tân Phú", "Thạnh Lợi",
           "Hòa Thuận", "Vĩnh Lộc", "An Thạnh", "Phước Hưng", "Bình Đông"),
    "Bản": ("Nà Phầy", "Nà Lầu", "Pác Ngòi", "Khuổi Nạn", "Nậm Cắm", "Huổi Lèng", "Co Mạ", "Chiềng",
            "Mường Lói", "Phiêng Pẻn", "Sáng Pả", "Lũng Cú"),
    "Buôn": ("Ea Kmar", "Ky", "Kram", "Tơng Jú", "Đôn", "Ea Bông", "Cư Jút", "Sút M'grư"),
    "Làng": ("Plei Ring", "Kon Hơ Ring", "Đăk Rơ Wa", "Plei Ơi", "Kon Klor", "Plei Đôn"),
}
