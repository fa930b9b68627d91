"""Letter layout (issue 22, GB/T 9704-2012), read back with poppler:
dates in Arabic numerals, no doubled full stop, the 抄送 line at the foot of
the last page and never alone there, masthead and title in the 小标宋-like
face. Each kind is also drawn to docs/letters/<kind>-N.png when
LETTER_PICTURES is set."""

import os
import re
import subprocess

import pytest
from django.conf import settings
from django.utils import timezone

from letters import fonts, rendering
from letters.models import LetterKind
from letters.rendering import render_html
from letters.services import letter_issue
from letters.snapshot import date_cn
from letters.templatetags.letters_format import arabic_date

from .conftest import pdf_fonts, pdf_text
from .test_letter_render import _context_for

pytestmark = pytest.mark.django_db

KINDS = [LetterKind.ACCEPTANCE, LetterKind.SUPPLEMENT, LetterKind.NOT_ACCEPTED, LetterKind.RULING,
         LetterKind.REVIEW_DECISION, LetterKind.CORRECTION_NOTICE, LetterKind.CLARIFICATION]

PT_PER_MM = 72 / 25.4
# The type area of every page ends 35 mm above the bottom edge (§5.2.1).
TYPE_AREA_BOTTOM = (297 - 35) * PT_PER_MM
# A date in Chinese numerals (二〇二六年十二月一日).
CHINESE_DATE = re.compile(r"[〇一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月")
# The letters' dates of the case in letter_case and _context_for.
BODY_DATES = {
    LetterKind.ACCEPTANCE: "2026年10月9日", LetterKind.SUPPLEMENT: "2026年12月4日",
    LetterKind.NOT_ACCEPTED: "2026年10月9日", LetterKind.RULING: "2026年11月20日",
    LetterKind.REVIEW_DECISION: "2026年12月1日", LetterKind.CORRECTION_NOTICE: "2027年1月15日",
}


