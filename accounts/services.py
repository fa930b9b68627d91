from django.db import transaction

from .models import Membership, OrgUnit, User


@transaction.atomic
def org_unit_create(*, name: str, code: str, kind: str, parent: OrgUnit | None = None,
                    short_name: str = "") -> OrgUnit:
    unit = OrgUnit(name=name, code=code, kind=kind, parent=parent, short_name=short_name)
    unit.full_clean(exclude=["path"])
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    return unit


@transaction.atomic
def membership_grant(*, user: User, org_unit: OrgUnit, role: str) -> Membership:
    membership, _ = Membership.objects.get_or_create(user=user, org_unit=org_unit, role=role)
    return membership
