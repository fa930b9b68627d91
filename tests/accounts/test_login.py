import pytest
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

LOCK_TEXT_ZH = "登录失败次数过多"
BAD_LOGIN_ZH = "用户名或密码不正确"


def _post(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


class TestLogin:
    def test_login_page_is_styled_and_chinese_by_default(self, client, world):
        """The login page is the site's own page, in Chinese by default."""
        resp = client.get("/accounts/login/")
        assert resp.status_code == 200
        body = resp.content.decode()
        assert "登录" in body and 'lang="zh-hans"' in body
        assert "/static/css/app.css" in body

    def test_english_switch(self, client, world):
        """Choosing English through the language switch shows English."""
        client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
        body = client.get("/accounts/login/").content.decode()
        assert "Sign in" in body and 'lang="en"' in body

    def test_good_login_redirects_home(self, client, users):
        """A correct password signs the user in."""
        resp = _post(client, "applicant", DEMO_PASSWORD)
        assert resp.status_code == 302
        assert client.get("/").status_code == 200

    def test_same_message_for_unknown_user_and_wrong_password(self, client, users):
        """No account enumeration: both failures read the same."""
        a = _post(client, "applicant", "wrong").content.decode()
        b = _post(client, "nobody-here", "wrong").content.decode()
        assert BAD_LOGIN_ZH in a and BAD_LOGIN_ZH in b

    def test_lockout_after_repeated_failures(self, client, users, settings):
        """After AXES_FAILURE_LIMIT failures even the right password is
        refused, with a clear message; an unknown username locks the same way."""
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _post(client, "applicant", "wrong")
        resp = _post(client, "applicant", DEMO_PASSWORD)
        assert resp.status_code == 429
        assert LOCK_TEXT_ZH in resp.content.decode()
        assert "_auth_user_id" not in client.session
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _post(client, "ghost", "wrong")
        assert _post(client, "ghost", "x").status_code == 429

    def test_api_token_and_lockout(self, client, users, settings):
        """POST /api/v1/auth/token/ returns a token; repeated failures lock it too."""
        resp = client.post("/api/v1/auth/token/", {"username": "intake", "password": DEMO_PASSWORD})
        assert resp.status_code == 200 and len(resp.json()["token"]) == 40
        token = resp.json()["token"]
        me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").json()
        assert me["username"] == "intake" and me["roles"] == ["intake"]
        assert me["memberships"][0]["org_unit"]["name"] == "怀来县"
        for _ in range(settings.AXES_FAILURE_LIMIT):
            bad = client.post("/api/v1/auth/token/", {"username": "committee1", "password": "no"})
            assert bad.status_code in (401, 429)
        locked = client.post("/api/v1/auth/token/", {"username": "committee1", "password": DEMO_PASSWORD})
        assert locked.status_code == 429
        assert locked.json()["code"] == "locked_out"

    def test_passwords_hashed_with_argon2_in_production_settings(self):
        """Production hashes passwords with Argon2 (tests use MD5 for speed)."""
        from config.settings import base

        assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
