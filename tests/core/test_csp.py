"""Content Security Policy: no inline scripts, styles or handlers anywhere."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)
INLINE_STYLE = re.compile(r"\sstyle\s*=\s*[\"']", re.I)


def _web_templates():
    for path in ROOT.rglob("templates/**/*.html"):
        parts = set(path.relative_to(ROOT).parts)
        # Letter templates are rendered to PDF by WeasyPrint, never served.
        if ".venv" in parts or "pdf" in parts or "staticfiles" in parts:
            continue
        yield path


@pytest.mark.django_db
def test_csp_header_forbids_inline_scripts(client):
    """Pages carry a CSP whose script-src is 'self' only."""
    header = client.get("/accounts/login/")["Content-Security-Policy"]
    script_src = next(d for d in header.split(";") if d.strip().startswith("script-src"))
    assert script_src.split()[1:] == ["'self'"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


def test_no_template_has_inline_script_style_or_handler():
    """No web template contains an inline <script>, a style attribute or an
    on* handler (the CSP would block them, silently breaking the page)."""
    offenders = []
    for path in _web_templates():
        text = path.read_text()
        for name, pattern in (("script", INLINE_SCRIPT), ("handler", INLINE_HANDLER), ("style", INLINE_STYLE)):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(ROOT)}: inline {name}")
    assert offenders == []


def test_static_assets_are_local():
    """No template loads anything from another host (intranets have no CDN)."""
    remote = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)
    offenders = [str(p.relative_to(ROOT)) for p in _web_templates() if remote.search(p.read_text())]
    assert offenders == []
