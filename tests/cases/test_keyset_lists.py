"""Lists read by keyset (core.pagination): every row once, in the list's
order, forwards and back; the due date kept on the case by the clock
services; counts estimated past their threshold."""

import pytest
from django.db import connection

from cases.models import Case, Stage
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
