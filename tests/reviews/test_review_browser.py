"""Browser tests (headless Chromium): an accepted case through assignment,
assessment, defence, deliberation with three votes, ruling and feedback; a
proactive case; a review."""


import pytest

from cases.models import Case
from reviews.models import Ruling, Vote
from reviews.views import case_page_url

from .conftest import accept_case, items, review_members, to_deliberation, to_ruled, vote_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submit(page, action):
    page.click(f"form[data-action={action}] button[type=submit]")
    page.wait_for_load_state()


def _fill_texts(page, action, text):
    for area in page.locator(f"form[data-action={action}] textarea").all():
        area.fill(text)


def _open(page, action):
    """Open the <details> around a form (closed ones hide their fields)."""
    form = page.locator(f"form[data-action={action}]")
    details = form.locator("xpath=ancestor::details[1]")
    if details.count() and details.get_attribute("open") is None:
        details.locator("summary").click()
    return form


def _message(page) -> str:
    return page.locator(".messages").inner_text()


def test_accepted_case_to_ruling_and_feedback(world, page, login):
    """Supervisor assigns, inspector assesses and reports, the applicant
    defends, the committee meets, three votes are recorded, the ruling is
    made and the feedback recorded — all through the case page."""
    users = world["users"]
    case = accept_case(users)
    url = case_page_url(case.pk)

    login("supervisor")
    page.goto(url)
    for name in ("inspector1", "inspector2"):
        page.check(f"form[data-action=assign] input[name=inspectors][value='{users[name].pk}']")
    _submit(page, "assign")
    assert "已指派核实人员" in _message(page)

    login("inspector1")
    page.goto(url)
    form = _open(page, "assess")
    for cond in items(case, "condition"):
        form.locator(f"input[name=cond-{cond.pk}][value=met]").check()
    form.locator("select[name=positive_item]").select_option(str(items(case, "positive")[0].pk))
    _fill_texts(page, "assess", "经核实，符合。")
    _submit(page, "assess")
    assert "比对评估已保存" in _message(page)
    form = page.locator("form[data-action=preliminary_report]")
    form.locator("select[name=recommended_result]").select_option("exempt")
    form.locator("textarea[name=summary]").fill("经核实，建议予以容错。")
    _submit(page, "preliminary_report")
    assert "已告知申请人" in _message(page)

    login("applicant")
    page.goto(url)
    page.fill("form[data-action=defend] textarea[name=text]", "本人对初步意见无异议，补充说明如下。")
    _submit(page, "defend")
    assert "申辩已提交" in _message(page)

    login("committee1")
    page.goto(url)
    form = _open(page, "deliberate")
    for name in ("committee1", "committee2", "committee3"):
        form.locator(f"input[name=members_present][value='{users[name].pk}']").check()
    _submit(page, "deliberate")
    assert "会议已记录" in _message(page)
    # The minute-taker votes himself and records 周杰's vote for him; 吴敏
    # votes himself; 周杰 confirms the vote recorded for him.
    for name in ("committee1", "committee2"):
        form = page.locator("form[data-action=vote]")
        if name != "committee1":
            form.locator("select[name=member]").select_option(str(users[name].pk))
        form.locator("select[name=result]").select_option("exempt")
        form.locator("textarea[name=opinion]").fill("同意予以容错")
        _submit(page, "vote")
        assert "表决已记录" in _message(page)
    login("committee3")
    page.goto(url)
    assert page.locator("form[data-action=vote] select[name=member]").count() == 0
    page.locator("form[data-action=vote] select[name=result]").select_option("exempt")
    _submit(page, "vote")
    assert "表决已记录" in _message(page)
    login("committee2")
    page.goto(url)
    _submit(page, "confirm_vote")
    assert "您的表决已确认" in _message(page)
    assert Vote.objects.filter(meeting__case=case, confirmed_at__isnull=False).count() == 3
    form = page.locator("form[data-action=rule]")
    form.locator("select[name=result]").select_option("exempt")
    form.locator("textarea[name=reasons]").fill("符合容错条件，予以容错、免予问责。")
    use = items(case, "result_use")[0]
    form.locator(f"input[name=uses][value='{use.pk}']").check()
    # Exempt: the months stay empty (the version sets no impact period).
    assert form.locator(f"input[name=use-{use.pk}-months]").input_value() == ""
    _submit(page, "rule")
    assert "认定结论已记录" in _message(page)

    form = _open(page, "feedback")
    form.locator("input[name=recipients]").fill("张伟、怀来县教育局")
    _submit(page, "feedback")
    assert "反馈已记录" in _message(page)
    case.refresh_from_db()
    assert case.stage == "ruled" and case.outcome == "exempt"
    ruling = Ruling.objects.get(case=case)
    assert ruling.uses.get().duration_months is None and ruling.notices.get().kind == "feedback"
    assert "予以容错、免予问责" in page.locator("#reviews-panel").inner_text()


