"""Every letter kind rendered from a case, read back with poppler."""

import datetime as dt
import re

import pytest
from django.conf import settings

from cases.models import SupplementRequest
from letters.models import Letter, LetterKind
from letters.services import letter_issue

from .conftest import APPLICANT_NAME, CASE_NUMBER, pdf_fonts, pdf_text, ruling_context

pytestmark = pytest.mark.django_db


def _context_for(kind, case, users):
    if kind == LetterKind.SUPPLEMENT:
        request = SupplementRequest.objects.create(
            case=case, requested_by=users["intake"], missing="单位党组会议纪要原件", due_date=dt.date(2026, 12, 4))
        return str(request.pk), {}
    return "", {
        LetterKind.NOT_ACCEPTED: {"reason": "申请事项不属于本办法规定的容错范围。"},
        LetterKind.RULING: ruling_context(case),
        LetterKind.REVIEW_DECISION: {"decision": "changed", "result": "mitigated", "reasons": "原认定事实清楚，但情节较轻。",
                                     "requested_on": "2026-12-01", "original_number": "怀纪容〔2026〕1号"},
        LetterKind.CORRECTION_NOTICE: {"problems": "采购程序不规范。", "due_on": "2027-01-15",
                                       "steps": [{"text": "完善采购内控制度"}]},
        LetterKind.CLARIFICATION: {"findings": "经查，反映其违规采购的问题失实。", "scope": "public"},
        LetterKind.REPORT_CLARIFICATION: {"report_received_on": "2026-11-20", "scope": "system", "method": "notice",
                                          "points": [{"number": 1, "allegation": "违规采购", "finding": "unfounded",
                                                      "finding_label": "查无实据", "basis": "未发现相关事实。"}]},
        LetterKind.PREFILING_REGISTRATION: {"measure": "校舍改造先行开工试点", "risks": "工期紧张"},
        LetterKind.PRELIMINARY_NOTICE: {"result": "exempt", "summary": "经核实，符合容错条件。"},
        LetterKind.RESULT_USE_NOTICE: {"recipient": "中共怀来县委组织部", "result_label": "予以容错、从轻或者减轻处理",
                                       "decided_on_cn": "二〇二六年一月八日",
                                       "uses": [{"title": "考核", "text": "不影响年度考核评优。", "period": "12个月",
                                                 "until_cn": "二〇二七年一月八日"}]},
        LetterKind.REVOCATION: {"reason": "申请所附会议纪要系事后补写。", "held_on_cn": "二〇二六年三月二日",
                                "original_number": "怀纪容〔2026〕1号", "uses": ["考核"]},
    }.get(kind, {})


# What each letter must say about the outcome, in Chinese.
EXPECTED = {
    LetterKind.ACCEPTANCE: "决定予以受理",
    LetterKind.SUPPLEMENT: "单位党组会议纪要原件",
    LetterKind.NOT_ACCEPTED: "现决定不予受理",
    LetterKind.RULING: "予以容错、免予问责",
    LetterKind.REVIEW_DECISION: "予以容错、从轻或者减轻处理",
    LetterKind.CORRECTION_NOTICE: "启动纠错程序",
    LetterKind.CLARIFICATION: "有关反映失实",
    LetterKind.REPORT_CLARIFICATION: "经核查查无实据",
    LetterKind.PREFILING_REGISTRATION: "予以登记受理",
    LetterKind.PRELIMINARY_NOTICE: "形成初步认定意见如下",
    LetterKind.RESULT_USE_NOTICE: "影响期12个月",
    LetterKind.REVOCATION: "决定撤销该容错认定",
}


def test_every_kind_renders_as_real_text_with_embedded_cjk_fonts(
    letter_case, users, eager_celery, django_capture_on_commit_callbacks
):
    """Each kind, issued and rendered through the task queued on commit, is a
    PDF whose extracted text holds the case number, the applicant's name (堃
    is outside GB 2312), the letter's number and its result in Chinese, set
    in embedded CJK fonts, the body in 仿宋."""
    for kind in LetterKind.values:
        ref, context = _context_for(kind, letter_case, users)
        with django_capture_on_commit_callbacks(execute=True):
            letter = letter_issue(case=letter_case, kind=kind, actor=users["intake"], ref=ref, context=context)
        letter.refresh_from_db()
        assert letter.status == Letter.Status.READY, (kind, letter.error)
        path = settings.MEDIA_ROOT / letter.file.name
        text = pdf_text(path).replace("\n", "")
        assert CASE_NUMBER in text, kind
        assert APPLICANT_NAME in text, kind
        assert letter.number in text, kind
        assert letter.title in text, kind
        assert EXPECTED[kind] in text, kind
        # The letter format (信函, GB/T 9704 §10.1): no number on the first
        # page, "— 2 —" on the second.
        pages = pdf_text(path).split("\f")
        assert "— 1 —" not in pages[0]
        assert len([p for p in pages if p.strip()]) < 2 or "— 2 —" in pages[1]
        fonts = pdf_fonts(path)
        assert fonts and all(f["emb"] == "yes" for f in fonts), fonts
        names = {f["name"].split("+", 1)[1] for f in fonts}
        # The body in 仿宋 (FandolFang's CFF cut), masthead and title in the
        # 小标宋-like FandolSong-Bold, the rest in the song faces.
        assert "RC-Fang-GB" in names, names
        assert "RC-Title-GB" in names, names
        # 堃 comes from the full face: the fallback worked, as real text.
        assert any(n.startswith("RC-Song-Full") for n in names), names
        assert all("TrueType" in f["type"] or "Type 0C" in f["type"] for f in fonts), fonts


