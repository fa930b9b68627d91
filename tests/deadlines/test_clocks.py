import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.test import APIClient

from cases.models import CaseEvent
from core.exceptions import ApplicationError
from deadlines.models import ClockEntry
from deadlines.selectors import clock_list_for_case
from deadlines.services import (
    EXTENSION_NOT_ALLOWED,
    EXTENSION_NOT_SUPERVISOR,
    EXTENSION_TOO_LONG,
    clock_extend,
    clock_extension_grant,
    clock_open,
    clock_pause,
    clock_resume,
)
from notifications.models import Notification
from tests.factories import make_case

from .conftest import HOLIDAY_START, at


@pytest.mark.django_db
def test_pause_moves_the_due_date_by_the_paused_working_days(intake_clock, submitted_case, users):
    """Paused on Monday 28 September and resumed on Wednesday 30 September,
    the intake clock loses two working days (29 and 30 Sept): its due date
    moves from Friday 9 October to Monday 12 October, because Saturday 10
    October is a 调休 working day and Sunday 11 is not."""
    with at(dt.date(2026, 9, 28)):
        paused = clock_pause(case=submitted_case, stage="intake", actor=users["intake"], reason="补正")
    assert paused.status == "paused" and paused.due_date is None
    with at(dt.date(2026, 9, 30)):
        resumed = clock_resume(case=submitted_case, stage="intake", actor=users["applicant"])
    assert resumed.due_date == dt.date(2026, 10, 12)
    explained = clock_list_for_case(case=submitted_case, today=dt.date(2026, 9, 30))[0].explanation
    assert explained["pauses"] == [{"from": "2026-09-28", "to": "2026-09-30", "days": 2, "reason": "补正"}]
    assert explained["amount"] == 7


@pytest.mark.django_db
def test_extension_within_maximum_then_beyond_it_refused(intake_clock, users):
    """The test policy allows 5 extra working days for intake: 3 are
    granted, then 3 more are refused with the maximum and what was used,
    and the due date is unchanged by the refusal."""
    with at(dt.date(2026, 10, 8)):
        clock = clock_extend(clock=intake_clock, actor=users["supervisor"], days=3, reason="案情复杂")
        # 9 Oct + 3 working days: Sat 10 (调休, worked), Mon 12, Tue 13.
        assert clock.due_date == dt.date(2026, 10, 13)
        with pytest.raises(ApplicationError) as exc:
            clock_extend(clock=intake_clock, actor=users["supervisor"], days=3, reason="再延")
    # The message constant, in the active language (Chinese by default).
    assert exc.value.message == _(EXTENSION_TOO_LONG) % {"max": 5, "used": 3}
    assert exc.value.message == "延长天数超过办法规定的最长5日（已延长3日）。"
    intake_clock.refresh_from_db()
    assert intake_clock.due_date == dt.date(2026, 10, 13)
    assert ClockEntry.objects.filter(clock=intake_clock, kind="extend").count() == 1


@pytest.mark.django_db
def test_extension_refused_where_the_policy_allows_none(submitted_case, users):
    """A unit-review clock (no extension in the test policy) cannot be
    extended at all."""
    with at(HOLIDAY_START):
        clock = clock_open(case=submitted_case, stage="unit_review", start=HOLIDAY_START)
        with pytest.raises(ApplicationError, match=re.escape(_(EXTENSION_NOT_ALLOWED))):
            clock_extend(clock=clock, actor=users["supervisor"], days=1, reason="x")


@pytest.mark.django_db
def test_extension_grant_only_by_supervisor_and_recorded(intake_clock, submitted_case, users):
    """Only a supervisor of the case's jurisdiction may grant; the grant is
    written to the case history and the applicant hears of it."""
    # Worded for what the clock runs on (its model's name: 案件 here, 事前报备 for a pre-filing).
    assert _(EXTENSION_NOT_SUPERVISOR) % {"record": "案件"} == "只有该案件所属辖区的分管领导可以批准延长期限。"
    with pytest.raises(ApplicationError, match=re.escape(_(EXTENSION_NOT_SUPERVISOR) % {"record": "案件"})):
        clock_extension_grant(case=submitted_case, clock_id=intake_clock.pk, actor=users["intake"], days=1,
                              reason="x")
    with at(dt.date(2026, 10, 8)):
        clock_extension_grant(case=submitted_case, clock_id=intake_clock.pk, actor=users["supervisor"], days=2,
                              reason="节后积压")
    event = CaseEvent.objects.get(case=submitted_case, kind="deadline_extended")
    assert event.data["due_before"] == "2026-10-09" and event.data["due_after"] == "2026-10-12"
    from notifications.services import case_event_notify

    case_event_notify(event_id=event.pk)
    assert Notification.objects.filter(recipient=users["applicant"], event=event).exists()
    assert not Notification.objects.filter(recipient=users["supervisor"], event=event).exists()


