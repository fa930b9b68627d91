import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import CaseEvent
from notifications.models import Notification, NotificationPreference
from notifications.services import (
    case_event_notify,
    notification_digest_send,
    notification_email_send,
    notification_preference_set,
    notify,
)
from notifications.tasks import notification_digest_send_all_task
from tests.factories import make_case


@pytest.fixture
def case(world):
    users = world["users"]
    return make_case(applicant=users["applicant"], unit=world["units"]["huailai-edu"], stage="submitted")


def _event(case, kind, actor, from_stage="", to_stage="", reason=""):
    return CaseEvent.objects.create(case=case, kind=kind, actor=actor, from_stage=from_stage, to_stage=to_stage,
                                    reason=reason)


@pytest.mark.django_db
def test_nobody_is_notified_of_his_own_action(case, users):
    """notify() leaves the actor out even when he is among the recipients,
    and notifies each other recipient once."""
    made = notify(recipients=[users["intake"], users["applicant"], users["applicant"].pk], actor=users["intake"],
                  kind="test", message="m", case=case)
    assert [n.recipient_id for n in made] == [users["applicant"].pk]
    assert not Notification.objects.filter(recipient=users["intake"]).exists()


@pytest.mark.django_db
def test_submission_notifies_unit_reviewers_not_the_submitter(case, users):
    """An individual's submission goes to his unit's reviewers; he filed it
    himself, so he is not told of his own action."""
    event = _event(case, "submitted", users["applicant"], "draft", "unit_review")
    made = case_event_notify(event_id=event.pk)
    assert {n.recipient.username for n in made} == {"unit_reviewer"}
    assert "王芳" not in made[0].message and case.title in made[0].message


@pytest.mark.django_db
def test_event_audience_table(case, users):
    """Each event kind reaches who it concerns: a forward reaches intake and
    the applicant; acceptance the applicant, the unit and the supervisor (to
    assign inspectors); a kind registered with the handlers of the new
    stage (the defence waived) the applicant and the committee of
    deliberation. A kind nobody registered reaches nobody: the writer refuses
    it (core.events)."""
    forwarded = case_event_notify(event_id=_event(case, "unit_forwarded", users["unit_reviewer"], "unit_review",
                                                  "submitted").pk)
    assert {n.recipient.username for n in forwarded} == {"intake", "applicant"}
    accepted = case_event_notify(event_id=_event(case, "accepted", users["intake"], "submitted", "verification").pk)
    assert {n.recipient.username for n in accepted} == {"applicant", "unit_reviewer", "supervisor"}
    later = case_event_notify(event_id=_event(case, "defence_waived", users["inspector1"], "defence",
                                              "deliberation").pk)
    assert {n.recipient.username for n in later} == {"applicant", "committee1", "committee2", "committee3"}
    assert case_event_notify(event_id=_event(case, "report_submitted", users["inspector1"], "verification",
                                             "deliberation").pk) == []


@pytest.mark.django_db
def test_case_event_notify_twice_notifies_once(case, users):
    """A redelivered task for the same event creates no second notification."""
    event = _event(case, "supplement_requested", users["intake"], "submitted", "supplement", reason="缺会议纪要")
    assert len(case_event_notify(event_id=event.pk)) == 1
    assert case_event_notify(event_id=event.pk) == []
    note = Notification.objects.get(event=event)
    assert note.recipient == users["applicant"] and "缺会议纪要" in note.message


