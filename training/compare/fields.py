"""Field types of labelled line images, read from their file names.

A line crop's file name ends in ``<field key>-l<N>`` when it comes from a ledger field:
``hotich synth lines`` writes ``lines/<page>_b0-s0-r0-cmHoTen-l0.jpg`` and ``hotich annotate
pull`` writes ``lines/<page>/r3-cmHoTen-l0.jpg``. The key's :class:`ocr.templates.FieldSpec`
type (looked up in every ledger template) is the line's field type. Lines without a field key
(the real lines of ``../shared/data/htr-real``, margin notes) and keys no template knows get
:data:`NO_FIELD`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import PurePosixPath

from ocr.templates import load_template, template_names

NO_FIELD = "line"
_KEY = re.compile(r"(?:^|[-_])([A-Za-z][A-Za-z0-9]*)-l\d+$")


def field_key(rel: str) -> str | None:
    """The field key a line image's name carries before its trailing ``-l<N>``, else None."""
    m = _KEY.search(PurePosixPath(rel.replace("\\", "/")).stem)
    return m.group(1) if m else None


@lru_cache(maxsize=1)
def field_types() -> dict[str, str]:
    """Field key -> field type over all ledger templates."""
    return {f.key: f.type for name in template_names() for f in load_template(name).fields}


def line_field_type(rel: str) -> str:
    """The field type of a line image (:data:`NO_FIELD` when its name carries no known key)."""
    key = field_key(rel)
    return field_types().get(key, NO_FIELD) if key else NO_FIELD
