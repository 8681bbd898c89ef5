"""Label Studio labeling configs, generated from the ledger templates (the single source of truth).

The page config names every control that :mod:`annotation.convert` reads and writes: record
regions, field regions labelled with the template's field keys, other page regions (titles,
stamps, margin notes...), text-line regions, a per-region transcription (a TextArea whose
``toName`` is the image and whose results share the region's id), a per-region normalized value,
status and flags, and page-level choices for the book type and the page's condition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args
from xml.sax.saxutils import quoteattr

from ocr.schema import BookType, FieldStatus, RegionKind
from ocr.templates import LedgerTemplate

IMAGE = "image"  # the Image tag's name, and the task data key holding the image URL
RECORD, FIELD, FIELD_BOX, REGION, LINE, LINE_BOX = "record", "field", "field_box", "region", "line", "line_box"
TEXT, VALUE, STATUS, FLAGS = "transcription", "value", "status", "flags"
BOOK_TYPE, CONDITION = "book_type", "condition"

# Labels controls -> the schema role their regions play.
ROLE_OF_CONTROL = {RECORD: "record", FIELD: "field", FIELD_BOX: "field", REGION: "region",
                   LINE: "line", LINE_BOX: "line"}
RECORD_LABEL, LINE_LABEL = "record", "line"
REGION_KINDS: tuple[str, ...] = get_args(RegionKind)
STATUSES = tuple(s.value for s in FieldStatus)
FIELD_FLAGS = ("struck_out", "overwritten", "smudged", "torn")  # a line's "struck_out" = strikethrough
CONDITIONS = ("torn", "faded", "blank", "overwritten")
BOOK_TYPES = tuple(b.value for b in BookType)

# Line review projects: one task per line crop.
REVIEW_IMAGE, REVIEW_TEXT, REVIEW_VERDICT = "image", "text", "verdict"
REVIEW_VERDICTS = ("correct", "corrected", "illegible")

_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
            "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd")


def field_keys(templates: Sequence[LedgerTemplate]) -> list[str]:
    """The field keys of the templates in page order, each once (the field labels)."""
    keys: list[str] = []
    for t in templates:
        keys += [f.key for f in t.fields if f.key not in keys]
    return keys


def _labels(name: str, tag: str, labels: Sequence[tuple[str, str]], **attrs: str) -> str:
    extra = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
    items = "".join(f'\n    <Label value={quoteattr(v)} hint={quoteattr(h)} '
                    f'background="{_PALETTE[i % len(_PALETTE)]}"/>' for i, (v, h) in enumerate(labels))
    return f'  <{tag} name="{name}" toName="{IMAGE}"{extra}>{items}\n  </{tag}>'


def _choices(name: str, values: Sequence[str], **attrs: str) -> str:
    extra = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
    items = "".join(f'<Choice value="{v}"/>' for v in values)
    return f'  <Choices name="{name}" toName="{IMAGE}"{extra}>{items}</Choices>'


def page_config(templates: Sequence[LedgerTemplate]) -> str:
    """The labeling config of a page project holding pages of ``templates``."""
    if not templates:
        raise ValueError("a page project needs at least one ledger template")
    headers = {f.key: f.header for t in templates for f in t.fields}
    fields = [(k, headers[k]) for k in field_keys(templates)]
    region_labels = [(k, k.replace("_", " ")) for k in REGION_KINDS]
    names = ", ".join(t.id for t in templates)
    parts = [
        "<View>",
        f'  <Header value="Page $page_id ({names})" size="5"/>',
        _choices(BOOK_TYPE, BOOK_TYPES, choice="single", showInline="true"),
        _choices(CONDITION, CONDITIONS, choice="multiple", showInline="true"),
        f'  <Image name="{IMAGE}" value="${IMAGE}" zoom="true" zoomControl="true" rotateControl="false"/>',
        _labels(RECORD, "PolygonLabels", [(RECORD_LABEL, "one registration")], opacity="0.05", strokeWidth="3"),
        _labels(FIELD, "PolygonLabels", fields, opacity="0.1", strokeWidth="1"),
        _labels(FIELD_BOX, "RectangleLabels", fields, opacity="0.1", strokeWidth="1"),
        _labels(REGION, "PolygonLabels", region_labels, opacity="0.1", strokeWidth="1"),
        _labels(LINE, "PolygonLabels", [(LINE_LABEL, "one line of writing")], opacity="0.2", strokeWidth="1"),
        _labels(LINE_BOX, "RectangleLabels", [(LINE_LABEL, "one line of writing")], opacity="0.2", strokeWidth="1"),
        f'  <TextArea name="{TEXT}" toName="{IMAGE}" perRegion="true" editable="true" maxSubmissions="1" '
        'rows="1" placeholder="What is written (fields and lines)"/>',
        f'  <TextArea name="{VALUE}" toName="{IMAGE}" perRegion="true" editable="true" maxSubmissions="1" '
        'rows="1" placeholder="Normalized value (fields; empty: computed)"/>',
        _choices(STATUS, STATUSES, perRegion="true", choice="single", showInline="true"),
        _choices(FLAGS, FIELD_FLAGS, perRegion="true", choice="multiple", showInline="true"),
        "</View>",
    ]
    return "\n".join(parts) + "\n"


def review_config() -> str:
    """The labeling config of a line review project: a line crop, its transcription, a verdict."""
    return "\n".join([
        "<View>",
        '  <Header value="$line_id" size="6"/>',
        f'  <Image name="{REVIEW_IMAGE}" value="${REVIEW_IMAGE}" zoom="true"/>',
        f'  <TextArea name="{REVIEW_TEXT}" toName="{REVIEW_IMAGE}" editable="true" maxSubmissions="1" rows="1"/>',
        _choices(REVIEW_VERDICT, REVIEW_VERDICTS, choice="single", showInline="true").replace(
            f'toName="{IMAGE}"', f'toName="{REVIEW_IMAGE}"'),
        "</View>",
    ]) + "\n"
