"""Clarification cases in a real browser (headless Chromium): an inspector
opens one from a report on its own page, the check, the cadre's view, the
scope, the statement, the portal without the cadre's or the reporter's
name; and a 诬告陷害 referral. The pages pass axe-core as the others do."""

from pathlib import Path

import pytest
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from cases.models import Case
from clarifications.models import ReportMatter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
RUN_AXE = """axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => v.id + ' ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"""
REPORTER, PHONE = "钱多多", "13900001111"


@pytest.fixture
def as_user(page, live_server):
    pages = {}

    def _as(username):
        if username not in pages:
            # axe is injected as a script: these contexts bypass the CSP.
            context = page.context.browser.new_context(locale="zh-CN", base_url=live_server.url, bypass_csp=True)
            p = context.new_page()
            p.set_default_timeout(20000)
            if username:
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


def _axe(page) -> list:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def _submit(page, action):
    # Wait for the redirect itself: the page still shows the last step's
    # message until the new one has loaded.
    with page.expect_navigation():
        page.click(f"button[name=submit-{action}]")
    page.wait_for_load_state()
    assert page.locator(".message.success").count() == 1, page.locator(".messages").inner_text()


def _open_from_report(page, users, units, points):
    page.goto("/clarifications/new/")
    assert _axe(page) == []
    page.select_option("#id_cadre", str(users["applicant"].pk))
    page.select_option("#id_unit", str(units["huailai-edu"].pk))
    page.fill("#id_title", "关于反映教育局干部有关问题的核查")
    page.fill("#id_report_number", "怀纪信〔2026〕017号")
    page.fill("#id_received_on", timezone.localdate().isoformat())
    page.select_option("#id_channel", "letter")
    page.fill("#id_reporter_name", REPORTER)
    page.fill("#id_reporter_contact", PHONE)
    for n, text in enumerate(points, 1):
        page.fill(f"#id_point_{n}", text)
    with page.expect_navigation():
        page.click("button[name=open]")
    page.wait_for_load_state()
    assert page.locator(".message.success").count() == 1, page.content()[:2000]
    return Case.objects.get(origin="report", title="关于反映教育局干部有关问题的核查")


def _check(as_user, case, findings):
    page = as_user("inspector1")
    for number, finding in enumerate(findings, 1):
        page.select_option("#id_record_finding-number", str(number))
        page.check(f"input[name='record_finding-finding'][value='{finding}']")
        page.fill("#id_record_finding-basis", f"经调取合同和账目，第{number}项未发现相关事实。")
        _submit(page, "record_finding")
    page.fill("#id_seek_cadre_view-note", "书面征求本人意见")
    _submit(page, "seek_cadre_view")

    cadre = as_user("applicant")
    cadre.goto(f"/cases/{case.pk}/")
    body = cadre.content()
    assert REPORTER not in body and PHONE not in body and "怀纪信" not in body
    cadre.fill("#id_record_cadre_view-view", "反映不实，本人从未参与工程发包。")
    _submit(cadre, "record_cadre_view")
    assert _axe(cadre) == []

    page.goto(f"/cases/{case.pk}/")
    assert REPORTER in page.locator("#clarification").inner_text()
    page.fill("#id_conclude_check-conclusion", "所反映问题失实或查无实据。")
    _submit(page, "conclude_check")
    return page


def test_from_a_report_to_a_public_clarification_on_the_portal(world, as_user):
    users, units = world["users"], world["units"]
    points = ["利用职务便利为亲属承揽校舍维修工程", "违规收受施工单位礼金"]
    inspector = as_user("inspector1")
    case = _open_from_report(inspector, users, units, points)
    page = _check(as_user, case, ("untrue", "unfounded"))

    supervisor = as_user("supervisor")
    supervisor.goto(f"/cases/{case.pk}/")
    supervisor.check("input[name='decide_clarification-scope'][value='public']")
    supervisor.check("input[name='decide_clarification-method'][value='notice']")
    _submit(supervisor, "decide_clarification")

    page.goto(f"/cases/{case.pk}/")
    _submit(page, "issue_statement")
    assert "澄清说明" in page.locator("#clarification").inner_text()
    assert _axe(page) == []

    admin = as_user("admin")
    admin.goto(f"/cases/{case.pk}/")
    _submit(admin, "publish_clarification")
    page.goto(f"/cases/{case.pk}/")
    _submit(page, "close_clarification")
    case.refresh_from_db()
    assert case.stage == "closed"

    public = as_user(None)
    public.goto("/public/clarifications/")
    text = public.locator("main").inner_text()
    assert points[0] in text and "失实" in text and "查无实据" in text
    for secret in ("张伟", REPORTER, PHONE, "怀纪信", case.number):
        assert secret not in public.content()
    assert _axe(public) == []

    inspector.goto("/clarifications/")
    assert case.number in inspector.locator("table").inner_text()
    assert _axe(inspector) == []


def test_from_a_report_to_a_false_accusation_referral(world, as_user):
    users, units = world["users"], world["units"]
    case = _open_from_report(as_user("inspector1"), users, units, ["收受礼金两万元"])
    page = _check(as_user, case, ("untrue",))
    page.fill("#id_refer_false_accusation-referred_to", "怀来县公安局")
    page.fill("#id_refer_false_accusation-facts", "举报人明知不实仍捏造事实反复举报。")
    _submit(page, "refer_false_accusation")
    page.fill("#id_record_petition-description", "就同一事项再次到县信访局上访。")
    page.fill("#id_record_petition-handling", "告知核查结论，依法依规引导。")
    _submit(page, "record_petition")
    panel = page.locator("#clarification").inner_text()
    assert "怀来县公安局" in panel and "依法依规引导" in panel
    matter = ReportMatter.objects.get(case=case)
    assert matter.referred_to == "怀来县公安局" and matter.petitions.count() == 1

    cadre = as_user("applicant")
    cadre.goto(f"/cases/{case.pk}/")
    body = cadre.content()
    for secret in ("怀来县公安局", "捏造事实", "依法依规引导", REPORTER):
        assert secret not in body
