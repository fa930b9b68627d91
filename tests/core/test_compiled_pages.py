"""A list's SQL compiled once per process for its key (core.pagination
``sql_key``, issue 19): the pages read from the kept SQL are the pages
Django compiles each time, forwards and back, in every list order; the
kept SQL still reads the rows as they are now; a reader whose roles
change gets other SQL; a cursor whose values cannot be put in their
places is compiled each time."""

import pytest
from django.db.models import F

from accounts.models import Membership, Role
from cases.models import Case, Stage
from core import pagination

from ..cases.test_case_api import CASES, _case_at, _client

pytestmark = pytest.mark.django_db


class _KeepsNothing(dict):
    def __setitem__(self, key, value):
        pass


def _walk(client, params):
    """Every page from the first by ``next``, then back by ``previous``."""
    pages, r = [], client.get(CASES, params)
    while True:
        assert r.status_code == 200, r.content
        pages.append(r.data)
        if not r.data["next"]:
            break
        r = client.get(r.data["next"])
    back = []
    while r.data["previous"]:
        r = client.get(r.data["previous"])
        back.append(r.data)
    return [[c["id"] for c in p["results"]] + [p["count"]] for p in pages + back]


class _Kept(dict):
    """The kept SQL, noting each page read from it."""

    def __init__(self):
        super().__init__()
        self.reads = []

    def get(self, key, default=None):
        found = super().get(key, default)
        if isinstance(found, pagination._CompiledPage):
            self.reads.append(key)
        return found


@pytest.fixture
def kept(monkeypatch):
    kept = _Kept()
    monkeypatch.setattr(pagination, "_COMPILED", kept)
    return kept


def _cases(users):
    stages = [Stage.SUBMITTED, Stage.SUPPLEMENT, Stage.SUBMITTED, Stage.SUPPLEMENT, Stage.SUBMITTED,
              Stage.SUBMITTED, Stage.SUPPLEMENT]
    return [_case_at(stage, users, title=f"校舍申请{i}") for i, stage in enumerate(stages)]


@pytest.mark.parametrize("params", [
    {"page_size": 2},
    # Due first, the paused ones (no due date: a None in their cursors) last.
    {"queue": "intake", "page_size": 2},
    {"stage": Stage.SUPPLEMENT, "page_size": 1},
    {"q": "校舍申请", "page_size": 3},
])
def test_kept_pages_are_the_compiled_ones(users, monkeypatch, params):
    _cases(users)
    intake = _client(users["intake"])
    monkeypatch.setattr(pagination, "_COMPILED", _KeepsNothing())
    compiled = _walk(intake, params)
    assert len(compiled) >= 3

    kept = _Kept()
    monkeypatch.setattr(pagination, "_COMPILED", kept)
    first = _walk(intake, params)
    kept.reads.clear()
    again = _walk(intake, params)
    assert first == again == compiled
    # Every page of the second walk came from the kept SQL.
    assert len(kept.reads) == len(again)


def test_the_applicants_own_cases_by_union_from_kept_sql(users, monkeypatch):
    cases = _cases(users)
    applicant = _client(users["applicant"])
    monkeypatch.setattr(pagination, "_COMPILED", _KeepsNothing())
    compiled = _walk(applicant, {"queue": "mine", "page_size": 2})
    assert {c.pk for c in cases} <= {i for page in compiled for i in page[:-1]}
    kept = _Kept()
    monkeypatch.setattr(pagination, "_COMPILED", kept)
    _walk(applicant, {"queue": "mine", "page_size": 2})
    kept.reads.clear()
    assert _walk(applicant, {"queue": "mine", "page_size": 2}) == compiled
    assert len(kept.reads) == len(compiled)


def test_kept_sql_reads_new_rows_and_follows_the_readers_roles(users, kept):
    cases = _cases(users)
    intake = _client(users["intake"])
    before = intake.get(CASES).data
    assert before["count"] == len(cases) and not kept.reads
    new = _case_at(Stage.SUBMITTED, users, title="新的申请")
    after = intake.get(CASES).data
    assert len(kept.reads) == 1
    assert after["count"] == len(cases) + 1 and after["results"][0]["id"] == new.pk

    # Without his intake role he sees none of them: his key, so his SQL, changed.
    Membership.objects.filter(user=users["intake"], role=Role.INTAKE).delete()
    gone = intake.get(CASES).data
    assert gone["count"] == 0 and gone["results"] == []
    assert len(kept.reads) == 1


def test_a_cursor_of_other_types_is_compiled_each_time(users, kept):
    _cases(users)
    # Ordered on a text column: no sentinel stands in for a title, so a
    # cursor's page is compiled each time; the first page is kept.
    qs = Case.objects.exclude(stage=Stage.DRAFT).order_by("title", "id").values("id", "title")
    key = ("test", "by title")
    seen, cursor = [], None
    for _ in range(10):
        page = pagination.keyset_page(lambda: qs, cursor=cursor, page_size=3, count=False, sql_key=key)
        seen += [row["id"] for row in page]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == list(qs.values_list("id", flat=True)) and len(seen) == 7
    assert kept.reads == []
    pagination.keyset_page(lambda: qs, cursor=None, page_size=3, count=False, sql_key=key)
    assert len(kept.reads) == 1
    # Model rows are never kept.
    rows = Case.objects.order_by(F("created_at").desc(), "-id")
    page = pagination.keyset_page(rows, cursor=None, page_size=3, count=False, sql_key=("test", "models"))
    page = pagination.keyset_page(rows, cursor=None, page_size=3, count=False, sql_key=("test", "models"))
    assert isinstance(page.object_list[0], Case) and len(kept.reads) == 1
