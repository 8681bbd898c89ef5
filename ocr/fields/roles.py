"""Who a Ministry Excel key is about: a role prefix ("nks" child, "me" mother...) and an attribute.

``nksHoTen`` is the child's name, ``meNgaySinh`` the mother's birth date, ``ngayDangKy`` a
book-level key. The synthetic generator and the book checks read keys the same way.
"""

from __future__ import annotations

# nks child, me mother, cha father, nyc declarant, nkt deceased, chong husband, vo wife, cm parent
# and nc child of a recognition, ncn/chaNuoi/meNuoi/chaDe/meDe of an adoption.
ROLES = ("nks", "me", "cha", "nyc", "nkt", "chong", "vo", "cm", "nc", "ncn", "chaNuoi", "meNuoi", "chaDe", "meDe")
# The person a record of each book type registers.
MAIN_ROLE = {"KS": "nks", "KT": "nkt", "KH": "chong", "CMC": "nc", "NCN": "ncn"}
# (parent, child) roles whose birth dates must be at least a generation apart.
PARENT_ROLES = (("me", "nks"), ("cha", "nks"), ("cm", "nc"), ("chaNuoi", "ncn"), ("meNuoi", "ncn"),
                ("chaDe", "ncn"), ("meDe", "ncn"))


def split_key(key: str) -> tuple[str | None, str]:
    """("nks", "HoTen") for "nksHoTen"; (None, key) for book-level keys such as "ngayDangKy"."""
    best = None
    for role in ROLES:
        if key.startswith(role) and len(key) > len(role) and key[len(role)].isupper():
            if best is None or len(role) > len(best):
                best = role
    return (best, key[len(best):]) if best else (None, key)
