"""The system administrator (and the audit administrator) get no case
content anywhere: every page and API endpoint of the project, GET with the
ids of a real case and a pre-filing, shows neither's title nor the case's
number (the admin's lists: test_admin_scope)."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from cases.services import case_event_record
from prefilings.models import PreFiling
from tests.factories import make_case

pytestmark = pytest.mark.django_db

TITLE = "机密案件标题：水库除险加固"
NUMBER = "怀容〔2026〕第0777号"
FILING = "机密报备：村级集体经济试点"
# Not GETs a reader makes (signing out ends the session under test).
SKIP = ("admin/", "accounts/logout/", "i18n/")


def _routes(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _fill(route: str, ids: dict) -> str:
    def value(match):
        kind, name = match.group(1) or "str", match.group(2)
        if kind == "int":
            return str(ids.get(name, ids["case_id"]))
        return "x"

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


@pytest.mark.parametrize("who", ["sysadmin", "auditadmin"])
def test_no_page_or_endpoint_shows_case_content(who, users):
    case = make_case(applicant=users["applicant"], stage="submitted", title=TITLE, number=NUMBER)
    case_event_record(case=case, kind="other", actor=users["intake"], reason=TITLE)
    filing = PreFiling.objects.create(unit=users["applicant"].org_unit, filed_by=users["applicant"],
                                      jurisdiction=case.jurisdiction, policy_version=case.policy_version,
                                      title=FILING, status="submitted")
    ids = {"case_id": case.pk, "pk": case.pk, "prefiling_id": filing.pk, "cadre_id": users["applicant"].pk,
           "user_id": users["applicant"].pk}
    # (People's names are the system administrator's own duty: the users.)
    secrets = (TITLE, NUMBER, FILING)
    client = Client()
    client.force_login(users[who])
    asked = 0
    for route in _routes(get_resolver().url_patterns):
        if route.startswith(SKIP) or "(?P" in route or route.startswith("^"):
            continue
        url = _fill(route, ids)
        response = client.get(url)
        asked += 1
        if getattr(response, "streaming", False):
            body = b"".join(response.streaming_content).decode("utf-8", "replace")
        else:
            body = response.content.decode("utf-8", "replace")
        for secret in secrets:
            assert secret not in body, (url, response.status_code, secret)
        # The number's digits alone, not inside a time's fraction or a hash.
        assert not re.search(r"(?<![0-9a-f.:])0777(?![0-9a-f])", body), (url, response.status_code)
    assert asked > 100
    # The same ids reach the content for its handling staff: the walk asks
    # for the real records.
    staff = Client()
    staff.force_login(users["intake"])
    assert TITLE in staff.get(_fill("cases/<int:pk>/", ids)).content.decode()
    assert FILING in staff.get(_fill("api/v1/prefilings/<int:prefiling_id>/", ids)).content.decode()
