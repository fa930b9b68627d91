"""The CJK fonts letters are set in, prepared once at set-up.

Fonts decide the speed of WeasyPrint (measured, one-page letter): a 20 MB
collection costs seconds per letter, a TrueType face cut to the GB 2312
characters a third of a second. So ``prepare_fonts`` (the management
command, run by ``make run`` and ``make test``) writes two faces taken from
AR PL UMing (Arphic Public License, a 明体/宋体-style serif):

- ``rc-song-gb.ttf``: the CN face cut to GB 2312, ASCII, Latin-1 and the
  punctuation of official documents; the first font of every letter;
- ``rc-song-full.ttf``: the whole CN face, the fallback for what the cut
  face lacks (names such as 堃, 喆, 昇 are outside GB 2312);
- ``rc-hei-gb.ttf`` (optional, from WenQuanYi Zen Hei, GPL with the font
  embedding exception): the 黑体 of first-level headings (GB/T 9704
  §7.3.3), and the masthead and title where FandolSong-Bold is missing; AR
  PL UMing has no bold and WeasyPrint does not embolden, so without it
  headings are set in the song face.

- ``rc-fang-gb.otf`` (optional, from FandolFang, GPL with the font
  exception, Debian's ``texlive-lang-chinese``): the 仿宋 face of the body
  text (GB/T 9704 §7.3.4: 正文 in 3号仿宋), cut to the same characters. All
  6,763 hanzi of GB 2312 are in it (7,444 of the 7,445 characters); names
  outside GB 2312 fall back to the song faces. Only this one file of the
  package is used: ``scripts/ensure_fonts.sh`` takes it out of the
  package (``apt-get download``) into ``/usr/local/share/fonts/fandol/``
  rather than installing texlive (21 packages, 264 MB). Without it the body
  is set in the song face. Its CFF outlines render as fast as the song
  face's TrueType ones (ruling letter 41 ms against 40 ms, quiet machine).

- ``rc-title-gb.otf`` (optional, FandolSong-Bold, same licence and package
  as FandolFang): the 小标宋-like face GB/T 9704 asks for the 发文机关标志
  (§7.2.3, 推荐使用小标宋体字) and the title (§7.3.1, 2号小标宋体字), cut to
  GB 2312 as the body face (a masthead names any issuing body). Without it
  they are set in the hei face, and without that in the song face.

- HanaMinB (花園明朝 B, from Debian's fonts-hanazono; free licence), used in
  place: the last fallback, for CJK Extension B characters such as 𠮷 in
  names. Pango only reaches for it when the faces before it lack a glyph,
  so ordinary letters do not pay for it.

A character no face has is refused before rendering (``MissingGlyphError``):
a letter never goes out with tofu.
"""

import hashlib
import json
import logging
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class SourceFont:
    """A system font the letters are made from: where it may be (paths
    relative to a system font folder, setting ``LETTERS_SYSTEM_FONT_DIRS``),
    and the Debian package that installs it (named in every message about a
    missing font, and installed by ``make run``/``make test`` where they can)."""

    name: str
    paths: tuple[str, ...]
    package: str
    required: bool
    # Where the file is inside the package, for a package of which only this
    # file is taken (``ensure_fonts.sh``), and where it is put then.
    member: str = ""
    target: str = ""

    def find(self) -> Path | None:
        for root in system_font_dirs():
            for rel in self.paths:
                if (root / rel).exists():
                    return root / rel
        return None


