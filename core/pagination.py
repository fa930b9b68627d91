"""Pagination of lists.

``StandardPagination`` (page numbers) serves the small lists. Lists that
grow with the number of cases are read by keyset (``keyset_page``,
``CursorPagination`` for the API): the page after a cursor is
``WHERE (order columns) after (the cursor's values) ORDER BY … LIMIT n``,
read off an index on the same columns whatever the page, where an OFFSET
would read and drop every row before it. Counts stop counting at
``COUNT_EXACT_UP_TO`` and are estimated beyond it (``count_estimate``); a
list keeps its estimate ``COUNT_ESTIMATE_SECONDS``.
"""

import base64
import binascii
import datetime as dt
import functools
import hashlib
import json
import logging
import operator
import re
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, ValidationError
from django.db import connections
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import OrderBy
from django.db.models.query import ValuesIterable
from django.db.models.sql.where import WhereNode
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as InvalidInput
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

INVALID_PAGE_SIZE = _("The page size must be a whole number of at least 1.")


def page_size_from(request, *, param: str, default: int, maximum: int) -> int:
    """``?page_size=``: absent → ``default``; above ``maximum`` → ``maximum``
    (as DRF does); not a whole number ≥ 1 → 400. DRF would silently use
    the default for ``abc`` or ``0``, which the schema (``integer``,
    ``minimum: 1``) calls invalid."""
    raw = request.query_params.get(param)
    if raw is None:
        return default
    # ASCII digits only: int() would also take "+5", " 5" and "５".
    if not re.fullmatch(r"[0-9]+", raw) or int(raw) < 1:
        raise InvalidInput({param: [INVALID_PAGE_SIZE]})
    return min(int(raw), maximum)


def _page_size_parameter(param: str, maximum: int) -> dict:
    return {"name": param, "required": False, "in": "query",
            "description": f"Rows per page; more than {maximum} gives {maximum}.",
            "schema": {"type": "integer", "minimum": 1}}


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        return page_size_from(request, param=self.page_size_query_param, default=self.page_size,
                              maximum=self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        return [_page_size_parameter(self.page_size_query_param, self.max_page_size)
                if p["name"] == self.page_size_query_param else p for p in parameters]


class PaginatedListMixin:
    """For an APIView whose GET answers with ``paginated_response``.

    drf-spectacular documents a view as paginated from its
    ``pagination_class`` (its ``get_paginated_response_schema`` and query
    parameters), and ``paginated_response`` pages with the same class: the
    schema describes whichever paginator is in place. Lists read by keyset
    set ``pagination_class = CursorPagination``.
    """

    pagination_class = StandardPagination


def paginated_response(*, request, view, queryset, serializer_class, context: dict | None = None,
                       paginator=None):
    """One page of ``queryset`` with count, next and previous links: the
    shape every list of the API answers with. The paginator is the view's
    ``pagination_class`` (the one its schema describes) unless given."""
    if paginator is None:
        paginator = (getattr(view, "pagination_class", None) or StandardPagination)()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True, context=context or {}).data)


# --- Counts -------------------------------------------------------------------------

# Up to this many rows a count is exact; beyond it, the planner's estimate
# (PostgreSQL) stands in for it and the page says "约 N".
COUNT_EXACT_UP_TO = 1000


