"""Setting a value the whole book pins down: the value changes, ``raw_text`` stays, a flag says why."""

from __future__ import annotations

from ocr.schema import Field, Flag


def has_flag(fld: Field, code: str) -> bool:
    return any(f.code == code for f in fld.flags)


def set_inferred(fld: Field, value: str, code: str, message: str) -> None:
    """Give ``fld`` the value ``value`` and, once, the flag ``code`` (so it is never accepted unseen)."""
    fld.value = value
    if not has_flag(fld, code):
        fld.flags.append(Flag(code=code, message=message))
