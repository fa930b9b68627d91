"""Filing and intake in a real browser (headless Chromium)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases.models import Case, Stage
from deadlines.models import Clock

from .conftest import PDF_BYTES, PNG_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _flash(page):
    return page.locator(".messages").inner_text()


@pytest.fixture
def monday():
    """Monday 2026-12-07, 09:00 in Beijing; the clock runs on."""
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True) as t:
        yield t


def test_file_forward_supplement_accept(monday, world, page, login, tmp_path):
    """An applicant files with two files; the unit forwards; intake asks for
    a supplement; the applicant answers; intake accepts. The intake due date
    shown moves past the paused days and the timeline shows every step."""
    traveller = monday
    evidence = tmp_path / "现场照片.png"
    evidence.write_bytes(PNG_BYTES)
    minutes = tmp_path / "会议纪要.pdf"
    minutes.write_bytes(PDF_BYTES)

    login("applicant")
    page.click("nav.main-nav >> text=新建申请")
    page.check("input[name=origin][value=individual]")
    page.fill("input[name=title]", "校舍改造项目程序瑕疵容错申请")
    page.click("button:has-text('开始')")
    # Step 1: the matter; the policy's lists stand beside the form.
    aside = page.locator("aside.policy-aside").inner_text()
    assert "没有谋取私利" in aside and "不予容错情形" in aside
    page.fill("textarea[name=matter]", "2025年在校舍改造中先行先试采购方式，工期延误。")
    page.fill("textarea[name=accountability_considered]", "诫勉谈话")
    page.click("button:has-text('保存并继续')")
    # Step 2: facts, reasons and scenarios.
    page.fill("textarea[name=facts_reasons]", "出于公心，经集体研究，未谋取私利。")
    page.check("input[name=claimed_scenarios] >> nth=0")
    page.check("input[name=collective_decision]")
    page.click("button:has-text('保存并继续')")
    # Step 3: two files.
    page.set_input_files("input[name=file]", str(evidence))
    page.click("button:has-text('上传')")
    page.set_input_files("input[name=file]", str(minutes))
    page.select_option("select[name=kind]", "minutes")
    page.click("button:has-text('上传')")
    assert page.locator("table >> text=会议纪要.pdf").count() == 1
    page.click("a:has-text('下一步')")
    page.click("button:has-text('提交申请')")
    assert "申请已提交" in _flash(page)
    case = Case.objects.get(title="校舍改造项目程序瑕疵容错申请")
    assert case.stage == Stage.UNIT_REVIEW and case.attachments.count() == 2
    assert page.locator("#case-number").inner_text() == case.number

    login("unit_reviewer")
    page.goto(f"/cases/{case.pk}/")
    page.fill("textarea[name=participants]", "王芳、李明、赵雷")
    page.fill("textarea[name=opinion]", "经单位党组织小范围研究，情况属实，同意报送。")
    page.click("button:has-text('报送受理')")
    assert "已报送受理" in _flash(page)

    login("intake")
    page.click("nav.main-nav >> text=受理")
    page.click(f"#case-table >> text={case.title}")
    intake_clock = Clock.objects.get(case=case, stage="intake")
    due_before = intake_clock.due_date
    page.click("summary:has-text('要求补正')")
    page.fill("textarea[name=missing]", "请补充集体研究会议的签到表。")
    page.click("button:has-text('发送补正通知')")
    assert "已要求申请人补正" in _flash(page)
    assert "已暂停" in page.locator(".clocks").inner_text()

    # The applicant answers on Thursday: Tue, Wed and Thu were paused.
    traveller.shift(dt.timedelta(days=3))

    login("applicant")
    page.goto(f"/cases/{case.pk}/")
    page.set_input_files("#supp-file", str(evidence))
    page.click("form:has(#supp-file) button:has-text('上传')")
    page.fill("textarea[name=answer]", "已补充签到表。")
    page.click("button:has-text('提交补正')")
    assert "补正材料已提交" in _flash(page)
    intake_clock.refresh_from_db()
    assert (due_before, intake_clock.due_date) == (dt.date(2026, 12, 14), dt.date(2026, 12, 17))

    login("intake")
    page.goto(f"/cases/{case.pk}/")
    assert intake_clock.due_date.strftime("%Y-%m-%d") in page.locator(".clocks").inner_text()
    page.click("button:has-text('予以受理') >> nth=-1")
    assert "已受理" in _flash(page)
    case.refresh_from_db()
    assert case.stage == Stage.VERIFICATION
    timeline = page.locator("#timeline").inner_text()
    for step in ("创建草稿", "提交申请", "单位盖章报送", "要求补正", "提交补正材料", "予以受理"):
        assert step in timeline, step
