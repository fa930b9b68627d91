"""The issuing register (发文登记簿): every letter of the cases and
pre-filings the staff may see, in number order; filters; the same in the
API; a fixed number of queries; applicants and other jurisdictions see
nothing of it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from letters.services import letter_issue
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def _case(world, n):
    users, units = world["users"], world["units"]
    return make_case(applicant=users["applicant2"], unit=units["huailai-zj"], stage="submitted",
                     number=f"怀容〔2026〕第{n:04d}号", number_year=2026, number_seq=n,
                     title=f"第{n}件容错申请")


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_register_lists_letters_in_number_order_with_filters(world, users, client, letter_case,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
        second = letter_issue(case=_case(world, 8), kind="not_accepted", actor=users["intake"],
                              context={"reason": "不属于受理范围"})
    client.force_login(users["intake"])
    body = client.get("/letters/").content.decode()
    assert body.index(second.number) < body.index(first.number)  # newest number first
    assert letter_case.number in body and f'href="/cases/{letter_case.pk}/"' in body
    body = client.get("/letters/", {"kind": "acceptance"}).content.decode()
    assert first.number in body and second.number not in body
    body = client.get("/letters/", {"q": "第8件"}).content.decode()
    assert second.number in body and first.number not in body

    data = _api(users["intake"]).get("/api/v1/letters/", {"year": 2026}).json()
    assert [r["number"] for r in data["results"]] == [second.number, first.number]
    assert data["results"][1]["case_number"] == letter_case.number and data["results"][1]["prefiling"] is None
    assert _api(users["intake"]).get("/api/v1/letters/", {"kind": "nonsense"}).status_code == 400


def test_only_handling_staff_of_the_jurisdiction(world, users, client, letter_case,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        letter = letter_issue(case=letter_case, kind="acceptance", actor=users["intake"])
    client.force_login(users["applicant2"])
    assert client.get("/letters/").status_code == 403
    assert _api(users["applicant2"]).get("/api/v1/letters/").status_code == 403
    client.force_login(users["km_intake"])
    assert letter.number not in client.get("/letters/").content.decode()
    assert _api(users["km_intake"]).get("/api/v1/letters/").json()["count"] == 0


def test_query_count_is_fixed(world, users, client, django_capture_on_commit_callbacks):
    client.force_login(users["intake"])
    with django_capture_on_commit_callbacks(execute=False):
        for n in (10, 11):
            letter_issue(case=_case(world, n), kind="acceptance", actor=users["intake"])
    client.get("/letters/")
    _api(users["intake"]).get("/api/v1/letters/")  # the user's memberships are cached on it from now on
    with CaptureQueriesContext(connection) as few:
        client.get("/letters/")
    with CaptureQueriesContext(connection) as few_api:
        _api(users["intake"]).get("/api/v1/letters/")
    with django_capture_on_commit_callbacks(execute=False):
        for n in range(12, 17):
            letter_issue(case=_case(world, n), kind="acceptance", actor=users["intake"])
    with CaptureQueriesContext(connection) as many:
        body = client.get("/letters/").content.decode()
    with CaptureQueriesContext(connection) as many_api:
        assert _api(users["intake"]).get("/api/v1/letters/").json()["count"] == 7
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many_api.captured_queries) == len(few_api.captured_queries)
    assert body.count("<tr>") == 8  # header + 7