@pytest.mark.django_db
def test_a_repeat_still_unread_replaces_the_earlier_notice(case, users):
    """Issue 22 (41 unread for one case): a second event of the same kind on
    the same case, while the first notice is unread, updates that notice to
    the latest text instead of adding one; once read, the next is new."""
    first = _event(case, "supplement_requested", users["intake"], "submitted", "supplement", reason="缺会议纪要")
    case_event_notify(event_id=first.pk)
    second = _event(case, "supplement_requested", users["intake"], "submitted", "supplement", reason="缺签字页")
    case_event_notify(event_id=second.pk)
    notes = list(Notification.objects.filter(recipient=users["applicant"], case=case, kind="supplement_requested"))
    assert len(notes) == 1, [n.message for n in notes]
    assert "缺签字页" in notes[0].message and "缺会议纪要" not in notes[0].message
    assert notes[0].event_id == second.pk
    notes[0].read_at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    notes[0].save(update_fields=["read_at"])
    third = _event(case, "supplement_requested", users["intake"], "submitted", "supplement", reason="缺附件")
    case_event_notify(event_id=third.pk)
    assert Notification.objects.filter(recipient=users["applicant"], case=case, kind="supplement_requested").count() == 2


@pytest.mark.django_db
def test_recused_inspectors_are_not_told(case, users):
    """An inspector marked as related to the case (回避) hears nothing of it."""
    from reviews.models import Recusal

    Recusal.objects.create(case=case, user=users["inspector2"], reason="亲属")
    made = case_event_notify(event_id=_event(case, "other", users["intake"], "submitted", "verification").pk)
    names = {n.recipient.username for n in made}
    assert "inspector1" in names and "inspector2" not in names


@pytest.mark.django_db
def test_immediate_email_after_commit_and_only_once(case, users, eager_celery, django_capture_on_commit_callbacks):
    """An immediate-mode user gets one e-mail per notification once the
    transaction commits; sending again (a retried task) sends nothing."""
    with django_capture_on_commit_callbacks(execute=True):
        [note] = notify(recipients=[users["applicant"]], actor=users["intake"], kind="test", message="请补正材料",
                        case=case)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["applicant@example.gov.cn"] and "请补正材料" in mail.outbox[0].body
    assert notification_email_send(notification_id=note.pk) is False
    assert len(mail.outbox) == 1
    note.refresh_from_db()
    assert note.emailed_at is not None


@pytest.mark.django_db
def test_digest_users_get_one_daily_mail(case, users, eager_celery, django_capture_on_commit_callbacks):
    """A digest user gets no immediate mail; the daily task sends him one
    e-mail with all his unread notifications, and a second run sends none.
    Notifications read before the digest are left out."""
    notification_preference_set(user=users["applicant"], email_mode=NotificationPreference.EmailMode.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        for text in ("第一条", "第二条", "第三条"):
            notify(recipients=[users["applicant"]], actor=users["intake"], kind="test", message=text, case=case)
    assert mail.outbox == []
    Notification.objects.filter(message="第三条").update(read_at=dt.datetime.now(dt.UTC))
    with django_capture_on_commit_callbacks(execute=True):  # the digest tasks go out through the outbox
        assert notification_digest_send_all_task.apply().get() == 1
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "第一条" in body and "第二条" in body and "第三条" not in body
    assert notification_digest_send(user_id=users["applicant"].pk) == 0
    assert notification_digest_send_all_task.apply().get() == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_no_email_mode_and_no_address(case, users, eager_celery, django_capture_on_commit_callbacks):
    """'none' mode and users without an address get the notification in
    the centre only."""
    notification_preference_set(user=users["applicant"], email_mode="none")
    users["unit_reviewer"].email = ""
    users["unit_reviewer"].save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        made = notify(recipients=[users["applicant"], users["unit_reviewer"]], actor=None, kind="t", message="m")
    assert len(made) == 2 and mail.outbox == []


PAGE_QUERIES = 6


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_notification_api_own_only_unread_filter_and_mark_read(case, users, django_assert_num_queries):
    """The list shows only the user's own notifications, paginated, with an
    unread filter in a fixed number of queries; marking another user's
    notification read is a 404; read-all marks the rest."""
    for i in range(5):
        notify(recipients=[users["applicant"], users["intake"]], actor=users["supervisor"], kind="t",
               message=f"m{i}", case=case)
    mine = list(Notification.objects.filter(recipient=users["applicant"]).order_by("id"))
    other = Notification.objects.filter(recipient=users["intake"]).first()
    client = _api(users["applicant"])
    users["applicant"].refresh_from_db()
    with django_assert_num_queries(2):  # count, page (actor and case joined)
        resp = client.get("/api/v1/notifications/?page_size=3")
    assert resp.status_code == 200 and resp.json()["count"] == 5 and len(resp.json()["results"]) == 3
    assert resp.json()["results"][0]["actor"] == "赵强"
    assert client.post(f"/api/v1/notifications/{other.pk}/read/").status_code == 404
    resp = client.post(f"/api/v1/notifications/{mine[0].pk}/read/")
    assert resp.status_code == 200 and resp.json()["is_read"] is True
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 4
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 4}
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 0
    assert Notification.objects.filter(recipient=users["intake"], read_at__isnull=True).count() == 5
    assert APIClient().get("/api/v1/notifications/").status_code in (401, 403)


