"""Two demo clarification cases (澄清正名事项), made through the services
so they carry history, clocks and letters like real ones: one still being
checked (the cadre asked for his view), one whose name was cleared in
public and the false accusation referred. Skipped if they exist or no
policy is loaded."""

import datetime as dt

from django.utils import timezone

from cases.models import Case, Origin

from . import services

TITLES = ("关于反映教育局干部违规插手校舍维修工程问题的核查", "关于反映住建局干部收受开发商礼金问题的核查")


def build_demo_clarifications(world) -> list[Case]:
    users, units = world["users"], world["units"]
    if Case.objects.filter(origin=Origin.REPORT, title__in=TITLES).exists():
        return []
    inspector, today = users["inspector1"], timezone.localdate()
    try:
        checking = services.clarification_case_open(
            actor=inspector, cadre=users["applicant"], unit=units["huailai-edu"], title=TITLES[0],
            report_number="怀纪信〔2026〕031号", received_on=today - dt.timedelta(days=6), channel="letter",
            reporter_name="孙某某", reporter_contact="13800000031",
            points=["利用职务便利为亲属承揽校舍维修工程", "工程结算中虚报工程量"],
        )
    except Exception:  # noqa: BLE001 - no policy loaded: no demo cases
        return []
    services.point_finding_record(case=checking, actor=inspector, number=1, finding="unfounded",
                                  basis="调取工程招标和合同资料，未发现其亲属参与承揽。")
    services.cadre_view_seek(case=checking, actor=inspector, note="书面征求本人意见")

    cleared = services.clarification_case_open(
        actor=inspector, cadre=users["applicant2"], unit=units["huailai-zj"], title=TITLES[1],
        report_number="怀纪信〔2026〕024号", received_on=today - dt.timedelta(days=20), channel="online",
        reporter_name="周某某", reporter_contact="13900000024",
        points=["收受开发商礼金两万元", "违规为开发商办理预售许可"],
    )
    for number, finding, basis in ((1, "untrue", "经查银行流水和相关人员询问，无收受礼金事实。"),
                                   (2, "untrue", "预售许可经集体研究，手续齐全。")):
        services.point_finding_record(case=cleared, actor=inspector, number=number, finding=finding, basis=basis)
    services.cadre_view_seek(case=cleared, actor=inspector, note="谈话听取本人意见")
    services.cadre_view_record(case=cleared, actor=users["applicant2"], view="所反映问题不属实，本人服从组织核查。")
    services.check_conclude(case=cleared, actor=inspector, conclusion="所反映两项问题均失实。")
    services.clarification_scope_decide(case=cleared, actor=users["supervisor"], scope="public", method="notice")
    services.clarification_statement_issue(case=cleared, actor=inspector)
    services.false_accusation_refer(case=cleared, actor=inspector, referred_to="怀来县公安局",
                                    facts="举报人在核查结论告知后仍捏造事实反复举报。")
    services.petition_record(case=cleared, actor=inspector, occurred_on=today, description="就同一事项再次到县信访局上访。",
                             handling="告知核查结论，依法依规引导。")
    # Publication on the portal is the administrator's step (redaction and
    # the leak check need the name detector, loaded on first use).
    services.clarification_publish(case=cleared, actor=users["admin"])
    return [checking, cleared]
