"""Redaction and the leak check.

Redaction is literal: every occurrence of a term is replaced by a block.
The leak check is deliberately stricter than redaction: it compares the
text with whitespace, separators and full-width forms removed (NFKC), so a
name typed as "张 伟" or an ID number split by spaces, which redaction
would miss, still blocks publication. Both work on plain text; a PDF is
read with ``pdftotext`` (poppler-utils) page by page.
"""

import re
import subprocess
import unicodedata
from dataclasses import dataclass

BLOCK = "███"

# Mainland ID numbers (18 characters, GB 11643) and mobile numbers.
ID_NUMBER_RE = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
MOBILE_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
# A street address: optional administrative levels, then a road, street,
# lane or village with a house number (e.g. 沙城镇幸福路12号3单元).
ADDRESS_RE = re.compile(
    r"(?:[\u4e00-\u9fa5]{1,8}(?:省|自治区|市|州|县|区|镇|乡|街道))*"
    r"[\u4e00-\u9fa5]{1,10}(?:路|街|巷|大道|胡同|村|小区|弄)"
    r"[0-9０-９一二三四五六七八九十百]+(?:号|栋|幢|组|弄)"
    r"(?:[0-9０-９]+(?:号楼|单元|室|楼|号))*"
)
# Words that often precede an address and are not part of it.
ADDRESS_LEADS = ("居住在", "家住在", "家住", "住在", "位于", "地址为", "地址是", "住址为", "住址")
# Characters ignored by the leak check.
_IGNORED = re.compile(r"[\s\-－—_·.,，。、/\\()（）\[\]【】:：;；\"'“”‘’]")


def find_addresses(text: str) -> list[str]:
    found = []
    for m in ADDRESS_RE.finditer(text or ""):
        value = m.group(0)
        for lead in ADDRESS_LEADS:
            if lead in value:
                value = value.split(lead, 1)[1]
        if len(value) >= 4 and value not in found:
            found.append(value)
    return found


def find_patterns(text: str) -> list[tuple[str, str]]:
    """ID numbers and mobile numbers anywhere in ``text``: (term, source)."""
    out = []
    for m in ID_NUMBER_RE.finditer(text or ""):
        out.append((m.group(0), "id_number"))
    for m in MOBILE_RE.finditer(text or ""):
        out.append((m.group(0), "phone"))
    return out


def _ordered(terms) -> list[str]:
    # Longest first, so "张伟明" is not left as "███明" by "张伟".
    return sorted({t for t in terms if t and t.strip()}, key=lambda t: (-len(t), t))


def segments(text: str, terms) -> list[tuple[str, str | None]]:
    """``text`` cut into (piece, term-or-None); a piece with a term is to be
    hidden. Overlaps go to the longer, earlier term."""
    ordered = _ordered(terms)
    if not ordered or not text:
        return [(text or "", None)]
    pattern = re.compile("|".join(re.escape(t) for t in ordered))
    out: list[tuple[str, str | None]] = []
    pos = 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], None))
        out.append((m.group(0), m.group(0)))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], None))
    return out


def redact(text: str, terms) -> str:
    return "".join(BLOCK if term else piece for piece, term in segments(text, terms))


def _compact(text: str) -> tuple[str, list[int]]:
    """NFKC, lower-cased, ignored characters dropped; with each kept
    character's index in the original, to quote the context of a hit."""
    chars, index = [], []
    for i, ch in enumerate(text):
        norm = unicodedata.normalize("NFKC", ch).lower()
        for c in norm:
            if not _IGNORED.match(c):
                chars.append(c)
                index.append(i)
    return "".join(chars), index


@dataclass(frozen=True)
class Leak:
    where: str  # "title", "text", "pdf p. 2"
    term: str
    source: str  # name, id_number, phone, address, unit, added, ...
    context: str  # the text around the hit

    def as_dict(self) -> dict:
        return {"where": self.where, "term": self.term, "source": self.source, "context": self.context}


def leak_check(fields: list[tuple[str, str]], terms: list[tuple[str, str]]) -> list[Leak]:
    """Every occurrence of a term in the fields (``(where, text)``), with
    20 characters of context either side."""
    leaks = []
    for where, text in fields:
        if not text:
            continue
        compact, index = _compact(text)
        for term, source in terms:
            needle, _ = _compact(term)
            # One or two characters (a surname alone) would match noise.
            if len(needle) < 2:
                continue
            start = compact.find(needle)
            while start != -1:
                a = index[start]
                b = index[start + len(needle) - 1] + 1
                context = text[max(0, a - 20):min(len(text), b + 20)].replace("\n", " ")
                leaks.append(Leak(where, term, source, context))
                start = compact.find(needle, start + len(needle))
    return leaks


class PdfUnreadable(Exception):
    pass


def pdf_pages_text(path: str) -> list[str]:
    """The text of each page (``pdftotext -layout``); a PDF whose text
    cannot be read is refused rather than published unchecked."""
    try:
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["/usr/bin/pdftotext", "-enc", "UTF-8", "-layout", path, "-"],
            capture_output=True, timeout=60, check=True,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, FileNotFoundError) as exc:
        raise PdfUnreadable(str(exc)) from exc
    return result.stdout.decode("utf-8", "replace").split("\f")
