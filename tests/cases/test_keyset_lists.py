"""Lists read by keyset (core.pagination): every row once, in the list's
order, forwards and back; the due date kept on the case by the clock
services; counts estimated past their threshold."""

import datetime as dt
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient
from rest_framework.utils.encoders import JSONEncoder

from accounts.models import Membership, Role
from cases.models import Case, Stage
from cases.selectors import case_list_count_key, case_list_rows, case_list_values
from cases.serializers import CaseListItemSerializer
from core import pagination
from deadlines.services import case_deadline_values

from .test_case_api import CASES, _case_at, _client

pytestmark = pytest.mark.django_db


def _walk(client, params):
    """Follow ``next`` from the first page; return the ids and the pages."""
    pages, r = [], client.get(CASES, params)
    while True:
        assert r.status_code == 200
        pages.append(r.data)
        if not r.data["next"]:
            return [c["id"] for p in pages for c in p["results"]], pages
        r = client.get(r.data["next"])


def test_api_pages_by_cursor_forwards_and_back(users):
    cases = [_case_at(stage, users, title=f"申请{i}") for i, stage in
             enumerate([Stage.SUBMITTED, Stage.SUPPLEMENT, Stage.SUBMITTED, Stage.SUPPLEMENT, Stage.SUBMITTED])]
    intake = _client(users["intake"])

    ids, pages = _walk(intake, {"page_size": 2})
    expected = list(Case.objects.exclude(stage=Stage.DRAFT).order_by("-created_at", "-id").values_list("id", flat=True))
    assert ids == expected and len(pages) == 3
    assert pages[0]["previous"] is None and pages[0]["count"] == 5 and pages[0]["count_approximate"] is False
    back = intake.get(pages[1]["previous"]).data
    assert [c["id"] for c in back["results"]] == [c["id"] for c in pages[0]["results"]]
    assert back["previous"] is None and back["next"]

    # The intake queue: the earliest due first, paused cases (no running
    # due date) last, by id; the same order page by page.
    ids, pages = _walk(intake, {"queue": "intake", "page_size": 2})
    rows = sorted(Case.objects.filter(pk__in=[c.pk for c in cases]), key=lambda c: (c.next_due is None, c.next_due, c.pk))
    assert ids == [c.pk for c in rows]
    assert sum(c.is_paused for c in rows) == 2
    last = intake.get(pages[-1]["previous"]).data
    assert [c["id"] for c in last["results"]] == [c["id"] for c in pages[-2]["results"]]

    assert intake.get(CASES, {"cursor": "not-a-cursor"}).status_code == 404


def test_the_case_keeps_its_clocks_state(users):
    """Every clock change goes through the clock services, which copy the
    nearest running due date and the pause onto the case."""
    case = _case_at(Stage.SUBMITTED, users)
    assert case.next_due and not case.is_paused and case.next_due_stage == "intake"
    case = _case_at(Stage.SUPPLEMENT, users)
    assert case.is_paused  # the intake clock waits for the supplement
    case = _case_at(Stage.VERIFICATION, users)
    for c in Case.objects.all():
        stored = {k: getattr(c, k) for k in ("next_due", "next_due_stage", "clock_flagged", "is_paused")}
        assert stored == case_deadline_values(c.pk)


def test_pages_link_by_cursor_and_say_about_past_the_threshold(users, client, monkeypatch):
    for i in range(3):
        _case_at(Stage.SUBMITTED, users, title=f"校舍申请{i}")
    client.force_login(users["intake"])
    monkeypatch.setattr("cases.views.PAGE_SIZE", 2)
    r = client.get("/cases/search/", {"q": "校舍"})
    html = r.content.decode()
    assert r.status_code == 200 and 'rel="next"' in html and 'rel="prev"' not in html
    assert len(r.context["page"]) == 2 and r.context["page"].count == 3
    second = client.get("/cases/search/", {"q": "校舍", "cursor": r.context["page"].next_cursor})
    assert len(second.context["page"]) == 1 and 'rel="prev"' in second.content.decode()
    # A stale cursor is the first page, not an error.
    assert client.get("/cases/search/", {"cursor": "xx"}).status_code == 200

    monkeypatch.setattr(pagination, "COUNT_EXACT_UP_TO", 1)
    r = client.get("/cases/search/", {"q": "校舍"})
    page = r.context["page"]
    if connection.vendor == "postgresql":
        assert page.count_approximate and page.count >= 2
        assert "约" in r.content.decode()
    else:
        assert page.count == 3