@pytest.mark.django_db
def test_clock_list_query_count_is_fixed(submitted_case, users, django_assert_num_queries):
    """The clocks of a case with their explanations cost 6 queries however
    many clocks and entries: clocks, entries, their actors, the version's
    limits (their certainty), and the calendar's two tables (one
    WorkCalendar for all clocks)."""
    with at(HOLIDAY_START):
        for stage in ("intake", "verification", "deliberation"):
            clock = clock_open(case=submitted_case, stage=stage, start=HOLIDAY_START)
            clock_extend(clock=clock, actor=users["supervisor"], days=1, reason="r")
    with django_assert_num_queries(6):
        clocks = clock_list_for_case(case=submitted_case, today=HOLIDAY_START)
        assert [c.explanation["extensions"][0]["by"] for c in clocks] == ["赵强"] * 3


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_clocks_api_shows_explanation_to_those_who_see_the_case(intake_clock, submitted_case, users, world):
    """The applicant and intake see the clocks with the explanation (start,
    counted and skipped days with reasons); a user of another jurisdiction
    gets 404 (nothing leaked)."""
    url = f"/api/v1/cases/{submitted_case.pk}/clocks/"
    with at(dt.date(2026, 10, 12)):
        resp = _api(users["applicant"]).get(url)
    assert resp.status_code == 200
    [clock] = resp.json()
    assert clock["due_date"] == "2026-10-09" and clock["overdue"] is True and clock["at_authority"] is True
    ex = clock["explanation"]
    assert ex["start"] == "2026-09-25" and ex["due"] == "2026-10-09"
    assert [d["date"] for d in ex["counted"]] == ["2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09"]
    assert {"date": "2026-10-01", "reason": "国庆节", "known": True} in ex["skipped"]
    assert _api(users["km_intake"]).get(url).status_code == 404


@pytest.mark.django_db
def test_extend_api_permissions_and_maximum(intake_clock, submitted_case, users):
    """POST extend: 403 for intake (may see the case, may not extend), 400
    with the policy's maximum beyond it, 200 with the new due date for the
    supervisor; 404 for another jurisdiction's user."""
    url = f"/api/v1/cases/{submitted_case.pk}/clocks/{intake_clock.pk}/extend/"
    with at(dt.date(2026, 10, 8)):
        assert _api(users["intake"]).post(url, {"days": 1, "reason": "x"}).status_code == 403
        assert _api(users["km_intake"]).post(url, {"days": 1, "reason": "x"}).status_code == 404
        too_long = _api(users["supervisor"]).post(url, {"days": 6, "reason": "x"})
        assert too_long.status_code == 409
        assert too_long.json()["detail"] == _(EXTENSION_TOO_LONG) % {"max": 5, "used": 0}
        ok = _api(users["supervisor"]).post(url, {"days": 1, "reason": "节后积压"})
    assert ok.status_code == 200
    assert ok.json()["due_date"] == "2026-10-10"
    assert ok.json()["explanation"]["extensions"][0]["by"] == "赵强"


@pytest.mark.django_db
def test_clocks_partial_renders_explanation_and_extension_form(intake_clock, submitted_case, users, rf):
    """The partial the case page includes shows the due date, the overdue
    flag as "overdue at the authority", the explanation with skipped
    holidays, and the extension form only to the supervisor."""
    from django.template.loader import render_to_string
    from django.utils import translation

    clocks = clock_list_for_case(case=submitted_case, today=dt.date(2026, 10, 12))
    with translation.override("en"):
        request = rf.get("/cases/1/")
        request.user = users["supervisor"]
        html = render_to_string("deadlines/case_clocks.html", {"case": submitted_case, "clocks": clocks,
                                                                "user": users["supervisor"]}, request=request)
        assert "2026-10-09" in html and "Overdue at the authority" in html
        assert "Explain this deadline" in html and "国庆节" in html
        assert reverse("deadlines:extend", args=[submitted_case.pk, intake_clock.pk]) in html
        request.user = users["applicant"]
        html = render_to_string("deadlines/case_clocks.html", {"case": submitted_case, "clocks": clocks,
                                                                "user": users["applicant"]}, request=request)
    assert "Overdue at the authority" in html
    assert reverse("deadlines:extend", args=[submitted_case.pk, intake_clock.pk]) not in html


@pytest.mark.django_db
def test_extend_view_grants_and_refuses(intake_clock, submitted_case, users, client):
    """The browser form: the supervisor extends and is sent back; intake
    gets 403; an extension beyond the maximum shows the policy's message."""
    url = reverse("deadlines:extend", args=[submitted_case.pk, intake_clock.pk])
    client.force_login(users["intake"])
    assert client.post(url, {"days": 1, "reason": "x"}).status_code == 403
    client.force_login(users["supervisor"])
    with at(dt.date(2026, 10, 8)):
        resp = client.post(url, {"days": 9, "reason": "x"}, HTTP_ACCEPT_LANGUAGE="en")
        assert resp.status_code == 400
        resp = client.post(url, {"days": 2, "reason": "节后积压", "next": "/cases/"})
    assert resp.status_code == 302 and resp["Location"] == "/cases/"
    intake_clock.refresh_from_db()
    assert intake_clock.due_date == dt.date(2026, 10, 12)