def test_inspector_opens_proactive_case(world, page, login):
    """An inspector opens a proactive case from his queue; it is numbered
    and at verification, and the cadre sees it."""
    users, units = world["users"], world["units"]
    login("inspector2")
    page.goto("/reviews/inspector/")
    page.click("a[href='/reviews/proactive/new/']")
    page.select_option("select[name=applicant]", str(users["applicant2"].pk))
    page.select_option("select[name=unit]", str(units["huailai-zj"].pk))
    page.fill("input[name=title]", "问责调查中发现的容错情形")
    page.fill("textarea[name=trigger]", "对工程款拨付问题的问责调查")
    page.fill("textarea[name=matter]", "先行拨付工程款，程序存在瑕疵。")
    page.click("form[data-action=open_proactive] button[type=submit]")
    page.wait_for_load_state()
    case = Case.objects.get(origin="proactive")
    assert case.stage == "verification" and case.applicant == users["applicant2"]
    assert case.number in _message(page)
    login("applicant2")
    page.goto(case_page_url(case.pk))
    assert case.number in page.content()


def test_review_by_other_members(world, page, login):
    """The applicant asks for a review; members who did not vote on the
    first ruling meet, vote and change the result."""
    users = world["users"]
    case = to_ruled(accept_case(users), users, result="rejected")
    others = review_members(world, n=3)
    url = case_page_url(case.pk)

    login("applicant")
    page.goto(url)
    form = _open(page, "request_review")
    form.locator("textarea[name=reasons]").fill("认定时未考虑已挽回损失。")
    _submit(page, "request_review")
    assert "复核申请已提交" in _message(page)

    login("committee1")  # voted on the first ruling: no review forms
    page.goto(url)
    assert page.locator("form[data-action=decide_review]").count() == 0
    assert page.locator("form[data-action=deliberate]").count() == 0

    login(others[0].username, "demo-pass-2026")
    page.goto(url)
    form = _open(page, "deliberate")
    for member in others:
        form.locator(f"input[name=members_present][value='{member.pk}']").check()
    _submit(page, "deliberate")
    for member in others:
        login(member.username, "demo-pass-2026")
        page.goto(url)
        page.locator("form[data-action=vote] select[name=result]").select_option("mitigated")
        _submit(page, "vote")
    form = page.locator("form[data-action=decide_review]")
    form.locator("select[name=result]").select_option("mitigated")
    form.locator("select[name=mitigation]").select_option("lighter")
    form.locator("textarea[name=reasons]").fill("复核认为可从轻处理。")
    _submit(page, "decide_review")
    assert "复核决定已记录" in _message(page)
    case.refresh_from_db()
    assert case.stage == "ruled" and case.outcome == "mitigated"
    kinds = list(Ruling.objects.filter(case=case).values_list("kind", "is_current"))
    assert kinds == [("first", False), ("review", True)]


def test_refused_ruling_comes_back_with_what_was_typed(world, page, login):
    """The members voted to exempt; a ruling to mitigate is refused (no
    majority). The page comes back with the reasons, the ticked result use
    and its months still in the form, the cursor in it, and nothing ruled."""
    users = world["users"]
    case = to_deliberation(accept_case(users), users)
    vote_all(case, users)
    use = items(case, "result_use")[0]
    reasons = "经集体研究，该同志出于公心先行先试，程序瑕疵已及时纠正。"

    login("committee1")
    page.goto(case_page_url(case.pk))
    form = _open(page, "rule")
    form.locator("select[name=result]").select_option("mitigated")
    form.locator("select[name=mitigation]").select_option("reduced")
    form.locator("textarea[name=reasons]").fill(reasons)
    form.locator(f"input[name=uses][value='{use.pk}']").check()
    form.locator(f"input[name=use-{use.pk}-months]").fill("7")
    _submit(page, "rule")

    assert "过半数" in _message(page)
    form = page.locator("form[data-action=rule][data-kept]")
    assert form.locator("textarea[name=reasons]").input_value() == reasons
    assert form.locator("select[name=result]").input_value() == "mitigated"
    assert form.locator(f"input[name=uses][value='{use.pk}']").is_checked()
    assert form.locator(f"input[name=use-{use.pk}-months]").input_value() == "7"
    assert page.evaluate("document.activeElement.closest('form[data-kept]') !== null")
    assert not Ruling.objects.filter(case=case).exists()
