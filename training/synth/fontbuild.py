"""Build the vendored handwriting fonts from npm's @fontsource packages.

Google Fonts serves each family as per-script subset files; the ``vietnamese`` subset holds
the precomposed letters (U+1EA0..) and a few others, ``latin``/``latin-ext`` hold the rest.
This module packs the npm package, merges the three subsets of one weight into a single TTF
with :class:`fontTools.merge.Merger`, trims it to the characters a ledger can hold, checks the
Vietnamese coverage and writes ``<Family>-Regular.ttf``, the family's OFL licence and a README.

Run once by hand (needs ``npm`` and the npm registry)::

    python -m training.synth.fontbuild training/synth/fonts
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.merge import Merger, Options as MergeOptions
from fontTools.ttLib import TTFont

# npm id -> file stem. Itim (a rounded Thai-Latin display sans) was tried and left out: it
# reads as a typeface, not as pen handwriting.
FAMILIES: dict[str, str] = {
    "patrick-hand": "PatrickHand",
    "mali": "Mali",
    "playpen-sans": "PlaypenSans",
    "oooh-baby": "OoohBaby",
    "ms-madi": "MsMadi",
    "charm": "Charm",
    "playwrite-vn": "PlaywriteVN",
    "grape-nuts": "GrapeNuts",
    "pangolin": "Pangolin",
    "charmonman": "Charmonman",
    "sriracha": "Sriracha",
    "square-peg": "SquarePeg",
    "mynerve": "Mynerve",
    "moon-dance": "MoonDance",
    "sedgwick-ave": "SedgwickAve",
    "grey-qo": "GreyQo",
    "comforter": "Comforter",
    "fuggles": "Fuggles",
    "caramel": "Caramel",
    "gwendolyn": "Gwendolyn",
    "send-flowers": "SendFlowers",
}
SUBSETS = ("latin", "latin-ext", "vietnamese")
WEIGHT_NAMES = {400: "Regular", 700: "Bold"}

# Everything a ledger line can hold (Latin, Vietnamese, combining marks, common punctuation);
# the rest of latin-ext is dropped to keep the vendored files small.
KEEP_UNICODES: tuple[int, ...] = (
    *range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x1A0, 0x1B1), *range(0x300, 0x324),
    *range(0x1EA0, 0x1EFA), *range(0x2010, 0x2027), 0x2030, 0x2039, 0x203A, 0x20AB, 0x2116,
)


@dataclass(frozen=True)
class BuiltFont:
    """One merged font file and where it came from."""

    family: str
    package: str
    version: str
    weight: int
    path: Path
    license_path: Path
    license_type: str
    attribution: str
    reserved_name: bool


def npm_pack(package: str, dest: Path, *, npm: str = "npm") -> tuple[Path, str]:
    """``npm pack`` *package* into *dest*; return (extracted package dir, version)."""
    out = subprocess.run(
        [npm, "pack", package, "--json", "--pack-destination", str(dest)],
        check=True, capture_output=True, text=True,
    ).stdout
    info = json.loads(out)[0]
    target = dest / info["name"].replace("/", "__")
    with tarfile.open(dest / info["filename"]) as tar:
        tar.extractall(target, filter="data")
    return target / "package", info["version"]


def _subset_file(files_dir: Path, npm_id: str, sub: str, weight: int) -> Path | None:
    """The subset file for one weight: .woff first (zlib, no brotli needed), then .woff2."""
    for ext in ("woff", "woff2", "ttf"):
        p = files_dir / f"{npm_id}-{sub}-{weight}-normal.{ext}"
        if p.exists() and (ext != "woff2" or _has_brotli()):
            return p
    return None


def _has_brotli() -> bool:
    try:
        import brotli  # noqa: F401
    except ImportError:
        return False
    return True


def merge_subsets(files: list[Path]) -> TTFont:
    """Merge subset files of one font into one TTFont, trimmed to :data:`KEEP_UNICODES`.

    Subsets share units-per-em and glyph design, so Merger's renaming of clashing glyph
    names (post format 3 files have none) and cmap de-duplication are all that is needed.
    """
    merged = Merger(options=MergeOptions(drop_tables=["DSIG"])).merge([str(f) for f in files])
    merged.flavor = None
    merged.recalcTimestamp = False  # reproducible bytes: the sources' date, not now
    source_head = TTFont(files[0], lazy=True)["head"]
    merged["head"].created, merged["head"].modified = source_head.created, source_head.modified
    opts = subset.Options()
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.hinting = False
    opts.notdef_outline = True
    opts.glyph_names = True
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=KEEP_UNICODES)
    sub.subset(merged)
    return merged


def build_family(npm_id: str, stem: str, out_dir: Path, work: Path, *,
                 weights: tuple[int, ...] = (400,), npm: str = "npm") -> list[BuiltFont]:
    """Pack, merge and write one family; return what was written."""
    from .fonts import vietnamese_coverage  # local import: fonts.py reads what we write

    pkg, version = npm_pack(f"@fontsource/{npm_id}", work, npm=npm)
    meta = json.loads((pkg / "metadata.json").read_text())
    lic = out_dir / f"{stem}-LICENSE.txt"
    shutil.copyfile(pkg / "LICENSE", lic)
    built = []
    for weight in weights:
        # some families (Playwrite VN) ship one latin file that already holds every Vietnamese
        # letter: merge what exists, the coverage check below decides
        files = [f for s in SUBSETS if (f := _subset_file(pkg / "files", npm_id, s, weight))]
        if _subset_file(pkg / "files", npm_id, "latin", weight) is None:
            if weight == 400:
                raise FileNotFoundError(f"{npm_id}: no {weight} latin subset file in {pkg}")
            continue
        path = out_dir / f"{stem}-{WEIGHT_NAMES.get(weight, str(weight))}.ttf"
        merge_subsets(files).save(path)  # type: ignore[arg-type]
        missing = vietnamese_coverage(path)
        if missing:
            path.unlink()
            raise ValueError(f"{npm_id} {weight}: merged font lacks {''.join(sorted(missing))}")
        # "X Authors (url) X-Bold.ttf: X Authors (url) ..." -> first notice only
        attribution = re.split(r"\s\S+\.ttf:\s", meta["license"]["attribution"])[0]
        built.append(BuiltFont(meta["family"], f"@fontsource/{npm_id}", version, weight, path,
                               lic, meta["license"]["type"], attribution,
                               _declares_reserved_name(lic.read_text())))
    return built


def _declares_reserved_name(license_text: str) -> bool:
    """Whether the copyright header (before the OFL body) declares a Reserved Font Name."""
    return "reserved font name" in license_text.split("This Font Software")[0].lower()


def write_readme(out_dir: Path, built: list[BuiltFont]) -> Path:
    """README.md listing each vendored file, its npm package, version and licence."""
    rows = "\n".join(
        f"| `{b.path.name}` | {b.family} | `{b.package}@{b.version}` | {b.license_type} "
        f"(`{b.license_path.name}`) | {b.attribution} |" for b in built)
    rfn = [b.family for b in built if b.reserved_name]
    rfn_text = (f"Reserved Font Names: {', '.join(rfn)} (rename before modifying further)."
                if rfn else "None declares a Reserved Font Name.")
    text = f"""# Vendored handwriting fonts