def _planner_rows(connection, sql: str, params) -> int:
    """PostgreSQL's estimate of the rows ``sql`` returns (EXPLAIN, nothing run)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


# How long a list keeps an estimated count (``count_estimate``'s
# ``keep_seconds``): past the threshold, finding that a count is beyond it
# (LIMIT n + 1 rows) and asking the planner cost a list page more than its
# rows at 100k cases (issue 19).
COUNT_ESTIMATE_SECONDS = 60
# Once kept that long an estimate is asked again off the request path (a
# thread of the process, its own connection) and served meanwhile, for up
# to this many times its keep in all; only an estimate older than that is
# asked again in the request. (Issue 19: at 1M cases the request that found
# its estimate aged paid 10 ms idle, 30-40 ms under load: the p99 of the
# lists and the workbench.)
COUNT_ESTIMATE_STALE_FACTOR = 10

# Each process also keeps the estimates it has read, in front of the shared
# cache: a list paged through or reloaded then costs no round trip to it
# (the shared cache's get was half of a kept count's time at 1M cases). Each
# entry carries the shared entry's times, so no copy outlives it.
_KEPT: dict[str, tuple[float, float, int]] = {}
_KEPT_MAX = 4096

# One thread per process asks aged estimates again, one at a time: a burst
# of aged lists queues here rather than opening a connection each.
_REFRESHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="count-estimate")
_REFRESHING: set[Future] = set()
logger = logging.getLogger(__name__)


def count_estimates_forget() -> None:
    """Drop this process's kept estimates and compiled SQL (tests: each starts over)."""
    _KEPT.clear()
    _COMPILED.clear()


def count_estimates_settle(timeout: float = 30) -> None:
    """Wait for the estimates being asked again in the background (tests)."""
    for future in list(_REFRESHING):
        future.result(timeout=timeout)


def _estimate_key(connection, sql: str, params, exact_up_to: int) -> str:
    """The cache key of an estimate: the ids' SQL and parameters (so the
    reader's visibility and every filter), the threshold and the database
    (benches serve several from one Redis)."""
    db = connection.settings_dict
    raw = repr((db["HOST"], db["PORT"], db["NAME"], exact_up_to, sql, params))
    return "count-estimate:" + hashlib.sha256(raw.encode()).hexdigest()


def _remember(key: str, entry: tuple[float, float, int]) -> None:
    if len(_KEPT) >= _KEPT_MAX:
        _KEPT.clear()
    _KEPT[key] = entry


def _kept(key: str) -> tuple[int, bool] | None:
    """(estimate, aged) of the kept estimate, or None: none, or too old to serve."""
    now = time.time()
    local = _KEPT.get(key)
    if local is not None and local[0] > now:
        return local[2], False
    shared = cache.get(key)
    # (A two-item entry is from before the stale factor: asked again.)
    if shared is None or len(shared) != 3 or shared[1] <= now:
        return None
    _remember(key, shared)
    return shared[2], shared[0] <= now


def _keep(key: str, estimate: int, seconds: int) -> None:
    now = time.time()
    entry = (now + seconds, now + seconds * COUNT_ESTIMATE_STALE_FACTOR, estimate)
    cache.set(key, entry, seconds * COUNT_ESTIMATE_STALE_FACTOR)
    _remember(key, entry)


def _estimate(connection, sql: str, params, exact_up_to: int) -> tuple[int, bool] | None:
    """(count, approximate) on PostgreSQL; None where an exact count is
    needed beyond the threshold (other databases)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql} LIMIT {int(exact_up_to) + 1}) ids", params)
        seen = cursor.fetchone()[0]
    if seen <= exact_up_to:
        return seen, False
    if connection.vendor != "postgresql":
        return None
    return max(_planner_rows(connection, sql, params), seen), True


def _refresh(alias: str, key: str, sql: str, params, exact_up_to: int, keep_seconds: int) -> None:
    """Ask an aged estimate again, on this thread's own connection."""
    try:
        estimate = _estimate(connections[alias], sql, params, exact_up_to)
        if estimate is not None and estimate[1]:
            _keep(key, estimate[0], keep_seconds)
        else:
            # Back under the threshold: counted exactly, in the request, from now on.
            cache.delete(key)
            _KEPT.pop(key, None)
    except Exception:
        # The aged estimate stays served; the next request past the lock asks again.
        logger.exception("count estimate not refreshed")
    finally:
        cache.delete(key + ":asking")
        connections.close_all()  # this thread's connections, not the requests'


