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

from . import fonts

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
