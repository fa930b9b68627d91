"""HTML → PDF for letters, with WeasyPrint kept warm per process.

WeasyPrint is slow to start and fonts decide its speed: the font
configuration (with the two prepared faces registered through @font-face)
and the parsed stylesheet are built once per process and reused by every
render (``warm()``; a Celery worker calls it when its child starts).

Rendering is a pure function of (kind, context snapshot, template version):
the PDF carries only the letter's own date and no file identifier, so
rendering the same letter again gives the same bytes and the same SHA-256.
"""

import atexit
import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from django.template import engines
from django.template.loader import get_template
from django.utils.html import strip_tags

from . import fonts, justify

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "letters" / "pdf"
CSS_FILE = TEMPLATE_DIR / "letter.css"
BASE_TEMPLATE = "letters/pdf/base.html"


class LetterRenderError(Exception):
    """A letter that cannot be rendered as it stands (template error,
    missing glyph): retrying does not help, only a fix does."""


@dataclass
class _Warm:
    font_config: object
    stylesheet: object
    versions: dict


_lock = threading.Lock()
_warm: _Warm | None = None


def _font_face_css() -> str:
    subset_path, full_path, hei_path = fonts.font_paths()
    faces = [(fonts.SUBSET_FAMILY, subset_path), (fonts.FULL_FAMILY, full_path)]
    if hei_path is not None:
        faces.append((fonts.HEI_FAMILY, hei_path))
    fang_path = fonts.fang_path()
    if fang_path is not None:
        faces.append((fonts.FANG_FAMILY, fang_path))
    title_path = fonts.title_path()
    if title_path is not None:
        faces.append((fonts.TITLE_FAMILY, title_path))
    ext_path = fonts.ext_source()
    if ext_path is not None:
        faces.append((fonts.EXT_FAMILY, ext_path))
    return "".join(
        f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); }}\n' for family, path in faces
    )


def template_name(kind: str) -> str:
    return f"letters/pdf/{kind}.html"


def _template_version(kind: str) -> str:
    """Short hash of what shapes the letter: its template, the base template,
    the stylesheet and the prepared fonts. A template fix changes it, so that an
    admin's regeneration produces a new version and keeps the old one."""
    digest = hashlib.sha256()
    for path in (TEMPLATE_DIR / "base.html", TEMPLATE_DIR / f"{kind}.html", CSS_FILE):
        digest.update(path.read_bytes())
    # The prepared faces (which sources, which cut) shape the output too.
    manifest = fonts.font_dir() / fonts.MANIFEST_FILE
    digest.update(manifest.read_bytes() if manifest.exists() else f"fonts:{fonts.CUT_VERSION}".encode())
    digest.update(TEXT_PREPARATION_VERSION.encode())
    return digest.hexdigest()[:12]


def warm() -> _Warm:
    """Build (once per process) the font configuration and the stylesheet."""
    global _warm
    if _warm is not None:
        return _warm
    with _lock:
        if _warm is None:
            from weasyprint import CSS
            from weasyprint.text.fonts import FontConfiguration

            # Seven INFO lines per letter from WeasyPrint's progress logger
            # would drown the worker's log.
            logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
            justify.apply()  # both edges flush (GB/T 9704 §5.2.2)
            try:
                faces = _font_face_css()
            except fonts.FontSetupError as exc:
                # No body font (make run on a machine without it): the
                # letter fails with what to install; nothing to retry.
                raise LetterRenderError(str(exc)) from exc
            font_config = FontConfiguration()
            stylesheet = CSS(string=faces + CSS_FILE.read_text(), font_config=font_config)
            _warm = _Warm(font_config=font_config, stylesheet=stylesheet, versions={})
            # Drop it before interpreter shutdown: FontConfiguration's
            # destructor needs the cffi libraries still loaded.
            atexit.register(reset)
    return _warm


def reset() -> None:
    """Forget the warm state (tests that change templates or fonts)."""
    global _warm
    with _lock:
        _warm = None
    fonts.coverage.cache_clear()


def template_version(kind: str) -> str:
    state = warm()
    if kind not in state.versions:
        state.versions[kind] = _template_version(kind)
    return state.versions[kind]


# A sentence that ends in a full stop, printed where the template adds its
# own (issue 22: "经核实，该条件符合（第1项）。。" four times in a ruling):
# one stop, whatever the wording of the body and of what it quotes.
_DOUBLED_STOP = re.compile(r"。(\s*(?:<[^>]+>\s*)*)。")


