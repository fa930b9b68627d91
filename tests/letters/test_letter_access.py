"""Who may list and download letters: whoever may see the case (DESIGN §1),
in the browser and in the API alike; everyone else gets a 404."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from letters.models import Letter
from letters.services import letter_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_letter(letter_case, users, eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        letter = letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
    letter.refresh_from_db()
    assert letter.status == Letter.Status.READY
    return letter


def test_download_for_the_applicant_and_staff_not_for_others(client, users, ready_letter):
    """The applicant and intake download the PDF (attachment, PDF type, the
    stored hash); an applicant of another case and a stranger get 404; an
    anonymous visitor is sent to the login page."""
    url = reverse("letters:download", args=[ready_letter.pk])
    for username in ("applicant2", "intake"):
        client.force_login(users[username])
        response = client.get(url)
        assert response.status_code == 200, username
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-SHA256"] == ready_letter.sha256
        # SM3 beside SHA-256; a document, not a page: sandboxed, not cached.
        assert len(ready_letter.sm3) == 64 and response["X-Content-SM3"] == ready_letter.sm3
        assert response["Content-Security-Policy"] == "sandbox"
        assert "no-store" in response["Cache-Control"]
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    for username in ("km_applicant", "applicant", "km_intake"):
        client.force_login(users[username])
        assert client.get(url).status_code == 404, username
    from audit.models import AuditRecord

    # Each download is in the audit log; refusals are not downloads.
    assert sorted(AuditRecord.objects.filter(kind="letter_download").values_list("username", flat=True)) == [
        "applicant2", "intake"]
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_pending_letter_is_not_downloadable(client, users, letter_case):
    """A letter still being prepared has no file: 404, not an empty PDF."""
    letter = letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
    client.force_login(users["applicant2"])
    assert client.get(reverse("letters:download", args=[letter.pk])).status_code == 404


def test_partial_polls_only_while_pending(client, users, letter_case, eager_celery,
                                          django_capture_on_commit_callbacks, django_assert_num_queries):
    """The case page's letters block carries the htmx polling trigger while
    a letter is pending, shows the error of a failed one, and stops polling
    once everything is ready or failed."""
    letter = letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
    client.force_login(users["applicant2"])
    url = reverse("letters:case_letters", args=[letter_case.pk])
    client.get(url)
    # session, user, memberships, case, letters (+ the notification bell is
    # not in the partial: it does not extend base.html)
    with django_assert_num_queries(5):
        body = client.get(url).content.decode()
    assert 'hx-trigger="every 3s"' in body and letter.number in body

    Letter.objects.filter(pk=letter.pk).update(status=Letter.Status.FAILED, error="template error (x)")
    body = client.get(url).content.decode()
    assert "hx-trigger" not in body and "template error (x)" in body

    # Pending again, with the error of the last attempt: still polling, and
    # the error is shown while the task retries.
    Letter.objects.filter(pk=letter.pk).update(status=Letter.Status.PENDING)
    body = client.get(url).content.decode()
    assert 'hx-trigger="every 3s"' in body and "template error (x)" in body
    from letters.tasks import letter_render as letter_render_task

    letter_render_task.apply(args=[letter.pk])
    body = client.get(url).content.decode()
    assert "hx-trigger" not in body
    assert reverse("letters:download", args=[letter.pk]) in body

    client.force_login(users["km_applicant"])
    assert client.get(url).status_code == 404


def test_api_lists_letters_of_a_visible_case(users, letter_case, ready_letter, django_assert_num_queries):
    """GET /api/v1/cases/{id}/letters/ lists status, number, hash and the
    download URL, in a fixed number of queries; 404 for a case the user
    cannot see."""
    letter_issue(case=letter_case, kind="not_accepted", actor=users["intake"], context={"reason": "不符合"})
    api = APIClient()
    api.force_authenticate(users["applicant2"])
    url = f"/api/v1/cases/{letter_case.pk}/letters/"
    api.get(url)  # warm per-user caches
    with django_assert_num_queries(2):  # case visibility, letters
        response = api.get(url)
    assert response.status_code == 200
    rows = response.json()
    assert [r["kind"] for r in rows] == ["acceptance", "not_accepted"]
    ready = rows[0]
    assert ready["status"] == "ready" and ready["number"] == ready_letter.number
    assert ready["sha256"] == ready_letter.sha256 and len(ready["sha256"]) == 64
    assert ready["download_url"].endswith(f"/api/v1/letters/{ready_letter.pk}/download/")
    assert rows[1]["status"] == "pending" and rows[1]["download_url"] is None

    api.force_authenticate(users["km_applicant"])
    assert api.get(url).status_code == 404


def test_api_download(users, ready_letter):
    """GET /api/v1/letters/{id}/download/ returns the PDF to those who may
    see the case, 404 to others, 401/403 without credentials."""
    api = APIClient()
    url = f"/api/v1/letters/{ready_letter.pk}/download/"
    assert api.get(url).status_code in (401, 403)
    api.force_authenticate(users["applicant2"])
    response = api.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    api.force_authenticate(users["km_applicant"])
    assert api.get(url).status_code == 404
    assert api.get("/api/v1/letters/999999/download/").status_code == 404


def test_earlier_version_download_is_for_admins(client, users, ready_letter, eager_celery,
                                                django_capture_on_commit_callbacks):
    """After a regeneration the earlier file stays downloadable, by an admin
    of the jurisdiction only (the applicant, who sees the case, gets 404)."""
    from letters.models import LetterVersion
    from letters.services import letter_regenerate

    with django_capture_on_commit_callbacks(execute=True):
        letter_regenerate(letter=ready_letter, actor=users["admin"])
    version = LetterVersion.objects.get(letter=ready_letter)
    url = reverse("letters:version_download", args=[version.pk])
    client.force_login(users["admin"])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client.force_login(users["applicant2"])
    assert client.get(url).status_code == 404


def test_admin_pages_and_regenerate_action(client, users, ready_letter, eager_celery,
                                           django_capture_on_commit_callbacks):
    """The admin lists letters, shows one with its earlier versions, and its
    'regenerate' action keeps the current version."""
    from letters.models import LetterVersion

    client.force_login(users["admin"])
    assert client.get(reverse("admin:letters_letter_changelist")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:letters_letter_changelist"),
                               {"action": "regenerate", "_selected_action": [ready_letter.pk]})
    assert response.status_code == 302
    assert LetterVersion.objects.filter(letter=ready_letter).count() == 1
    page = client.get(reverse("admin:letters_letter_change", args=[ready_letter.pk]))
    assert page.status_code == 200
    assert reverse("letters:version_download", args=[LetterVersion.objects.get().pk]) in page.content.decode()
