"""The correction panel in a real browser (headless Chromium)."""

import pytest
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from cases.models import Case
from corrections.models import Clarification, Correction, RectificationReport
from notifications.selectors import case_url

from .conftest import PDF_BYTES, make_ruled_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def as_user(page, live_server):
    """One logged-in browser page per user (a login per user, not per
    switch), all in the same browser."""
    pages = {}

    def _as(username):
        if username not in pages:
            context = page.context.browser.new_context(locale="zh-CN", base_url=live_server.url)
            p = context.new_page()
            p.set_default_timeout(15000)
            p.goto("/accounts/login/")
            p.fill("input[name=username]", username)
            p.fill("input[name=password]", DEMO_PASSWORD)
            p.click("button[type=submit]")
            p.wait_for_load_state()
            pages[username] = p
        return pages[username]

    yield _as
    for p in pages.values():
        p.context.close()


def _open(as_user, username, case):
    page = as_user(username)
    page.goto(case_url(case.pk) or f"/corrections/cases/{case.pk}/")
    return page, page.locator("#corrections")


def _submit(page, action):
    page.click(f"button[name=submit-{action}]")
    page.wait_for_load_state()
    assert page.locator(".message.success").count() == 1, page.locator(".messages").inner_text()


def test_mitigated_case_through_five_steps_clarified_and_closed(world, as_user, tmp_path):
    """Supervisor starts; inspector sends the notice, records the talk and
    sets a task; the cadre uploads his report, which is returned once and
    then accepted; the rule change is recorded with its document; the
    cadre asks for clarification, the untrue point is recorded and the
    statement issued for the unit; the case is closed."""
    users = world["users"]
    case = make_ruled_case(users)
    evidence = tmp_path / "整改报告.pdf"
    evidence.write_bytes(PDF_BYTES)

    page, panel = _open(as_user, "supervisor", case)
    assert panel.locator(".step.current").count() == 1
    page.fill("#id_start_correction-decided_by", "县纪委常委会")
    page.fill("#id_start_correction-problems", "采购程序未履行公开招标。")
    page.select_option("#id_start_correction-four_forms", "first")
    _submit(page, "start_correction")
    assert page.locator(".correction-steps .step.done").count() == 1

    page, _panel = _open(as_user, "inspector1", case)
    _submit(page, "send_correction_notice")
    page.fill("#id_record_talk-talk_on", timezone.localdate().isoformat())
    page.fill("#id_record_talk-participants", "陈静、张伟")
    page.fill("#id_record_talk-record", "指出采购程序问题。")
    page.fill("#id_record_talk-acknowledgement", "本人认可，保证整改。")
    _submit(page, "record_talk")
    page.fill("#id_add_rectification_task-description", "补办采购审批手续")
    _submit(page, "add_rectification_task")
    assert page.locator(".correction-steps .step.done").count() == 3

    for attempt in (1, 2):
        page, panel = _open(as_user, "applicant", case)
        assert "补办采购审批手续" in panel.locator(".asked").inner_text()
        page.fill("#id_submit_rectification_report-text", f"第{attempt}次整改报告：已补办手续。")
        page.set_input_files("#id_submit_rectification_report-files", str(evidence))
        _submit(page, "submit_rectification_report")
        page, _panel = _open(as_user, "inspector1", case)
        if attempt == 1:
            page.fill("#id_return_rectification-reason", "缺少审批文件")
            _submit(page, "return_rectification")
        else:
            _submit(page, "accept_rectification")
    assert list(RectificationReport.objects.filter(task__correction__case=case)
                .order_by("id").values_list("decision", flat=True)) == ["returned", "accepted"]

    page.fill("#id_record_rule_change-rule_change", "修订采购管理办法。")
    page.fill("#id_record_rule_change-document_title", "怀教发〔2026〕5号")
    page.set_input_files("#id_record_rule_change-files", str(evidence))
    _submit(page, "record_rule_change")
    assert page.locator(".correction-steps .step.done").count() == 5

    page, _panel = _open(as_user, "applicant", case)
    page.fill("#id_request_clarification-reason", "举报收受好处失实，请求澄清。")
    _submit(page, "request_clarification")

    page, _panel = _open(as_user, "inspector1", case)
    page.fill("#id_record_clarification-allegation_1", "收受供应商好处")
    page.fill("#id_record_clarification-finding_1", "未发现收受好处的事实")
    _submit(page, "record_clarification")
    page.check("#id_issue_clarification-scope_0")
    page.check("#id_issue_clarification-method_0")
    _submit(page, "issue_clarification")
    page.fill("#id_close-reason", "纠错、澄清均已完成。")
    _submit(page, "close")

    case.refresh_from_db()
    assert (case.stage, case.outcome) == ("closed", "mitigated")
    assert Correction.objects.get(case=case).status == "completed"
    clarification = Clarification.objects.get(case=case)
    assert (clarification.status, clarification.scope) == ("issued", "unit")
    panel = page.locator("#corrections")
    assert panel.locator("form").count() == 0
    assert "收受供应商好处" in panel.inner_text()


def test_exempt_case_closed_with_correction_skipped(world, as_user):
    """An exempt case: the supervisor skips the correction and the
    clarification with reasons and closes it; the reasons stay visible to
    the cadre, who can no longer act."""
    users = world["users"]
    case = make_ruled_case(users, result="exempt", needs_correction=False, needs_clarification=False)
    page, _panel = _open(as_user, "supervisor", case)
    page.fill("#id_skip_correction-reason", "予以容错、免予问责，无需纠错。")
    _submit(page, "skip_correction")
    page.fill("#id_skip_clarification-reason", "无失实举报，无需澄清。")
    _submit(page, "skip_clarification")
    _submit(page, "close")
    case.refresh_from_db()
    assert (case.stage, case.outcome) == ("closed", "exempt")
    assert Case.objects.get(pk=case.pk).closed_at is not None
    page, panel = _open(as_user, "applicant", case)
    text = panel.inner_text()
    assert "予以容错、免予问责，无需纠错。" in text and "无失实举报，无需澄清。" in text
    assert panel.locator("form").count() == 0
