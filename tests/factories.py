"""Factories shared by every app's tests."""

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import Membership, OrgUnit, User
from accounts.services import org_unit_create
from policies.models import (
    Certainty,
    Jurisdiction,
    PolicyDocument,
    PolicyItem,
    PolicyVersion,
    StageTimeLimit,
    TimeLimitStage,
    TimeUnit,
)


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    name = factory.Sequence(lambda n: f"单位{n}")
    code = factory.Sequence(lambda n: f"unit-{n}")
    kind = OrgUnit.Kind.UNIT
    short_name = "单"
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return org_unit_create(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.gov.cn")
    password = factory.PostGenerationMethodCall("set_password", "demo-pass-2026")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    org_unit = factory.SubFactory(OrgUnitFactory)
    role = "applicant"


# Time limits used by tests unless a test sets its own (working days unless noted).
TEST_TIME_LIMITS = {
    TimeLimitStage.UNIT_REVIEW: (5, TimeUnit.WORKING_DAY, False, 0),
    TimeLimitStage.INTAKE: (5, TimeUnit.WORKING_DAY, True, 5),
    TimeLimitStage.SUPPLEMENT: (10, TimeUnit.WORKING_DAY, False, 0),
    TimeLimitStage.VERIFICATION: (30, TimeUnit.WORKING_DAY, True, 15),
    TimeLimitStage.DEFENCE: (5, TimeUnit.WORKING_DAY, False, 0),
    TimeLimitStage.DELIBERATION: (10, TimeUnit.WORKING_DAY, True, 10),
    TimeLimitStage.FEEDBACK: (5, TimeUnit.WORKING_DAY, False, 0),
    TimeLimitStage.FILING: (10, TimeUnit.WORKING_DAY, False, 0),
    TimeLimitStage.REVIEW_REQUEST: (15, TimeUnit.CALENDAR_DAY, False, 0),
    TimeLimitStage.REVIEW_DECISION: (30, TimeUnit.CALENDAR_DAY, True, 30),
    TimeLimitStage.CORRECTION: (20, TimeUnit.WORKING_DAY, True, 10),
    TimeLimitStage.RECTIFICATION: (30, TimeUnit.WORKING_DAY, True, 30),
    TimeLimitStage.CLARIFICATION: (20, TimeUnit.WORKING_DAY, False, 0),
    TimeLimitStage.PREFILING_REVIEW: (1, TimeUnit.WORKING_DAY, False, 0),
    TimeLimitStage.PROGRESS_REPORT: (30, TimeUnit.CALENDAR_DAY, False, 0),
    TimeLimitStage.RESULT_USE_RECORD: (1, TimeUnit.MONTH, False, 0),
    TimeLimitStage.FOLLOWUP_TALK: (1, TimeUnit.MONTH, False, 0),
    TimeLimitStage.FOLLOWUP_VISIT: (6, TimeUnit.MONTH, False, 0),
}


FIVE_STEPS_PROCEDURE = {"correction": {"mode": "five_steps", "source": "测试：按启动纠错、发送通知、谈话提醒、督促整改、完善制度五个步骤纠错"}}


def make_policy_version(*, org_unit, code="test", name="测试县", prefix="测", published=True,
                        effective_from=dt.date(2020, 1, 1), procedure=None) -> PolicyVersion:
    """A published policy version for ``org_unit`` with conditions, positive
    and negative lists, result uses and a time limit for every stage. Its
    procedure corrects by the five steps unless ``procedure`` says otherwise
    (a version without a correction setting runs none: issue 16)."""
    jurisdiction, _ = Jurisdiction.objects.get_or_create(
        code=code,
        defaults={
            "name": name, "org_unit": org_unit, "case_prefix": f"{prefix}容",
            "letter_prefix": f"{prefix}纪容", "issuing_body": f"中共{name}纪律检查委员会",
        },
    )
    doc, _ = PolicyDocument.objects.get_or_create(
        code=f"{code}-doc", defaults={"jurisdiction": jurisdiction, "title": f"{name}容错纠错实施办法（试行）"}
    )
    number = (doc.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = PolicyVersion.objects.create(
        document=doc, number=number, effective_from=effective_from,
        status=PolicyVersion.Status.PUBLISHED if published else PolicyVersion.Status.DRAFT,
        published_at=timezone.now() if published else None,
        procedure=FIVE_STEPS_PROCEDURE if procedure is None else procedure,
    )
    items = [
        (PolicyItem.Kind.CONDITION, 1, "出于公心", "出于推动改革发展的公心，没有谋取私利。"),
        (PolicyItem.Kind.CONDITION, 2, "程序合规", "决策程序符合规定，经过集体研究。"),
        (PolicyItem.Kind.POSITIVE, 1, "改革创新", "在推进改革中因缺乏经验、先行先试出现的失误。"),
        (PolicyItem.Kind.POSITIVE, 2, "应急处置", "在处置突发事件中因客观条件限制出现的偏差。"),
        (PolicyItem.Kind.POSITIVE, 3, "上级政策", "因上级政策调整出现的失误。"),
        (PolicyItem.Kind.NEGATIVE, 1, "谋取私利", "为个人、他人或者单位谋取不正当利益的。"),
        (PolicyItem.Kind.NEGATIVE, 2, "屡错屡犯", "明令禁止仍然我行我素、屡错屡犯的。"),
        (PolicyItem.Kind.RESULT_USE, 1, "考核", "不影响年度考核评优。"),
        (PolicyItem.Kind.RESULT_USE, 2, "选拔任用", "不影响干部选拔任用。"),
    ]
    PolicyItem.objects.bulk_create(
        PolicyItem(version=version, kind=k, number=n, title=t, text=x, source="测试",
                   certainty=Certainty.EXAMPLE_DEFAULT, default_duration_months=12 if k == "result_use" else None)
        for k, n, t, x in items
    )
    # 谋取私利 cannot apply while 出于公心 (no private gain) is met.
    version.items.get(kind=PolicyItem.Kind.NEGATIVE, number=1).contradicts.add(
        version.items.get(kind=PolicyItem.Kind.CONDITION, number=1))
    StageTimeLimit.objects.bulk_create(
        StageTimeLimit(version=version, stage=stage, amount=a, unit=u, extension_allowed=ext,
                       extension_max=mx, source="测试", certainty=Certainty.EXAMPLE_DEFAULT)
        for stage, (a, u, ext, mx) in TEST_TIME_LIMITS.items()
    )
    return version


def make_case(*, applicant, unit=None, stage="draft", origin="individual", created_by=None,
              policy_version=None, title="推进校舍改造项目中的程序瑕疵", **extra):
    """A case row in ``stage`` without going through the workflow (for
    selector and permission tests; workflow tests use the services)."""
    from cases.models import Case

    unit = unit or applicant.org_unit
    jurisdiction = unit.parent if unit.kind == "unit" else unit
    while jurisdiction.kind != "jurisdiction":
        jurisdiction = jurisdiction.parent
    if policy_version is None:
        policy_version = PolicyVersion.objects.filter(document__jurisdiction__org_unit=jurisdiction).latest("id")
    return Case.objects.create(
        applicant=applicant, created_by=created_by or applicant, unit=unit, jurisdiction=jurisdiction,
        policy_version=policy_version, stage=stage, origin=origin, title=title, **extra,
    )