def _ask_again_later(built: "_Built", key: str, exact_up_to: int, keep_seconds: int,
                     sql_key=None) -> None:
    # One process asks (the lock, kept no longer than a keep, in case its
    # thread dies); the others serve the aged estimate meanwhile.
    if not cache.add(key + ":asking", 1, keep_seconds):
        return
    try:
        sql, params = _ids_sql(built, sql_key)
    except EmptyResultSet:  # pragma: no cover - such a query is never kept
        return
    future = _REFRESHER.submit(_refresh, built.db, key, sql, params, exact_up_to, keep_seconds)
    _REFRESHING.add(future)
    future.add_done_callback(_REFRESHING.discard)


def counted_as(rows: QuerySet, base: QuerySet) -> QuerySet:
    """``rows`` (``base.values(...)`` whose columns join other tables)
    counted as ``base`` by ``count_estimate``: the joins of the columns
    stay in the ids' SQL Django compiles (the applicant's and the unit's:
    two hash joins, half of the count of a thousand cases), and cannot
    change the count when they are the many-to-one joins of non-null keys.
    Only while ``rows`` is filtered no further (as ``keyset_union``)."""
    rows.query.counted_as = (base, len(rows.query.where.children))
    return rows


def count_estimate(qs, *, exact_up_to: int | None = None, keep_seconds: int = 0,
                   key: str | None = None, sql_key=None) -> tuple[int, bool]:
    """(count, approximate). One query that stops at ``exact_up_to`` + 1
    rows; past that, on PostgreSQL, one EXPLAIN for the planner's row
    estimate (never fewer than the rows already seen). SQLite (``make run``,
    small data) counts exactly. Both read the ids' SQL, compiled once: the
    rows' joins and columns do not change the count.

    ``keep_seconds``: an estimate is kept that long in the cache and read
    from it instead (no query): a list paged through or reloaded asks
    once. An exact count is never kept, so a new case shows at once in a
    count up to the threshold, and in an estimate (which the planner's
    statistics also lag) once the kept one ages: then it is asked again in
    the background and the aged one served until that answers (up to
    COUNT_ESTIMATE_STALE_FACTOR keeps; inside a transaction, whose own rows
    another connection would not see, it is asked again at once).

    ``key``: what the count is of, from the caller (its reader's
    visibility and its filters, e.g. ``cases.selectors.case_list_count_key``),
    instead of the query's SQL: a kept estimate is then read without
    compiling the query (0.7 ms of a 7 ms list page at 1M cases).

    ``sql_key``: as ``keyset_page``'s: the ids' SQL is then compiled once
    per process for it, and ``qs`` may be a function making the queryset."""
    exact_up_to = COUNT_EXACT_UP_TO if exact_up_to is None else exact_up_to
    built = qs if isinstance(qs, _Built) else _Built(qs)
    connection = connections[built.db]
    if key is not None and keep_seconds:
        key = _estimate_key(connection, key, (), exact_up_to)
        if (kept := _served(built, connection, key, exact_up_to, keep_seconds, sql_key)) is not None:
            return kept, True
    try:
        sql, params = _ids_sql(built, sql_key)
    except EmptyResultSet:
        # A filter that can match nothing (e.g. ``pk__in=[]``: a reader who
        # sees no case) has no SQL; Django's own count answers 0 without a
        # query, and so does this.
        return 0, False
    if key is None and keep_seconds:
        key = _estimate_key(connection, sql, params, exact_up_to)
        if (kept := _served(built, connection, key, exact_up_to, keep_seconds, sql_key)) is not None:
            return kept, True
    estimate = _estimate(connection, sql, params, exact_up_to)
    if estimate is None:
        return built.qs.count(), False
    if estimate[1] and key:
        _keep(key, estimate[0], keep_seconds)
    return estimate


def _ids_sql(built: "_Built", sql_key=None) -> tuple[str, tuple]:
    """The SQL of the ids ``built`` counts (``counted_as``'s base if so),
    compiled once per process for ``sql_key``. Raises ``EmptyResultSet``
    (never kept) for a filter that can match nothing."""
    if sql_key is not None and (kept := _COMPILED.get(("ids", built.db, sql_key))) is not None:
        return kept
    qs = built.qs
    spec = getattr(qs.query, "counted_as", None)
    if spec is not None and len(qs.query.where.children) == spec[1]:
        qs = spec[0]
    compiled = qs.order_by().values("pk").query.sql_with_params()
    if sql_key is not None:
        _compiled_keep(("ids", built.db, sql_key), compiled)
    return compiled


