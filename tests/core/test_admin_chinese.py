"""The admin in Chinese (issue 22: MODEL NAME, ADD LINK, AXES, Access
attempts, Group results, Letter number counters, "User:", "Org unit:"):
no page of the admin that the installation account opens shows an English
word to a zh-hans user."""

import re

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.django_db

# Words that are Chinese usage too: file formats, protocols, standards,
# and the names of the three things that have no Chinese name.
ALLOWED = {"PDF", "ID", "API", "URL", "SM", "SHA", "TOTP", "CSV", "Excel", "JSON", "IP", "HTTP", "OFD", "GB", "T",
           "Celery", "Django", "GET", "POST", "Token", "Redis", "UTC", "Asia", "Shanghai", "OTP", "Cookie", "Unix", "Accept",
           # Django's own Chinese: 按住 Control 键或 Mac 上的 Command 键来选择多项。
           "Control", "Command", "Mac",
           # What records hold, not wording: axes' "<unknown>" path, password
           # hash summaries (md5, YA…).
           "unknown", "md", "YA", "kw",
           # Django's Chinese help text of the password field names LDAP.
           "LDAP"}
# axes' record names ("Access Log for … @ …") and django-otp's "TOTP device"
# have no msgid in their packages: core.third_party gives them ours, so
# their pages are checked like every other.
PROCEDURE_KEYS = {"appeal", "correction", "disclosure", "hearing", "joint", "majority", "notice", "policies",
                  "preliminary", "procedure", "review", "ruling", "statements", "unit"}
LEFT = {# Issue 16's imported-clause inline: its form field's column header
        # (reported to its owner).
        "/admin/policies/policyversion/N/change/": {"Item", "title", *PROCEDURE_KEYS},
        # Issue 16's procedure field: its help text lists the JSON keys.
        "/admin/policies/policyversion/add/": PROCEDURE_KEYS}
# Add pages of third-party models that keep the package's English help
# texts (nobody adds these by hand: the beat schedule is declared in code,
# TOTP devices are enrolled by the user): see the report of issue 22.
THIRD_PARTY_ADD_PAGES_LEFT = {"django_celery_beat"}
WORD = re.compile(r"[A-Za-z][A-Za-z']+")


def _visible_text(html: str) -> str:
    import html as html_lib

    html = re.sub(r"(?s)<(script|style|textarea|select)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    # Attributes a user reads: title, aria-label, placeholder, value of buttons.
    shown = re.findall(r'(?:title|aria-label|placeholder)="([^"]*)"', html)
    shown += re.findall(r'<input[^>]+type="(?:submit|button)"[^>]*value="([^"]*)"', html)
    text = re.sub(r"(?s)<[^>]+>", " ", html)
    return html_lib.unescape(text + " " + " ".join(shown))


def _english(html: str, exclude: set[str]) -> set[str]:
    words = set(WORD.findall(_visible_text(html))) - exclude - ALLOWED
    # Hash values (hex) in the history's change pages, and the random
    # letters of a password hash's summary (two letters at most).
    return {w for w in words if not re.fullmatch(r"[a-f]+", w) and len(w) > 2}


@pytest.fixture
def installer(db):
    from accounts.models import User

    return User.objects.create_superuser(username="installer", password="Install-pass-2026",
                                         email="i@example.gov.cn")


def test_no_english_on_admin_pages(client, users, installer):
    client.force_login(installer)
    # One record of each kind axes keeps, so that their change pages (titled
    # with the record's name) are read too.
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    base = {"username": "applicant", "ip_address": "10.0.0.8", "user_agent": "Firefox", "http_accept": "*/*",
            "path_info": "/accounts/login/"}
    AccessLog.objects.create(**base)
    AccessFailureLog.objects.create(**base, locked_out=True)
    AccessAttempt.objects.create(**base, get_data="", post_data="", failures_since_start=3)
    data_words = {"Firefox", "accounts", "login"}
    # What the data itself holds (user names, codes, e-mail) is not wording.
    from accounts.models import OrgUnit, User
    from audit.models import AuditRecord
    from policies.models import PolicyDocument

    for value in [*User.objects.values_list("username", "email"), *OrgUnit.objects.values_list("code"),
                  *PolicyDocument.objects.values_list("code"), *AuditRecord.objects.values_list("target")]:
        for v in value:
            data_words |= set(WORD.findall(v or ""))
    # A version's procedure is configuration edited as JSON (policies/procedure.py):
    # its keys and codes are data, not wording.
    import json

    from policies.models import PolicyVersion

    for procedure in PolicyVersion.objects.values_list("procedure", flat=True):
        data_words |= set(WORD.findall(json.dumps(procedure or {}, ensure_ascii=False)))
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:app_list", args=[model._meta.app_label]))
        try:
            urls.append(reverse("admin:{}_{}_add".format(*info)))
        except NoReverseMatch:
            pass
        if model._meta.app_label in THIRD_PARTY_ADD_PAGES_LEFT:
            urls.pop()
        obj = model.objects.first()
        if obj is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    found = {}
    for url in dict.fromkeys(urls):
        resp = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if resp.status_code != 200:
            continue
        words = _english(resp.content.decode(), data_words) - LEFT.get(re.sub(r"/\d+/", "/N/", url), set())
        if words:
            found[url] = sorted(words)
    every = {}
    for url, words in found.items():
        for w in words:
            every.setdefault(w, url)
    assert every == {}, "\n".join(f"{w} {u}" for w, u in sorted(every.items()))
