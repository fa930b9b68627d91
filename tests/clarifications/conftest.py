"""A clarification case (澄清正名事项) opened from a report through the
services, and helpers that take it to a given step."""

import datetime as dt

import pytest
from django.utils import timezone

from clarifications import services

REPORTER = "钱多多"
REPORTER_PHONE = "13900001111"
POINTS = ["利用职务便利为亲属承揽校舍维修工程", "违规收受施工单位礼金", "长期不在岗"]


def open_case(users, units, *, points=POINTS):
    return services.clarification_case_open(
        actor=users["inspector1"], cadre=users["applicant"], unit=units["huailai-edu"],
        title="关于反映教育局干部有关问题的核查", report_number="怀纪信〔2026〕017号",
        received_on=timezone.localdate() - dt.timedelta(days=3), points=points,
        reporter_name=REPORTER, reporter_contact=REPORTER_PHONE,
    )


def check_all(case, users, findings=("untrue", "unfounded", "untrue")):
    for number, finding in enumerate(findings, 1):
        services.point_finding_record(case=case, actor=users["inspector1"], number=number, finding=finding,
                                      basis=f"经调取工程合同和账目，第{number}项未发现相关事实。")
    services.cadre_view_seek(case=case, actor=users["inspector1"], note="书面征求本人意见")
    services.cadre_view_record(case=case, actor=users["applicant"], view="反映不实，本人从未参与工程发包。")
    services.check_conclude(case=case, actor=users["inspector1"], conclusion="所反映问题失实或查无实据。")
    case.refresh_from_db()
    return case


@pytest.fixture
def report_case(users, units):
    return open_case(users, units)
