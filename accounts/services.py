import secrets

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from .authentication import token_expired
from .models import Membership, OrgUnit, User
from .signals import security_event


@transaction.atomic
def org_unit_create(*, name: str, code: str, kind: str, parent: OrgUnit | None = None,
                    short_name: str = "") -> OrgUnit:
    unit = OrgUnit(name=name, code=code, kind=kind, parent=parent, short_name=short_name)
    unit.full_clean(exclude=["path"])
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    return unit


def _audit(*, kind: str, actor=None, request=None, target: str = "", data: dict | None = None) -> None:
    security_event.send(sender=User, kind=kind, actor=actor, request=request, target=target, data=data)


@transaction.atomic
def user_sessions_end(*, user: User, reason: str, actor: User | None = None, request=None) -> None:
    """End every session and API token ``user`` holds: a new session stamp
    makes his session signatures stale (Django then flushes the session at
    its next request), his tokens are deleted. Called when he is disabled,
    his roles or his password change, so that nothing he held works after
    he is enabled again."""
    from rest_framework.authtoken.models import Token

    user.session_stamp = secrets.token_hex(16)
    User.objects.filter(pk=user.pk).update(session_stamp=user.session_stamp)
    tokens = Token.objects.filter(user=user).delete()[0]
    _audit(kind="sessions_ended", actor=actor, request=request, target=f"user:{user.username}",
           data={"user": user.username, "reason": reason, "tokens": tokens})


@transaction.atomic
def membership_grant(*, user: User, org_unit: OrgUnit, role: str, actor: User | None = None,
                     request=None) -> Membership:
    existing = Membership.objects.filter(user=user, org_unit=org_unit, role=role).first()
    if existing is not None:
        return existing
    membership = Membership(user=user, org_unit=org_unit, role=role)
    membership.full_clean()
    membership.save()
    _audit(kind="role_granted", actor=actor, request=request, target=f"user:{user.username}",
           data={"user": user.username, "role": role, "org_unit": org_unit.code})
    if actor is not None:
        # A role given by somebody (not the demo set-up): what the user's
        # sessions were allowed to do has changed.
        user_sessions_end(user=user, reason="role_granted", actor=actor, request=request)
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, actor: User | None, request=None) -> None:
    user = membership.user
    _audit(kind="role_revoked", actor=actor, request=request, target=f"user:{user.username}",
           data={"user": user.username, "role": membership.role, "org_unit": membership.org_unit.code})
    Membership.objects.filter(pk=membership.pk).delete()
    user_sessions_end(user=user, reason="role_revoked", actor=actor, request=request)


@transaction.atomic
def user_set_active(*, user: User, active: bool, actor: User | None, request=None) -> User:
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
    _audit(kind="user_enabled" if active else "user_disabled", actor=actor, request=request,
           target=f"user:{user.username}", data={"user": user.username})
    user_sessions_end(user=user, reason="enabled" if active else "disabled", actor=actor, request=request)
    return user


@transaction.atomic
def user_password_changed(*, user: User, actor: User | None, request=None) -> None:
    """After a password change (already saved): record the time (for the
    expiry rule), the audit record, and end the user's sessions and tokens."""
    user.password_changed_at = timezone.now()
    User.objects.filter(pk=user.pk).update(password_changed_at=user.password_changed_at)
    _audit(kind="password_changed", actor=actor, request=request, target=f"user:{user.username}",
           data={"user": user.username})
    user_sessions_end(user=user, reason="password_changed", actor=actor, request=request)


@transaction.atomic
def user_password_set(*, user: User, new_password: str, actor: User | None, request=None) -> None:
    """Set ``user``'s password after the password rules (a Django
    ``ValidationError`` when they refuse it), then what every change does:
    the time, the audit record, his sessions and tokens ended. For callers
    that have checked the old password or the actor's right already (the
    token request's forced change, an administrator's reset)."""
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_password_changed(user=user, actor=actor, request=request)


@transaction.atomic
def user_tokens_revoke(*, user: User, request=None) -> int:
    """The user's own revocation of his API tokens."""
    from rest_framework.authtoken.models import Token

    n = Token.objects.filter(user=user).delete()[0]
    _audit(kind="token_revoked", actor=user, request=request, data={"tokens": n})
    return n


@transaction.atomic
def user_token_issue(*, user: User, request=None) -> str:
    """A token for ``user`` (authenticated, second factor checked by the
    caller); an expired one is replaced."""
    from rest_framework.authtoken.models import Token

    token = Token.objects.filter(user=user).first()
    if token is not None and token_expired(token):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
        _audit(kind="token_issued", actor=user, request=request)
    return token.key
