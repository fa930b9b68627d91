"""The whole pre-filing track in a real browser (headless Chromium)."""

import datetime as dt

import pytest

from cases.models import Case
from letters.models import Letter
from letters.tasks import letter_render as letter_render_task
from prefilings.models import EarlyWarning, PreFiling

from .conftest import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RISK = "供餐企业资质不足导致食品安全问题"
CONTROL = "公开招标并实地核查资质"


def test_file_register_warn_and_cite(world, page, login, tmp_path):
    """A unit files a measure, intake registers it (letter generated), a
    realised risk shows as an early warning to the inspector, and an
    application citing the filing shows the declared risks on its page."""
    today = dt.date.today()
    # 1. 张伟 (applicant) files for 怀来县教育局.
    login("applicant")
    page.goto("/prefilings/new/")
    page.fill("input[name=title]", "学校营养餐供餐模式改革试点")
    page.fill("textarea[name=measure]", "在三所学校试行集中配送供餐。")
    page.fill("textarea[name=reasons]", "现有供餐模式成本高、质量不稳定。")
    page.fill("textarea[name=responsible]", "张伟（副局长）")
    page.fill("input[name=period_start]", today.isoformat())
    page.fill("input[name=period_end]", (today + dt.timedelta(days=180)).isoformat())
    page.fill("textarea[name='risks-0-risk']", RISK)
    page.fill("textarea[name='risks-0-control']", CONTROL)
    page.fill("textarea[name='risks-1-risk']", "家长对收费标准有异议")
    page.check("input[name=collective_decision_done]")
    page.fill("textarea[name=collective_decision_note]", "局党组会集体研究")
    page.click("form.card button[type=submit]")
    filing = PreFiling.objects.get()
    assert page.url.endswith(f"/prefilings/{filing.pk}/")
    minutes = tmp_path / "会议纪要.pdf"
    minutes.write_bytes(PDF_BYTES)
    page.select_option("select[name=kind]", "collective_decision")
    page.set_input_files("input[name=file]", str(minutes))
    page.click(f"form[action='/prefilings/{filing.pk}/files/'] button")
    page.click(f"form[action='/prefilings/{filing.pk}/submit/'] button")
    filing.refresh_from_db()
    assert filing.status == "submitted"

    # 2. Intake registers it; the letter task renders the 报备受理决定书.
    login("intake")
    page.goto("/prefilings/intake/")
    page.click(f"a[href='/prefilings/{filing.pk}/']")
    assert page.input_value("input[name=report_interval_days]") == "30"
    page.click(f"form[action='/prefilings/{filing.pk}/register/'] button")
    filing.refresh_from_db()
    assert filing.status == "registered" and filing.number.startswith("怀容备〔")
    letter = Letter.objects.get(prefiling=filing)
    assert letter_render_task.apply(args=[letter.pk]).get() == "ready"
    page.reload()
    assert page.locator(f"a[href='/prefilings/{filing.pk}/letter/']").count() == 1
    assert filing.number in page.content()

    # 3. The unit reports the first risk realised.
    login("applicant")
    page.goto(f"/prefilings/{filing.pk}/")
    page.fill("textarea[name=summary]", "三所学校已试运行一个月。")
    page.check("input[name=risk_0_realised][value='1']")
    page.fill("textarea[name=risk_0_note]", "一家企业证照过期")
    page.click(f"form[action='/prefilings/{filing.pk}/report_progress/'] button")
    assert EarlyWarning.objects.filter(prefiling=filing, status="open").count() == 1

    # 4. The early warning appears for inspector1.
    login("inspector1")
    page.goto("/prefilings/warnings/")
    assert page.locator(f"a[href='/prefilings/{filing.pk}/']").count() == 1
    page.click(f"a[href='/prefilings/{filing.pk}/']")
    assert page.locator(f"form[action='/prefilings/{filing.pk}/resolve_warning/']").count() == 1
    assert "一家企业证照过期" in page.content()

    # 5. An application cites the filing; the case page shows what was declared.
    login("applicant")
    page.goto("/cases/new/")
    page.fill("input[name=title]", "营养餐试点中供餐企业资质问题申请容错")
    page.click("form button.primary")
    case = Case.objects.get()
    page.goto(f"/cases/{case.pk}/")
    page.select_option("select[name=prefiling]", str(filing.pk))
    page.click(f"form[action='/prefilings/cite/{case.pk}/'] button")
    assert page.url.endswith(f"/cases/{case.pk}/")
    panel = page.locator("section[aria-labelledby=h-prefilings]")
    assert RISK in panel.inner_text()
    assert CONTROL in panel.inner_text()
    assert filing.number in panel.inner_text()