@pytest.mark.django_db
def test_flagged_clock_warns_calendar_data_missing(world, users):
    """A clock running into a year with no holiday data is flagged, and the
    partial says the date may be wrong."""
    from django.template.loader import render_to_string
    from django.utils import translation

    case = make_case(applicant=users["applicant"], unit=world["units"]["huailai-edu"], stage="verification")
    clock = clock_open(case=case, stage="verification", start=dt.date(2039, 12, 20))
    assert clock.flagged is True
    with translation.override("en"):
        html = render_to_string("deadlines/case_clocks.html", {"case": case, "clocks": clock_list_for_case(case=case),
                                                                "user": users["applicant"]})
    assert "Calendar data missing" in html



@pytest.mark.django_db
def test_clock_summary_for_case_lists(intake_clock, submitted_case, users, django_assert_num_queries):
    """List pages get each case's earliest running clock and its overdue
    flag in one query."""
    from deadlines.selectors import clock_summary_for_cases

    with django_assert_num_queries(1):
        summary = clock_summary_for_cases(case_ids=[submitted_case.pk, 0], today=dt.date(2026, 10, 12))
    assert summary == {submitted_case.pk: {"due_date": dt.date(2026, 10, 9), "stage": "intake", "overdue": True,
                                           "at_authority": True}}


@pytest.mark.django_db
def test_clocks_api_query_count_is_fixed(submitted_case, users, django_assert_num_queries):
    """GET clocks costs the same 8 queries for one clock or three:
    memberships, the case, clocks, entries, actors, the version's limits,
    the calendar (2)."""
    with at(HOLIDAY_START):
        for stage in ("intake", "verification", "deliberation"):
            clock = clock_open(case=submitted_case, stage=stage, start=HOLIDAY_START)
            clock_extend(clock=clock, actor=users["supervisor"], days=1, reason="r")
    client = _api(users["intake"])
    with django_assert_num_queries(8):
        resp = client.get(f"/api/v1/cases/{submitted_case.pk}/clocks/")
    assert [c["stage"] for c in resp.json()] == ["intake", "verification", "deliberation"]


@pytest.mark.django_db
def test_case_page_includes_the_clocks_panel(intake_clock, submitted_case, users, client):
    """The case page (cases:detail) shows the clocks panel with the
    explanation, and the extension form to the supervisor only."""
    url = reverse("cases:detail", args=[submitted_case.pk])
    extend = reverse("deadlines:extend", args=[submitted_case.pk, intake_clock.pk])
    client.force_login(users["supervisor"])
    html = client.get(url).content.decode()
    assert "期限计算说明" in html and "2026-10-09" in html and extend in html
    client.force_login(users["applicant"])
    html = client.get(url).content.decode()
    assert "期限计算说明" in html and extend not in html


@pytest.mark.django_db
def test_example_default_limit_is_marked_on_the_page_and_in_the_api(submitted_case, users, client):
    """Issue 16: a clock running an example-default limit says so where it
    shows the limit (示例默认（待核定）), on the case page's clocks panel and
    in the API; a limit taken from the text carries no mark."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from policies.models import StageTimeLimit

    with at(dt.date(2026, 9, 28)):
        clock_open(case=submitted_case, stage="intake", start=dt.date(2026, 9, 28))
        clock_open(case=submitted_case, stage="verification", start=dt.date(2026, 9, 28))
    StageTimeLimit.objects.filter(version=submitted_case.policy_version, stage="verification").update(
        certainty="verbatim", source="第六条")

    def panel():
        with translation.override("zh-hans"):
            html = render_to_string("deadlines/case_clocks.html", {
                "case": submitted_case, "clocks": clock_list_for_case(case=submitted_case),
                "user": users["applicant"]})
        return {a.split("</h3>")[0].rsplit(">", 1)[-1]: a for a in html.split("<article")[1:]}

    articles = panel()
    intake = next(a for title, a in articles.items() if "受理" in title)
    verification = next(a for title, a in articles.items() if "核实" in title)
    assert intake.count("示例默认（待核定）") == 2  # the limit and the explanation's "policy allows"
    assert "示例默认（待核定）" not in verification
    body = {c["stage"]: c for c in _api(users["intake"]).get(f"/api/v1/cases/{submitted_case.pk}/clocks/").json()}
    assert body["intake"]["limit_certainty"] == "example_default" and body["intake"]["limit_confirmed"] is False
    assert body["verification"]["limit_certainty"] == "verbatim" and body["verification"]["limit_confirmed"] is True
    # The page head's due date says so too (the applicant's own page).
    client.force_login(users["intake"])
    page = client.get(reverse("cases:detail", args=[submitted_case.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    head = page.content.decode().split('id="case-due"')[1].split('id="case-next"')[0]
    assert "示例默认（待核定）" in head