@pytest.mark.django_db
def test_preferences_api(users):
    """GET gives the default (immediate); PUT sets digest; a bad value is a
    400 in the common error shape."""
    client = _api(users["applicant"])
    assert client.get("/api/v1/notifications/preferences/").json() == {"email_mode": "immediate"}
    assert client.put("/api/v1/notifications/preferences/", {"email_mode": "digest"}).json() == {
        "email_mode": "digest"}
    assert NotificationPreference.objects.get(user=users["applicant"]).email_mode == "digest"
    bad = client.put("/api/v1/notifications/preferences/", {"email_mode": "weekly"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="en")
def test_centre_page_bell_and_mark_read(case, users, client):
    """The centre lists the user's notifications with links to the case;
    the header bell shows the unread count; marking one read through htmx
    returns the updated item; read-all empties the count."""
    notify(recipients=[users["applicant"]], actor=users["intake"], kind="t", message="请补正材料", case=case,
           url="/cases/1/")
    notify(recipients=[users["applicant"]], actor=users["intake"], kind="t", message="second", case=case)
    client.force_login(users["applicant"])
    resp = client.get(reverse("notifications:list"), HTTP_ACCEPT_LANGUAGE="en")
    html = resp.content.decode()
    assert resp.status_code == 200 and "请补正材料" in html and 'href="/cases/1/"' in html
    assert 'class="badge" aria-hidden="true">2<' in html and "Notifications, 2 unread" in html
    note = Notification.objects.get(message="请补正材料")
    resp = client.post(reverse("notifications:read", args=[note.pk]), HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and "Mark read" not in resp.content.decode()
    client.post(reverse("notifications:read_all"))
    html = client.get(reverse("notifications:list") + "?show=unread").content.decode()
    assert 'class="badge"' not in html and "No notifications." in html


@pytest.mark.django_db
def test_centre_page_query_count_is_fixed(case, users, client, django_assert_num_queries):
    """The centre page costs the same number of queries for 3 or 30
    notifications (actor and case joined, not fetched per row)."""
    client.force_login(users["applicant"])
    notify(recipients=[users["applicant"]] * 1, actor=users["intake"], kind="t", message="x", case=case)
    client.get(reverse("notifications:list"))  # warm up session and language
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notifications:list"))
    for _ in range(30):
        notify(recipients=[users["applicant"]], actor=users["intake"], kind="t", message="y", case=case)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("notifications:list"))
    assert len(many) == len(few)
    # session, user, memberships (nav), count + page, unread count (bell)
    with django_assert_num_queries(PAGE_QUERIES):
        client.get(reverse("notifications:list"))


@pytest.mark.django_db
def test_preferences_page(users, client):
    """The preferences page saves the choice."""
    client.force_login(users["applicant"])
    assert client.get(reverse("notifications:preferences")).status_code == 200
    resp = client.post(reverse("notifications:preferences"), {"email_mode": "digest"})
    assert resp.status_code == 302
    assert NotificationPreference.objects.get(user=users["applicant"]).email_mode == "digest"
