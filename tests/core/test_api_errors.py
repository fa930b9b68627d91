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
        assert body["fields"]["password"][0] in ("该字段是必填项。", "此项为必填项。")  # DRF or the form_input field

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


class TestServerErrorShape:
    """Every API 500, and every error page Django itself produces under
    /api/, is the one JSON shape, in Chinese by default, naming a reference
    that the log carries with the traceback, never the exception's text."""

    @pytest.fixture
    def raw_client(self):
        from django.test import Client

        # A real client would see the 500, not a re-raised exception.
        return Client(raise_request_exception=False)

    @pytest.mark.urls("tests.core.api_error_urls")
    def test_drf_view_500(self, raw_client, caplog):
        with caplog.at_level("ERROR", logger="django.request"):
            resp = raw_client.get("/api/v1/test-broken/")
        assert resp.status_code == 500
        assert resp["Content-Type"].startswith("application/json")
        body = resp.json()
        _shape(body)
        assert body["code"] == "server_error" and body["status"] == 500
        assert "服务器内部错误" in body["detail"] and body["reference"] in body["detail"]
        assert "hunter2" not in resp.content.decode()
        logged = [r for r in caplog.records if body["reference"] in r.getMessage()]
        assert logged and logged[0].exc_info and "hunter2" in str(logged[0].exc_info[1])

    @pytest.mark.urls("tests.core.api_error_urls")
    def test_plain_view_500_under_api(self, raw_client, caplog):
        with caplog.at_level("ERROR", logger="django.request"):
            resp = raw_client.get("/api/v1/test-broken-plain/", HTTP_ACCEPT_LANGUAGE="en")
        assert resp.status_code == 500
        body = resp.json()
        _shape(body)
        assert body["code"] == "server_error" and "internal error" in body["detail"]
        assert "secret internals" not in resp.content.decode()
        assert any(body["reference"] in r.getMessage() and r.exc_info for r in caplog.records)

    def test_unrouted_api_url_is_json_404(self, client, world):
        """No route matches: Django's 404 page would be HTML."""
        client.force_login(world["users"]["applicant"])
        resp = client.get("/api/v1/no-such-thing/")
        assert resp.status_code == 404
        body = resp.json()
        _shape(body)
        assert body["code"] == "not_found"

    def test_pages_outside_api_stay_html(self, client, world):
        client.force_login(world["users"]["applicant"])
        resp = client.get("/no-such-page/")
        assert resp.status_code == 404 and resp["Content-Type"].startswith("text/html")
