"""A mitigated ruling reaches the organization department through the
real Celery worker (the session's ``celery_worker_proc`` on this run's
broker): the hand-off queued in the ruling's transaction (outbox), the
结果运用通知 rendered by the worker, then the department's work through the
API and the pages: recorded applications, the reminder before a period
ends, the cadre's record, the follow-up talk with its clock and the visit
it schedules. (The same recording in a real browser, with the
accessibility check of these pages: test_browser.py.)"""

import datetime as dt
import time

import pytest
import time_machine
from rest_framework.test import APIClient

from careers.models import FollowUp, ResultUse
from deadlines.services import reminder_sweep
from letters.models import Letter
from notifications.models import Notification

from .conftest import TODAY, rule

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _until(check, what, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"the worker did not {what} in {seconds} s")


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_mitigated_ruling_reaches_the_department_through_the_worker(celery_worker_proc, users, client):
    with time_machine.travel(TODAY, tick=False):
        case = rule(users)  # mitigated: 考核 (the version's 12 months) and 选拔任用 (6 months)
    # Nothing was sent in the ruling's transaction itself: the worker did it.
    uses = _until(lambda: list(ResultUse.objects.filter(case=case).order_by("policy_item__number")),
                  "open the result uses")
    assert [u.impact_months for u in uses] == [12, 6]
    assert uses[1].ends_on == dt.date(2026, 7, 8) and uses[0].ends_on == dt.date(2027, 1, 8)
    letter = _until(lambda: Letter.objects.filter(case=case, kind="result_use_notice",
                                                  status=Letter.Status.READY).first(), "render the notice")
    assert letter.number and len(letter.sha256) == 64
    talk = FollowUp.objects.select_related("clock").get(case=case, kind="talk")
    assert talk.status == "open" and talk.clock is not None and talk.clock.status == "running"
    org = users["org_dept"]
    # The department hears of it (notifications go out after the commit, by the worker too).
    _until(lambda: Notification.objects.filter(recipient=org, kind="result_uses_sent").exists(), "notify")

    with time_machine.travel(TODAY, tick=False):
        # The department records how each use was applied (API).
        for use, (occasion, outcome) in zip(uses, [("2026年度考核", "未受影响"), ("2026年干部选拔任用", "不作为影响因素")],
                                            strict=True):
            resp = api(org).post(f"/api/v1/result-uses/{use.pk}/apply/", {
                "occasion": occasion, "outcome": outcome, "applied_on": TODAY.date().isoformat()}, format="json")
            assert resp.status_code == 200, resp.content
        # Every use applied: the recording clock stopped.
        assert not case.clocks.filter(stage="result_use_record", status="running").exists()
        # The talk, with its clock; it schedules the visit at the version's interval.
        resp = api(org).post(f"/api/v1/followups/{talk.pk}/record/", {
            "held_on": TODAY.date().isoformat(), "participants": "郑琳、张伟", "summary": "了解思想状况，鼓励其大胆工作。"},
            format="json")
        assert resp.status_code == 200 and resp.json()["status"] == "done"
        talk.refresh_from_db()
        assert talk.clock.status == "stopped"
        visit = FollowUp.objects.select_related("clock").get(case=case, kind="visit")
        assert visit.status == "open" and visit.clock.due_date == dt.date(2026, 9, 2)

    # Three working days before the 6 months end, the department is reminded.
    with time_machine.travel(dt.datetime(2026, 7, 3, 9, tzinfo=dt.UTC), tick=False):
        reminder_sweep()
    note = Notification.objects.get(recipient=org, kind="reminder:before", message__contains="2026-07-08")
    assert note.case_id == case.pk

    # The cadre's record shows it all: to himself (API) and to the department (page).
    body = api(users["applicant"]).get(f"/api/v1/cadres/{case.applicant_id}/record/").json()
    [entry] = body["cases"]
    assert [r["result"] for r in entry["rulings"]] == ["mitigated"]
    assert {a["outcome"] for u in entry["result_uses"] for a in u["applications"]} == {"未受影响", "不作为影响因素"}
    assert {(f["kind"], f["status"]) for f in entry["followups"]} == {("talk", "done"), ("visit", "open")}
    assert [f["due_date"] for f in entry["followups"] if f["kind"] == "visit"] == ["2026-09-02"]
    client.force_login(org)
    page = client.get(f"/careers/cadres/{case.applicant_id}/").content.decode()
    assert "2026年度考核：未受影响" in page and "2026年干部选拔任用：不作为影响因素" in page
    assert "2026-09-02" in page
