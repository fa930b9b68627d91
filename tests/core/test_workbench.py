"""The home page's workbench: for each role, what waits for the user, the
earliest due first, overdue ones counted and marked; a fixed number of
queries; /cases/ leads to the right list."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services as case_services
from deadlines.models import Clock
from reviews import services as review_services
from tests.reviews.conftest import accept_case, fill_draft

pytestmark = pytest.mark.django_db


def _at_intake(users, title="校舍改造项目程序瑕疵申请容错"):
    case = case_services.case_create(actor=users["applicant"], title=title)
    fill_draft(case, users["applicant"])
    case_services.case_submit(case=case, actor=users["applicant"])
    case_services.case_unit_forward(case=case, actor=users["unit_reviewer"], meeting_date=dt.date(2026, 1, 5),
                                    participants="王芳、李明", opinion="同意报送。")
    case.refresh_from_db()
    return case


def _section(body: str, key: str) -> str:
    start = body.index(f'data-section="{key}"')
    return body[start:body.index("</section>", start)]


def test_intake_sees_cases_waiting_with_the_overdue_marked(users, client):
    first = _at_intake(users, "乡村道路硬化工程先行先试的容错申请")
    second = _at_intake(users, "老旧小区改造中调整资金用途的容错申请")
    due = Clock.objects.get(case=first, stage="intake").due_date
    client.force_login(users["intake"])
    with time_machine.travel(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(10), tzinfo=dt.UTC)):
        body = client.get("/").content.decode()
    section = _section(body, "intake")
    assert first.number in section and second.number in section
    assert ">2<" in section and "2项已超期" in section and section.count('class="tag overdue"') >= 2
    assert f'href="/cases/{first.pk}/"' in section
    # Nothing of another role's work.
    assert 'data-section="verify"' not in body and 'data-section="committee"' not in body


def test_each_role_sees_its_own_work(users, client):
    waiting = _at_intake(users)
    assigned = accept_case(users)
    review_services.case_assign(case=assigned, actor=users["supervisor"],
                                inspectors=[users["inspector1"], users["inspector2"]])
    unassigned = accept_case(users)

    case_services.case_create(actor=users["applicant"], title="尚未提交的容错申请")
    client.force_login(users["applicant"])
    mine = _section(client.get("/").content.decode(), "mine")
    assert all(c.number in mine for c in (waiting, assigned, unassigned))
    # Only the draft waits for him (the others wait for intake or inspectors).
    assert mine.count("待您办理") == 1 and "尚未提交的容错申请" in mine

    client.force_login(users["inspector1"])
    verify = _section(client.get("/").content.decode(), "verify")
    assert assigned.number in verify and unassigned.number not in verify and waiting.number not in verify

    client.force_login(users["supervisor"])
    assign = _section(client.get("/").content.decode(), "assign")
    # Cases still without two inspectors come first, marked.
    assert assign.index(unassigned.number) < assign.index(assigned.number)
    assert assign.count(">待指派<") == 1 and assign.index(">待指派<") < assign.index(assigned.number)

    client.force_login(users["km_inspector"])
    verify = _section(client.get("/").content.decode(), "verify")
    assert "暂无待办事项" in verify


def test_home_page_query_count_is_fixed(users, client):
    """Three queries a section, whatever the number of cases."""
    client.force_login(users["intake"])
    _at_intake(users)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for i in range(4):
        _at_intake(users, f"改革事项{i}的容错申请")
    with CaptureQueriesContext(connection) as many:
        body = client.get("/").content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert "查看全部5项" not in body  # 5 rows shown, no "see all"
    _at_intake(users, "第六件容错申请")
    assert "查看全部6项" in client.get("/").content.decode()


def test_cases_index_leads_to_the_right_list(users, client):
    client.force_login(users["applicant"])
    assert client.get("/cases/")["Location"] == "/cases/mine/"
    client.force_login(users["inspector1"])
    assert client.get("/cases/")["Location"] == "/cases/search/"


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_estimated_counts_are_kept_and_then_asked_again(users, client, monkeypatch):
    """Past the exact threshold a section's counts are the planner's
    estimates, kept core.pagination.COUNT_ESTIMATE_SECONDS like the lists'
    (issue 19: at 1M cases the bounded count and the EXPLAIN of each
    section were most of the home page): a reload asks neither, and once
    the kept estimate ages the page asks again."""
    from core import pagination

    monkeypatch.setattr(pagination, "COUNT_EXACT_UP_TO", 1)
    for i in range(3):
        _at_intake(users, f"改革事项{i}的容错申请")
    client.force_login(users["intake"])

    def counted():
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/").content.decode()
        sql = [q["sql"] for q in queries.captured_queries]
        return body, sum(q.startswith("EXPLAIN") for q in sql), sum(q.startswith("SELECT COUNT(*)") for q in sql)

    body, explains, counts = counted()
    assert explains and "约" in _section(body, "intake")
    # Exact counts (the empty sections, none overdue) are asked every time.
    body, explains_again, counts_again = counted()
    assert explains_again == 0 and counts_again == counts - explains and "约" in _section(body, "intake")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=pagination.COUNT_ESTIMATE_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        _body, explains, counts = counted()
    assert explains and counts
