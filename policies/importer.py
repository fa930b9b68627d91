"""Reading a jurisdiction's 办法 into clauses (issue 16).

An admin uploads his county's 办法 (DOCX, a PDF with a text layer, or pasted
text); ``extract_text`` gets its text and ``split_clauses`` cuts it into
articles (第X条) and their numbered items (（一）, 1.), each kept verbatim
with its article number. The admin then classifies each clause
(``policies.services.imported_clause_classify``): nothing is guessed into a
rule, except the suggested amount and unit of a clause that names a period.
"""

import io
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

ERR_TYPE = gettext_noop("Upload the 办法 as DOCX, as a PDF with a text layer, or paste its text.")
ERR_DOCX = gettext_noop("This DOCX file cannot be read: %(error)s")
ERR_PDF = gettext_noop("This PDF cannot be read: %(error)s")
ERR_NO_TEXT = gettext_noop(
    "No text was found in the document. A scanned PDF has no text layer: paste the text instead."
)
ERR_NO_ARTICLES = gettext_noop("No article (第X条) was found in the text: the 办法 cannot be split into clauses.")
MAX_BYTES = 10 * 1024 * 1024

CN_DIGITS = "零〇一二三四五六七八九"
NUM = r"[一二三四五六七八九十百零〇两\d]+"
# Article heading at the start of a line: 第十二条 (full-width space or not).
ARTICLE_RE = re.compile(rf"^\s*(第{NUM}条)[\s\u3000]*")
# Chapter or section headings are structure, not clauses.
HEADING_RE = re.compile(rf"^\s*第{NUM}[章节]")
# （一） or (一): an item marker anywhere in the article.
PAREN_ITEM_RE = re.compile(r"[（(]([一二三四五六七八九十]+)[）)]")
# 1. / 1． / 1、 at the start of a line.
NUMBER_ITEM_RE = re.compile(r"^\s*(\d{1,2})[.．、]\s*", re.M)
# A period the clause names: 10个工作日, 十五日, 1个月.
PERIOD_RE = re.compile(r"([一二三四五六七八九十两\d]+)\s*(个工作日|工作日|个月|日|天)")

# A page number a PDF's text layer carries as a line of its own: — 1 —, - 2 -,
# 3, 第 4 页 (GB/T 9704 puts "— 1 —" under every page of a 办法).
PAGE_NUMBER_RE = re.compile(r"^\s*(?:[—–\-]*\s*\d{1,4}\s*[—–\-]*|第\s*\d{1,4}\s*页(?:\s*共\s*\d{1,4}\s*页)?)\s*$")

WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass
class Clause:
    article: str  # 第四条 / 第四条（二） / 第四条第1项
    text: str  # verbatim
    amount: int | None = None  # a period the text names, as a suggestion
    unit: str = ""


def _docx_text(data: bytes) -> str:
    """The paragraphs of ``word/document.xml`` (ECMA-376), one a line. The
    standard library reads it: a DOCX is a zip of XML parts."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = ElementTree.fromstring(archive.read("word/document.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise ValidationError({"file": _(ERR_DOCX) % {"error": exc}}) from exc
    lines = []
    for paragraph in root.iter(f"{WORD_NS}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{WORD_NS}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{WORD_NS}tab":
                parts.append("\t")
            elif node.tag in (f"{WORD_NS}br", f"{WORD_NS}cr"):
                parts.append("\n")
        lines.append("".join(parts))
    return "\n".join(lines)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise ValidationError({"file": _(ERR_PDF) % {"error": exc}}) from exc


def extract_text(*, name: str = "", data: bytes | None = None, text: str | None = None) -> str:
    """The text of an uploaded 办法 (by its content: a DOCX is a zip, a PDF
    starts with %PDF) or of pasted text."""
    if text is not None and text.strip():
        out = text
    elif data:
        if len(data) > MAX_BYTES:
            raise ValidationError({"file": _(ERR_TYPE)})
        if data.startswith(b"%PDF"):
            out = _pdf_text(data)
        elif data.startswith(b"PK"):
            out = _docx_text(data)
        elif name.lower().endswith(".txt"):
            out = data.decode("utf-8-sig", errors="strict")
        else:
            raise ValidationError({"file": _(ERR_TYPE)})
    else:
        raise ValidationError({"text": _(ERR_NO_TEXT)})
    out = out.replace("\r\n", "\n").replace("\r", "\n")
    if not out.strip():
        raise ValidationError({"text": _(ERR_NO_TEXT)})
    return out


def cn_number(value: str) -> int | None:
    """一 → 1, 十五 → 15, 二十 → 20, 两 → 2, "30" → 30 (up to 99)."""
    if value.isdigit():
        return int(value)
    value = value.replace("两", "二")
    if "十" in value:
        tens, _, ones = value.partition("十")
        t = CN_DIGITS.index(tens) if tens else 1
        o = CN_DIGITS.index(ones) if ones else 0
        return t * 10 + o if t < 10 and o < 10 else None
    if len(value) == 1 and value in CN_DIGITS:
        return CN_DIGITS.index(value)
    return None


def suggest_period(text: str) -> tuple[int | None, str]:
    match = PERIOD_RE.search(text)
    if not match:
        return None, ""
    amount = cn_number(match.group(1))
    word = match.group(2)
    unit = {"个工作日": "working_day", "工作日": "working_day", "个月": "month"}.get(word, "calendar_day")
    return amount, unit


def _flatten(text: str) -> str:
    # PDF text layers break lines inside sentences: join them (Chinese has
    # no spaces between words, so the join adds none).
    return re.sub(r"\s*\n\s*", "", text).strip()


def _split_article(article: str, body: str) -> list[Clause]:
    """An article's lead text and its numbered items."""
    marks = [(m.start(), m.end(), f"（{m.group(1)}）") for m in PAREN_ITEM_RE.finditer(body)]
    if not marks:
        marks = [(m.start(), m.end(), f"第{m.group(1)}项") for m in NUMBER_ITEM_RE.finditer(body)]
    if not marks:
        return [Clause(article, _flatten(body))]
    out = []
    lead = _flatten(body[: marks[0][0]])
    if lead:
        out.append(Clause(article, lead))
    for i, (_start, end, label) in enumerate(marks):
        stop = marks[i + 1][0] if i + 1 < len(marks) else len(body)
        text = _flatten(body[end:stop])
        if text:
            out.append(Clause(f"{article}{label}", text))
    return out


def split_clauses(text: str) -> list[Clause]:
    """Articles and items in reading order, verbatim. Text before the first
    article (title, preamble) and chapter headings are left out."""
    articles: list[tuple[str, list[str]]] = []
    for line in text.split("\n"):
        if PAGE_NUMBER_RE.match(line) or (HEADING_RE.match(line) and not ARTICLE_RE.match(line)):
            continue
        match = ARTICLE_RE.match(line)
        if match:
            articles.append((match.group(1), [line[match.end():]]))
        elif articles:
            articles[-1][1].append(line)
    if not articles:
        raise ValidationError({"text": _(ERR_NO_ARTICLES)})
    clauses = []
    for article, lines in articles:
        for clause in _split_article(article, "\n".join(lines)):
            clause.amount, clause.unit = suggest_period(clause.text)
            clauses.append(clause)
    return clauses
