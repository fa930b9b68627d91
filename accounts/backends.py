"""Authentication and the administrators' permissions.

- Demo logins (``User.is_demo``) authenticate only in demo mode; outside it
  their sessions fail too (``get_user`` asks ``user_can_authenticate``).
- The three administrator duties (三员分立) get exactly the admin
  permissions of their duty, from ``DUTY_PERMISSIONS``; none of them has a
  permission on a model holding case content.
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from .models import Role
from .selectors import user_roles

ALL = ("view", "add", "change", "delete")
# app_label.model_name -> actions.
DUTY_PERMISSIONS = {
    # Users, units, configuration (the beat schedule, the working-day
    # calendar). Roles are the security administrator's.
    Role.SYSTEM_ADMIN: {
        "accounts.user": ("view", "add", "change"),
        "accounts.orgunit": ("view", "add", "change"),
        "policies.calendarday": ALL,
        "policies.calendaryear": ALL,
        "django_celery_beat.periodictask": ("view", "change"),
        "django_celery_beat.crontabschedule": ("view",),
    },
    # Roles, lockouts, second factors: the access policy.
    Role.SECURITY_ADMIN: {
        "accounts.user": ("view",),
        "accounts.membership": ALL,
        "axes.accessattempt": ("view", "delete"),
        "axes.accessfailurelog": ("view",),
        "axes.accesslog": ("view",),
        "otp_totp.totpdevice": ALL,
    },
    # The audit log, read-only.
    Role.AUDIT_ADMIN: {
        "audit.auditrecord": ("view",),
    },
}


# Not a duty: the case-work administrator (Django staff) keeps the letters'
# admin (the regenerate action); case content is his work.
ROLE_PERMISSIONS = {
    **DUTY_PERMISSIONS,
    Role.ADMIN: {
        "letters.letter": ("view", "change"),
        "letters.letterversion": ("view",),
        "letters.letternumbercounter": ("view",),
    },
}


def user_duties(user) -> set[str]:

    return user_roles(user) & set(DUTY_PERMISSIONS)


class AccountBackend(ModelBackend):
    def user_can_authenticate(self, user):
        if getattr(user, "is_demo", False) and not settings.DEMO_MODE:
            return False
        return super().user_can_authenticate(user)

    def _duty_perms(self, user_obj) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        cached = getattr(user_obj, "_duty_perm_cache", None)
        if cached is None:
            cached = set()

            for role in user_roles(user_obj) & set(ROLE_PERMISSIONS):
                for model, actions in ROLE_PERMISSIONS[role].items():
                    app, name = model.split(".")
                    cached |= {f"{app}.{action}_{name}" for action in actions}
            user_obj._duty_perm_cache = cached
        return cached

    def get_all_permissions(self, user_obj, obj=None):
        return super().get_all_permissions(user_obj, obj) | self._duty_perms(user_obj)

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self._duty_perms(user_obj) or super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        return (any(p.startswith(f"{app_label}.") for p in self._duty_perms(user_obj))
                or super().has_module_perms(user_obj, app_label))
