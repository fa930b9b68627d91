"""An aged count estimate is asked again off the request path (issue 19:
the request that found it aged paid the bounded count and the EXPLAIN,
the p99 of the lists at 1M cases)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core import pagination

pytestmark = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the planner's estimate")


def _users(n: int, prefix: str) -> None:
    User.objects.bulk_create([User(username=f"{prefix}{i}") for i in range(n)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_user")


def _asked(qs, **kw):
    """(count, approximate), and whether this thread's connection counted."""
    with CaptureQueriesContext(connection) as queries:
        result = pagination.count_estimate(qs, **kw)
    return result, any(q["sql"].startswith(("SELECT COUNT(*)", "EXPLAIN")) for q in queries.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_an_aged_estimate_is_served_while_it_is_asked_again_in_the_background(monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_EXACT_UP_TO", 1)
    keep = pagination.COUNT_ESTIMATE_SECONDS
    _users(30, "a")
    qs = User.objects.filter(username__startswith="")
    first, counted = _asked(qs, keep_seconds=keep, key="all users")
    assert counted and first[1] is True and first[0] >= 2

    _users(400, "b")  # committed: another connection sees them
    fresh = pagination.count_estimate(qs)
    assert fresh[1] and fresh[0] > first[0] + 100
    assert _asked(qs, keep_seconds=keep, key="all users") == (first, False)  # kept

    now = dt.datetime.now(dt.UTC)
    with time_machine.travel(now + dt.timedelta(seconds=keep + 1), tick=False):
        # Aged: served as it was, this request asks nothing, the thread asks.
        assert _asked(qs, keep_seconds=keep, key="all users") == (first, False)
        pagination.count_estimates_settle()
        assert _asked(qs, keep_seconds=keep, key="all users") == ((fresh[0], True), False)
        # Another process (its own memo empty) reads the new one from the cache.
        pagination.count_estimates_forget()
        assert _asked(qs, keep_seconds=keep, key="all users") == ((fresh[0], True), False)

    # Older than COUNT_ESTIMATE_STALE_FACTOR keeps: asked in the request.
    later = now + dt.timedelta(seconds=keep * (pagination.COUNT_ESTIMATE_STALE_FACTOR + 1) + 2)
    with time_machine.travel(later, tick=False):
        result, counted = _asked(qs, keep_seconds=keep, key="all users")
    assert counted and result == fresh


@pytest.mark.django_db(transaction=True)
def test_an_aged_estimate_back_under_the_threshold_is_counted_exactly_again(monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_EXACT_UP_TO", 5)
    keep = pagination.COUNT_ESTIMATE_SECONDS
    _users(40, "a")
    qs = User.objects.all()
    assert _asked(qs, keep_seconds=keep)[0][1] is True
    User.objects.exclude(pk__in=list(qs.order_by("pk").values_list("pk", flat=True)[:3])).delete()
    assert User.objects.count() == 3
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=keep + 1), tick=False):
        assert _asked(qs, keep_seconds=keep)[0][1] is True  # the aged one, once more
        pagination.count_estimates_settle()
        assert _asked(qs, keep_seconds=keep) == ((3, False), True)  # exact, asked at once


@pytest.mark.django_db
def test_inside_a_transaction_an_aged_estimate_is_asked_again_at_once(monkeypatch):
    """Another connection would not see the transaction's own rows."""
    monkeypatch.setattr(pagination, "COUNT_EXACT_UP_TO", 1)
    keep = pagination.COUNT_ESTIMATE_SECONDS
    _users(30, "a")
    qs = User.objects.all()
    first, counted = _asked(qs, keep_seconds=keep)
    assert counted and first[1]
    _users(400, "b")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=keep + 1), tick=False):
        result, counted = _asked(qs, keep_seconds=keep)
    assert counted and result[0] > first[0] + 100 and not pagination._REFRESHING
