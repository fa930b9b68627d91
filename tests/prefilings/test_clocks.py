"""A pre-filing's clocks (issue 21): shown in the clocks panel the case page
has, and extended by a supervisor of the filing's jurisdiction through the
deadlines' one service (the reason kept on the clock, the event in the
filing's history and its notifications), from the page and from the API."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from deadlines.models import Clock, ClockEntry
from notifications.models import Notification
from policies.models import StageTimeLimit, TimeLimitStage
from prefilings import services

from .conftest import FRIDAY, MONDAY, at, make_draft

pytestmark = pytest.mark.django_db

# The deadlines' own refusal, in the site's language (3 days at most, none used).
TOO_LONG = "延长天数超过办法规定的最长3日（已延长0日）。"


@pytest.fixture
def extendable(world):
    """The policy lets the review be extended by 3 working days and a
    progress report by 10 days (the test policy allows neither)."""
    StageTimeLimit.objects.filter(version=world["policy"], stage=TimeLimitStage.PREFILING_REVIEW).update(
        extension_allowed=True, extension_max=3)
    StageTimeLimit.objects.filter(version=world["policy"], stage=TimeLimitStage.PROGRESS_REPORT).update(
        extension_allowed=True, extension_max=10)


@pytest.fixture
def under_review(extendable, users):
    filing = make_draft(users["applicant"])
    with at(FRIDAY):
        services.prefiling_submit(filing=filing, actor=users["applicant"])
    filing.refresh_from_db()
    assert filing.review_due == MONDAY
    return filing


def _review_clock(filing):
    return Clock.objects.get(subject="prefiling", subject_pk=filing.pk, stage=TimeLimitStage.PREFILING_REVIEW)


def _extend_url(filing, clock):
    return f"/prefilings/{filing.pk}/clocks/{clock.pk}/extend/"


class TestPanel:
    def test_the_filing_page_shows_its_clocks_and_the_supervisor_may_extend(self, under_review, users, client):
        clock = _review_clock(under_review)
        client.force_login(users["supervisor"])
        with at(MONDAY):
            page = client.get(f"/prefilings/{under_review.pk}/").content.decode()
        assert 'id="clocks-heading"' in page and f'id="clock-{clock.pk}"' in page
        assert "2026-01-12" in page
        assert f'action="{_extend_url(under_review, clock)}"' in page
        # Intake and the unit see the clock, not the extension form.
        for name in ("intake", "applicant"):
            client.force_login(users[name])
            page = client.get(f"/prefilings/{under_review.pk}/").content.decode()
            assert f'id="clock-{clock.pk}"' in page and "/extend/" not in page, name

    def test_a_draft_has_no_clocks_panel(self, draft, users, client):
        client.force_login(users["applicant"])
        assert 'id="clocks-heading"' not in client.get(f"/prefilings/{draft.pk}/").content.decode()


class TestExtendFromThePage:
    def test_the_supervisor_extends_the_review_with_a_reason(self, under_review, users, client):
        clock = _review_clock(under_review)
        client.force_login(users["supervisor"])
        with at(MONDAY):
            assert client.get(_extend_url(under_review, clock)).status_code == 200
            response = client.post(_extend_url(under_review, clock), {"days": "2", "reason": "材料需核实"})
        assert response.status_code == 302 and response["Location"] == f"/prefilings/{under_review.pk}/"
        clock.refresh_from_db()
        assert clock.due_date == dt.date(2026, 1, 14)  # two working days more
        entry = ClockEntry.objects.get(clock=clock, kind="extend")
        assert (entry.days, entry.actor, entry.reason) == (2, users["supervisor"], "材料需核实")
        under_review.refresh_from_db()
        # What the intake queue and the list show follows the clock.
        assert under_review.review_due == dt.date(2026, 1, 14) and under_review.next_due == dt.date(2026, 1, 14)
        event = under_review.events.get(kind="deadline_extended")
        assert event.actor == users["supervisor"] and event.reason == "材料需核实"
        assert event.data["due_before"] == "2026-01-12" and event.data["due_after"] == "2026-01-14"
        # The timeline shows its label, not the raw code; intake and the unit hear of it.
        page = client.get(f"/prefilings/{under_review.pk}/").content.decode()
        assert "deadline_extended" not in page and "期限已延长" in page
        assert services.prefiling_event_notify(event_id=event.pk) >= 2
        heard = set(Notification.objects.filter(kind="prefiling:deadline_extended")
                    .values_list("recipient__username", flat=True))
        assert {"intake", "applicant"} <= heard and "supervisor" not in heard

    def test_a_refused_extension_changes_nothing(self, under_review, users, client):
        """Beyond the policy's maximum, or with no reason: the form says so."""
        clock = _review_clock(under_review)
        client.force_login(users["supervisor"])
        with at(MONDAY):
            response = client.post(_extend_url(under_review, clock), {"days": "4", "reason": "理由"})
            assert response.status_code == 400 and TOO_LONG in response.content.decode()
            assert client.post(_extend_url(under_review, clock), {"days": "1", "reason": ""}).status_code == 400
        clock.refresh_from_db()
        assert clock.due_date == MONDAY and not clock.entries.filter(kind="extend").exists()
        assert not under_review.events.filter(kind="deadline_extended").exists()

    def test_only_a_supervisor_of_the_jurisdiction(self, under_review, users, client):
        clock = _review_clock(under_review)
        for name in ("intake", "applicant", "inspector1"):
            client.force_login(users[name])
            assert client.post(_extend_url(under_review, clock), {"days": "1", "reason": "理由"}).status_code == 403
        client.force_login(users["km_intake"])  # of another jurisdiction: may not even see it
        assert client.post(_extend_url(under_review, clock), {"days": "1", "reason": "理由"}).status_code == 404
        assert not ClockEntry.objects.filter(clock=clock, kind="extend").exists()


