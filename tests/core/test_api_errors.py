import pytest

pytestmark = pytest.mark.django_db


def _shape(body):
    assert set(body) >= {"status", "code", "detail"}
    assert isinstance(body["detail"], str) and body["detail"]


class TestErrorShape:
    def test_unauthenticated(self, client):
        """Anonymous API calls get 401/403 in the one error shape."""
        resp = client.get("/api/v1/me/")
        assert resp.status_code in (401, 403)
        _shape(resp.json())

    def test_validation_error(self, client, world):
        """Missing fields give 400 with per-field messages, in Chinese by default."""
        resp = client.post("/api/v1/auth/token/", {"username": "applicant"})
        assert resp.status_code == 400
        body = resp.json()
        _shape(body)
        assert body["code"] == "invalid"
        assert "password" in body["fields"]
        assert "该字段是必填项" in body["fields"]["password"][0]

    def test_validation_error_in_english(self, client, world):
        """With Accept-Language: en the same error is in English."""
        resp = client.post("/api/v1/auth/token/", {"username": "applicant"}, HTTP_ACCEPT_LANGUAGE="en")
        assert "This field is required." in resp.json()["fields"]["password"][0]

    def test_application_error(self, client, world):
        """A refused action (wrong password) is a 401 in the same shape."""
        resp = client.post("/api/v1/auth/token/", {"username": "applicant", "password": "x"})
        assert resp.status_code == 401
        body = resp.json()
        _shape(body)
        assert body["code"] == "authentication_failed"

    def test_not_found(self, client, world):
        """Unknown API URLs under an authenticated session are 404 in the shape."""
        client.force_login(world["users"]["applicant"])
        resp = client.get("/api/v1/cases/999999/")
        assert resp.status_code == 404
        _shape(resp.json())