# The body face (required: no letter without it), the heading face and the
# Extension B fallback (optional).
SOURCES = {
    "body": SourceFont("AR PL UMing", ("truetype/arphic/uming.ttc", "truetype/arphic-gkai00mp/uming.ttc"),
                       "fonts-arphic-uming", required=True),
    "heading": SourceFont("WenQuanYi Zen Hei", ("truetype/wqy/wqy-zenhei.ttc",), "fonts-wqy-zenhei",
                          required=False),
    "ext": SourceFont("HanaMinB", ("truetype/hanazono/HanaMinB.ttf",), "fonts-hanazono", required=False),
    "fang": SourceFont("FandolFang", ("fandol/FandolFang-Regular.otf", "opentype/public/fandol/FandolFang-Regular.otf"),
                       "texlive-lang-chinese", required=False,
                       member="usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolFang-Regular.otf",
                       target="/usr/local/share/fonts/fandol/FandolFang-Regular.otf"),
    "title": SourceFont("FandolSong-Bold", ("fandol/FandolSong-Bold.otf", "opentype/public/fandol/FandolSong-Bold.otf"),
                        "texlive-lang-chinese", required=False,
                        member="usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolSong-Bold.otf",
                        target="/usr/local/share/fonts/fandol/FandolSong-Bold.otf"),
}
# Face 0 of uming.ttc is "AR PL UMing CN" (simplified-Chinese forms).
SOURCE_FACE = 0
EXT_FAMILY = "RC Ext B"
SUBSET_FILE = "rc-song-gb.ttf"
HEI_FILE = "rc-hei-gb.ttf"
FANG_FILE = "rc-fang-gb.otf"
TITLE_FILE = "rc-title-gb.otf"
FULL_FILE = "rc-song-full.ttf"
MANIFEST_FILE = "manifest.json"
# Bumped when the cut changes, so that old caches are rebuilt.
CUT_VERSION = 2

SUBSET_FAMILY = "RC Song GB"
FULL_FAMILY = "RC Song Full"
HEI_FAMILY = "RC Hei GB"
FANG_FAMILY = "RC Fang GB"
TITLE_FAMILY = "RC Title GB"


class FontSetupError(RuntimeError):
    """The fonts are not prepared and cannot be: no source font."""


class MissingGlyphError(ValueError):
    """A character of the letter exists in none of the letter fonts."""

    def __init__(self, chars: list[str]):
        self.chars = chars
        shown = "、".join(f"{c} (U+{ord(c):04X})" for c in chars)
        super().__init__(f"No letter font has a glyph for: {shown}")


