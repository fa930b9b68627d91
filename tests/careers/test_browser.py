"""The organization department's main flow in a real browser (headless
Chromium): from the workbench to a recorded application and a recorded
talk, with the accessibility check on its pages."""

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from careers import services
from careers.models import FollowUp, ResultUse

from .conftest import rule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
RUN_AXE = """axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => v.id + ' ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"""


def _axe(browser, live_server, username, paths):
    from accounts.demo import DEMO_PASSWORD

    # axe is injected as a script: this context alone bypasses the CSP.
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    found = []
    for path in paths:
        page.goto(path)
        page.add_script_tag(path=str(AXE))
        found += [f"{path}: {v}" for v in page.evaluate(RUN_AXE)]
    context.close()
    return found


def test_department_records_an_application_and_a_talk(world, login, page, _browser, live_server):
    """A mitigated ruling reaches 郑琳 (组织部门): the workbench lists it, she
    records "2026年度考核：未受影响" on the use's page and the talk on the
    workbench; the case page shows both."""
    users = world["users"]
    case = rule(users)
    services.obligations_open(case_id=case.pk)
    use = ResultUse.objects.filter(case=case).order_by("policy_item__number").first()
    today = timezone.localdate().isoformat()

    login("org_dept")
    expect(page.locator("[data-section=result_uses] .count")).to_have_text("2")
    page.locator("[data-section=result_uses] h2 a").click()
    expect(page.locator("h1")).to_have_text("结果运用与跟踪回访")
    page.get_by_role("link", name="考核").click()
    page.fill("input[name=occasion]", "2026年度考核")
    page.fill("input[name=outcome]", "未受影响")
    page.fill("input[name=applied_on]", today)
    page.fill("textarea[name=note]", "确定为称职等次")
    page.get_by_role("button", name="记录").click()
    expect(page.locator(".messages")).to_contain_text("结果运用情况已记录")
    expect(page.locator("[data-testid=applications]")).to_contain_text("未受影响")
    assert use.applications.get().occasion == "2026年度考核"

    page.goto("/careers/")
    talk = FollowUp.objects.get(case=case)
    form = page.locator(f"[data-followup='{talk.pk}'] form")
    form.locator(f"input[name=f{talk.pk}-participants]").fill("郑琳、张伟")
    form.locator(f"textarea[name=f{talk.pk}-summary]").fill("了解思想状况，鼓励其大胆工作。")
    form.get_by_role("button", name="记录").click()
    expect(page.locator(".messages")).to_contain_text("跟踪回访已记录")
    talk.refresh_from_db()
    assert talk.status == "done"
    page.goto(f"/cases/{case.pk}/")
    expect(page.locator("#careers")).to_contain_text("2026年度考核")
    expect(page.locator("#careers")).to_contain_text("谈心谈话")
    # The cadre's record (容错档案), from the case panel.
    page.locator("#careers [data-testid=cadre-record-link]").click()
    expect(page.locator("[data-testid=record-uses]")).to_contain_text("2026年度考核：未受影响")
    expect(page.locator("[data-testid=record-followups]")).to_contain_text("谈心谈话")
    record = f"/careers/cadres/{case.applicant_id}/"

    assert _axe(_browser, live_server, "org_dept", ["/", "/careers/", f"/careers/uses/{use.pk}/",
                                                     f"/cases/{case.pk}/", record]) == []
    assert _axe(_browser, live_server, "applicant", [record]) == []
    assert _axe(_browser, live_server, "committee1", [f"/cases/{case.pk}/"]) == []


def test_admin_marks_a_typical_case_and_the_portal_shows_it(world, login, page, _browser, live_server):
    """典型案例 in the browser: the publishing administrator follows the link
    on the publication's page, saves a write-up naming the cadre, and the
    portal's 典型案例 section shows it with the name hidden; both pages pass
    the accessibility check."""
    from publication.services import publication_draft_create, publication_publish

    users = world["users"]
    case = rule(users)
    publication = publication_publish(publication=publication_draft_create(case=case, actor=users["admin"]),
                                      actor=users["admin"])
    login("admin")
    page.goto(f"/publication/{publication.pk}/")
    page.locator("[data-testid=typical-case-link]").click()
    page.fill("textarea[name=write_up]", f"{case.applicant.full_name}同志在校舍改造中敢于担当。")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("[data-testid=typical-published]")).to_contain_text("敢于担当")
    expect(page.locator("[data-testid=typical-published]")).not_to_contain_text(case.applicant.full_name)
    page.goto("/public/typical-cases/")
    expect(page.locator("[data-testid=typical-cases]")).to_contain_text("敢于担当")
    assert _axe(_browser, live_server, "admin", [f"/careers/typical-cases/{publication.pk}/",
                                                 "/public/typical-cases/"]) == []
