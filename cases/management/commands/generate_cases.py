"""``generate_cases --count N``: bulk synthetic cases for benchmarks
(bench/scale.py, bench/reminders.py) and load tests (DESIGN §7).

Everything it creates lives in a clearly named synthetic subtree: a
province (org unit code ``synthetic-bench``) with ``--counties`` counties,
each its own jurisdiction with a published policy (time limits, positive
-list scenarios) and ten units; users are ``synthetic-*`` and cannot log in
(no usable password). It never mixes with real data. Each load makes the
applicants and inspectors its count calls for (a cadre files a few cases,
an inspector verifies a few hundred).

The cases look like a system that has run for three years: counties and
units of very different sizes, most cases closed with a result, the rest
spread over the stages; each has its number (怀容〔2025〕第0001号 style,
the county's counter advanced past it), search text as the services write
it, the history of its stage changes (hash-chained like every event,
core.history, by the staff role that does each step), its stage clock
(running, paused or stopped; the case's ``next_due`` columns as
``deadlines.services.case_deadline_sync`` sets them), its claimed
scenario, once accepted its inspectors (two or three, assigned by the
supervisor; a quarter of those at verification still waiting, a few after
a recusal; ``Case.active_inspectors`` as reviews.services keeps it), for
ruled cases the ruling, the letters its steps issued
(acceptance, supplement, non-acceptance, ruling: numbered, ready, each with
its ``letter_issued`` event; the PDF itself is not rendered) and, for about
a third of the favourable closed cases, the outcome published on the
portal (with its chained log and ``publication_published`` event).

Speed (issue 19: a million cases in minutes, not an hour): every row is one
line of COPY's text format made by one ``str.format`` (no per-value
adaptation), the hash chains are written out rather than JSON-dumped, and
a thread COPYs one batch while Python builds the next. A large load (20,000
cases or more, and at least as many as there were) drops the loaded tables'
secondary indexes and builds them after, with the row triggers (the
dashboard's marks, replaced by the recount) and foreign key checks off for
the load (``session_replication_role``; a superuser's). The bigram index
and ANALYZE of the cases are computed with a cheaper body of the same
function (_BIGRAMS_BULK); the bigram and character indexes compare their
keys bytewise (COLLATE "C", cases 0022: comparing them under the default
collation was about half of their builds); the cells are summed and the
other tables analyzed on a connection of its own while the GIN indexes
build. Each phase's time is printed. 1M on this 2-core machine, nothing
else running (load 1.2), before COLLATE "C" (those two builds 25% and 20%
shorter at 100k; no quiet 1M run since): load 243 s (COPY 167 s of
it, beside the generator: the generator is the bound), indexes and analyze
193 s (bigram 145 s, characters 84 s, trigram 61 s at once on two
connections, then the B-trees), 441 s in all; the index phase is CPU-bound
on both cores (~380 CPU-s), the load on the generator's one (~225 CPU-s,
the COPY backend ~110). Since cases 0023 there is no trigram index to
build; on a slower machine (2026-12-03) 1M took 659 s: load 412 s
(generator CPU 401 s, COPY 250 s), indexes and analyze 240 s, which is the
bigram index's build alone (the characters' 104 s and the B-trees beside
it): that build is now the phase's critical path. Ids are reserved up front. Other databases get
batched INSERTs of the same rows.
"""

import bisect
import datetime as dt
import hashlib
import json
import math
import queue
import random
import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, OrgUnit, Role, User
from accounts.services import org_unit_create
from cases import search_index
from cases.models import Case, CaseEvent, CaseNumberCounter
from core.history import GENESIS, link
from dashboard.models import STAY, CaseFigure, FigureCell
from dashboard.recount import sql_with_levels
from dashboard.selectors import DECIDED, TENTH_US, UNTIMED_STAGES
from dashboard.services import figures_recount, lock_figures
from deadlines.models import Clock
from letters.models import Letter, LetterNumberCounter
from policies.calendar import WorkCalendar, compute_due_date
from policies.models import (
    Certainty,
    Jurisdiction,
    PolicyDocument,
    PolicyItem,
    PolicyVersion,
    StageTimeLimit,
    TimeUnit,
)
from publication.models import Publication, PublicationLog
from reviews.models import Assignment, Recusal, Ruling

SYNTH = "synthetic-bench"
UNITS_PER_COUNTY = 10
# A cadre files a few cases over the years, not hundreds: each load makes
# one applicant per CASES_PER_APPLICANT cases it expects of a unit, and each
# case is filed by one of them at random (about 1-3 cases each, whatever
# the count; bench/scale.py's "my cases" is one of them at 1k and at 1M).
CASES_PER_APPLICANT = 2
# An inspector verifies about a hundred cases a year, two inspectors a case
# (reviews.services.case_assign): a county has one per this many
# assignments it expects, and at least two.
ASSIGNMENTS_PER_INSPECTOR = 300
YEARS = 3
RECENT_DAYS = 120
STAFF_ROLES = ("intake", "inspector", "supervisor", "committee", "admin")

COUNTY_NAMES = ["合成甲县", "合成乙县", "合成丙县", "合成丁县", "合成戊县", "合成己县", "合成庚县", "合成辛县",
                "合成壬县", "合成癸县", "合成子县", "合成丑县"]
UNIT_KINDS = ["教育局", "住建局", "自然资源局", "农业农村局", "卫健委", "交通运输局", "水利局", "发改委",
              "商务局", "镇人民政府"]
MATTERS = ["校舍改造", "招商引资", "征地拆迁", "疫情防控", "河道治理", "农村危房改造", "扶贫项目", "营商环境",
           "老旧小区改造", "乡村振兴", "产业园区建设", "应急抢险", "财政资金拨付", "政府采购", "土地出让",
           "社保基金", "工程招标", "环保督察整改", "审批制度改革", "数字政府建设"]