def _served(built, connection, key, exact_up_to, keep_seconds, sql_key=None) -> int | None:
    """The kept estimate to answer with, asking an aged one again in the background."""
    kept = _kept(key)
    if kept is None:
        return None
    estimate, aged = kept
    if aged:
        if connection.in_atomic_block:
            return None
        _ask_again_later(built, key, exact_up_to, keep_seconds, sql_key)
    return estimate


# --- Compiled SQL -------------------------------------------------------------------

# A list read again by the same reader with the same filters builds and
# compiles the same SQL each time: the visibility, the filters, the joins,
# then Django's compiler. That was a third of the list API's own time
# (issue 19: about 1.1 of the 3.5 ms it took beyond a bare one-query view).
# A caller that knows what determines its queryset's SQL gives
# ``keyset_page`` an ``sql_key`` (the reader's visibility, the filters,
# the day: e.g. cases.selectors.case_list_count_key): each process keeps
# the compiled page and count for it, with the places of the cursor's
# values among the parameters. Only ``values()`` pages (rows as dicts) are
# kept; a key must differ whenever the SQL could.
_COMPILED: dict = {}
_COMPILED_MAX = 2048


def _compiled_keep(key, entry) -> None:
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.clear()
    _COMPILED[key] = entry


class _Built:
    """A queryset made when first needed: ``keyset_page`` and
    ``count_estimate`` take a function making it, which a page read from
    kept SQL never calls."""

    def __init__(self, qs, db: str | None = None):
        self._qs = qs if isinstance(qs, QuerySet) else None
        self._make = None if self._qs is not None else qs
        self._db = db

    @property
    def qs(self) -> QuerySet:
        if self._qs is None:
            self._qs = self._make()
        return self._qs

    @property
    def db(self) -> str:
        return self._db if self._qs is None and self._db else self.qs.db


@dataclass(frozen=True)
class _CompiledPage:
    """A page's SQL with its parameters; ``slots``: (place, key index) of
    the cursor's values; ``names`` and ``converters`` read rows as
    ``values()`` does."""

    sql: str
    params: tuple
    slots: tuple
    preps: tuple
    names: tuple
    converters: tuple

    def rows(self, connection, values) -> list[dict]:
        params = list(self.params)
        for place, k in self.slots:
            params[place] = self.preps[k](values[k], connection)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            # As SQLCompiler.apply_converters, with this thread's connection.
            rows = [list(row) for row in rows]
            for row in rows:
                for pos, (convs, expression) in self.converters:
                    value = row[pos]
                    for converter in convs:
                        value = converter(value, expression, connection)
                    row[pos] = value
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in rows]


def _sentinel(field, i: int):
    """A value of ``field``'s type no real cursor holds, to find where a
    cursor's values go among a page's parameters; None for other types."""
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return dt.datetime(1901, 2, 3, 4, 5, 6, 100 + i, tzinfo=dt.UTC)
    if kind == "DateField":
        return dt.date(1901, 2, 3 + i)
    if kind in ("AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "PositiveIntegerField",
                "SmallIntegerField", "PositiveSmallIntegerField"):
        return -9_000_000_000 - i
    return None


def _prep(field):
    # What a lookup on ``field`` makes of its value (Lookup.get_db_prep_lookup).
    return lambda value, connection: field.get_db_prep_value(field.get_prep_value(value), connection, prepared=True)


def _compile_page(page_qs: QuerySet) -> tuple[str, tuple, object]:
    compiler = page_qs.query.get_compiler(using=page_qs.db)
    sql, params = compiler.as_sql()
    return sql, tuple(params), compiler


