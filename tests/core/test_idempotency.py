"""Idempotency-Key on API POSTs (core.idempotency): a retried create
creates nothing twice, the same key with another request is refused, a
failed request spends no key, keys expire."""

import datetime as dt
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Attachment, Case
from core.idempotency import idempotency_keys_expire
from core.models import IdempotencyKey
from tests.cases.conftest import PDF_BYTES

CASES = "/api/v1/cases/"
BODY = {"origin": "individual", "title": "校舍改造项目程序瑕疵申请容错"}


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.django_db
class TestIdempotencyKey:
    def test_retry_replays_the_first_answer_and_creates_once(self, users):
        """The second POST with the key answers the first one's 201 body,
        marked replayed; one case exists."""
        client = _client(users["applicant"])
        first = client.post(CASES, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == 201, first.content
        assert "Idempotent-Replayed" not in first
        # The same request in another key order: the same request.
        again = client.post(CASES, dict(reversed(list(BODY.items()))), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
        assert again.json() == first.json()
        assert Case.objects.filter(applicant=users["applicant"]).count() == 1

    def test_same_key_other_body_is_refused(self, users):
        client = _client(users["applicant"])
        assert client.post(CASES, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201
        resp = client.post(CASES, {**BODY, "title": "另一个申请"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        assert resp.status_code == 422
        body = resp.json()
        assert body["code"] == "idempotency_key_reused" and "Idempotency-Key" in body["detail"]
        assert Case.objects.filter(applicant=users["applicant"]).count() == 1

    def test_same_key_on_another_path_is_refused(self, users):
        client = _client(users["applicant"])
        case_id = client.post(CASES, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-3").json()["id"]
        resp = client.post(f"{CASES}{case_id}/submit/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
        assert resp.status_code == 422

    def test_keys_belong_to_a_user(self, users):
        """Another user's identical key is his own: both create."""
        for who in ("applicant", "applicant2"):
            assert _client(users[who]).post(CASES, BODY, format="json",
                                            HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
        assert Case.objects.filter(title=BODY["title"]).count() == 2

    def test_token_client_retry(self, users):
        from rest_framework.authtoken.models import Token

        token = Token.objects.create(user=users["applicant"])
        client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
        ids = {client.post(CASES, BODY, format="json", HTTP_IDEMPOTENCY_KEY="tok").json()["id"] for _ in range(3)}
        assert len(ids) == 1 and Case.objects.filter(applicant=users["applicant"]).count() == 1

    def test_multipart_upload_retry_stores_one_file(self, users):
        """A file upload retried (a client draws a new multipart boundary)
        is the same request: one attachment; another file with the key is
        refused."""
        client = _client(users["applicant"])
        case_id = client.post(CASES, BODY, format="json").json()["id"]
        url = f"{CASES}{case_id}/attachments/"
        for boundary in ("one", "two"):
            resp = client.generic(
                "POST", url, _multipart(boundary, "证据.pdf", PDF_BYTES),
                content_type=f"multipart/form-data; boundary={boundary}", HTTP_IDEMPOTENCY_KEY="up-1")
            assert resp.status_code == 201, resp.content
        assert Attachment.objects.filter(case_id=case_id).count() == 1
        other = client.post(url, {"file": SimpleUploadedFile("证据.pdf", PDF_BYTES + b"%more"), "kind": "evidence"},
                            format="multipart", HTTP_IDEMPOTENCY_KEY="up-1")
        assert other.status_code == 422
        assert Attachment.objects.filter(case_id=case_id).count() == 1

    def test_a_refused_request_spends_no_key(self, users):
        """A 4xx changed nothing: the key can be used for the corrected
        request."""
        client = _client(users["applicant"])
        bad = client.post(CASES, {"origin": "proactive", "title": "申请"}, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
        assert 400 <= bad.status_code < 500
        assert not IdempotencyKey.objects.filter(key="k-4").exists()
        assert client.post(CASES, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-4").status_code == 201

    @pytest.mark.urls("tests.core.api_error_urls")
    def test_a_500_leaves_nothing_and_the_retry_runs(self, users):
        """A request that failed after writing rolls back whole, key
        included: a retry with the key runs again instead of replaying."""
        client = Client(raise_request_exception=False)
        client.force_login(users["applicant"])
        before = Case.objects.count()
        for _ in range(2):
            resp = client.post("/api/v1/test-create-then-fail/", {"title": "半截"}, content_type="application/json",
                               HTTP_IDEMPOTENCY_KEY="k-5")
            assert resp.status_code == 500 and resp.json()["code"] == "server_error"
        assert Case.objects.count() == before
        assert not IdempotencyKey.objects.filter(key="k-5").exists()

    def test_invalid_key_is_refused(self, users):
        client = _client(users["applicant"])
        resp = client.post(CASES, BODY, format="json", HTTP_IDEMPOTENCY_KEY="x" * 256)
        assert resp.status_code == 400 and resp.json()["code"] == "idempotency_key_invalid"
        assert not Case.objects.exists()

    def test_without_header_nothing_changes(self, users):
        client = _client(users["applicant"])
        client.post(CASES, BODY, format="json")
        client.post(CASES, BODY, format="json")
        assert Case.objects.filter(applicant=users["applicant"]).count() == 2
        assert not IdempotencyKey.objects.exists()

    def test_old_keys_expire(self, users, settings):
        """Past IDEMPOTENCY_KEY_TTL_HOURS a key is deleted by the daily task,
        and one not yet deleted counts as new."""
        client = _client(users["applicant"])
        client.post(CASES, BODY, format="json", HTTP_IDEMPOTENCY_KEY="old")
        client.post(CASES, BODY, format="json", HTTP_IDEMPOTENCY_KEY="fresh")
        IdempotencyKey.objects.filter(key="old").update(
            created_at=timezone.now() - dt.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS + 1))
        assert client.post(CASES, BODY, format="json", HTTP_IDEMPOTENCY_KEY="old").status_code == 201
        assert Case.objects.filter(applicant=users["applicant"]).count() == 3  # the expired key ran again
        IdempotencyKey.objects.update(
            created_at=timezone.now() - dt.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS + 1))
        assert idempotency_keys_expire() == 2
        assert not IdempotencyKey.objects.exists()

    def test_schema_documents_the_header(self, users):
        client = _client(users["applicant"])
        schema = client.get("/api/schema/?format=json").json()
        create = schema["paths"]["/api/v1/cases/"]["post"]
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
        assert "422" in create["responses"]
        assert not any(p["name"] == "Idempotency-Key" for p in schema["paths"]["/api/v1/cases/"]["get"].get(
            "parameters", []))


def _multipart(boundary: str, filename: str, content: bytes) -> bytes:
    return (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nevidence\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
        f"Content-Type: application/pdf\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_once(users):
    """Two requests with the key at the same moment (a client that retried
    while the first was still running): the second waits for the first and
    replays its answer; one case."""
    barrier = threading.Barrier(4)
    answers = []

    def post():
        client = _client(users["applicant"])
        barrier.wait()
        try:
            resp = client.post(CASES, BODY, format="json", HTTP_IDEMPOTENCY_KEY="race")
            answers.append((resp.status_code, resp.json().get("id")))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == 4 and {a[0] for a in answers} == {201}
    assert len({a[1] for a in answers}) == 1
    assert Case.objects.filter(applicant=users["applicant"]).count() == 1
