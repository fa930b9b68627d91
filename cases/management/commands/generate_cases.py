"""``generate_cases --count N``: bulk synthetic cases for benchmarks
(bench/scale.py, bench/reminders.py) and load tests (DESIGN §7).

Everything it creates lives in a clearly named synthetic subtree: a
province (org unit code ``synthetic-bench``) with ``--counties`` counties,
each its own jurisdiction with a published policy (time limits, positive
-list scenarios) and ten units; users are ``synthetic-*`` and cannot log in
(no usable password). It never mixes with real data.

The cases look like a system that has run for three years: counties and
units of very different sizes, most cases closed with a result, the rest
spread over the stages; each has its number (怀容〔2025〕第0001号 style,
the county's counter advanced past it), search text as the services write
it, the history of its stage changes (hash-chained like every event,
core.history), its stage clock (running, paused or stopped; the case's
``next_due`` columns as ``deadlines.services.case_deadline_sync`` sets
them), its claimed scenario, and for ruled cases the ruling. Letters and
publications are not made: a letter is a rendered PDF (the letter worker's
job), and the lists, queues and figures measured here do not read them.

PostgreSQL gets the rows by COPY (about a minute per 100,000 cases on one
core); other databases by batched INSERTs. Ids are reserved up front, so
the related rows are written in the same pass.
"""

import datetime as dt
import json
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, OrgUnit, Role, User
from accounts.services import org_unit_create
from cases.models import Case, CaseEvent, CaseNumberCounter
from core.history import CHAINS, GENESIS, canonical, link
from dashboard.services import figures_recount
from deadlines.models import Clock
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
from reviews.models import Ruling

SYNTH = "synthetic-bench"
UNITS_PER_COUNTY = 10
APPLICANTS_PER_UNIT = 20
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