def test_count_estimate_is_exact_up_to_the_threshold(users):
    for i in range(3):
        _case_at(Stage.SUBMITTED, users, title=f"申请{i}")
    qs = Case.objects.all()
    assert pagination.count_estimate(qs) == (3, False)
    n, approximate = pagination.count_estimate(qs, exact_up_to=2)
    assert n >= 3 and approximate == (connection.vendor == "postgresql")


def test_a_count_that_can_match_nothing_is_zero_kept_or_not(users):
    """A reader whose visibility can match no case (``pk__in=[]``, e.g. a
    system administrator, who sees no case content) has no SQL to key a
    kept estimate on: the count is 0, exact, and asks nothing (it raised
    EmptyResultSet on the case list for sysadmin and auditadmin)."""
    _case_at(Stage.SUBMITTED, users, title="申请")
    with CaptureQueriesContext(connection) as queries:
        for keep in (0, pagination.COUNT_ESTIMATE_SECONDS):
            assert pagination.count_estimate(Case.objects.filter(pk__in=[]), keep_seconds=keep) == (0, False)
    assert not queries.captured_queries


def test_list_rows_print_as_drf_would_from_their_columns_alone(users, django_assert_num_queries):
    """The list API's hand-written rows (CaseListItemSerializer, issue 19)
    are exactly what DRF's walk of the declared fields (the schema) gives,
    for every kind of row: a draft (no submission, no due date), a paused
    case, a running clock, an overdue one; written from the API's rows as
    dicts (cases.selectors.LIST_VALUES) with no query, walked over the
    cases as models (LIST_COLUMNS)."""
    for stage in (Stage.DRAFT, Stage.SUPPLEMENT, Stage.SUBMITTED, Stage.SUBMITTED):
        _case_at(stage, users, title=f"申请{stage}")
    overdue = Case.objects.filter(stage=Stage.SUBMITTED).order_by("id").first()
    Case.objects.filter(pk=overdue.pk).update(next_due=dt.date(2020, 1, 6), number="怀容〔2026〕第0007号")
    users["applicant"].full_name = ""  # the name falls back to the username
    users["applicant"].save(update_fields=["full_name"])
    rows = list(case_list_rows(user=users["applicant"], queue="mine"))
    values = list(case_list_values(user=users["applicant"], queue="mine"))
    assert len(rows) == len(values) == 4
    serializer = CaseListItemSerializer(values, many=True)
    with django_assert_num_queries(0):
        written = serializer.data
    # DRF's walk of the schema's fields over the cases as models.
    walked = [serializers.Serializer.to_representation(serializer.child, row) for row in rows]
    assert written == walked
    kinds = {(r["submitted_at"] is None, r["next_due"] is None, r["is_paused"], r["overdue"]) for r in written}
    assert kinds == {(True, True, False, False), (False, False, True, False), (False, False, False, False),
                     (False, False, False, True)}
    assert {r["applicant"]["name"] for r in written} == {users["applicant"].username}
    # And through the API, the same rows in the same JSON.
    body = _client(users["applicant"]).get(CASES, {"queue": "mine"}).json()
    assert body["results"] == json.loads(json.dumps(walked, cls=JSONEncoder))


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the planner's estimate")
def test_a_list_keeps_its_estimated_count_a_minute(users, monkeypatch):
    """Past the threshold a list's count is the planner's estimate, kept
    COUNT_ESTIMATE_SECONDS per query (the reader's visibility and filters):
    a reload or the next page asks nothing; another filter or a reader who
    sees other cases has its own; new cases show once the kept one ages.
    An exact count is never kept: a new case shows at once."""
    for i in range(3):
        _case_at(Stage.SUBMITTED, users, title=f"申请{i}")
    intake = APIClient()
    intake.force_authenticate(users["intake"])
    assert intake.get(CASES).json()["count"] == 3
    _case_at(Stage.SUBMITTED, users, title="又一件")
    assert intake.get(CASES).json()["count"] == 4  # exact: at once

    monkeypatch.setattr(pagination, "COUNT_EXACT_UP_TO", 1)

    def get(client, url, params=None):
        """The body, and whether the count was asked of the database."""
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url, params).json()
        sql = [q["sql"] for q in queries.captured_queries]
        counted = any(q.startswith("SELECT COUNT(*)") for q in sql)
        assert counted == any(q.startswith("EXPLAIN") for q in sql)
        return body, counted

    first, counted = get(intake, CASES, {"page_size": 2})
    assert first["count_approximate"] is True and counted
    assert get(intake, CASES, {"page_size": 2}) == (first, False)  # kept
    assert get(intake, first["next"])[0]["count"] == first["count"] and not get(intake, first["next"])[1]
    assert get(intake, CASES, {"page_size": 2, "stage": "submitted"})[1]  # another filter: its own
    admin = APIClient()
    admin.force_authenticate(users["admin"])  # sees 昆明市's too: his own
    assert get(admin, CASES, {"page_size": 2})[1]

    # Forty more (copies, unnumbered), and the statistics the planner reads.
    model = Case.objects.get(pk=first["results"][0]["id"])
    copy = {f.attname: getattr(model, f.attname) for f in Case._meta.concrete_fields if not f.primary_key}
    Case.objects.bulk_create([Case(**copy | {"number": "", "number_year": None, "number_seq": None})
                              for _i in range(40)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    fresh = pagination.count_estimate(case_list_rows(user=users["intake"]))
    assert fresh[1] and fresh[0] != first["count"]
    body, counted = get(intake, CASES, {"page_size": 2})
    assert body["count"] == first["count"] and not counted  # still the kept one
    later = timezone.now() + dt.timedelta(seconds=pagination.COUNT_ESTIMATE_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        body, counted = get(intake, CASES, {"page_size": 2})
    assert counted and body["count"] == fresh[0] and body["count_approximate"]


def test_the_list_count_key_is_what_the_count_reads_of_the_reader(users):
    """The list API keeps its estimate under case_list_count_key (no SQL
    compiled to read it): the same reader, filters and queue on the same
    day have one key; another reader, filter, queue, day, or a role gained
    (the cases he sees change) each have their own."""
    intake, other = users["intake"], users["admin"]

    def key(user=intake, **kw):
        user.__dict__.pop("_membership_cache", None)  # a new request
        return case_list_count_key(user=user, **kw)

    base = key(filters={"stage": "submitted"})
    assert key(filters={"stage": "submitted"}) == base
    assert len({base, key(), key(other, filters={"stage": "submitted"}), key(filters={"stage": "verification"}),
                key(filters={"stage": "submitted"}, queue="intake")}) == 5
    with time_machine.travel(timezone.now() + dt.timedelta(days=1), tick=False):
        assert key(filters={"stage": "submitted"}) != base
    Membership.objects.create(user=intake, org_unit=users["applicant"].org_unit, role=Role.INSPECTOR)
    assert key(filters={"stage": "submitted"}) != base


def test_the_list_api_counts_the_cases_without_its_columns_joins(users):
    """The rows' columns join the applicant and the unit; the count reads
    the cases alone (core.pagination.counted_as), and counts the same."""
    for i in range(3):
        _case_at(Stage.SUBMITTED, users, title=f"申请{i}")
    with CaptureQueriesContext(connection) as queries:
        body = _client(users["intake"]).get(CASES).json()
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*) FROM")]
    assert len(counts) == 1 and "JOIN" not in counts[0] and '"accounts_user"' not in counts[0]
    assert body["count"] == len(body["results"]) == 3
    # Filtered further, the rows are counted as they are.
    rows = case_list_values(user=users["intake"]).filter(title="申请1")
    assert pagination.count_estimate(rows) == (1, False)