Built by `python -m training.synth.fontbuild training/synth/fonts` (`training/synth/fontbuild.py`):
the `latin`, `latin-ext` and `vietnamese` subset files (weight 400, normal) of each npm
`@fontsource` package are merged with fontTools into one TTF, trimmed to Latin + Vietnamese +
common punctuation, hinting dropped. Every file covers every Vietnamese letter with every tone
mark (upper and lower case), digits and ledger punctuation.

All fonts are under the SIL Open Font License 1.1 (`OFL.txt`; each family's copyright notice
and licence in `<Family>-LICENSE.txt`). {rfn_text} They are modified
(merged, subset) versions and may be redistributed with this project under the OFL; they
must not be sold on their own.

| file | family | npm package | licence | copyright |
|---|---|---|---|---|
{rows}

Other handwriting fonts used by `training/synth/fonts.py` (Dancing Script, Indie Flower, Great
Vibes) come from PyPI (`fontpkg-*`) and are not vendored. Left out: Itim (reads as a rounded
display sans, not handwriting) and Pacifico (heavy brush lettering). `fonts.py` draws a few
letters of Dancing Script (Ẫ ẫ Ễ ễ Ỗ ỗ: breve instead of circumflex) and Indie Flower (Ồ Ố Ổ Ỗ:
tone mark fused into the circumflex) as base letter + tone mark instead of the broken glyph.
The families after Charm (Playwrite VN, Grape Nuts, Pangolin, Charmonman, Sriracha, Square Peg, Mynerve,
Moon Dance, Sedgwick Ave, Grey Qo, Comforter, Fuggles, Caramel, Gwendolyn, Send Flowers) are drawn on
training lines only (their registry entries in `fonts.py` say `pages=False`): rendered pages keep the
fonts that the layout model and the calibration were fitted on. Left out after a look: Puppies Play,
Explora (odd letterforms), Kodchasan (a typeface), Borel, Allura.
"""
    path = out_dir / "README.md"
    path.write_text(text)
    return path


def build_fonts(out_dir: str | Path, families: dict[str, str] | None = None, *,
                weights: tuple[int, ...] = (400,), npm: str = "npm") -> list[BuiltFont]:
    """Build every family in *families* (default :data:`FAMILIES`) into *out_dir*.

    Writes ``<Family>-Regular.ttf`` (and ``-Bold.ttf`` when 700 is asked for and exists),
    ``<Family>-LICENSE.txt``, ``OFL.txt`` and ``README.md``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    built: list[BuiltFont] = []
    with tempfile.TemporaryDirectory(prefix="fontsource-") as tmp:
        for npm_id, stem in (families or FAMILIES).items():
            built += build_family(npm_id, stem, out, Path(tmp), weights=weights, npm=npm)
    ofl = built[0].license_path.read_text() if built else ""
    start = ofl.find("-----")
    (out / "OFL.txt").write_text(ofl[start:] if start >= 0 else ofl)
    write_readme(out, built)
    return built


if __name__ == "__main__":
    for b in build_fonts(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "fonts"):
        print(f"{b.path.name}\t{b.path.stat().st_size}\t{b.package}@{b.version}")