def test_ruling_letter_cites_items_result_uses_and_review_right(letter_case, users, eager_celery,
                                                                django_capture_on_commit_callbacks):
    """The ruling letter lists the policy items by kind and number with the
    finding, the result uses with their durations and the right to one
    review within the policy's limit (15 calendar days in the factory,
    taken from the text here: an example default is not printed)."""
    letter_case.policy_version.time_limits.filter(stage="review_request").update(certainty="verbatim")
    with django_capture_on_commit_callbacks(execute=True):
        letter = letter_issue(case=letter_case, kind="ruling", actor=users["committee1"],
                              context=ruling_context(letter_case))
    letter.refresh_from_db()
    text = pdf_text(settings.MEDIA_ROOT / letter.file.name).replace("\n", "")
    # The page numbers and breaks (— 2 —) may fall inside a sentence: the
    # factory's items are example defaults, each cited with its mark.
    text = re.sub(r"— \d+ —\x0c", "", text)
    for expected in ("容错条件第1项", "容错情形第1项", "负面清单第1项", "不适用", "不影响年度考核评优",
                     "12个月", "24个月", "15日内", "申请复核一次", "2026年11月20日"):
        assert expected in text, expected
    assert letter.context["result"] == "exempt"
    assert letter.context["assessment"][0]["label"] == "容错条件第1项"


def test_task_run_twice_stores_one_letter(letter_case, users, eager_celery, django_capture_on_commit_callbacks):
    """A redelivered render task is a no-op: one letter row, one file, the
    same hash and render time, one 'ready' event."""
    from cases.models import CaseEvent
    from letters.tasks import letter_render as letter_render_task

    with django_capture_on_commit_callbacks(execute=True):
        letter = letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
    letter.refresh_from_db()
    first = (letter.sha256, letter.rendered_at, letter.file.name, letter.attempts)
    assert letter_render_task.apply(args=[letter.id]).get() == "ready"
    letter.refresh_from_db()
    assert (letter.sha256, letter.rendered_at, letter.file.name, letter.attempts) == first
    assert Letter.objects.filter(case=letter_case).count() == 1
    assert len(list((settings.MEDIA_ROOT / "letters" / str(letter_case.id)).iterdir())) == 1
    assert CaseEvent.objects.filter(case=letter_case, kind="letter_ready").count() == 1


def test_ruling_letter_cites_the_prefiling(letter_case, users, world, eager_celery,
                                           django_capture_on_commit_callbacks):
    """A case that cites a registered pre-filing (事前报备) has the ruling
    letter say so, with the filing's number and registration date."""
    from prefilings.models import Citation, PreFiling

    filing = PreFiling.objects.create(
        number="怀容备〔2026〕第0001号", number_year=2026, number_seq=1, status=PreFiling.Status.REGISTERED,
        unit=world["units"]["huailai-zj"], filed_by=users["applicant2"], jurisdiction=world["units"]["huailai"],
        policy_version=world["policy"], title="校舍改造先行开工试点",
        registered_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC),
    )
    Citation.objects.create(case=letter_case, prefiling=filing, cited_by=users["applicant2"])
    with django_capture_on_commit_callbacks(execute=True):
        letter = letter_issue(case=letter_case, kind="ruling", actor=users["committee1"],
                              context=ruling_context(letter_case))
    letter.refresh_from_db()
    text = pdf_text(settings.MEDIA_ROOT / letter.file.name).replace("\n", "")
    assert "校舍改造先行开工试点" in text and "怀容备〔2026〕第0001号" in text
    assert "2026年3月2日事前报备" in text


def test_extension_b_name_renders_as_real_text(world, users, eager_celery, django_capture_on_commit_callbacks):
    """A name with a CJK Extension B character (𠮷) is set in the fallback
    face and extracts as real text, not tofu."""
    from tests.factories import make_case

    applicant = users["applicant2"]
    applicant.full_name = "𠮷野"
    applicant.save(update_fields=["full_name"])
    case = make_case(applicant=applicant, unit=world["units"]["huailai-zj"], stage="submitted",
                     number="怀容〔2026〕第0010号")
    with django_capture_on_commit_callbacks(execute=True):
        letter = letter_issue(case=case, kind="acceptance", actor=users["intake"])
    letter.refresh_from_db()
    assert letter.status == Letter.Status.READY, letter.error
    path = settings.MEDIA_ROOT / letter.file.name
    assert "𠮷野" in pdf_text(path)
    assert any("RC-Ext-B" in f["name"] and f["emb"] == "yes" for f in pdf_fonts(path))


def test_clarification_letter_states_scope_and_method(letter_case, users, eager_celery,
                                                     django_capture_on_commit_callbacks):
    """The clarification statement says how it is made known (here: read at a meeting of the unit)."""
    with django_capture_on_commit_callbacks(execute=True):
        letter = letter_issue(case=letter_case, kind="clarification", actor=users["inspector1"],
                              context={"findings": "1. 举报反映的收受礼金问题，经核实不存在。", "scope": "unit",
                                       "method": "meeting"})
    letter.refresh_from_db()
    text = pdf_text(settings.MEDIA_ROOT / letter.file.name).replace("\n", "")
    assert "经核实不存在" in text and "在会议上宣读" in text
