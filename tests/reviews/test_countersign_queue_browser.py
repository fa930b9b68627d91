"""Browser test (headless Chromium) of the 待会签 queue (issue 16): on a
version that rules jointly with the 组织部门, the committee rules on the
case page; the 组织部门 finds the case on his workbench and in his queue
/reviews/countersign/, opens it from there, countersigns, and sees the
认定书 issued (rendered by the worker) with the after-ruling clocks
running, their example-default limits marked 示例默认（待核定） and the one
taken from the text not; the case has left his queue and his workbench."""

import pytest

from letters.models import Letter, LetterKind
from policies.models import PolicyVersion
from reviews.views import case_page_url

from .conftest import accept_case, to_deliberation, vote_all
from .test_countersign import JOINT

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

MARK = "示例默认（待核定）"


def _submit(page, action):
    page.click(f"form[data-action={action}] button[type=submit]")
    page.wait_for_load_state()


def test_countersign_found_in_the_queue_and_on_the_workbench(world, celery_worker_proc, page, login):
    users = world["users"]
    version = world["policy"]
    PolicyVersion.objects.filter(pk=version.pk).update(procedure=JOINT)
    # The after-ruling limits stay the factory's example defaults, except
    # the 报备's, taken from the text: only the others are marked.
    assert not version.time_limits.filter(stage="review_request").get().is_confirmed
    version.time_limits.filter(stage="filing").update(certainty="verbatim", source="第十五条")
    case = to_deliberation(accept_case(users), users)
    vote_all(case, users)
    case.refresh_from_db()

    login("committee1")
    page.goto(case_page_url(case.pk))
    form = page.locator("form[data-action=rule]")
    form.locator("select[name=result]").select_option("exempt")
    form.locator("textarea[name=reasons]").fill("符合容错条件，予以容错、免予问责。")
    _submit(page, "rule")
    assert "待组织部门会签" in page.locator(".messages").inner_text()

    # The 组织部门's workbench: a 待会签 section holding the case.
    login("org_dept")
    page.goto("/")
    section = page.locator("section[data-section=countersign]")
    assert section.locator("h2").inner_text().startswith("待会签")
    assert section.locator("h2 .count").inner_text().strip() == "1"
    row = section.locator("ul.workbench-rows li")
    assert row.count() == 1 and case.number in row.inner_text()

    # Its heading leads to the queue, which lists the case.
    section.locator("h2 a").click()
    page.wait_for_load_state()
    assert page.url.endswith("/reviews/countersign/")
    assert page.locator("h1").inner_text() == "待会签"
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 1
    cells = rows.first.inner_text()
    assert case.number in cells and users["applicant"].display_name in cells and case.unit.name in cells
    # No clock runs while the countersign is awaited (no source states a
    # time limit for it), so the queue shows no due date.
    assert rows.first.locator("td").last.inner_text().strip() == "—"

    # From the queue to the case: the next step is his countersign.
    rows.first.locator("a").first.click()
    page.wait_for_load_state()
    assert "会签认定" in page.locator("#case-next").inner_text()
    assert page.locator("#case-due").inner_text() == "暂无计时中的期限"
    assert not Letter.objects.filter(case=case, kind=LetterKind.RULING).exists()
    page.fill("form[data-action=countersign_ruling] input[name=note]", "同意。")
    _submit(page, "countersign_ruling")
    assert "已会签" in page.locator(".messages").inner_text()

    # The 认定书 is issued: numbered at once, rendered by the worker (the
    # letters block reloads itself until it is ready).
    letter = Letter.objects.get(case=case, kind=LetterKind.RULING)
    letters = page.locator(f"#case-letters-{case.pk}")
    assert letter.number in letters.inner_text()
    letters_row = letters.locator("tbody tr", has_text=letter.number)
    letters_row.locator(".tag.ok", has_text="已生成").wait_for(timeout=90000)
    assert letters_row.locator("a[download]").count() == 1

    # The clocks that follow the ruling now run, their example defaults
    # marked as such in the page head and the clocks panel.
    head = page.locator("#case-due").inner_text()
    assert head.startswith("向申请人及所在单位反馈期限：") and head.endswith(MARK), head
    clocks = page.locator("section.clocks article.clock")
    running = {c.locator("h3").inner_text(): c.inner_text() for c in clocks.all() if "计时中" in c.inner_text()}
    assert set(running) == {"向申请人及所在单位反馈", "向上级报备", "申请复核"}, running
    assert MARK in running["申请复核"] and "15 日" in running["申请复核"]
    assert MARK in running["向申请人及所在单位反馈"]
    assert MARK not in running["向上级报备"], "a limit taken from the text is marked as an example default"

    # Countersigned, it has left his queue and his workbench.
    page.goto("/reviews/countersign/")
    assert "暂无待办案件。" in page.locator("main").inner_text()
    page.goto("/")
    section = page.locator("section[data-section=countersign]")
    assert section.locator("h2 .count").inner_text().strip() == "0"
    assert "暂无待办事项" in section.inner_text()