class _Writer:
    """Rows of one table: COPY on PostgreSQL, batched INSERTs elsewhere.
    Values are given per concrete field (attname); missing ones take the
    field's default."""

    def __init__(self, model, now):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        self.now = now
        self.rows: list[tuple] = []
        self.table = model._meta.db_table

    def add(self, **values) -> None:
        row = []
        for f in self.fields:
            if f.attname in values:
                v = values[f.attname]
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                v = self.now
            else:
                v = f.get_default()
            if isinstance(v, (dict, list)):
                v = json.dumps(v, ensure_ascii=False)
            row.append(v)
        self.rows.append(tuple(row))

    def flush(self) -> None:
        if not self.rows:
            return
        qn = connection.ops.quote_name
        cols = ", ".join(qn(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {qn(self.table)} ({cols}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {qn(self.table)} ({cols}) VALUES ({marks})", self.rows)
        self.rows = []


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
    rng = random.Random(1)
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
        applicants = {}
        existing = {u.username: u for u in User.objects.filter(username__startswith=f"synthetic-{code}-a")}
        for unit in units:
            applicants[unit.pk] = []
            for a in range(APPLICANTS_PER_UNIT):
                username = f"synthetic-{code}-a{unit.pk}-{a}"
                user = existing.get(username)
                if user is None:
                    user = User(username=username, full_name=_person(rng), org_unit=unit, email="")
                    user.set_unusable_password()
                    user.save()
                    memberships.append(Membership(user=user, org_unit=unit, role=Role.APPLICANT))
                applicants[unit.pk].append(user)
        world["counties"].append({
            "unit": county, "version": version, "units": units, "applicants": applicants,
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


class Command(BaseCommand):
    help = "Create N realistic synthetic cases (numbers, search text, history, clocks, rulings) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--batch-size", type=int, default=10000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--counties", type=int, default=8)

    def handle(self, *args, count, batch_size, seed, counties, **options):
        if count < 1:
            raise CommandError("--count must be at least 1")
        if not 1 <= counties <= 50:
            raise CommandError("--counties must be between 1 and 50")
        with transaction.atomic():
            world = _synthetic_world(counties)
        rng = random.Random(seed + Case.objects.count())
        cal = WorkCalendar()
        now = timezone.now()
        inspector = world["staff"]["synthetic-inspector"]
        committee = world["staff"]["synthetic-committee"]
        # Counties and units of unequal size (a few large, many small).
        county_weights = [(c, 1 / (i + 1)) for i, c in enumerate(world["counties"])]
        unit_weights = {id(c): [(u, 1 / (j + 1) ** 0.7) for j, u in enumerate(c["units"])]
                        for c in world["counties"]}
        counters = {(row.jurisdiction_id, row.year): row.last for row in CaseNumberCounter.objects.filter(
            jurisdiction__in=[c["unit"] for c in world["counties"]])}
        chain = CHAINS["cases.CaseEvent"]
        dues: dict[tuple[int, dt.date], tuple[dt.date, bool]] = {}
        scenario_table = Case.claimed_scenarios.through

        def due_for(amount, start):
            if (amount, start) not in dues:
                r = compute_due_date(start, amount, "working_day", calendar=cal)
                dues[(amount, start)] = (r.due, r.flagged)
            return dues[(amount, start)]

        started = time.monotonic()
        made = 0
        span = YEARS * 365
        while made < count:
            n = min(batch_size, count - made)
            writers = {m: _Writer(m, now) for m in (Case, CaseEvent, Clock, Ruling, scenario_table)}
            with transaction.atomic():
                case_id = _reserve_ids(Case, n)
                event_id = _reserve_ids(CaseEvent, n * 9)
                clock_id = _reserve_ids(Clock, n)
                ruling_id = _reserve_ids(Ruling, n)
                m2m_id = _reserve_ids(scenario_table, n)
                for i in range(n):
                    # Filed in id order over the years (as a real system
                    # fills its table): the oldest first. Cases of the last
                    # months are spread over the stages, older ones mostly
                    # closed.
                    age = span * (1 - (made + i + rng.random()) / count)
                    county = _pick(rng, county_weights)
                    unit = _pick(rng, unit_weights[id(county)])
                    applicant = rng.choice(county["applicants"][unit.pk])
                    origin = _pick(rng, ORIGINS)
                    stage = _pick(rng, STAGE_WEIGHTS) if age < RECENT_DAYS or rng.random() < 0.05 else "closed"
                    if origin == "proactive" and stage in ("draft", "unit_review", "submitted", "supplement"):
                        stage = "verification"
                    if origin == "unit" and stage == "unit_review":
                        stage = "submitted"
                    outcome = (_pick(rng, CLOSED_OUTCOMES) if stage == "closed" else
                               _pick(rng, DECIDED_OUTCOMES) if stage in PATH_AFTER_RULING else "")
                    path = _path(rng, stage, outcome, origin)
                    created = now - dt.timedelta(days=age)
                    age = int(age)
                    step_times = [created]
                    for _s in path[1:]:
                        step_times.append(min(step_times[-1] + dt.timedelta(
                            days=rng.randrange(1, max(2, age // max(1, len(path)) + 1)),
                            seconds=rng.randrange(86400)), now - dt.timedelta(minutes=1)))
                    matter = rng.choice(MATTERS)
                    action = rng.choice(ACTIONS)
                    title = f"{unit.name}在{matter}中{action}的容错申请"
                    submitted_at = number = None
                    year = seq = None
                    if "submitted" in path or origin == "proactive":
                        submitted_at = step_times[1] if origin != "proactive" else created
                        year = timezone.localtime(submitted_at).year
                        key = (county["unit"].pk, year)
                        seq = counters[key] = counters.get(key, 0) + 1
                        number = f"{county['prefix']}〔{year}〕第{seq:04d}号"
                    matter_text = (f"{timezone.localtime(created):%Y年%m月}，{applicant.full_name}在{matter}"
                                   f"工作中为推进进度{action}，事后发现造成一定影响，现申请容错。")
                    facts = f"该事项经{rng.choice(['班子会议', '专题会议', '党组会议'])}集体研究，出于公心，未谋取私利。"
                    search = "\n".join(p for p in [number, title, applicant.full_name, applicant.username,
                                                   unit.name, matter_text, facts] if p)
                    clock = CLOCK_OF.get(stage)
                    next_due = None
                    next_stage, flagged, paused = "", False, False
                    if clock:
                        start = timezone.localtime(step_times[-1]).date()
                        due, flagged = due_for(clock[1], start)
                        status = "paused" if stage == "supplement" else "running"
                        paused = status == "paused"
                        if not paused:
                            next_due, next_stage = due, clock[0]
                        writers[Clock].add(
                            id=clock_id, case_id=case_id, stage=clock[0], started_on=start, amount=clock[1],
                            unit="working_day", status=status, due_date=None if paused else due,
                            flagged=flagged, extension_allowed=True, extension_max=clock[1],
                            created_at=step_times[-1], updated_at=step_times[-1])
                        clock_id += 1
                    flagged = flagged and not paused
                    closed_at = step_times[-1] if stage == "closed" else None
                    writers[Case].add(
                        id=case_id, number=number or "", number_year=year, number_seq=seq, origin=origin,
                        stage=stage, outcome=outcome, applicant_id=applicant.pk,
                        created_by_id=inspector.pk if origin == "proactive" else applicant.pk, unit_id=unit.pk,
                        jurisdiction_id=county["unit"].pk, policy_version_id=county["version"].pk, title=title,
                        matter=matter_text, facts_reasons=facts, submitted_at=submitted_at,
                        accepted_at=step_times[path.index("verification")] if "verification" in path else None,
                        closed_at=closed_at, search_text=search, next_due=next_due, next_due_stage=next_stage,
                        clock_flagged=flagged, is_paused=paused, created_at=created, updated_at=step_times[-1])
                    if stage != "draft" and rng.random() < 0.8:
                        writers[scenario_table].add(id=m2m_id, case_id=case_id,
                                                    policyitem_id=rng.choice(county["scenarios"]))
                        m2m_id += 1
                    if "ruled" in path:
                        decided_at = step_times[path.index("ruled")]
                        writers[Ruling].add(
                            id=ruling_id, case_id=case_id, kind="first", result=outcome,
                            reasons="经集体研究，符合容错条件（测试数据）" if outcome != "rejected" else "不符合容错条件（测试数据）",
                            decided_on=timezone.localtime(decided_at).date(), recorded_by_id=committee.pk,
                            is_current=True, created_at=decided_at, updated_at=decided_at)
                        ruling_id += 1
                    # The history: created, then one event per stage change,
                    # chained like chain_append does.
                    prev = (GENESIS, GENESIS)
                    steps = [("created", path[0], path[0], step_times[0])] + [
                        (KIND_INTO.get(to, "other"), fr, to, at)
                        for fr, to, at in zip(path, path[1:], step_times[1:], strict=False)]
                    for kind, fr, to, at in steps:
                        row = {"case_id": case_id, "kind": kind, "actor_id": applicant.pk, "from_stage": fr,
                               "to_stage": to, "reason": "", "data": {}, "created_at": at}
                        own = link(*prev, canonical(row, chain.fields))
                        writers[CaseEvent].add(id=event_id, prev_sha256=prev[0], prev_sm3=prev[1],
                                               sha256=own[0], sm3=own[1], **row)
                        prev = own
                        event_id += 1
                    case_id += 1
                for w in writers.values():
                    w.flush()
            made += n
            self.stdout.write(f"{made} cases ({time.monotonic() - started:.1f} s)")
        with transaction.atomic():
            for (jurisdiction_id, year), last in counters.items():
                CaseNumberCounter.objects.update_or_create(
                    jurisdiction_id=jurisdiction_id, year=year, defaults={"last": last})
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (Case, CaseEvent, Clock, Ruling, scenario_table):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
                cursor.execute("ANALYZE accounts_orgunit")
        # The dashboard's cells (dashboard.services): the rows were marked
        # by the database as they came; a recount is faster than folding.
        figures_recount()
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Fresh visibility maps and statistics: the cells are read by
            # index-only scans. (VACUUM needs autocommit: not inside a test.)
            with connection.cursor() as cursor:
                for table in ("dashboard_figurecell", "dashboard_casefigure", "dashboard_figuredirty"):
                    cursor.execute(f"VACUUM ANALYZE {table}")
        self.stdout.write(self.style.SUCCESS(
            f"created {count} synthetic cases in {time.monotonic() - started:.1f} s"))