def font_dir() -> Path:
    configured = getattr(settings, "LETTERS_FONT_DIR", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "fonts"


def system_font_dirs() -> list[Path]:
    return [Path(d) for d in getattr(settings, "LETTERS_SYSTEM_FONT_DIRS", None) or DEFAULT_SYSTEM_FONT_DIRS]


# Debian's font folder, the local one (a face taken out of its package), and
# texlive's (where texlive-lang-chinese, if installed whole, keeps Fandol).
DEFAULT_SYSTEM_FONT_DIRS = ["/usr/share/fonts", "/usr/local/share/fonts", "/usr/share/texlive/texmf-dist/fonts"]


def missing_sources(*, required_only: bool = False) -> list[SourceFont]:
    """The configured source fonts that are not installed."""
    return [f for f in SOURCES.values() if (f.required or not required_only) and f.find() is None]


def missing_message(missing: list[SourceFont]) -> str:
    """What is missing and how to add it, naming the Debian packages."""
    return _(
        "Letter fonts not installed: %(fonts)s. Install them (Debian/Ubuntu: sudo apt-get install %(packages)s), "
        "then regenerate the letters that failed."
    ) % {"fonts": "、".join(f"{f.name} ({f.package})" for f in missing),
         "packages": " ".join(f.package for f in missing)}


def source_font() -> Path:
    found = SOURCES["body"].find()
    if found is None:
        raise FontSetupError(missing_message([SOURCES["body"]]))
    return found


def hei_source() -> Path | None:
    return SOURCES["heading"].find()


def fang_source() -> Path | None:
    return SOURCES["fang"].find()


def title_source() -> Path | None:
    return SOURCES["title"].find()


def ext_source() -> Path | None:
    """The Extension B fallback face, used in place (not copied)."""
    return SOURCES["ext"].find()


def gb2312_chars() -> set[str]:
    """Every character of GB 2312 (7,445), decoded row by row."""
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def subset_codepoints() -> set[int]:
    points = {ord(c) for c in gb2312_chars()}
    points.update(range(0x20, 0x7F))  # ASCII
    points.update(range(0xA0, 0x100))  # Latin-1
    points.update(range(0x2000, 0x2070))  # general punctuation (—, “”, …)
    points.update(range(0x3000, 0x3040))  # CJK punctuation (、。〔〕〇)
    points.update(range(0xFF00, 0xFFF0))  # full-width forms
    return points


def _source_signature(path: Path) -> str:
    stat = path.stat()
    hei, fang, title = hei_source(), fang_source(), title_source()
    return hashlib.sha256(
        f"{path}:{stat.st_size}:{int(stat.st_mtime)}:{hei}:{fang}:{title}:{CUT_VERSION}".encode()
    ).hexdigest()


def _rename(font, family: str) -> None:
    """Give the face its own family name, so that it never collides with the
    system's "AR PL UMing CN" in fontconfig and pdffonts shows which face was
    used."""
    name = font["name"]
    postscript = family.replace(" ", "")
    for record in list(name.names):
        if record.nameID in (1, 16):
            name.setName(family, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 4:
            name.setName(family, 4, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            name.setName(postscript, 6, record.platformID, record.platEncID, record.langID)


def _save(font, target: Path) -> None:
    # Write then rename: a worker starting meanwhile never reads half a font.
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    font.save(str(tmp))
    os.replace(tmp, target)


def _glyph_rank(codepoint: int) -> tuple[int, int]:
    """Where a character's glyph goes in a cut face: punctuation and Latin
    first, then GB 2312 level 1 (the 3,755 common characters), level 2, the
    rest. WeasyPrint's subsetter keeps glyph ids, so a letter's embedded face
    carries per-glyph tables up to its highest id; with common characters first
    that is about half the face for most letters."""
    if codepoint < 0x3000 and not 0x2E80 <= codepoint or 0x3000 <= codepoint < 0x3040 or codepoint >= 0xFF00:
        return (0, codepoint)
    try:
        code = chr(codepoint).encode("gb2312")
    except UnicodeEncodeError:
        return (3, codepoint)
    if len(code) == 2 and code[0] >= 0xB0:
        return (1 if code[0] < 0xD8 else 2, int.from_bytes(code, "big"))
    return (0, codepoint)


def _reorder_common_first(font) -> None:
    from fontTools.ttLib.reorderGlyphs import reorderGlyphs

    if "glyf" in font:
        # Compact glyphs name their components on expansion, by position in
        # the glyph order: expand them all before the order changes.
        glyf = font["glyf"]
        for name in glyf.keys():
            glyf[name].expand(glyf)
    order = font.getGlyphOrder()
    rank: dict[str, tuple] = {}
    for codepoint, glyph in font.getBestCmap().items():
        rank[glyph] = min(rank.get(glyph, (9, 0)), _glyph_rank(codepoint))
    # .notdef stays glyph 0; glyphs without a code point (reached through
    # GSUB) go last, in their old order.
    head, rest = order[:1], order[1:]
    position = {glyph: i for i, glyph in enumerate(rest)}
    rest.sort(key=lambda glyph: (rank.get(glyph, (8, 0)), position[glyph]))
    reorderGlyphs(font, head + rest)
    if "glyf" in font:
        # glyf keeps its own copy of the order, which it compiles by.
        font["glyf"].glyphOrder = font.getGlyphOrder()


def _cut(face, target: Path, family: str, drop_tables: list[str]) -> None:
    from fontTools import subset

    options = subset.Options()
    options.drop_tables += drop_tables
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=subset_codepoints())
    subsetter.subset(face)
    if "glyf" in face:
        # (A CFF face keeps its CID order: reordering is for glyf faces.)
        _reorder_common_first(face)
    _rename(face, family)
    _save(face, target)


def prepare_fonts(*, force: bool = False) -> dict:
    """Write the faces into ``font_dir()`` unless they are up to date.
    Returns the manifest (paths, signature). Idempotent."""
    from fontTools.ttLib import TTCollection, TTFont

    # fontTools logs every table it prunes at INFO.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    out = font_dir()
    out.mkdir(parents=True, exist_ok=True)
    source = source_font()
    signature = _source_signature(source)
    manifest_path = out / MANIFEST_FILE
    if not force and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if (manifest.get("signature") == signature and (out / SUBSET_FILE).exists()
                and (out / FULL_FILE).exists()):
            return manifest

    # Embedded bitmaps (EBDT) are for screens at small sizes; PDF viewers use
    # the outlines. Vertical metrics (vmtx, vhea, VORG) serve vertical
    # writing, which letters never use (GB/T 9704 sets them horizontally).
    # WeasyPrint's subsetter keeps glyph ids, so every kept per-glyph table
    # spans the whole face in every letter and is compressed each time:
    # dropping vmtx saved about 3 ms a letter (bench/letters.py).
    bitmap_tables = ["EBDT", "EBLC", "EBSC", "vmtx", "vhea", "VORG"]

    collection = TTCollection(str(source))
    full = collection.fonts[SOURCE_FACE]
    for tag in bitmap_tables:
        if tag in full:
            del full[tag]
    _rename(full, FULL_FAMILY)
    _save(full, out / FULL_FILE)

    _cut(TTCollection(str(source)).fonts[SOURCE_FACE], out / SUBSET_FILE, SUBSET_FAMILY, bitmap_tables)
    hei = hei_source()
    if hei is not None:
        _cut(TTCollection(str(hei)).fonts[0], out / HEI_FILE, HEI_FAMILY, bitmap_tables)
    elif (out / HEI_FILE).exists():
        (out / HEI_FILE).unlink()
    fang = fang_source()
    if fang is not None:
        _cut(TTFont(str(fang)), out / FANG_FILE, FANG_FAMILY, bitmap_tables)
    elif (out / FANG_FILE).exists():
        (out / FANG_FILE).unlink()
    title = title_source()
    if title is not None:
        _cut(TTFont(str(title)), out / TITLE_FILE, TITLE_FAMILY, bitmap_tables)
    elif (out / TITLE_FILE).exists():
        (out / TITLE_FILE).unlink()

    manifest = {"signature": signature, "source": str(source), "cut_version": CUT_VERSION,
                "subset": SUBSET_FILE, "full": FULL_FILE, "hei": HEI_FILE if hei else None,
                "fang": FANG_FILE if fang else None, "title": TITLE_FILE if title else None}
    tmp = manifest_path.with_name(f"{MANIFEST_FILE}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(manifest, indent=2))
    os.replace(tmp, manifest_path)
    coverage.cache_clear()
    return manifest


def font_paths() -> tuple[Path, Path, Path | None]:
    """(subset, full, heading) face paths; prepares them on first use if
    ``make`` did not (slower first letter, never a letter without fonts)."""
    out = font_dir()
    subset_path, full_path = out / SUBSET_FILE, out / FULL_FILE
    if not (subset_path.exists() and full_path.exists() and (out / MANIFEST_FILE).exists()):
        prepare_fonts()
    hei_path = out / HEI_FILE
    return subset_path, full_path, (hei_path if hei_path.exists() else None)


def fang_path() -> Path | None:
    """The prepared 仿宋 body face, if its source is installed."""
    font_paths()
    path = font_dir() / FANG_FILE
    return path if path.exists() else None


def title_path() -> Path | None:
    """The prepared 小标宋-like face of mastheads and titles, if its source
    is installed."""
    font_paths()
    path = font_dir() / TITLE_FILE
    return path if path.exists() else None


@lru_cache(maxsize=1)
def coverage() -> tuple[frozenset[int], frozenset[int]]:
    """Code points of the subset face, and of every face (full and Extension B)."""
    from fontTools.ttLib import TTFont

    subset_path, full_path, _ = font_paths()
    every = set(TTFont(str(full_path), lazy=True).getBestCmap())
    ext = ext_source()
    if ext is not None:
        every.update(TTFont(str(ext), lazy=True).getBestCmap())
    return frozenset(TTFont(str(subset_path), lazy=True).getBestCmap()), frozenset(every)


def _needs_glyph(char: str) -> bool:
    # Spaces and format/control characters are laid out, not drawn.
    return not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf")


def check_glyphs(text: str) -> None:
    """Raise ``MissingGlyphError`` for every character no letter font has."""
    subset_points, full_points = coverage()
    missing = sorted(
        {c for c in set(text) if _needs_glyph(c) and ord(c) not in subset_points and ord(c) not in full_points}
    )
    if missing:
        raise MissingGlyphError(missing)