ACTIONS = ["先行先试", "容缺审批", "程序简化", "超出预算", "提前拨付", "临时决策", "突破惯例", "未及时报批"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文斌海波"

# Where the cases of the last RECENT_DAYS are (weights); older ones are
# closed but for one in twenty.
STAGE_WEIGHTS = [
    ("closed", 52), ("draft", 6), ("unit_review", 3), ("submitted", 5), ("supplement", 2), ("verification", 11),
    ("defence", 4), ("deliberation", 4), ("ruled", 5), ("review", 1), ("correction", 5), ("clarification", 2),
]
# Closed cases' outcomes; later stages' cases were decided (first ruling).
CLOSED_OUTCOMES = [("exempt", 40), ("mitigated", 22), ("rejected", 18), ("not_accepted", 12), ("withdrawn", 8)]
DECIDED_OUTCOMES = [("exempt", 50), ("mitigated", 28), ("rejected", 22)]
ORIGINS = [("individual", 70), ("unit", 20), ("proactive", 10)]
# Stage -> the clock that runs in it (TimeLimitStage) and its working days.
CLOCK_OF = {"unit_review": ("unit_review", 5), "submitted": ("intake", 5), "supplement": ("intake", 5),
            "verification": ("verification", 30), "defence": ("defence", 5), "deliberation": ("deliberation", 10),
            "ruled": ("feedback", 5), "review": ("review", 30), "correction": ("correction", 60)}
# The event kind that moves a case into a stage.
KIND_INTO = {"unit_review": "submitted", "submitted": "unit_forwarded", "supplement": "supplement_requested",
             "verification": "accepted", "defence": "preliminary_report", "deliberation": "defence_closed",
             "ruled": "ruled", "review": "review_requested", "correction": "correction_started",
             "clarification": "clarification_started", "closed": "closed"}
PATH_AFTER_RULING = {"ruled": [], "review": ["review"], "correction": ["correction"],
                     "clarification": ["clarification"]}
PRE_RULING = ["submitted", "verification", "defence", "deliberation", "ruled"]


def _pick(rng: random.Random, weighted):
    total = sum(w for _v, w in weighted)
    x = rng.random() * total
    for value, w in weighted:
        x -= w
        if x < 0:
            return value
    return weighted[-1][0]


def _path(rng: random.Random, stage: str, outcome: str, origin: str) -> list[str]:
    """The stages the case went through, ending in ``stage``."""
    start = ["verification"] if origin == "proactive" else (
        ["draft", "submitted"] if origin == "unit" else ["draft", "unit_review", "submitted"])
    if stage in ("draft", "unit_review") and origin != "proactive":
        return start[: start.index(stage) + 1] if stage in start else start[:1]
    if stage == "closed":
        if outcome == "not_accepted" and origin != "proactive":
            return [*start, "closed"]
        if outcome == "withdrawn":
            return [*start, "supplement", "closed"] if origin != "proactive" else [*start, "closed"]
        tail = rng.choice([[], [], ["correction"], ["clarification"]])
        pre = start + PRE_RULING[PRE_RULING.index(start[-1]) + 1:]
        return [*pre, *tail, "closed"]
    if stage == "supplement":
        return [*start, "supplement"] if origin != "proactive" else start
    pre = start + PRE_RULING[PRE_RULING.index(start[-1]) + 1:]
    if stage in PRE_RULING:
        return pre[: pre.index(stage) + 1] if stage in pre else pre[:1]
    return [*pre, *PATH_AFTER_RULING[stage]]


N = "\\N"  # NULL in COPY's text format; None on the other databases


def _copy_text(v) -> str:
    """A value as COPY's text format writes it."""
    if v is None:
        return N
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, (dict, list)):
        v = json.dumps(v, ensure_ascii=False)
    return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class _Table:
    """The rows of one table. On PostgreSQL each row is one line of COPY's
    text format, made by one ``str.format`` of a template in which the
    columns that do not vary (``fixed``, else the field's default) are
    already written: ``add`` takes the varying columns in ``vary`` order,
    as COPY text (ints, dates and aware datetimes as they are, ``N`` for
    NULL, text escaped by the caller where it can hold a tab, newline or
    backslash). Elsewhere ``add`` makes the tuple of a batched INSERT."""

    def __init__(self, model, vary: tuple[str, ...], now, pg: bool, fixed: dict | None = None):
        fixed = fixed or {}
        fields = list(model._meta.concrete_fields)
        self.table = model._meta.db_table
        self.columns = [f.column for f in fields]
        self.rows: list = []
        index = {name: i for i, name in enumerate(vary)}
        unknown = (set(index) | set(fixed)) - {f.attname for f in fields}
        if unknown:
            raise CommandError(f"{self.table}: no columns {sorted(unknown)}")
        parts, self._base, self._slots = [], [], []
        for f in fields:
            if f.attname in index:
                parts.append(f"{{{index[f.attname]}}}")
                self._base.append(None)
                self._slots.append(index[f.attname])
                continue
            if f.attname in fixed:
                v = fixed[f.attname]
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                v = now
            else:
                v = f.get_default()
            parts.append(_copy_text(v).replace("{", "{{").replace("}", "}}"))
            self._base.append(json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
            self._slots.append(None)
        fmt = "\t".join(parts) + "\n"
        rows = self.rows
        if pg:
            fmt_format = fmt.format

            def add(*values):
                rows.append(fmt_format(*values))
        else:
            pairs = list(zip(self._slots, self._base, strict=True))

            def add(*values):
                rows.append(tuple(
                    b if s is None else (None if values[s] is N else values[s]) for s, b in pairs))
        self.add = add

    def take(self) -> tuple[str, list[str], list]:
        """(table, columns, rows so far), emptying it."""
        rows = self.rows[:]
        self.rows.clear()
        return self.table, self.columns, rows


def _write(cursor, table: str, columns: list[str], rows: list) -> None:
    """One batch of a table: a COPY of its text lines on PostgreSQL
    (``cursor`` is psycopg's), batched INSERTs elsewhere (Django's)."""
    if not rows:
        return
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    if connection.vendor == "postgresql":
        with cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy:
            for i in range(0, len(rows), 5000):
                copy.write("".join(rows[i:i + 5000]))
    else:
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})", rows)


class _Loader(threading.Thread):
    """Writes the batches the generator hands over, on the command's own
    connection, in a thread of its own: PostgreSQL parses and stores one
    batch while Python builds the next (the generator does not touch the
    connection meanwhile; psycopg releases the GIL while it waits)."""

    def __init__(self, raw_connection):
        super().__init__(daemon=True, name="generate_cases-copy")
        self.raw = raw_connection
        self.batches: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.seconds = 0.0

    def run(self):
        while (batch := self.batches.get()) is not None:
            if self.error is not None:
                continue
            t = time.monotonic()
            try:
                with self.raw.cursor() as cursor:
                    for table, columns, rows in batch:
                        _write(cursor, table, columns, rows)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                self.error = exc
            self.seconds += time.monotonic() - t

    def put(self, batch) -> None:
        if self.error is not None:
            raise self.error
        self.batches.put(batch)

    def finish(self) -> None:
        self.batches.put(None)
        self.join()
        if self.error is not None:
            raise self.error


def _secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of ``tables`` that no primary key
    or unique/exclusion constraint owns: the ones a large load drops and
    builds again after (one sorted build beats a million inserts into each)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary AND NOT EXISTS ("
            " SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid"
            " AND c.contype IN ('p', 'u', 'x')) ORDER BY 1", [tables])
        return cursor.fetchall()


# case_bigrams for a bulk build (the GIN index of a large load, ANALYZE's
# sample): migration cases 0018's body, the same set of pairs for every
# text without U+0001 (tests/cases/test_generate_cases.py holds it equal to
# the function on generated texts and the reference cases), about a tenth
# of the time, so the index it builds is the one the function would. The
# function stays the inlinable one the search plans need (cases 0021):
# the bulk body is put in and the function restored in the transaction of
# the build, only while search_index.PG_FUNCTION is the body it stands in for.
_BIGRAMS_FOR = """
CREATE OR REPLACE FUNCTION case_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT COALESCE(array_agg(DISTINCT substr(u, i, 2)), '{}')
    FROM (SELECT upper(t) AS u) s, generate_series(1, length(u) - 1) AS i
$$"""
_BIGRAMS_BULK = r"""
CREATE OR REPLACE FUNCTION case_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array_remove(
        string_to_array(regexp_replace(replace(upper(t), E'\x01', ''), '(..)|.', E'\\1\x01', 'g'), E'\x01')
        || string_to_array(regexp_replace(substr(replace(upper(t), E'\x01', ''), 2), '(..)|.', E'\\1\x01', 'g'),
                           E'\x01'),
        '')
$$"""


def _bulk_bigrams_usable() -> bool:
    return " ".join(search_index.PG_FUNCTION.split()) == " ".join(_BIGRAMS_FOR.split())


