"""``generate_cases --count N``: bulk synthetic cases with open stage clocks,
for benchmarks (bench/reminders.py) and load tests (DESIGN §7).

Everything it creates lives in a clearly named synthetic subtree
(jurisdiction code ``synthetic-bench``, users ``synthetic-*``) with its own
published policy, created on first use, so that it never mixes with real
data. Rows are written with ``bulk_create`` in batches; due dates come from
the real working-day calendar, computed once per distinct start date.
"""

import datetime as dt
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

SYNTH = "synthetic-bench"
UNITS = 10
APPLICANTS = 50


def _synthetic_world():
    from accounts.models import OrgUnit, Role, User
    from accounts.services import membership_grant, org_unit_create
    from policies.models import (
        Certainty,
        Jurisdiction,
        PolicyDocument,
        PolicyVersion,
        StageTimeLimit,
        TimeUnit,
    )

    root = OrgUnit.objects.filter(code=SYNTH).first() or org_unit_create(
        name="合成基准辖区（测试数据）", code=SYNTH, kind=OrgUnit.Kind.JURISDICTION, short_name="合"
    )
    units = []
    for i in range(UNITS):
        code = f"{SYNTH}-unit-{i}"
        units.append(OrgUnit.objects.filter(code=code).first() or org_unit_create(
            name=f"合成单位{i}（测试数据）", code=code, kind=OrgUnit.Kind.UNIT, parent=root, short_name="合"
        ))
    applicants = []
    for i in range(APPLICANTS):
        user, created = User.objects.get_or_create(
            username=f"synthetic-applicant-{i}",
            defaults={"full_name": f"合成申请人{i}", "org_unit": units[i % UNITS], "email": ""},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            membership_grant(user=user, org_unit=units[i % UNITS], role=Role.APPLICANT)
        applicants.append(user)
    for role in (Role.INTAKE, Role.INSPECTOR, Role.SUPERVISOR):
        user, created = User.objects.get_or_create(
            username=f"synthetic-{role}", defaults={"full_name": f"合成{role}", "org_unit": root, "email": ""}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        membership_grant(user=user, org_unit=root, role=role)
    jur, _ = Jurisdiction.objects.get_or_create(
        code=SYNTH, defaults={"name": root.name, "org_unit": root, "case_prefix": "合容", "letter_prefix": "合纪容"}
    )
    doc, _ = PolicyDocument.objects.get_or_create(
        code=f"{SYNTH}-doc", defaults={"jurisdiction": jur, "title": "合成基准容错办法（测试数据）"}
    )
    version = doc.versions.filter(status=PolicyVersion.Status.PUBLISHED).first()
    if version is None:
        version = PolicyVersion.objects.create(
            document=doc, number=1, effective_from=dt.date(2020, 1, 1), status=PolicyVersion.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        StageTimeLimit.objects.bulk_create(
            StageTimeLimit(version=version, stage=stage, amount=amount, unit=TimeUnit.WORKING_DAY,
                           extension_allowed=True, extension_max=amount, source="synthetic",
                           certainty=Certainty.EXAMPLE_DEFAULT)
            for stage, amount in (("intake", 5), ("verification", 30), ("deliberation", 10))
        )
    return root, units, applicants, version


class Command(BaseCommand):
    help = "Create N synthetic cases, each with an open stage clock (benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--spread-days", type=int, default=45,
                            help="clocks start on one of the last N days")

    def handle(self, *args, count, batch_size, seed, spread_days, **options):
        from cases.models import Case
        from deadlines.models import Clock
        from policies.calendar import WorkCalendar, compute_due_date

        if count < 1:
            raise CommandError("--count must be at least 1")
        rng = random.Random(seed)
        with transaction.atomic():
            root, units, applicants, version = _synthetic_world()
        limits = {t.stage: t for t in version.time_limits.all()}
        cal = WorkCalendar()
        today = timezone.localdate()
        dues: dict[tuple[str, dt.date], tuple[dt.date, bool]] = {}

        def due_for(stage, start):
            key = (stage, start)
            if key not in dues:
                r = compute_due_date(start, limits[stage].amount, limits[stage].unit, calendar=cal)
                dues[key] = (r.due, r.flagged)
            return dues[key]

        started = time.monotonic()
        made = 0
        while made < count:
            n = min(batch_size, count - made)
            now = timezone.now()
            cases = []
            for i in range(n):
                applicant = applicants[rng.randrange(len(applicants))]
                # Mostly long verification clocks, some intake: with starts
                # spread over --spread-days, about one clock in six or seven
                # is in the sweep's window (due soon or overdue).
                stage = "submitted" if rng.random() < 0.1 else "verification"
                cases.append(Case(
                    origin="individual", stage=stage, applicant=applicant, created_by=applicant,
                    unit_id=applicant.org_unit_id, jurisdiction=root, policy_version=version,
                    title=f"合成案件 {made + i + 1}", submitted_at=now,
                ))
            with transaction.atomic():
                Case.objects.bulk_create(cases, batch_size=batch_size)
                clocks = []
                for case in cases:
                    stage = "intake" if case.stage == "submitted" else "verification"
                    start = today - dt.timedelta(days=rng.randrange(spread_days))
                    due, flagged = due_for(stage, start)
                    roll = rng.random()
                    status = "running" if roll < 0.9 else ("paused" if roll < 0.95 else "stopped")
                    lim = limits[stage]
                    clocks.append(Clock(
                        case_id=case.pk, stage=stage, started_on=start, amount=lim.amount, unit=lim.unit,
                        start_rule=version.start_rule, extension_allowed=lim.extension_allowed,
                        extension_max=lim.extension_max, status=status,
                        due_date=None if status == "paused" else due, flagged=flagged,
                        stopped_at=now if status == "stopped" else None,
                    ))
                Clock.objects.bulk_create(clocks, batch_size=batch_size)
            made += n
            if made % (batch_size * 20) == 0 or made == count:
                self.stdout.write(f"{made} cases and clocks ({time.monotonic() - started:.1f} s)")
        self.stdout.write(self.style.SUCCESS(
            f"created {count} synthetic cases with clocks in {time.monotonic() - started:.1f} s"
        ))
