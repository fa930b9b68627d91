"""Take a demo case from verification to a ruling, through the services."""

from django.utils import timezone

from . import services
from .selectors import BUILTIN_DISTINCTIONS, BUILTIN_FACTORS, eligible_members_for


def _items(case, kind):
    return list(case.policy_version.items.filter(kind=kind).order_by("number"))


def _judged(case, kind, builtin, text):
    # The version's own items when it has them (shipped catalogues), else
    # the built-in three distinctions and six factors.
    keys = [str(i.pk) for i in _items(case, kind)] or [k for k, _ in builtin]
    return dict.fromkeys(keys, text)


def rule_demo_case(case, users, *, result="mitigated"):
    today = timezone.localdate()
    services.case_assign(case=case, actor=users["supervisor"], inspectors=[users["inspector1"], users["inspector2"]])
    services.interview_record(case=case, actor=users["inspector1"], person=case.applicant.display_name,
                              held_on=today, summary="本人陈述决策和执行经过，与申请材料一致。")
    services.case_assess(
        case=case, actor=users["inspector1"],
        conditions={str(i.pk): {"met": True, "reason": "经核实属实"} for i in _items(case, "condition")},
        positive_item=_items(case, "positive")[0], negative_items=[],
        negative_note="经比对，未发现负面清单所列情形。",
        distinctions=_judged(case, "distinction", BUILTIN_DISTINCTIONS, "属于缺乏经验、先行先试出现的失误"),
        factors=_judged(case, "factor", BUILTIN_FACTORS, "情节较轻，已及时挽回"),
    )
    services.case_preliminary_report(case=case, actor=users["inspector2"], recommended_result=result,
                                     summary="申请人所述决策和执行经过属实，事项经单位领导班子集体研究决定，"
                                             "有会议纪要和审批材料佐证；未发现谋取私利、违反决策程序等情形，"
                                             "问题发现后已及时采取补救措施，未造成重大损失。")
    services.case_defend(case=case, actor=case.applicant, text="对初步意见无异议。")
    # The quorum of the jurisdiction's committee (at least three when there
    # are three), leaving the others free to decide a review (复核 is for
    # members who did not vote on the first ruling).
    eligible = sorted(eligible_members_for(case=case), key=lambda u: u.username)
    members = eligible[:max(services.quorum_for(case, len(eligible)), min(3, len(eligible)))]
    services.meeting_record(case=case, actor=members[0], held_on=today, members_present=members)
    for member in members:
        services.vote_record(case=case, actor=member, result=result, opinion="同意")
    uses = _items(case, "result_use")
    services.case_rule(case=case, actor=members[0], result=result, reasons="符合容错条件，综合考虑后果，从轻处理。",
                       applied_items=_items(case, "positive")[:1],
                       uses=[{"item": uses[0], "duration_months": 6}] if uses else [],
                       mitigation="lighter" if result == "mitigated" else "", needs_correction=True)
    case.refresh_from_db()
    return case