class TestExtendFromTheApi:
    def _api(self, user):
        api = APIClient()
        api.force_authenticate(user)
        return api

    def test_list_and_extend(self, under_review, users):
        clock = _review_clock(under_review)
        api = self._api(users["supervisor"])
        listed = api.get(f"/api/v1/prefilings/{under_review.pk}/clocks/").json()
        assert [(c["id"], c["stage"], c["due_date"], c["at_authority"]) for c in listed] == [
            (clock.pk, "prefiling_review", "2026-01-12", True)]
        with at(MONDAY):
            response = api.post(f"/api/v1/prefilings/{under_review.pk}/clocks/{clock.pk}/extend/",
                                {"days": 1, "reason": "需补充核实"}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["due_date"] == "2026-01-13"
        assert response.json()["explanation"]["extension_days"] == 1
        under_review.refresh_from_db()
        assert under_review.review_due == dt.date(2026, 1, 13)
        assert api.get(f"/api/v1/prefilings/{under_review.pk}/").json()["events"][-1]["kind"] == "deadline_extended"

    def test_the_report_clock_is_the_unit_s_time(self, extendable, registered, users):
        """A registered filing's progress report: the unit's own time (the
        declaration's at_authority), extended, and the next report date follows."""
        api = self._api(users["supervisor"])
        listed = {c["stage"]: c for c in api.get(f"/api/v1/prefilings/{registered.pk}/clocks/").json()}
        assert listed["progress_report"]["at_authority"] is False
        assert listed["prefiling_review"]["status"] == "stopped"
        before = registered.next_report_due
        report = listed["progress_report"]
        assert report["extension_allowed"] and report["extension_max"] == 10
        with at(before - dt.timedelta(days=1)):
            response = api.post(f"/api/v1/prefilings/{registered.pk}/clocks/{report['id']}/extend/",
                                {"days": 7, "reason": "汛期暂停施工"}, format="json")
        assert response.status_code == 200, response.content
        registered.refresh_from_db()
        assert registered.next_report_due == before + dt.timedelta(days=7)

    def test_statuses(self, under_review, users):
        clock = _review_clock(under_review)
        url = f"/api/v1/prefilings/{under_review.pk}/clocks/{clock.pk}/extend/"
        supervisor = self._api(users["supervisor"])
        assert supervisor.post(url, {"days": 1, "reason": ""}, format="json").status_code == 400
        with at(MONDAY):
            response = supervisor.post(url, {"days": 5, "reason": "理由"}, format="json")
        assert response.status_code == 409 and response.json()["detail"] == TOO_LONG
        response = self._api(users["intake"]).post(url, {"days": 1, "reason": "理由"}, format="json")
        assert response.status_code == 403
        # Worded for what the clock runs on: a pre-filing, not a case (deadlines.services).
        assert response.json()["detail"] == "只有该事前报备所属辖区的分管领导可以批准延长期限。"
        response = self._api(users["intake"]).post(url, {"days": 1, "reason": "理由"}, format="json",
                                                   HTTP_ACCEPT_LANGUAGE="en")
        assert response.json()["detail"] == "Only a supervisor of the pre-filing's jurisdiction may grant an extension."
        assert self._api(users["km_intake"]).post(url, {"days": 1, "reason": "理由"},
                                                      format="json").status_code == 404
        other = make_draft(users["applicant"], title="另一事项")
        with at(FRIDAY):
            services.prefiling_submit(filing=other, actor=users["applicant"])
        # A clock of another filing, through this one's address.
        response = supervisor.post(f"/api/v1/prefilings/{under_review.pk}/clocks/{_review_clock(other).pk}/extend/",
                                   {"days": 1, "reason": "理由"}, format="json")
        assert response.status_code == 404
        clock.refresh_from_db()
        assert clock.due_date == MONDAY