def _words(path, page: int) -> list[tuple[float, float, str]]:
    """(yMin, yMax, text) of every word on a page (pdftotext -bbox), in points
    from the top of the page."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
                         check=True, capture_output=True, text=True).stdout
    return [(float(y0), float(y1), word) for y0, y1, word in
            re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', out)]


def _lines(path, page: int) -> list[tuple[float, str]]:
    """(bottom, text) of every text line of a page, top to bottom: the words
    of pdftotext -bbox grouped by their baseline."""
    lines: list[list] = []
    for _y0, y1, word in sorted(_words(path, page), key=lambda w: w[1]):
        if lines and abs(lines[-1][0] - y1) < 3:
            lines[-1][1].append(word)
        else:
            lines.append([y1, [word]])
    return [(y, "".join(words)) for y, words in lines]


# The body's line pitch (10.2 mm, 22 lines a page).
LINE_PITCH = 10.2 * PT_PER_MM


def _closing_line(text: str, signers: list[str], date: str) -> bool:
    return (text in set(signers) | {date, "（印章）"} or text.startswith("抄送") or bool(re.fullmatch(r"—\d+—", text)))


def assert_first_page_full(path, *, signers: list[str], date: str) -> None:
    """A letter of more than one page whose first page break falls inside
    the body (the next page holds more body than the one line the closing
    takes with it) fills its first page: the last text line within a line
    pitch (and the 3 mm from a glyph's foot to its line box's) of the type
    area's bottom edge (issue 22: a third of page 1 blank; then three lines,
    from a heading kept with a two-line paragraph)."""
    if len(_pages(path)) < 2:
        return
    second_body = [t for _, t in _lines(path, 2) if not _closing_line(t, signers, date)]
    if len(second_body) <= 1:
        return
    last_bottom, last_text = _lines(path, 1)[-1]
    assert TYPE_AREA_BOTTOM - last_bottom < LINE_PITCH + 3 * PT_PER_MM, (
        f"page 1 ends {(TYPE_AREA_BOTTOM - last_bottom) / PT_PER_MM:.0f} mm above the type area's foot: {last_text}")


def assert_runs_on_one_line(path, runs) -> None:
    """Every run (a date, a number and its unit, an item reference) that the
    text holds is wholly on one line."""
    lines = [t for page in range(1, len(_pages(path)) + 1) for _, t in _lines(path, page)]
    text = "".join(lines)
    for run in runs:
        if run in text:
            assert any(run in line for line in lines), (run, [line for line in lines if run[:2] in line])


def _pages(path) -> list[str]:
    return [p for p in pdf_text(path).split("\f") if p.strip()]


def assert_copy_line_at_the_foot(path, *, signers: list[str], date: str) -> None:
    """The 抄送 line is on the last page, its last line on the type area's
    last line (GB/T 9704 §8.1, §10.1), and that page holds body text besides
    the signature, the date and the seal area."""
    pages = _pages(path)
    last = len(pages)
    assert not any("抄送" in p for p in pages[:-1]), "抄送 before the last page"
    words = _words(path, last)
    cc = [w for w in words if w[2].startswith("抄送")]
    assert cc, pages[-1]
    cc_top = cc[0][0]
    cc_bottom = max(w[1] for w in words if w[0] >= cc_top - 1 and not re.fullmatch(r"—|\d+", w[2]))
    # Within a line's leading of the type area's bottom edge, never below it.
    assert TYPE_AREA_BOTTOM - 10 < cc_bottom <= TYPE_AREA_BOTTOM + 1, (cc_bottom, TYPE_AREA_BOTTOM)
    closing = set(signers) | {date, "（印章）"}
    lines = [line.strip() for line in pages[-1].splitlines() if line.strip()]
    body = [line for line in lines if line not in closing and "抄送" not in line and not re.fullmatch(r"— \d+ —", line)
            and not line.startswith("抄送")]
    assert body, f"the last page holds only the closing: {lines}"


def test_arabic_date():
    assert arabic_date("2026-12-01") == "2026年12月1日"
    assert arabic_date("") == "" and arabic_date(None) == ""
    # The snapshot's dates in Chinese numerals (and every letter issued
    # before issue 22 keeps them): printed in Arabic numerals.
    assert arabic_date("二〇二六年十一月二十二日") == "2026年11月22日"
    assert arabic_date("二〇二七年一月十日") == "2027年1月10日"
    assert arabic_date("二〇三〇年十月三十一日") == "2030年10月31日"
    assert arabic_date("另行通知") == "另行通知"


def test_every_chinese_date_of_a_year_reads_back_in_arabic_numerals():
    import datetime as dt

    day = dt.date(2026, 1, 1)
    while day.year == 2026:
        assert arabic_date(date_cn(day)) == f"2026年{day.month}月{day.day}日", day
        day += dt.timedelta(days=1)


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
    # Every date in Arabic numerals, the body's as the signature's (§7.3.5.3).
    assert not CHINESE_DATE.search(text), CHINESE_DATE.search(text)
    if kind in BODY_DATES:
        assert BODY_DATES[kind] in text, BODY_DATES[kind]
    assert "。。" not in text
    assert "。。" not in render_html(kind, letter.context)
    if letter.context.get("cc"):
        assert_copy_line_at_the_foot(path, signers=letter.context["signers"],
                                     date=arabic_date(letter.context["date"]))
    assert_first_page_full(path, signers=letter.context["signers"], date=arabic_date(letter.context["date"]))
    # No date, number and its unit or item reference split over two lines.
    runs = re.findall(r"\d{4}年\d{1,2}月\d{1,2}日|第\d+[项号条]|\d+个(?:工作日|月)|\d+[日份号]", text)
    assert_runs_on_one_line(path, runs)
    # One GB/T 9704 format, the letter format (信函, §10.1): the mark is the
    # issuing body's name, not "…文件" (the document format's), and the
    # first page shows no page number.
    first_page = [line.strip() for line in pages[0].splitlines() if line.strip()]
    assert first_page[0] == letter.context["masthead"] == letter.context["issuing_body"], first_page[:2]
    assert not first_page[0].endswith("文件")
    assert not any(re.fullmatch(r"— \d+ —", line) for line in first_page), first_page
    names = {f["name"].split("+", 1)[1] for f in pdf_fonts(path)}
    assert "RC-Title-GB" in names, names
    if os.environ.get("LETTER_PICTURES"):
        out = settings.BASE_DIR / "docs" / "letters" / kind
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(out)], check=True)


def _acceptance(note_lines: int) -> dict:
    """An acceptance notice whose note runs to about ``note_lines`` lines."""
    return {
        "kind": "acceptance", "title": "受理通知书", "number": "怀纪容〔2026〕1号",
        "issuing_body": "中共怀来县纪律检查委员会", "masthead": "中共怀来县纪律检查委员会", "masthead_class": "mh-m",
        "recipient": "张伟同志", "date": "2026-11-22", "date_cn": "二〇二六年十一月二十二日",
        "cc": ["怀来县住房和城乡建设局"], "signers": ["中共怀来县纪律检查委员会"],
        "case": {"number": "怀容〔2026〕第0001号", "title": "推进校舍改造项目中的程序瑕疵", "applicant": "张伟",
                 "unit": "怀来县住房和城乡建设局", "origin": "individual", "submitted_on_cn": "二〇二六年十月九日"},
        "policy": {"document_title": "怀来县容错纠错实施办法（试行）"}, "limit": "30个工作日",
        "limit_due_on_cn": "二〇二六年十一月二十日",
        # 请按时提交材料。 is 8 characters; a line holds 28.
        "note": "请按时提交材料。" * (note_lines * 7 // 2),
    }


def test_copy_line_never_stands_alone_whatever_the_length(tmp_path):
    """However long the body, the 抄送 line sits at the foot of the last page
    and that page holds the body's last lines with the signature (issue 22:
    the 受理通知书's second page held only the 抄送 line). The lengths step
    over the page end one line at a time."""
    page_counts = set()
    for lines in range(0, 13):
        path = tmp_path / f"acceptance-{lines}.pdf"
        path.write_bytes(rendering.render_pdf("acceptance", _acceptance(lines)))
        page_counts.add(len(_pages(path)))
        assert_copy_line_at_the_foot(path, signers=["中共怀来县纪律检查委员会"], date="2026年11月22日")
    assert page_counts == {1, 2}, page_counts


def test_keep_together_wraps_dates_numbers_with_units_and_item_references():
    html = ('<html><head><title>2026年1月1日</title></head><body><p class="x1">于2026年12月1日起30个工作日内'
            '（第1项、第三条、怀容〔2026〕第0007号、3份）</p></body></html>')
    out = rendering.keep_together(html)
    assert re.findall(r'<span class="nb">([^<]*)</span>', out) == [
        "2026年12月1日", "30个工作日", "第1项", "第三条", "第0007号", "3份"]
    # Neither the head (the PDF's title) nor a tag's attributes are touched,
    # and the text is the same.
    assert "<title>2026年1月1日</title>" in out and 'class="x1"' in out
    assert re.sub(r"<[^>]+>", "", out) == re.sub(r"<[^>]+>", "", html)


def test_no_line_breaks_inside_a_date_a_number_and_its_unit_or_an_item_reference(tmp_path):
    """Issue 22: a line broke "2026年11月20|日". A sentence with a date, a
    time limit and an item reference is pushed one character further along
    the line at each step, so that each of them falls across the line end at
    some step; pdftotext -bbox finds each whole on one line every time."""
    runs = ["2026年11月20日", "30个工作日", "第12项", "2027年1月8日"]
    for shift in range(0, 28):
        context = _acceptance(0)
        context["note"] = "请" * shift + "经集体研究于2026年11月20日决定，核实期限为30个工作日，对照第12项，至2027年1月8日止。"
        path = tmp_path / f"shift-{shift}.pdf"
        path.write_bytes(rendering.render_pdf("acceptance", context))
        text = "".join(t for _, t in _lines(path, 1))
        assert all(run in text for run in runs), (shift, text)
        assert_runs_on_one_line(path, runs)


def test_first_page_is_filled_when_the_body_runs_over_it(tmp_path):
    """However long the body, when the first page break falls inside the
    body its first page is filled to within a line of the type area's foot,
    and the closing takes only the body's last line along (issue 22: with
    the UA's widows of 2 it took two, and page 1 ended a line early)."""
    checked = 0
    for lines in range(6, 16):
        path = tmp_path / f"acceptance-{lines}.pdf"
        path.write_bytes(rendering.render_pdf("acceptance", _acceptance(lines)))
        signers, date = ["中共怀来县纪律检查委员会"], "2026年11月22日"
        assert_first_page_full(path, signers=signers, date=date)
        last = _lines(path, len(_pages(path)))
        body = [t for _, t in last if not _closing_line(t, signers, date)]
        checked += len(_pages(path)) == 2 and len(body) > 1
    assert checked >= 8, checked


