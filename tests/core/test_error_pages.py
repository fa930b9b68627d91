"""Every error page in Chinese (issue 22: the CSRF failure page was
Django's English one): CSRF failure, 400, 403, 404 and 500."""

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_csrf_failure_page_is_ours_in_chinese(users):
    """A form sent without its CSRF token gets our page: what happened and
    what to do, in Chinese, with no English of Django's."""
    client = Client(enforce_csrf_checks=True)
    resp = client.post("/accounts/login/", {"username": "applicant", "password": "x"},
                       HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert resp.status_code == 403
    text = resp.content.decode()
    assert "表单已失效" in text and "重新" in text
    assert "CSRF verification failed" not in text and "Forbidden" not in text


@pytest.mark.parametrize("view,status,words", [
    (defaults.bad_request, 400, "请求无法处理"),
    (defaults.permission_denied, 403, "无权"),
    (defaults.page_not_found, 404, "页面不存在"),
])
def test_error_templates_in_chinese(view, status, words):
    request = RequestFactory().get("/x/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with translation.override("zh-hans"):
        resp = view(request, exception=Exception("x"))
    assert resp.status_code == status
    assert words in resp.content.decode()


def test_server_error_page_needs_no_context():
    """The 500 page renders with no request context (the database may be
    what failed) and in Chinese."""
    with translation.override("zh-hans"):
        resp = defaults.server_error(RequestFactory().get("/x/"))
    assert resp.status_code == 500
    text = resp.content.decode()
    assert "服务器错误" in text and "Server Error" not in text


def test_form_labels_end_with_a_full_width_colon():
    """Django's label suffix is ASCII in its Chinese catalogue; ours is the
    full-width colon (issue 22: ASCII colons in Chinese text)."""
    from django import forms

    class F(forms.Form):
        reasons = forms.CharField(label="理由")

    with translation.override("zh-hans"):
        assert "理由：" in str(F()["reasons"].label_tag())