def _with_bulk_bigrams(cursor, statement: str) -> None:
    """``statement`` (the bigram index's build, ANALYZE of the cases) with
    the bulk body of case_bigrams, in the caller's transaction."""
    if not _bulk_bigrams_usable():
        cursor.execute(statement)
        return
    cursor.execute(_BIGRAMS_BULK)
    cursor.execute(statement)
    cursor.execute(search_index.PG_FUNCTION)


def _figures_add(first: int, last: int) -> None:
    """Add the cells of the cases ``first``..``last`` (their CaseFigure
    rows written with them, unmarked: the row triggers were off) to the
    maintained ones, under the figures' lock (dashboard.services: no fold
    interleaves): summed from those rows by the database, then the coarse
    levels of the stays (dashboard.recount.sql_with_levels)."""
    cell, figure = FigureCell._meta.db_table, CaseFigure._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        lock_figures()
        cursor.execute("DROP TABLE IF EXISTS generate_cells")
        cursor.execute(f"""CREATE TEMPORARY TABLE generate_cells ON COMMIT DROP AS
            SELECT f.jurisdiction_id AS jur, f.year, c ->> 0 AS kind, c ->> 1 AS a, c ->> 2 AS b,
                   SUM((c ->> 3)::bigint) AS n, SUM((c ->> 4)::float8) AS total
            FROM {figure} f CROSS JOIN LATERAL jsonb_array_elements(f.cells) c
            WHERE f.case_id BETWEEN %s AND %s GROUP BY 1, 2, 3, 4, 5""", [first, last])
        cursor.execute(f"""INSERT INTO {cell} (jurisdiction_id, year, kind, a, b, n, total)
            SELECT jur, year, kind, a, b, SUM(n), SUM(total) FROM ({sql_with_levels('generate_cells', 'jur, year')}) x
            GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
            ON CONFLICT (jurisdiction_id, year, kind, a, b)
            DO UPDATE SET n = {cell}.n + EXCLUDED.n, total = {cell}.total + EXCLUDED.total""")
        cursor.execute("DROP TABLE generate_cells")


