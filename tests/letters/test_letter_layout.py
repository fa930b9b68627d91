"""Letter layout (issue 22, GB/T 9704-2012): 成文日期 in Arabic numerals,
no doubled full stop, and no page holding only the 抄送 line. Each kind is
also drawn to docs/letters/<kind>.png when LETTER_PICTURES is set."""

import os
import subprocess

import pytest
from django.conf import settings
from django.utils import timezone

from letters.models import LetterKind
from letters.rendering import render_html
from letters.services import letter_issue
from letters.templatetags.letters_format import arabic_date

from .conftest import pdf_text
from .test_letter_render import _context_for

pytestmark = pytest.mark.django_db

KINDS = [LetterKind.ACCEPTANCE, LetterKind.SUPPLEMENT, LetterKind.NOT_ACCEPTED, LetterKind.RULING,
         LetterKind.REVIEW_DECISION, LetterKind.CORRECTION_NOTICE, LetterKind.CLARIFICATION]


def test_arabic_date():
    assert arabic_date("2026-12-01") == "2026年12月1日"
    assert arabic_date("") == "" and arabic_date(None) == ""


def test_doubled_stop_is_printed_once():
    """A quoted sentence ending in 。 before the template's own 。 prints
    one stop, across tags too."""
    from letters.rendering import collapse_doubled_stops

    assert collapse_doubled_stops("<p>该条件符合（第1项）。<b>。</b></p>") == "<p>该条件符合（第1项）。<b></b></p>"
    assert collapse_doubled_stops("甲。。。乙。") == "甲。乙。"


@pytest.mark.parametrize("kind", KINDS)
def test_each_letter_kind_follows_the_layout(kind, letter_case, users, eager_celery,
                                             django_capture_on_commit_callbacks):
    ref, context = _context_for(kind, letter_case, users)
    with django_capture_on_commit_callbacks(execute=True):
        letter = letter_issue(case=letter_case, kind=kind, actor=users["intake"], ref=ref, context=context)
    letter.refresh_from_db()
    assert letter.status == "ready", letter.error
    path = settings.MEDIA_ROOT / letter.file.name
    pages = pdf_text(path).split("\f")
    text = "".join(pages).replace("\n", "")
    assert arabic_date(timezone.localdate()) in text
    assert "。。" not in text
    for page in [p for p in pages if p.strip()]:
        lines = [line for line in page.splitlines() if line.strip() and not line.strip().isdigit()]
        assert not (len(lines) <= 2 and any("抄送" in line for line in lines)), page
    assert "。。" not in render_html(kind, letter.context)
    if os.environ.get("LETTER_PICTURES"):
        out = settings.BASE_DIR / "docs" / "letters" / kind
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(out)], check=True)
