"""The publication API: draft, preview (edit), publish, withdraw, with the
browser's permissions and the one error shape."""

import pytest
from rest_framework.test import APIClient

from publication.models import Publication

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_draft_preview_publish_withdraw(ruled_case, users):
    """The admin runs the whole workflow through the API."""
    api = _client(users["admin"])
    base = f"/api/v1/cases/{ruled_case.pk}/publication/"
    r = api.post(base + "draft/", {}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["publication"]["status"] == "draft"
    assert "张伟" not in body["redacted_text"]
    assert {"text": "张伟", "hidden": True} in body["body_segments"]
    assert body["leaks"] == []

    r = api.post(base + "preview/", {"extra_terms": ["校舍改造"]}, format="json")
    assert r.status_code == 200
    assert "校舍改造" not in r.json()["redacted_text"]
    assert r.json()["publication"]["extra_terms"] == ["校舍改造"]

    assert api.get(base).json()["publication"]["status"] == "draft"
    r = api.post(base + "publish/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "published"

    r = api.post(base + "withdraw/", {"reason": "当事人申请复核"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert Publication.objects.get().withdraw_reason == "当事人申请复核"


def test_leak_blocks_with_a_409_and_the_findings(ruled_case, users):
    """A leak answers 409 ``leak_found`` with where each term was found."""
    api = _client(users["admin"])
    base = f"/api/v1/cases/{ruled_case.pk}/publication/"
    api.post(base + "draft/", {}, format="json")
    body = Publication.objects.get().body
    api.post(base + "preview/", {"body": body + "\n经办：张·伟。"}, format="json")
    r = api.post(base + "publish/", {}, format="json")
    assert r.status_code == 409
    data = r.json()
    assert data["code"] == "leak_found"
    assert data["extra"]["leaks"][0]["term"] == "张伟"
    assert "经办：张·伟。" in data["extra"]["leaks"][0]["context"]
    assert Publication.objects.get().status == "draft"


def test_other_staff_cannot_publish(ruled_case, users):
    """Intake staff see the case but may not draft (403) and cannot read a
    publication (404); the applicant cannot either."""
    r = _client(users["intake"]).post(f"/api/v1/cases/{ruled_case.pk}/publication/draft/", {}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    _client(users["admin"]).post(f"/api/v1/cases/{ruled_case.pk}/publication/draft/", {}, format="json")
    assert _client(users["intake"]).get(f"/api/v1/cases/{ruled_case.pk}/publication/").status_code == 404
    assert _client(users["applicant"]).post(
        f"/api/v1/cases/{ruled_case.pk}/publication/publish/", {}, format="json"
    ).status_code == 404
    assert Publication.objects.get().status == "draft"


def test_schedule_through_the_api(ruled_case, users):
    """A future ``publish_at`` schedules instead of publishing."""
    import datetime as dt

    from django.utils import timezone

    api = _client(users["admin"])
    base = f"/api/v1/cases/{ruled_case.pk}/publication/"
    api.post(base + "draft/", {}, format="json")
    at = (timezone.now() + dt.timedelta(hours=3)).isoformat()
    r = api.post(base + "publish/", {"publish_at": at}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "scheduled"


def test_pdf_attached_through_the_api_is_leak_checked(ruled_case, users):
    """A PDF uploaded with the preview call (multipart) is searched too: one
    that names the applicant blocks publication; removing it lets it go out."""
    from .conftest import text_pdf

    api = _client(users["admin"])
    base = f"/api/v1/cases/{ruled_case.pk}/publication/"
    api.post(base + "draft/", {}, format="json")
    r = api.post(base + "preview/", {"pdf": text_pdf("附件：当事人张伟的情况说明")}, format="multipart")
    assert r.status_code == 200, r.json()
    assert Publication.objects.get().pdf
    r = api.post(base + "publish/", {}, format="json")
    assert r.status_code == 409 and r.json()["extra"]["leaks"][0]["term"] == "张伟"
    r = api.post(base + "preview/", {"remove_pdf": True}, format="json")
    assert r.status_code == 200 and not Publication.objects.get().pdf
    assert api.post(base + "publish/", {}, format="json").status_code == 200
