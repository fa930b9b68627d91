"""The two authentication schemes of /api/schema/, followed by a client
over real HTTP (issue 15): a program sends ``Authorization: Token <key>``
and is judged by it alone (no CSRF token, even with a session cookie
beside it); the browser's session needs the CSRF header on writes; a wrong
token is a 401 whatever session comes with it."""

import re

import pytest
import requests
from rest_framework.authtoken.models import Token

from accounts.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _browser_session(base, username):
    """Signs in through the login page as a browser does: a session cookie
    and the csrftoken cookie."""
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = session.post(f"{base}/accounts/login/", data={"username": username, "password": DEMO_PASSWORD,
                                                      "csrfmiddlewaretoken": csrf},
                     headers={"Referer": f"{base}/accounts/login/"}, timeout=30, allow_redirects=False)
    assert r.status_code == 302, r.text[:300]
    assert "sessionid" in session.cookies
    return session


def test_the_schema_documents_both_schemes_on_every_protected_operation(world, live_server):
    schema = requests.get(f"{live_server.url}/api/schema/?format=json", timeout=60).json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["in"] == "header" and "Token <key>" in schemes["tokenAuth"]["description"]
    assert schemes["cookieAuth"]["in"] == "cookie" and "X-CSRFTOKEN" in schemes["cookieAuth"]["description"]
    protected = [(path, method, op.get("security")) for path, methods in schema["paths"].items()
                 for method, op in methods.items() if {} not in (op.get("security") or [{}])]
    assert len(protected) > 90
    assert [p for p in protected if p[2] != [{"tokenAuth": []}, {"cookieAuth": []}]] == []
    # The token endpoint itself needs nothing.
    assert schema["paths"]["/api/v1/auth/token/"]["post"]["security"] == [{}]


def test_a_client_following_the_schema_is_judged_by_the_scheme_it_sends(users, live_server):
    base = live_server.url
    browser = _browser_session(base, "applicant")
    # Session without the CSRF header: refused (403); with it: accepted.
    r = browser.post(f"{base}/api/v1/cases/", json={"title": "会话无令牌申请"}, timeout=30)
    assert r.status_code == 403 and r.json()["status"] == 403
    r = browser.post(f"{base}/api/v1/cases/", json={"title": "会话申请"}, timeout=30,
                     headers={"X-CSRFToken": browser.cookies["csrftoken"], "Referer": f"{base}/"})
    assert r.status_code == 201, r.text[:300]
    # A token got from the schema's token endpoint.
    r = requests.post(f"{base}/api/v1/auth/token/", json={"username": "applicant", "password": DEMO_PASSWORD},
                      timeout=30)
    key = r.json()["token"]
    # Token beside the session cookie, no CSRF header: judged by the token.
    r = browser.post(f"{base}/api/v1/cases/", json={"title": "令牌申请"}, timeout=30,
                     headers={"Authorization": f"Token {key}"})
    assert r.status_code == 201, r.text[:300]
    # A wrong token is a 401 even with a valid session beside it.
    r = browser.get(f"{base}/api/v1/me/", headers={"Authorization": "Token 0000"}, timeout=30)
    assert r.status_code == 401 and r.json()["code"] == "authentication_failed"
    # No credentials: 401 naming the token scheme.
    r = requests.get(f"{base}/api/v1/me/", timeout=30)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Token"
    # Revoking the token leaves the browser's session alone.
    assert requests.post(f"{base}/api/v1/auth/token/revoke/", headers={"Authorization": f"Token {key}"},
                         timeout=30).json() == {"revoked": 1}
    assert not Token.objects.filter(key=key).exists()
    assert browser.get(f"{base}/api/v1/me/", timeout=30).json()["username"] == "applicant"
