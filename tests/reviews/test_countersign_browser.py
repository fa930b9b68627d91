"""Browser test (headless Chromium) of a joint ruling (issue 16): the
committee rules and is told the ruling awaits the 组织部门's countersign; the
组织部门's next step on the case page is the countersign, which he gives;
then the feedback is offered. The 复核 decision likewise."""

import pytest

from letters.models import LetterKind
from policies.models import PolicyVersion
from reviews import services
from reviews.views import case_page_url

from .conftest import accept_case, items, review_members, to_deliberation, to_ruled, vote_all
from .test_countersign import JOINT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submit(page, action):
    page.click(f"form[data-action={action}] button[type=submit]")
    page.wait_for_load_state()


def _message(page) -> str:
    return page.locator(".messages").inner_text()


def _next_steps(page) -> str:
    return page.locator("#case-next").inner_text()


def test_joint_ruling_and_review_countersigned_from_the_page(world, page, login):
    users = world["users"]
    PolicyVersion.objects.filter(pk=world["policy"].pk).update(procedure=JOINT)
    case = to_deliberation(accept_case(users), users)
    vote_all(case, users)
    url = case_page_url(case.pk)

    login("committee1")
    page.goto(url)
    form = page.locator("form[data-action=rule]")
    form.locator("select[name=result]").select_option("exempt")
    form.locator("textarea[name=reasons]").fill("符合容错条件，予以容错、免予问责。")
    _submit(page, "rule")
    assert "待组织部门会签" in _message(page)
    assert not case.letters.filter(kind=LetterKind.RULING).exists()

    login("supervisor")
    page.goto(url)
    assert page.locator("form[data-action=feedback]").count() == 0
    assert "待组织部门会签" in page.locator("#reviews-panel").inner_text()

    login("org_dept")
    page.goto(url)
    assert "会签认定" in _next_steps(page)
    page.fill("form[data-action=countersign_ruling] input[name=note]", "同意。")
    _submit(page, "countersign_ruling")
    assert "已会签" in _message(page)
    assert case.letters.filter(kind=LetterKind.RULING).exists()
    assert page.locator("form[data-action=countersign_ruling]").count() == 0

    login("supervisor")
    page.goto(url)
    assert page.locator("form[data-action=feedback]").count() == 1


def test_joint_review_decision_countersigned_from_the_page(world, page, login):
    users = world["users"]
    PolicyVersion.objects.filter(pk=world["policy"].pk).update(procedure=JOINT)
    case = to_ruled(accept_case(users), users, result="rejected")
    services.ruling_countersign(case=case, actor=users["org_dept"])
    services.case_request_review(case=case, actor=users["applicant"], reasons="认定时未考虑已挽回损失。")
    others = review_members(world, n=3)
    members = {m.username: m for m in others}
    vote_all(case, members, results=("exempt",) * 3, members=tuple(members))
    url = case_page_url(case.pk)

    login(others[0].username, "demo-pass-2026")
    page.goto(url)
    form = page.locator("form[data-action=decide_review]")
    form.locator("select[name=result]").select_option("exempt")
    form.locator("textarea[name=reasons]").fill("复核认为符合容错条件。")
    form.locator(f"input[name=uses][value='{items(case, 'result_use')[0].pk}']").check()
    _submit(page, "decide_review")
    assert "待组织部门会签" in _message(page)
    assert not case.letters.filter(kind=LetterKind.REVIEW_DECISION).exists()

    login("org_dept")
    page.goto(url)
    assert "会签复核决定" in _next_steps(page)
    _submit(page, "countersign_review")
    assert "已会签" in _message(page)
    assert case.letters.filter(kind=LetterKind.REVIEW_DECISION).exists()