def test_titles_fall_back_to_the_heading_face_without_fandol_song(tmp_path, monkeypatch):
    """Without FandolSong-Bold's cut the masthead and title are set in the
    hei face, and the letter still renders."""
    monkeypatch.setattr(fonts, "title_path", lambda: None)
    rendering.reset()
    try:
        path = tmp_path / "acceptance.pdf"
        path.write_bytes(rendering.render_pdf("acceptance", _acceptance(0)))
    finally:
        monkeypatch.undo()
        rendering.reset()
    names = {f["name"].split("+", 1)[1] for f in pdf_fonts(path)}
    assert "RC-Title-GB" not in names and any(n.startswith("RC-Hei-GB") for n in names), names
    assert "受理通知书" in pdf_text(path)


def _line_right_edges(path) -> list[tuple[float, str]]:
    """(right edge, text) of every text line on page 1 (pdftotext -bbox)."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
                         check=True, capture_output=True, text=True).stdout
    lines: dict[int, list] = {}
    for x1, y1, word in re.findall(
            r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out):
        key = round(float(y1))
        edge, words = lines.setdefault(key, [0.0, []])
        lines[key] = [max(edge, float(x1)), words + [word]]
    return [(edge, "".join(words)) for _, (edge, words) in sorted(lines.items())]


@pytest.mark.parametrize("justified", [True, False])
def test_chinese_lines_are_flush_on_both_edges(tmp_path, monkeypatch, justified):
    """GB/T 9704 §5.2.2: every line of a paragraph but its last ends on the
    type area's right edge (letters.justify spreads a short line's gap over
    its characters), and the text reads back without a space between them.
    With the spreading turned off (MAX_SPACING_EM = 0) the same paragraph is
    ragged: the test tells the two apart."""
    from letters import justify

    if not justified:
        monkeypatch.setattr(justify, "MAX_SPACING_EM", 0)
    # Half-width letters and digits and closing marks that may not start a
    # line leave lines short by a fraction of a character. (A line short by
    # more than the cap, e.g. a long date moved down whole, stays as set.)
    sentence = "经调查核实，该项目编号为A3，资金已拨付到位；"
    html = ('<html><body><div class="body"><p>' + sentence * 9 + "</p></div></body></html>")
    path = tmp_path / "flush.pdf"
    path.write_bytes(rendering.render_pdf_from_html(html))
    lines = _line_right_edges(path)
    assert len(lines) >= 6, lines
    edges = [edge for edge, _ in lines[:-1]]  # the last line is left as set
    spread = max(edges) - min(edges)
    if justified:
        assert spread < 1.0, lines
        text = pdf_text(path).replace("\n", "")
        assert sentence * 9 in text  # no character read as a word of its own
    else:
        assert spread > 2.0, lines