def _page_compiled(qs: QuerySet, sliced: QuerySet, keys: "list[OrderKey]", read_keys: "list[OrderKey]", values,
                   page_size: int) -> "_CompiledPage | None":
    """``sliced`` (``qs``'s page past ``values``) to keep, or None. A
    cursor's page is kept only if its SQL is the same with sentinel values
    in the cursor and putting the real ones in their places gives exactly
    the parameters Django compiles. Raises ``EmptyResultSet`` as Django."""
    if not issubclass(sliced._iterable_class, ValuesIterable) or sliced.query.extra_select:
        return None
    sql, params, compiler = _compile_page(sliced)
    slots, preps, kept_params = (), (), params
    if values is not None:
        connection = connections[sliced.db]
        fields = [qs.model._meta.get_field(k.name) for k in keys]
        marks = [None if v is None else _sentinel(f, i) for i, (f, v) in enumerate(zip(fields, values, strict=True))]
        if any(m is None and v is not None for m, v in zip(marks, values, strict=True)):
            return None
        s_sql, kept_params, _compiler = _compile_page(_page_qs(qs, read_keys, marks, page_size))
        preps = tuple(_prep(f) for f in fields)
        prepped = {i: preps[i](m, connection) for i, m in enumerate(marks) if m is not None}
        slots = tuple((place, i) for place, p in enumerate(kept_params) for i, m in prepped.items()
                      if type(p) is type(m) and p == m)
        filled = list(kept_params)
        for place, i in slots:
            filled[place] = preps[i](values[i], connection)
        if s_sql != sql or tuple(filled) != params:
            return None
    names = (*sliced.query.values_select, *sliced.query.annotation_select)
    converters = tuple(compiler.get_converters([s[0] for s in compiler.select[0:compiler.col_count]]).items())
    return _CompiledPage(sql, kept_params, slots, preps, names, converters)


# --- Keyset pages -------------------------------------------------------------------


@dataclass(frozen=True)
class OrderKey:
    name: str
    desc: bool = False
    # None: the column is never null (or sorts where the database puts it).
    nulls_last: bool | None = None

    def reversed(self) -> "OrderKey":
        return OrderKey(self.name, not self.desc, None if self.nulls_last is None else not self.nulls_last)

    def expression(self) -> OrderBy:
        kwargs = {}
        if self.nulls_last is not None:
            kwargs = {"nulls_last": True} if self.nulls_last else {"nulls_first": True}
        return F(self.name).desc(**kwargs) if self.desc else F(self.name).asc(**kwargs)


def ordering_of(qs: QuerySet) -> list[OrderKey]:
    """The queryset's ordering as keys, ending with the primary key (added
    if missing) so that every row has one place."""
    keys = []
    for item in qs.query.order_by or qs.model._meta.ordering:
        if isinstance(item, str):
            keys.append(OrderKey(item.lstrip("-"), item.startswith("-")))
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            nulls_last = True if item.nulls_last else (False if item.nulls_first else None)
            keys.append(OrderKey(item.expression.name, item.descending, nulls_last))
        else:
            raise ValueError(f"keyset pagination needs column orderings, not {item!r}")
    names = {k.name for k in keys}
    if not names & {"pk", "id"}:
        keys.append(OrderKey("id", keys[-1].desc if keys else False))
    return [OrderKey("id" if k.name == "pk" else k.name, k.desc, k.nulls_last) for k in keys]


def _after(keys: list[OrderKey], values: list, i: int = 0) -> Q:
    """Rows strictly after ``values`` in the order ``keys``."""
    key, value = keys[i], values[i]
    f = key.name
    if value is None:
        strict = Q(pk__in=[]) if key.nulls_last in (True, None) else Q(**{f"{f}__isnull": False})
        equal = Q(**{f"{f}__isnull": True})
    else:
        strict = Q(**{f"{f}__{'lt' if key.desc else 'gt'}": value})
        if key.nulls_last:
            strict |= Q(**{f"{f}__isnull": True})
        equal = Q(**{f: value})
    if i == len(keys) - 1:
        return strict
    q = strict | (equal & _after(keys, values, i + 1))
    if i == 0 and value is not None and key.nulls_last is None:
        # The same bound on the leading column alone: an index condition,
        # so the scan starts at the cursor instead of filtering up to it.
        q &= Q(**{f"{f}__{'lte' if key.desc else 'gte'}": value})
    return q


