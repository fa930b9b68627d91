import pytest

from cases.models import CaseEvent
from notifications.models import Notification
from notifications.services import case_event_notify
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def test_correction_notice_reaches_cadre_and_unit_not_committee(users):
    """The correction notice (纠错通知书) concerns the cadre and his unit."""
    case = make_case(applicant=users["applicant"], stage="correction")
    event = CaseEvent.objects.create(case=case, kind="correction_notice_sent", actor=users["inspector1"],
                                     from_stage="correction", to_stage="correction")
    case_event_notify(event_id=event.pk)
    told = set(Notification.objects.filter(case=case).values_list("recipient__username", flat=True))
    assert told == {"applicant", "unit_reviewer"}


def test_rectification_report_reaches_inspectors_not_the_cadre(users):
    """The cadre's report goes to the inspectors; he is not told of his own action."""
    case = make_case(applicant=users["applicant"], stage="correction")
    event = CaseEvent.objects.create(case=case, kind="rectification_report_submitted", actor=users["applicant"],
                                     from_stage="correction", to_stage="correction")
    case_event_notify(event_id=event.pk)
    told = set(Notification.objects.filter(case=case).values_list("recipient__username", flat=True))
    assert {"inspector1", "inspector2"} <= told and "applicant" not in told


def test_ready_letter_reaches_the_applicant_only(users):
    """When a letter is ready the applicant is told; issuing it tells nobody more."""
    case = make_case(applicant=users["applicant"], stage="verification")
    for kind in ("letter_issued", "letter_ready"):
        event = CaseEvent.objects.create(case=case, kind=kind, actor=None, from_stage="verification",
                                         to_stage="verification")
        case_event_notify(event_id=event.pk)
    told = list(Notification.objects.filter(case=case).values_list("recipient__username", "kind"))
    assert [u for u, _k in told] == ["applicant"]