def collapse_doubled_stops(html: str) -> str:
    while _DOUBLED_STOP.search(html):
        html = _DOUBLED_STOP.sub(r"。\1", html)
    return html


# Runs a line must not break inside (issue 22: lines broke "2026年11月20|日",
# "〔2026〕1|号", "第|0007号"): a date, a number with its unit ("30个工作日",
# "12个月", "3份", the "1号" of a document number) and an item or article
# reference ("第1项", "第三条"). A document number may still break after its
# 〔year〕: keeping all of it whole would leave up to a third of a line blank,
# WeasyPrint justifying only at spaces (there are none in Chinese text).
# Each run is wrapped in a no-break span (white-space: nowrap in letter.css)
# before layout, in the text of the body only (never inside a tag or the
# head's title), so the text extracted from the PDF is unchanged. Longest
# units first: "个工作日" before "个", "万元" before "元".
_NUMBER = r"[0-9０-９]+(?:[.．][0-9０-９]+)?"
_UNITS = "|".join(sorted((
    "个工作日", "个自然日", "个月", "个", "工作日", "自然日", "年度", "年", "月", "日", "天", "周", "小时", "时", "分钟",
    "分", "秒", "份", "项", "条", "款", "章", "节", "号", "次", "名", "人", "件", "页", "元", "万元", "亿元", "%", "％",
    "倍", "岁", "届", "批", "处", "米", "平方米", "亩", "公里", "吨", "户", "家", "所", "期", "册", "卷",
), key=len, reverse=True))
_KEEP_TOGETHER = re.compile(
    # 第1项, 第0007号, 第三条
    rf"第(?:{_NUMBER}|[〇零一二三四五六七八九十百千]+)(?:{_UNITS})"
    # 2026年12月1日, 10时30分, 30个工作日, 12个月, 3份, 15日: a number and its
    # unit, chained while another number and unit follows.
    rf"|{_NUMBER}(?:{_UNITS})(?:{_NUMBER}(?:{_UNITS}))*"
)
_TAG = re.compile(r"(<[^>]*>)")
# Bump when keep_together changes what is laid out (part of the template version).
TEXT_PREPARATION_VERSION = "nobreak-1"


def keep_together(html: str) -> str:
    """Wrap every run of ``_KEEP_TOGETHER`` in the body's text in
    ``<span class="nb">`` so that no line breaks inside it."""
    head, marker, body = html.partition("<body")
    if not marker:
        head, body = "", html
    parts = _TAG.split(body)
    for i in range(0, len(parts), 2):  # the text between tags
        parts[i] = _KEEP_TOGETHER.sub(lambda m: f'<span class="nb">{m.group(0)}</span>', parts[i])
    return head + marker + "".join(parts)


def render_html(kind: str, context: dict) -> str:
    try:
        html = get_template(template_name(kind)).render(context)
    except Exception as exc:  # TemplateDoesNotExist, TemplateSyntaxError, bad context
        raise LetterRenderError(f"template error ({kind}): {exc}") from exc
    return collapse_doubled_stops(html)


def layout(html: str):
    """Lay the letter out (WeasyPrint's ``Document``), after refusing any
    character no letter font has: it would print as tofu."""
    from weasyprint import HTML

    try:
        fonts.check_glyphs(strip_tags(html))
    except fonts.MissingGlyphError as exc:
        raise LetterRenderError(str(exc)) from exc
    state = warm()
    html = keep_together(html)
    return HTML(string=html, base_url=str(TEMPLATE_DIR)).render(
        stylesheets=[state.stylesheet], font_config=state.font_config)


def write(document) -> bytes:
    """The PDF of a laid-out letter."""
    return document.write_pdf(
        # No file identifier: pydyf computes one by serialising (and
        # zlib-compressing) every object a second time, which cost a quarter
        # of a letter's time (bench/letters.py). With no identifier and only the
        # letter's own date, identical input still gives identical bytes.
        pdf_identifier=None,
        uncompressed_pdf=False,
    )


def render_pdf_from_html(html: str) -> bytes:
    return write(layout(html))


def render_pdf(kind: str, context: dict) -> bytes:
    return render_pdf_from_html(render_html(kind, context))


def render_string(source: str, context: dict) -> str:
    """Render a template source (used by the benchmark's Latin page)."""
    return engines["django"].from_string(source).render(context)
