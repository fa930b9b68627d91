"""The demo world: an org tree with two jurisdictions and a user of every
role. Used by ``demo_data`` and by the tests, so both see the same shape.
Idempotent: rows are looked up by code and username."""

from django.db import transaction

from .models import OrgUnit, Role, User
from .services import membership_grant, org_unit_create

DEMO_PASSWORD = "demo-pass-2026"

# code: (name, short name, kind, parent code)
ORG_TREE = {
    "huailai": ("怀来县", "怀", OrgUnit.Kind.JURISDICTION, None),
    "huailai-jw": ("中共怀来县纪律检查委员会", "怀纪", OrgUnit.Kind.UNIT, "huailai"),
    "huailai-edu": ("怀来县教育局", "教育", OrgUnit.Kind.UNIT, "huailai"),
    "huailai-zj": ("怀来县住房和城乡建设局", "住建", OrgUnit.Kind.UNIT, "huailai"),
    "huailai-zzb": ("中共怀来县委组织部", "怀组", OrgUnit.Kind.UNIT, "huailai"),
    "kunming": ("昆明市", "昆", OrgUnit.Kind.JURISDICTION, None),
    "kunming-jw": ("中共昆明市纪律检查委员会", "昆纪", OrgUnit.Kind.UNIT, "kunming"),
    "kunming-fgw": ("昆明市发展和改革委员会", "发改", OrgUnit.Kind.UNIT, "kunming"),
    "kunming-zzb": ("中共昆明市委组织部", "昆组", OrgUnit.Kind.UNIT, "kunming"),
}

# username: (full name, home unit, [(role, over unit)])
USERS = {
    "applicant": ("张伟", "huailai-edu", [(Role.APPLICANT, "huailai-edu")]),
    # A name outside GB 2312 (堃): letters must still render it as text.
    "applicant2": ("李堃", "huailai-zj", [(Role.APPLICANT, "huailai-zj")]),
    "unit_reviewer": ("王芳", "huailai-edu", [(Role.UNIT_REVIEWER, "huailai-edu")]),
    "intake": ("刘洋", "huailai-jw", [(Role.INTAKE, "huailai")]),
    "inspector1": ("陈静", "huailai-jw", [(Role.INSPECTOR, "huailai")]),
    "inspector2": ("杨帆", "huailai-jw", [(Role.INSPECTOR, "huailai")]),
    "supervisor": ("赵强", "huailai-jw", [(Role.SUPERVISOR, "huailai")]),
    "committee1": ("孙丽", "huailai-jw", [(Role.COMMITTEE, "huailai")]),
    "committee2": ("周杰", "huailai-jw", [(Role.COMMITTEE, "huailai")]),
    "committee3": ("吴敏", "huailai-jw", [(Role.COMMITTEE, "huailai")]),
    # 组织部门 of the jurisdiction: result uses, follow-up talks.
    "org_dept": ("郑琳", "huailai-zzb", [(Role.ORG_DEPT, "huailai")]),
    # The case-work administrator (业务管理员): publication, letters.
    "admin": ("业务管理员", "huailai-jw", [(Role.ADMIN, "huailai"), (Role.ADMIN, "kunming")]),
    # 三员分立: none of them reads a case (accounts.backends).
    "sysadmin": ("系统管理员", "huailai-jw", [(Role.SYSTEM_ADMIN, "huailai")]),
    "secadmin": ("安全管理员", "huailai-jw", [(Role.SECURITY_ADMIN, "huailai")]),
    "auditadmin": ("审计管理员", "huailai-jw", [(Role.AUDIT_ADMIN, "huailai")]),
    "km_applicant": ("赵喆", "kunming-fgw", [(Role.APPLICANT, "kunming-fgw")]),
    "km_intake": ("钱明", "kunming-jw", [(Role.INTAKE, "kunming")]),
    "km_inspector": ("孔亮", "kunming-jw", [(Role.INSPECTOR, "kunming")]),
    "km_org_dept": ("冯涛", "kunming-zzb", [(Role.ORG_DEPT, "kunming")]),
}


# Only ``demo_data`` (make run) adds these; the tests' world keeps the
# smaller committee its quorum tests count on. 怀来县: six committee members,
# so that a review can be decided by members who did not vote on the first
# ruling (DESIGN §2 复核; the first ruling needs four of six). 昆明市: a
# complete staff (unit reviewer, supervisor, a second inspector, a
# committee of five).
DEMO_EXTRA_USERS = {
    "committee4": ("郑华", "huailai-jw", [(Role.COMMITTEE, "huailai")]),
    "committee5": ("冯雪", "huailai-jw", [(Role.COMMITTEE, "huailai")]),
    "committee6": ("何军", "huailai-jw", [(Role.COMMITTEE, "huailai")]),
    "km_unit_reviewer": ("李娜", "kunming-fgw", [(Role.UNIT_REVIEWER, "kunming-fgw")]),
    "km_supervisor": ("王磊", "kunming-jw", [(Role.SUPERVISOR, "kunming")]),
    "km_inspector2": ("刘敏", "kunming-jw", [(Role.INSPECTOR, "kunming")]),
    "km_committee1": ("张静", "kunming-jw", [(Role.COMMITTEE, "kunming")]),
    "km_committee2": ("陈刚", "kunming-jw", [(Role.COMMITTEE, "kunming")]),
    "km_committee3": ("黄丽", "kunming-jw", [(Role.COMMITTEE, "kunming")]),
    "km_committee4": ("周斌", "kunming-jw", [(Role.COMMITTEE, "kunming")]),
    "km_committee5": ("吴霞", "kunming-jw", [(Role.COMMITTEE, "kunming")]),
}


@transaction.atomic
def build_demo_org(*, password: str | None = DEMO_PASSWORD, extra: bool = False) -> dict:
    units: dict[str, OrgUnit] = {}
    for code, (name, short, kind, parent) in ORG_TREE.items():
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            unit = org_unit_create(
                name=name, code=code, kind=kind, parent=units.get(parent), short_name=short
            )
        units[code] = unit
    users: dict[str, User] = {}
    for username, (full_name, home, roles) in {**USERS, **(DEMO_EXTRA_USERS if extra else {})}.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            # is_demo: these logins work only in demo mode (accounts.backends).
            # No superuser: that account is for installation only.
            user = User(username=username, full_name=full_name, org_unit=units[home],
                        email=f"{username}@example.gov.cn", is_demo=True)
            if username == "admin":
                user.is_staff = True
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
        for role, over in roles:
            membership_grant(user=user, org_unit=units[over], role=role)
        users[username] = user
    return {"units": units, "users": users}