def _to_json(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _from_json(model, name: str, value):
    if value is None:
        return None
    try:
        return model._meta.get_field(name).to_python(value)
    except FieldDoesNotExist:  # an annotation (e.g. a count): JSON's own type
        return value


def encode_cursor(values: list, reverse: bool) -> str:
    raw = json.dumps({"v": [_to_json(v) for v in values], "r": int(reverse)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


INVALID_CURSOR = _("The page link is no longer valid; start again from the first page.")


def decode_cursor(cursor: str, keys: list[OrderKey], model) -> tuple[list, bool]:
    """(values, reverse); ``ValidationError`` for anything not made by
    ``encode_cursor`` for this ordering."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values, reverse = data["v"], bool(data["r"])
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError
        return [_from_json(model, k.name, v) for k, v in zip(keys, values, strict=True)], reverse
    except (ValueError, TypeError, KeyError, binascii.Error, ValidationError, UnicodeDecodeError):
        raise ValidationError(INVALID_CURSOR, code="invalid_cursor") from None


def _cursor_position(cursor: str | None, keys: list[OrderKey], model) -> tuple[list | None, bool, list[OrderKey]]:
    """(values, reverse, read_keys) of ``cursor`` for the ordering ``keys``:
    no cursor is the first page (values None); a previous link's cursor is
    read in the reversed order. ``ValidationError`` as ``decode_cursor``."""
    if not cursor:
        return None, False, keys
    values, reverse = decode_cursor(cursor, keys, model)
    return values, reverse, [k.reversed() for k in keys] if reverse else keys


def _keyset_result(rows: list, *, page_size: int, keys: list[OrderKey], values, reverse: bool) -> "KeysetPage":
    """The page from up to ``page_size`` + 1 rows read past the cursor in
    the read order: the extra row says another page follows that way."""
    more = len(rows) > page_size
    rows = rows[:page_size]
    if reverse:
        rows.reverse()
    has_next, has_previous = (values is not None, more) if reverse else (more, values is not None)

    def position(row):
        # A row is a model or, read with ``values()``, a dict.
        if isinstance(row, dict):
            return [row[k.name] for k in keys]
        return [getattr(row, k.name) for k in keys]

    return KeysetPage(
        object_list=rows,
        next_cursor=encode_cursor(position(rows[-1]), False) if rows and has_next else None,
        previous_cursor=encode_cursor(position(rows[0]), True) if rows and has_previous else None,
    )


@dataclass
class KeysetPage:
    """One page read by keyset: its rows and the cursors of the pages
    before and after it (None at either end)."""

    object_list: list
    next_cursor: str | None
    previous_cursor: str | None
    count: int = 0
    count_approximate: bool = False
    extra: dict = field(default_factory=dict)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def keyset_union(qs: QuerySet, *branches: Q) -> QuerySet:
    """``qs`` filtered on the OR of ``branches``, which ``keyset_page`` reads
    as the union of each branch's page: an OR of two columns (an applicant's
    own cases and those filed for him) has no index in list order, so
    PostgreSQL would fetch every matching row and sort them before the
    first page; each branch alone (``qs`` and that branch, without the OR)
    is read off its own index, LIMIT n + 1 rows past the cursor, and the page
    is the first n of those few. Apply it last: a filter added afterwards is
    not in the branches, so ``keyset_page`` then reads the plain OR (as it
    does for the count and on databases that cannot order inside a UNION,
    SQLite)."""
    union = qs.filter(functools.reduce(operator.or_, branches))
    union.query.keyset_union = (qs.all(), branches, len(union.query.where.children))
    return union


def _union_ids(qs: QuerySet, read_keys: list[OrderKey], values, size: int) -> QuerySet | None:
    """The ids of ``keyset_union``'s branch pages, or None to read ``qs`` itself."""
    spec = getattr(qs.query, "keyset_union", None)
    if spec is None or not connections[qs.db].features.supports_slicing_ordering_in_compound:
        return None
    base, branches, filters = spec
    if len(qs.query.where.children) != filters:
        return None
    base = base.order_by(*[k.expression() for k in read_keys])
    if values is not None:
        base = base.filter(_after(read_keys, values))
    parts = [base.filter(b).values("pk")[:size] for b in branches]
    return parts[0].union(*parts[1:], all=True)


def _page_qs(qs: QuerySet, read_keys: list[OrderKey], values, page_size: int) -> QuerySet:
    """The query of the page past ``values`` in the order ``read_keys``, sliced."""
    page_qs = qs.order_by(*[k.expression() for k in read_keys])
    if values is not None:
        page_qs = page_qs.filter(_after(read_keys, values))
    ids = _union_ids(qs, read_keys, values, page_size + 1)
    if ids is not None:
        # The branches applied every filter: the rows are those ids, read
        # by primary key (with qs's joins and deferred columns).
        page_qs = qs.all()
        page_qs.query.where = WhereNode()
        page_qs = page_qs.filter(pk__in=ids).order_by(*[k.expression() for k in read_keys])
    return page_qs[: page_size + 1]


def _page_rows(built: _Built, sql_key, keys, read_keys, values, reverse: bool, page_size: int) -> list:
    """The rows of the page, from its SQL kept for ``sql_key`` if there is."""
    shape = (built.db, sql_key, page_size, reverse, None if values is None else tuple(v is None for v in values))
    if sql_key is not None and (kept := _COMPILED.get(shape)) is not None:
        return kept.rows(connections[built.db], values)
    qs = built.qs
    sliced = _page_qs(qs, read_keys, values, page_size)
    if sql_key is None:
        return list(sliced)
    try:
        compiled = _page_compiled(qs, sliced, keys, read_keys, values, page_size)
    except EmptyResultSet:
        return []
    if compiled is None:
        return list(sliced)
    _compiled_keep(shape, compiled)
    _compiled_keep(("keys", sql_key), (keys, qs.model, built.db))
    return compiled.rows(connections[built.db], values)


def keyset_page(qs, *, cursor: str | None, page_size: int, count: bool = True,
                count_key: str | None = None, sql_key=None) -> KeysetPage:
    """The page of ``qs`` (ordered on indexed columns ending with the id)
    that ``cursor`` points at (the first page without one): one query for
    the rows, plus ``count_estimate`` when ``count`` (an estimate kept
    ``COUNT_ESTIMATE_SECONDS``: then none). Raises
    ``ValidationError`` for a cursor this ordering did not make.

    ``sql_key``: what determines ``qs``'s SQL, from a caller that builds it
    the same way for the same key (see _COMPILED); ``qs`` may then be a
    function making the queryset, called only when its SQL is not kept."""
    kept = _COMPILED.get(("keys", sql_key)) if sql_key is not None else None
    if kept is not None:
        keys, model, db = kept
        built = _Built(qs, db)
    else:
        built = _Built(qs)
        keys, model = ordering_of(built.qs), built.qs.model
    values, reverse, read_keys = _cursor_position(cursor, keys, model)
    rows = _page_rows(built, sql_key, keys, read_keys, values, reverse, page_size)
    page = _keyset_result(rows, page_size=page_size, keys=keys, values=values, reverse=reverse)
    if count:
        # Always one (bounded) query, so a list's query count is the same
        # whether it fits on one page or not; beyond the threshold, none
        # while the estimate is kept.
        page.count, page.count_approximate = count_estimate(built, keep_seconds=COUNT_ESTIMATE_SECONDS,
                                                            key=count_key, sql_key=sql_key)
    return page


# The key of ``keyset_parts_page``'s part, first in its cursors.
PART = "keyset_part"


def keyset_parts_page(qs: QuerySet, *parts: Q, cursor: str | None, page_size: int) -> KeysetPage:
    """A keyset page of ``qs`` in its order, the rows of ``parts`` (disjoint
    filters covering ``qs``) one part after the other: the supervisor's
    queue, the cases waiting for him before the rest. An order that leads
    with "which part" has no index to read in order; each part alone has
    (its own partial index in ``qs``'s order). The cursor holds the part
    and the row's key; on PostgreSQL one query reads, as a UNION ALL, that
    part past the key and the parts after it from their start, each LIMIT
    n + 1 off its index, and the page is the first n of those few rows in
    (part, key) order (SQLite, which cannot LIMIT inside a UNION, reads
    the parts' OR in that order: small data). Nothing counted."""
    keys = ordering_of(qs)
    all_keys = [OrderKey(PART), *keys]
    values, reverse, read_all = _cursor_position(cursor, all_keys, qs.model)
    if values is not None and (type(values[0]) is not int or not 0 <= values[0] < len(parts)):
        raise ValidationError(INVALID_CURSOR, code="invalid_cursor")
    read_keys = read_all[1:]
    part = Case(*[When(q, then=Value(i)) for i, q in enumerate(parts)], output_field=IntegerField())
    if connections[qs.db].features.supports_slicing_ordering_in_compound:
        # Forwards: the cursor's part and those after it; backwards (a
        # cursor always): it and those before it.
        start = 0 if values is None else values[0]
        order = range(start, -1, -1) if reverse else range(start, len(parts))
        branches = []
        for i in order:
            branch = qs.filter(parts[i]).order_by(*[k.expression() for k in read_keys])
            if values is not None and i == values[0]:
                branch = branch.filter(_after(read_keys, values[1:]))
            branches.append(branch.values("pk")[: page_size + 1])
        # The branches applied every filter: the rows are those ids.
        page_qs = qs.all()
        page_qs.query.where = WhereNode()
        page_qs = page_qs.filter(pk__in=branches[0].union(*branches[1:], all=True))
    else:
        page_qs = qs.all()
    page_qs = page_qs.annotate(**{PART: part}).order_by(*[k.expression() for k in read_all])
    if values is not None and not connections[qs.db].features.supports_slicing_ordering_in_compound:
        page_qs = page_qs.filter(_after(read_all, values))
    return _keyset_result(list(page_qs[: page_size + 1]), page_size=page_size, keys=all_keys, values=values,
                          reverse=reverse)


class CursorPagination(BasePagination):
    """DRF pagination by keyset (see ``keyset_page``), with the count of
    ``count_estimate``: ``{"count", "count_approximate", "next",
    "previous", "results"}``; ``?cursor=`` from ``next`` / ``previous``,
    ``?page_size=`` up to ``max_page_size``."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_param = "cursor"

    def _page_size(self, request) -> int:
        return page_size_from(request, param=self.page_size_query_param, default=self.page_size,
                              maximum=self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        try:
            # A view may say what its count is of (``count_key``, see
            # count_estimate) so that a kept estimate costs no compiling.
            self.page = keyset_page(queryset, cursor=request.query_params.get(self.cursor_query_param),
                                    page_size=self._page_size(request), count_key=getattr(view, "count_key", None),
                                    sql_key=getattr(view, "sql_key", None))
        except ValidationError as exc:
            raise NotFound(exc.messages[0]) from None
        return self.page.object_list

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(remove_query_param(url, "page"), self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        return Response({
            "count": self.page.count,
            "count_approximate": self.page.count_approximate,
            "next": self._link(self.page.next_cursor),
            "previous": self._link(self.page.previous_cursor),
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "count_approximate", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123,
                          "description": f"Exact up to {COUNT_EXACT_UP_TO} rows; beyond, an estimate."},
                "count_approximate": {"type": "boolean", "description": "Whether count is an estimate."},
                "next": {"type": "string", "nullable": True, "format": "uri",
                         "example": "http://api.example.org/cases/?cursor=eyJ2IjpbXX0"},
                "previous": {"type": "string", "nullable": True, "format": "uri",
                             "example": "http://api.example.org/cases/?cursor=eyJ2IjpbXX0"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": self.cursor_query_param, "required": False, "in": "query",
             "description": "The page: the cursor of a next or previous link.", "schema": {"type": "string"}},
            _page_size_parameter(self.page_size_query_param, self.max_page_size),
        ]