def _reserve_ids(model, n: int) -> int:
    """The first of ``n`` consecutive ids nobody else will be given."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            seq = cursor.fetchone()[0]
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [seq])
            cursor.execute("SELECT nextval(%s)", [seq])
            first = cursor.fetchone()[0]
            cursor.execute("SELECT setval(%s, %s)", [seq, first + n - 1])
            return first
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0] + 1


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _i in range(rng.choice((1, 2))))


def _synthetic_world(counties: int):
    """The province, its counties (jurisdictions with a published policy),
    units, applicants and staff; created once, reused after."""
    root = OrgUnit.objects.filter(code=SYNTH).first() or org_unit_create(
        name="合成省（测试数据）", code=SYNTH, kind=OrgUnit.Kind.JURISDICTION, short_name="合"
    )
    world = {"root": root, "counties": []}
    memberships = []
    for c in range(counties):
        code = f"{SYNTH}-c{c}"
        name = COUNTY_NAMES[c % len(COUNTY_NAMES)] + (str(c) if c >= len(COUNTY_NAMES) else "")
        county = OrgUnit.objects.filter(code=code).first() or org_unit_create(
            name=name, code=code, kind=OrgUnit.Kind.JURISDICTION, parent=root, short_name=name[2]
        )
        jur, _created = Jurisdiction.objects.get_or_create(code=code, defaults={
            "name": name, "org_unit": county, "case_prefix": f"{name[2]}容", "letter_prefix": f"{name[2]}纪容"})
        doc, _created = PolicyDocument.objects.get_or_create(
            code=f"{code}-doc", defaults={"jurisdiction": jur, "title": f"{name}容错纠错办法（测试数据）"})
        version = doc.versions.filter(status=PolicyVersion.Status.PUBLISHED).first()
        if version is None:
            version = PolicyVersion.objects.create(
                document=doc, number=1, effective_from=dt.date(2020, 1, 1),
                status=PolicyVersion.Status.PUBLISHED, published_at=timezone.now())
            StageTimeLimit.objects.bulk_create(
                StageTimeLimit(version=version, stage=stage, amount=amount, unit=TimeUnit.WORKING_DAY,
                               extension_allowed=True, extension_max=amount, source="synthetic",
                               certainty=Certainty.EXAMPLE_DEFAULT)
                for stage, amount in {v for v in CLOCK_OF.values()})
            PolicyItem.objects.bulk_create(
                PolicyItem(version=version, kind=PolicyItem.Kind.POSITIVE, number=i + 1,
                           title=f"{matter}中{ACTIONS[i % len(ACTIONS)]}的",
                           text=f"在{matter}工作中因{ACTIONS[i % len(ACTIONS)]}出现失误（测试数据）",
                           source="synthetic", certainty=Certainty.EXAMPLE_DEFAULT)
                for i, matter in enumerate(MATTERS[:8]))
        units = []
        for u in range(UNITS_PER_COUNTY):
            ucode = f"{code}-u{u}"
            units.append(OrgUnit.objects.filter(code=ucode).first() or org_unit_create(
                name=f"{name}{UNIT_KINDS[u % len(UNIT_KINDS)]}", code=ucode, kind=OrgUnit.Kind.UNIT,
                parent=county, short_name=name[2]))
        # The applicants and inspectors are made by each load, as many as
        # its count calls for (Command._people).
        world["counties"].append({
            "unit": county, "version": version, "units": units,
            "scenarios": list(version.items.filter(kind=PolicyItem.Kind.POSITIVE).values_list("pk", flat=True)),
            "prefix": jur.case_prefix, "name": name,
        })
    # Province-wide staff (they see every synthetic case) and the first
    # county's own staff.
    staff = {}
    for scope, unit in (("", root), (f"{SYNTH}-c0-", world["counties"][0]["unit"])):
        for role in STAFF_ROLES:
            username = f"synthetic-{scope.removeprefix(SYNTH + '-')}{role}"
            user, created = User.objects.get_or_create(
                username=username, defaults={"full_name": f"合成{role}", "org_unit": unit, "email": ""})
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                memberships.append(Membership(user=user, org_unit=unit, role=role))
            staff[username] = user
    Membership.objects.bulk_create(memberships, ignore_conflicts=True)
    world["staff"] = staff
    return world


# Who does each step of the history (the synthetic province's staff).
ACTOR_OF = {"accepted": "intake", "supplement_requested": "intake", "preliminary_report": "inspector",
            "defence_closed": "inspector", "ruled": "committee", "correction_started": "supervisor",
            "clarification_started": "supervisor", "letter_issued": "intake", "publication_published": "admin",
            "assigned": "supervisor", "recusal_marked": "supervisor"}
# The letters a stage change issues (letters.services.letter_issue's callers).
LETTER_OF = {"verification": "acceptance", "supplement": "supplement", "ruled": "ruling"}
PUBLISHED_SHARE = 0.3  # of the closed exempt or mitigated cases: their outcome on the portal
RESULT_TEXT = {"exempt": "予以容错", "mitigated": "从轻减轻处理", "rejected": "不予容错"}
LOAD_TABLES = ("cases_case", "cases_caseevent", "deadlines_clock", "reviews_ruling", "cases_case_claimed_scenarios",
               "letters_letter", "publication_publication", "publication_publicationlog",
               "publication_publication_scenarios", "accounts_user", "accounts_membership", "reviews_assignment",
               "reviews_recusal")
# ids reserved per case: the longest path's events, its letters, its
# assignments (assigned, recusal, assigned again) and publication
EVENTS_PER_CASE = 18
RECUSAL_REASON = "与申请人有亲属关系（测试数据）"
_quote = json.encoder.encode_basestring  # json.dumps of one str, ensure_ascii=False


def _assigned_data(wanted, added) -> str:
    """case_assign's event data (json.dumps, sorted keys, compact) for the
    inspectors ``wanted`` ((pk, display name), in the order given), of
    whom ``added`` are new; nobody removed (a recused inspector's
    assignment has ended already)."""
    ids = ",".join(str(pk) for pk in sorted(pk for pk, _n in wanted))
    return (f'{{"added":[{",".join(str(pk) for pk, _n in added)}],"inspectors":[{ids}],'
            f'"names":[{",".join(_quote(n) for _pk, n in wanted)}],"removed":[]}}')


def _cum(weighted) -> tuple[list, list[float]]:
    values, cum, total = [], [], 0.0
    for value, w in weighted:
        total += w
        values.append(value)
        cum.append(total)
    return values, cum


class Command(BaseCommand):
    help = ("Create N realistic synthetic cases (numbers, search text, history, clocks, rulings, letters, "
            "publications) for benchmarks.")

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--batch-size", type=int, default=10000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--counties", type=int, default=8)
        parser.add_argument(
            "--rebuild-indexes", choices=("auto", "yes", "no"), default="auto",
            help="PostgreSQL: drop the loaded tables' secondary indexes and build them after the load, with "
                 "the row triggers (dashboard marks) and foreign key checks off during it (auto: when the "
                 "load is at least 20,000 cases and the existing ones; needs a superuser)")
        parser.add_argument(
            "--index-workers", type=int, default=2,
            help="connections that build the dropped indexes at once after the load commits (0: in the load's "
                 "transaction, one after another; always so inside a caller's transaction)")

    def handle(self, *args, count, batch_size, seed, counties, rebuild_indexes, index_workers, **options):
        if count < 1:
            raise CommandError("--count must be at least 1")
        if not 1 <= counties <= 50:
            raise CommandError("--counties must be between 1 and 50")
        if not 0 <= index_workers <= 8:
            raise CommandError("--index-workers must be between 0 and 8")
        started = time.monotonic()
        cpu = time.process_time()
        pg = connection.vendor == "postgresql"
        phases = []

        def phase(name, since):
            now = time.monotonic()
            phases.append((name, now - since))
            self.stdout.write(f"phase {name}: {now - since:.1f} s")
            return now

        with transaction.atomic():
            world = _synthetic_world(counties)
        existing = Case.objects.count()
        rebuild = pg and (rebuild_indexes == "yes" or (
            rebuild_indexes == "auto" and count >= 20000 and count >= existing))
        # Outside any transaction of the caller's, the indexes are built
        # after the load commits, several at once on their own connections.
        after_commit = not connection.in_atomic_block and index_workers > 0
        t = phase("world", started)
        with transaction.atomic():
            if rebuild:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                    rebuild = bool(cursor.fetchone()[0])
            counters, dropped = self._load(world, count, batch_size, seed + existing, pg, rebuild, after_commit)
            self._counters(counters)
        t = phase("load (generate and COPY; indexes too inside a transaction)", t)
        # A large load (its triggers off) wrote its cases' figures itself.
        recounted, analyzed = rebuild, False
        if dropped and pg and index_workers:
            # ANALYZE is one backend, the GIN builds of the search text two:
            # it (and, without the load's figures, the recount: it needs the
            # B-trees, not those) runs on a connection of its own while they
            # build, so the two cores stay busy at the tails (issue 19, 100k
            # idle: indexes, ANALYZE, recount 27 s one after the other, 25 s
            # together; 1M at load 4: 331 s, the recount last).
            self._build(dropped, workers=index_workers,
                        meanwhile=self._analyze_meanwhile if recounted else self._recount_meanwhile,
                        btrees_early=not recounted, at_once=self._figures_meanwhile if recounted else None)
            t = phase("indexes and recount (at once)" if not recounted else "indexes and analyze (at once)", t)
            recounted = analyzed = True
        elif dropped:
            self._build(dropped, workers=index_workers)
            t = phase("indexes", t)
        loaded = t
        self.stdout.write(f"loaded{' and counted' if recounted else ''} in {loaded - started:.1f} s "
                          f"(generator CPU {time.process_time() - cpu:.1f} s)")
        if pg:
            with transaction.atomic(), connection.cursor() as cursor:
                for table in (Case._meta.db_table,) if analyzed else (*LOAD_TABLES, "accounts_orgunit"):
                    statement = f"ANALYZE {connection.ops.quote_name(table)}"
                    # ANALYZE computes the index expressions of its sample.
                    if table == Case._meta.db_table:
                        _with_bulk_bigrams(cursor, statement)
                    else:
                        cursor.execute(statement)
            t = phase("analyze", t)
        if not recounted:
            self._recount(pg)
            t = phase("recount", t)
        if pg and not connection.in_atomic_block:
            # Fresh visibility maps and statistics: the cells are read by
            # index-only scans. (VACUUM needs autocommit: not inside a test.)
            with connection.cursor() as cursor:
                for table in ("dashboard_figurecell", "dashboard_casefigure", "dashboard_figuredirty"):
                    cursor.execute(f"VACUUM ANALYZE {table}")
            t = phase("vacuum", t)
        self.stdout.write(self.style.SUCCESS(
            f"created {count} synthetic cases in {time.monotonic() - started:.1f} s (after the indexes "
            f"{time.monotonic() - loaded:.1f} s; CPU of this process {time.process_time() - cpu:.1f} s): "
            + ", ".join(f"{name.split(' ')[0]} {s:.0f} s" for name, s in phases)))

    def _recount(self, pg: bool) -> None:
        # The dashboard's cells (dashboard.services): the rows were marked
        # by the database as they came (or, in a large load, not at all:
        # its triggers were off); a recount is faster than folding.
        with transaction.atomic():
            if pg:
                with connection.cursor() as cursor:
                    # Compiling its plan per batch cost more than it saved.
                    cursor.execute("SET LOCAL jit = off")
            figures_recount()

    def _analyze_meanwhile(self, recount: bool = False) -> None:
        """In a thread of its own (Django gives it its own connection)
        once every index but the case table's GIN ones is built: the other
        tables analyzed, the case table's columns only (a column list skips
        the index expressions; their statistics are gathered after the GIN
        builds, by the bulk bigram body, which must not be put in while a
        build holds the function); with ``recount``, then the recount."""
        try:
            with connection.cursor() as cursor:
                for table in (*LOAD_TABLES[1:], "accounts_orgunit"):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
                if recount:
                    # (For the recount's plans; it waits for the GIN builds.)
                    columns = ", ".join(connection.ops.quote_name(f.column) for f in Case._meta.concrete_fields)
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(Case._meta.db_table)} ({columns})")
            if recount:
                self._recount(pg=True)
        finally:
            connection.close()

    def _figures_meanwhile(self) -> None:
        # The load's cells, at once: they read and write no table whose
        # indexes are being built (1M: ~22 s of the database's CPU).
        _figures_add(*self.uncounted)
        self.uncounted = None

    def _recount_meanwhile(self) -> None:
        self._analyze_meanwhile(recount=True)

    def _people(self, counties, count, users, memberships, rng, staff) -> dict:
        """This load's applicants (one per CASES_PER_APPLICANT cases each
        unit is expected to file, at least one; ``county["people"]``) and
        inspectors (one per ASSIGNMENTS_PER_INSPECTOR assignments a county
        is expected to make, at least four; the first county's also the
        province's and its own ``synthetic-*inspector``), written into
        ``users`` and ``memberships``. Returns county pk -> [(pk, display
        name)] of its inspectors."""
        total = sum(1 / (i + 1) for i in range(len(counties)))
        plan = []
        for i, county in enumerate(counties):
            share = count * (1 / (i + 1)) / total
            cum = county["unit_cum"]
            units = [(u, share * (cum[j] - (cum[j - 1] if j else 0)) / cum[-1])
                     for j, u in enumerate(county["unit_list"])]
            plan.append((county, [(u, max(1, round(n / CASES_PER_APPLICANT))) for u, n in units],
                         max(4, math.ceil(share * 2 / ASSIGNMENTS_PER_INSPECTOR))))
        n_users = sum(n for _c, units, _i in plan for _u, n in units) + sum(i for _c, _u, i in plan)
        user_id = _reserve_ids(User, n_users)
        membership_id = _reserve_ids(Membership, n_users)
        getrandbits = rng.getrandbits
        pools = {}

        def person(unit, role, letter):
            nonlocal user_id, membership_id
            # A short username (it is in the search text); no usable password.
            username, name = f"synthetic-{letter}{user_id}", _person(rng)
            users.add(user_id, f"!{getrandbits(160):040x}", username, name, unit.pk)
            memberships.add(membership_id, user_id, unit.pk, role)
            user_id += 1
            membership_id += 1
            return user_id - 1, name, username

        for county, units, n_inspectors in plan:
            county["people"] = {u.pk: [person(u, Role.APPLICANT, "a") for _k in range(n)] for u, n in units}
            pool = [person(county["unit"], Role.INSPECTOR, "i")[:2] for _k in range(n_inspectors)]
            if county is counties[0]:
                # The staff bench/scale.py signs in as: one inspector's
                # share of the first county's cases, at any count.
                pool += [(staff[u].pk, staff[u].display_name) for u in ("synthetic-inspector", "synthetic-c0-inspector")]
            pools[county["unit"].pk] = pool
        return pools

    def _counters(self, counters):
        cases, letters = counters
        for (jurisdiction_id, year), last in cases.items():
            CaseNumberCounter.objects.update_or_create(
                jurisdiction_id=jurisdiction_id, year=year, defaults={"last": last})
        for (body, year), last in letters.items():
            LetterNumberCounter.objects.update_or_create(body=body, year=year, defaults={"last": last})

    def _load(self, world, count, batch_size, seed, pg, rebuild, after_commit):  # noqa: C901, PLR0915 - one pass per case
        rng = random.Random(seed)
        random_ = rng.random
        randrange = rng.randrange
        choice = rng.choice
        cal = WorkCalendar()
        now = timezone.now()
        local = timezone.get_current_timezone()
        last_minute = now - dt.timedelta(minutes=1)
        staff = {role: world["staff"][f"synthetic-{role}"].pk for role in STAFF_ROLES}
        counties, county_cum = _cum([(c, 1 / (i + 1)) for i, c in enumerate(world["counties"])])
        for c in counties:
            c["unit_list"], c["unit_cum"] = _cum([(u, 1 / (j + 1) ** 0.7) for j, u in enumerate(c["units"])])
            c["letter_body"] = Jurisdiction.objects.get(org_unit=c["unit"]).letter_prefix
        county_total = county_cum[-1]
        origins, origin_cum = _cum(ORIGINS)
        stages, stage_cum = _cum(STAGE_WEIGHTS)
        closed_outcomes, closed_cum = _cum(CLOSED_OUTCOMES)
        decided_outcomes, decided_cum = _cum(DECIDED_OUTCOMES)
        counters = {(row.jurisdiction_id, row.year): row.last for row in CaseNumberCounter.objects.filter(
            jurisdiction__in=[c["unit"] for c in counties])}
        letter_counters = {(row.body, row.year): row.last for row in LetterNumberCounter.objects.filter(
            body__in=[c["letter_body"] for c in counties])}
        dues: dict[tuple[int, dt.date], tuple[dt.date, bool]] = {}
        nl = "\\n" if pg else "\n"  # search text's line break, as COPY text

        def due_for(amount, start):
            if (amount, start) not in dues:
                r = compute_due_date(start, amount, "working_day", calendar=cal)
                dues[(amount, start)] = (r.due, r.flagged)
            return dues[(amount, start)]

        # The dashboard's figures of these cases when the row triggers that
        # mark them are off (issue 19: the recount after a 1M load took
        # ~130 s of the database's CPU, most of it beside the GIN builds): each case's
        # contribution (CaseFigure, as dashboard.recount writes it: its
        # cells as selectors.case_figures computes them; the generator
        # writes no clock entries, applied items or decisions) and the
        # cells' sums (_figures_add, in SQL). tests/cases/test_generate_cases.py
        # holds both equal to a recount.
        figures = _Table(CaseFigure, ("case_id", "jurisdiction_id", "unit_id", "year", "cells"), now, pg)
        untimed, decided = {str(v) for v in UNTIMED_STAGES}, {str(v) for v in DECIDED}
        microsecond = dt.timedelta(microseconds=1)
        half_tenth = TENTH_US // 2

        def figure(jur, unit_pk, year, cells, stays):
            # cells: (kind, a, b) with no time; stays: {stage: microseconds}.
            # The JSON text as recount_sql's string_agg writes it (float8
            # text: "0", "86400", "1.5").
            parts = [f'["{kind}","{a}","{b}",1,0]' for kind, a, b in cells]
            for stage, us in stays.items():
                tenths = (us + half_tenth) // TENTH_US
                text = repr(us / 1000000)
                parts.append(f'["{STAY}","{stage}","{tenths // 10}.{tenths % 10}",1,'
                             f'{text[:-2] if text.endswith(".0") else text}]')
            figures.add(case_id, jur, unit_pk, year, f"[{','.join(parts)}]")

        cases = _Table(Case, (
            "id", "number", "number_year", "number_seq", "origin", "stage", "outcome", "applicant_id",
            "created_by_id", "unit_id", "jurisdiction_id", "policy_version_id", "title", "matter", "facts_reasons",
            "submitted_at", "accepted_at", "closed_at", "search_text", "next_due", "next_due_stage", "clock_flagged",
            "is_paused", "active_inspectors", "created_at", "updated_at"), now, pg)
        events = _Table(CaseEvent, (
            "id", "prev_sha256", "sha256", "prev_sm3", "sm3", "case_id", "kind", "actor_id", "from_stage", "to_stage",
            "data", "reason", "created_at"), now, pg)
        clocks = _Table(Clock, (
            "id", "case_id", "stage", "started_on", "amount", "status", "due_date", "flagged", "extension_max",
            "created_at", "updated_at"), now, pg, fixed={"unit": "working_day", "extension_allowed": True})
        rulings = _Table(Ruling, ("id", "case_id", "result", "reasons", "decided_on", "created_at", "updated_at"),
                         now, pg, fixed={"kind": "first", "recorded_by_id": staff["committee"], "is_current": True})
        scenarios = _Table(Case.claimed_scenarios.through, ("id", "case_id", "policyitem_id"), now, pg)
        letters = _Table(Letter, (
            "id", "case_id", "kind", "number", "number_body", "number_year", "number_seq", "issued_on",
            "rendered_at", "created_at", "updated_at"), now, pg, fixed={
                # Issued and stored as the letter worker leaves them; the
                # PDF itself is not rendered (bench/letters.py times that).
                "status": Letter.Status.READY, "issued_by_id": staff["intake"], "template_version": "synthetic",
                "context": {"synthetic": True}})
        publications = _Table(Publication, (
            "id", "case_id", "slug", "jurisdiction_id", "result", "decided_on", "ruling_id", "title", "body",
            "unit_name", "published_title", "published_text", "published_at", "created_at", "updated_at"), now, pg,
            fixed={"status": Publication.Status.PUBLISHED, "created_by_id": staff["admin"]})
        publication_logs = _Table(PublicationLog, (
            "id", "prev_sha256", "sha256", "prev_sm3", "sm3", "publication_id", "action", "created_at"), now, pg,
            fixed={"actor_id": staff["admin"]})
        publication_scenarios = _Table(Publication.scenarios.through, ("id", "publication_id", "policyitem_id"),
                                       now, pg)
        users = _Table(User, ("id", "password", "username", "full_name", "org_unit_id"), now, pg,
                       fixed={"is_superuser": False, "is_staff": False, "is_active": True, "email": ""})
        memberships = _Table(Membership, ("id", "user_id", "org_unit_id", "role"), now, pg)
        # As case_assign and recusal_mark leave them (reviews.services).
        assignments = _Table(Assignment, (
            "id", "case_id", "inspector_id", "active", "ended_reason", "created_at", "updated_at"), now, pg,
            fixed={"assigned_by_id": staff["supervisor"]})
        recusals = _Table(Recusal, ("id", "case_id", "user_id", "reason", "created_at", "updated_at"), now, pg,
                          fixed={"marked_by_id": staff["supervisor"]})
        # In foreign-key order.
        tables = (users, memberships, cases, clocks, rulings, scenarios, letters, publications,
                  publication_scenarios, assignments, recusals, events, publication_logs, figures)
        sha256 = hashlib.sha256
        # A copy of an empty SM3 hash is cheaper than looking the digest up
        # by name for each of the ten million links of a large load.
        sm3_empty = hashlib.new("sm3") if "sm3" in hashlib.algorithms_available else None
        quote = _quote

        def chained(prev, payload: bytes):
            a, b = prev
            if sm3_empty is None:
                return link(a, b, payload)
            h = sm3_empty.copy()
            h.update(b.encode() + b"\n" + payload)
            return sha256(a.encode() + b"\n" + payload).hexdigest(), h.hexdigest()

        def stamp(t: dt.datetime) -> tuple[str, object]:
            # core.history._value of a datetime (UTC, microseconds, Z), and
            # the column's value: on PostgreSQL the same ISO text (COPY
            # reads it), so the datetime is formatted once.
            # (isoformat() writes the microseconds unless they are 0, and
            # is twice as fast as naming the timespec.)
            iso = t.isoformat() if t.microsecond else t.isoformat(timespec="microseconds")
            return iso[:26] + "Z", iso if pg else t

        case_id = _reserve_ids(Case, count)
        # The cases whose cells are still to add (_figures_add): after the
        # commit, by the connection that analyzes while the GIN indexes build.
        self.uncounted = (case_id, case_id + count - 1) if rebuild else None
        event_id = _reserve_ids(CaseEvent, count * EVENTS_PER_CASE)
        clock_id = _reserve_ids(Clock, count)
        ruling_id = _reserve_ids(Ruling, count)
        m2m_id = _reserve_ids(Case.claimed_scenarios.through, count)
        letter_id = _reserve_ids(Letter, count * 3)
        publication_id = _reserve_ids(Publication, count)
        log_id = _reserve_ids(PublicationLog, count * 2)
        pub_m2m_id = _reserve_ids(Publication.scenarios.through, count)
        assignment_id = _reserve_ids(Assignment, count * 4)
        recusal_id = _reserve_ids(Recusal, count)
        inspector_pools = self._people(counties, count, users, memberships, rng, world["staff"])

        def assign(steps, team, recused, replacement, t0, t_next):
            """The assignment rows and history of a case accepted at ``t0``
            (before its next step at ``t_next``), as reviews.services leaves
            them: case_assign(team); with ``recused``, recusal_mark of that
            inspector (his assignment ends with the reason) and, with
            ``replacement``, case_assign(the others and him)."""
            nonlocal assignment_id, recusal_id
            t_next = max(t_next, t0 + dt.timedelta(seconds=2))
            at = min(t0 + dt.timedelta(seconds=randrange(600, 36000)), t_next)
            marked = min(at + dt.timedelta(seconds=randrange(600, 18000)), t_next)
            for pk, _name in team:
                if recused is not None and pk == recused[0]:
                    assignments.add(assignment_id, case_id, pk, False, RECUSAL_REASON[:200], at, marked)
                else:
                    assignments.add(assignment_id, case_id, pk, True, "", at, at)
                assignment_id += 1
            steps.append(("assigned", "verification", "verification", at, _assigned_data(team, team), ""))
            if recused is None:
                return
            recusals.add(recusal_id, case_id, recused[0], RECUSAL_REASON, marked, marked)
            recusal_id += 1
            steps.append(("recusal_marked", "verification", "verification", marked,
                          f'{{"name":{quote(recused[1])},"user":{recused[0]}}}', RECUSAL_REASON))
            if replacement is None:
                return
            at = min(marked + dt.timedelta(seconds=randrange(600, 18000)), t_next)
            assignments.add(assignment_id, case_id, replacement[0], True, "", at, at)
            assignment_id += 1
            wanted = [p for p in team if p is not recused] + [replacement]
            steps.append(("assigned", "verification", "verification", at, _assigned_data(wanted, [replacement]), ""))

        dropped = []
        role = None
        if rebuild:
            dropped = _secondary_indexes(list(LOAD_TABLES))
            with connection.cursor() as cursor:
                cursor.execute("SHOW session_replication_role")
                role = cursor.fetchone()[0]
                # Row triggers (the dashboard's marks: the recount below
                # replaces them) and foreign key checks off for this load.
                cursor.execute("SET LOCAL session_replication_role = replica")
                # The foreign key checks of the world's rows, if written in
                # this transaction (a test's), now: a table with pending
                # trigger events can have no index built.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                for name, _definition in dropped:
                    cursor.execute(f"DROP INDEX {name}")
        loader = None
        if pg:
            connection.ensure_connection()
            loader = _Loader(connection.connection)
            loader.start()
        span = YEARS * 365
        made = 0
        gen_started = time.monotonic()
        try:
            while made < count:
                n = min(batch_size, count - made)
                for i in range(n):
                    # Filed in id order over the years (as a real system
                    # fills its table): the oldest first. Cases of the last
                    # months are spread over the stages, older ones mostly
                    # closed.
                    age = span * (1 - (made + i + random_()) / count)
                    county = counties[bisect.bisect(county_cum, random_() * county_total)]
                    unit = county["unit_list"][bisect.bisect(county["unit_cum"], random_() * county["unit_cum"][-1])]
                    applicant, person, username = choice(county["people"][unit.pk])
                    pool = inspector_pools[county["unit"].pk]
                    origin = origins[bisect.bisect(origin_cum, random_() * 100)]
                    stage = (stages[bisect.bisect(stage_cum, random_() * 100)]
                             if age < RECENT_DAYS or random_() < 0.05 else "closed")
                    if origin == "proactive" and stage in ("draft", "unit_review", "submitted", "supplement"):
                        stage = "verification"
                    if origin == "unit" and stage == "unit_review":
                        stage = "submitted"
                    outcome = (closed_outcomes[bisect.bisect(closed_cum, random_() * 100)] if stage == "closed" else
                               decided_outcomes[bisect.bisect(decided_cum, random_() * 100)]
                               if stage in PATH_AFTER_RULING else "")
                    path = _path(rng, stage, outcome, origin)
                    created = now - dt.timedelta(days=age)
                    age = int(age)
                    step_times = [created]
                    gap = max(2, age // max(1, len(path)) + 1)
                    for _s in path[1:]:
                        step_times.append(min(step_times[-1] + dt.timedelta(
                            days=randrange(1, gap), seconds=randrange(86400)), last_minute))
                    matter = choice(MATTERS)
                    action = choice(ACTIONS)
                    title = f"{unit.name}在{matter}中{action}的容错申请"
                    number = year = seq = N
                    submitted_at = N
                    if "submitted" in path or origin == "proactive":
                        submitted_at = step_times[1] if origin != "proactive" else created
                        submitted_local = submitted_at.astimezone(local)
                        year = submitted_local.year
                        key = (county["unit"].pk, year)
                        seq = counters[key] = counters.get(key, 0) + 1
                        number = f"{county['prefix']}〔{year}〕第{seq:04d}号"
                    local_created = created.astimezone(local)
                    matter_text = (f"{local_created.year}年{local_created.month:02d}月，{person}在{matter}"
                                   f"工作中为推进进度{action}，事后发现造成一定影响，现申请容错。")
                    facts = f"该事项经{choice(('班子会议', '专题会议', '党组会议'))}集体研究，出于公心，未谋取私利。"
                    search = nl.join((number, title, person, username, unit.name, matter_text, facts)
                                     if number is not N else (title, person, username, unit.name, matter_text, facts))
                    clock = CLOCK_OF.get(stage)
                    next_due, next_stage, flagged, paused = N, "", False, False
                    last_time = step_times[-1]
                    if clock:
                        start = last_time.astimezone(local).date()
                        due, flagged = due_for(clock[1], start)
                        paused = stage == "supplement"
                        if not paused:
                            next_due, next_stage = due, clock[0]
                        clocks.add(clock_id, case_id, clock[0], start, clock[1], "paused" if paused else "running",
                                   N if paused else due, flagged, clock[1], last_time, last_time)
                        clock_id += 1
                    flagged = flagged and not paused
                    # The inspectors (reviews.services.case_assign, two, now
                    # and then three), assigned once the case is accepted;
                    # at verification a quarter still wait for the
                    # supervisor, a few after a recusal left one.
                    team, recused, replacement = (), None, None
                    if "verification" in path:
                        waiting = stage == "verification" and random_() < 0.25
                        if not waiting:
                            team = rng.sample(pool, 3 if random_() < 0.1 else 2)
                            if random_() < 0.03:
                                recused = team[0]
                                if stage != "verification" or random_() < 0.5:
                                    replacement = team[0]
                                    while replacement in team:
                                        replacement = choice(pool)
                    active = len(team) - (recused is not None) + (replacement is not None)
                    cases.add(
                        case_id, number if number is not N else "", year, seq, origin, stage, outcome, applicant,
                        staff["inspector"] if origin == "proactive" else applicant, unit.pk, county["unit"].pk,
                        county["version"].pk, title, matter_text, facts, submitted_at,
                        step_times[path.index("verification")] if "verification" in path else N,
                        last_time if stage == "closed" else N, search, next_due, next_stage, flagged, paused,
                        active, created, last_time)
                    scenario = N
                    if stage != "draft" and random_() < 0.8:
                        scenario = choice(county["scenarios"])
                        scenarios.add(m2m_id, case_id, scenario)
                        m2m_id += 1
                    this_ruling = N
                    if "ruled" in path:
                        decided_at = step_times[path.index("ruled")]
                        decided_on = decided_at.astimezone(local).date()
                        rulings.add(ruling_id, case_id, outcome,
                                    "不符合容错条件（测试数据）" if outcome == "rejected" else "经集体研究，符合容错条件（测试数据）",
                                    decided_on, decided_at, decided_at)
                        this_ruling = ruling_id
                        ruling_id += 1
                    # The history: created, then one event per stage change
                    # (and the letter it issued), chained like chain_append.
                    prev = (GENESIS, GENESIS)
                    steps = [("created", path[0], path[0], created, "{}", "")]
                    if team and path[0] == "verification":
                        assign(steps, team, recused, replacement, created,
                               step_times[1] if len(step_times) > 1 else last_minute)
                    for k, (fr, to, at) in enumerate(zip(path, path[1:], step_times[1:], strict=False)):
                        kind = KIND_INTO.get(to, "other")
                        steps.append((kind, fr, to, at, "{}", ""))
                        letter = LETTER_OF.get(to) if to != "verification" or origin != "proactive" else None
                        if to == "closed" and outcome == "not_accepted":
                            letter = "not_accepted"
                        if letter and number is not N:
                            issued_at = at + dt.timedelta(seconds=1)
                            issued_on = issued_at.astimezone(local).date()
                            body = county["letter_body"]
                            key = (body, issued_on.year)
                            lseq = letter_counters[key] = letter_counters.get(key, 0) + 1
                            lnumber = f"{body}〔{issued_on.year}〕{lseq}号"
                            letters.add(letter_id, case_id, letter, lnumber, body, issued_on.year, lseq, issued_on,
                                        issued_at, issued_at, issued_at)
                            # json.dumps(sort_keys, compact) of the letter's data, written out.
                            steps.append(("letter_issued", to, to, issued_at,
                                          f'{{"letter_id":{letter_id},"letter_kind":"{letter}",'
                                          f'"number":{quote(lnumber)}}}', ""))
                            letter_id += 1
                        if team and to == "verification":
                            assign(steps, team, recused, replacement, at,
                                   step_times[k + 2] if k + 2 < len(step_times) else last_minute)
                    if (stage == "closed" and this_ruling is not N and outcome in ("exempt", "mitigated")
                            and random_() < PUBLISHED_SHARE):
                        drafted_at = min(last_time + dt.timedelta(days=randrange(1, 10)), last_minute)
                        published_at = min(drafted_at + dt.timedelta(days=randrange(1, 5)), last_minute)
                        kind_of_unit = unit.name.removeprefix(county["name"])
                        text = (f"{matter}工作中{action}，经集体研究认定{RESULT_TEXT[outcome]}。"
                                f"决定日期：{decided_on:%Y年%m月%d日}。")
                        ptitle = f"关于{kind_of_unit}在{matter}中{action}的容错认定结果"
                        publications.add(
                            publication_id, case_id, f"{decided_on.year}-{(publication_id * 2654435761) % 2**48:012x}",
                            county["unit"].pk, outcome, decided_on, this_ruling, ptitle, f"{person}：{text}",
                            unit.name, ptitle, text, published_at, drafted_at, published_at)
                        if scenario is not N:
                            publication_scenarios.add(pub_m2m_id, publication_id, scenario)
                            pub_m2m_id += 1
                        lprev = (GENESIS, GENESIS)
                        for action_, at in (("drafted", drafted_at), ("published", published_at)):
                            hashed, at = stamp(at)
                            own = chained(lprev, (
                                f'{{"action":"{action_}","actor_id":{staff["admin"]},"created_at":"{hashed}",'
                                f'"data":{{}},"publication_id":{publication_id}}}').encode())
                            publication_logs.add(log_id, lprev[0], own[0], lprev[1], own[1], publication_id,
                                                 action_, at)
                            lprev = own
                            log_id += 1
                        steps.append(("publication_published", stage, stage, published_at,
                                      f'{{"kind":"outcome","publication":{publication_id}}}', ""))
                        publication_id += 1
                    for kind, fr, to, at, data, reason in steps:
                        actor = staff[ACTOR_OF[kind]] if kind in ACTOR_OF else applicant
                        # core.history.canonical of the row, written out.
                        hashed, at = stamp(at)
                        own = chained(prev, (
                            f'{{"actor_id":{actor},"case_id":{case_id},"created_at":"{hashed}","data":{data},'
                            f'"from_stage":"{fr}","kind":"{kind}","reason":"{reason}","to_stage":"{to}"}}').encode())
                        events.add(event_id, prev[0], own[0], prev[1], own[1], case_id, kind, actor, fr, to, data,
                                   reason, at)
                        prev = own
                        event_id += 1
                    if rebuild and stage != "draft":
                        # case_figures' cells; a stay is a stage left by the
                        # next stage change after one that entered it (the
                        # created event changes no stage).
                        cells = [("case", stage, outcome)]
                        if submitted_at is not N:
                            cells.append(("submitted", f"{submitted_local:%Y-%m}", ""))
                        if outcome in decided and scenario is not N:
                            cells.append(("scenario", outcome, str(scenario)))
                        if this_ruling is not N:
                            cells.append(("ruled", f"{decided_on:%Y-%m}", ""))
                        stays = {}
                        for k in range(2, len(path)):
                            if path[k - 1] not in untimed:
                                stays[path[k - 1]] = (stays.get(path[k - 1], 0)
                                                      + (step_times[k] - step_times[k - 1]) // microsecond)
                        figure(county["unit"].pk, unit.pk, 0 if year is N else year, cells, stays)
                    case_id += 1
                batch = [t.take() for t in tables]
                if loader is not None:
                    loader.put(batch)
                else:
                    with connection.cursor() as cursor:
                        for table, columns, rows in batch:
                            _write(cursor, table, columns, rows)
                made += n
                self.stdout.write(f"{made} cases ({time.monotonic() - gen_started:.1f} s)")
            if loader is not None:
                loader.finish()
                self.stdout.write(f"written ({time.monotonic() - gen_started:.1f} s; COPY {loader.seconds:.1f} s)")
                loader = None
        finally:
            if loader is not None:
                loader.batches.put(None)
                loader.join()
        if rebuild:
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL session_replication_role = {role}")
            if not after_commit:
                _figures_add(*self.uncounted)
                self.uncounted = None
                self._build(dropped, workers=0)
                dropped = []
        return (counters, letter_counters), dropped

    def _build(self, dropped: list[tuple[str, str]], workers: int, meanwhile=None, btrees_early=False,
               at_once=None) -> None:
        """Build the dropped indexes: in this transaction (``workers`` 0:
        the command runs inside an outer one, as in the tests), or after the
        load committed, on ``workers`` connections of their own at once
        (the three GIN indexes of the search text are most of the time, and
        one backend builds one index on one core)."""
        t = time.monotonic()
        # A GIN build sorts its keys in maintenance_work_mem: 64 MB flushes
        # the bigram index's hundred million entries to disk in pieces.
        setting = "SET maintenance_work_mem = '1GB'"
        if not workers:
            with connection.cursor() as cursor:
                cursor.execute(setting.replace("SET", "SET LOCAL", 1))
                for _name, definition in dropped:
                    if "case_bigrams(" in definition:
                        _with_bulk_bigrams(cursor, definition)
                    else:
                        cursor.execute(definition)
            self.stdout.write(f"{len(dropped)} indexes built again ({time.monotonic() - t:.1f} s)")
            return
        # Largest first: the GIN indexes of the case table (the bigram one,
        # the longest, first), then the event table's (the most rows), then
        # the rest. ``at_once`` then ``meanwhile`` run on a thread of its
        # own, ``meanwhile`` once only the search text's GIN indexes are
        # left; with ``btrees_early`` (the
        # recount: it needs them) the bigram one first, then the B-trees,
        # then the other GIN ones.
        todo = queue.Queue()
        if not btrees_early:
            order = sorted(dropped, key=lambda d: ("case_bigrams(" not in d[1], " gin " not in d[1],
                                                    "cases_caseevent" not in d[1], d[0]))
        else:
            order = sorted(dropped, key=lambda d: ("case_bigrams(" not in d[1], " gin " in d[1],
                                                    "cases_caseevent" not in d[1], d[0]))
        searching = {name for name, definition in dropped if " gin " in definition}
        pending = {name for name, _d in dropped} - searching
        others_built = threading.Event()
        if not pending:
            others_built.set()
        for item in order:
            todo.put(item)
        failed: list[tuple[str, str, str]] = []
        took: dict[str, float] = {}
        params = connection.get_connection_params()

        def work():
            raw = connection.get_new_connection(params)
            raw.autocommit = True
            try:
                with raw.cursor() as cursor:
                    cursor.execute(setting)
                    while True:
                        try:
                            name, definition = todo.get_nowait()
                        except queue.Empty:
                            return
                        started = time.monotonic()
                        try:
                            if "case_bigrams(" in definition:
                                with raw.transaction():
                                    _with_bulk_bigrams(cursor, definition)
                            else:
                                cursor.execute(definition)
                        except Exception as exc:  # noqa: BLE001 - reported below with its definition
                            failed.append((name, definition, str(exc)))
                        took[name] = time.monotonic() - started
                        pending.discard(name)
                        if not pending:
                            others_built.set()
            finally:
                raw.close()

        errors: list[BaseException] = []

        def then():
            started = time.monotonic()
            try:
                if at_once is not None:
                    at_once()
                others_built.wait()
                meanwhile()
            except BaseException as exc:  # noqa: BLE001 - raised in the command's thread below
                errors.append(exc)
            finally:
                connection.close()
            took["(recount)" if btrees_early else "(cells, analyze)"] = time.monotonic() - started

        threads = [threading.Thread(target=work, name=f"generate_cases-index-{i}") for i in range(workers)]
        later = [threading.Thread(target=then, name="generate_cases-recount")] if meanwhile is not None else []
        for thread in threads + later:
            thread.start()
        for thread in threads:
            thread.join()
        others_built.set()  # also when a worker failed before its share
        for thread in later:
            thread.join()
        if errors:
            raise errors[0]
        if failed:
            raise CommandError("the cases are loaded but these indexes could not be built again; run their "
                               "definitions by hand:\n" + "\n".join(f"{d};  -- {e}" for _n, d, e in failed))
        slowest = ", ".join(f"{name} {s:.1f} s" for name, s in sorted(took.items(), key=lambda x: -x[1])[:4])
        self.stdout.write(f"{len(dropped)} indexes built again on {workers} connections "
                          f"({time.monotonic() - t:.1f} s; slowest: {slowest})")
