"""The admin site with the 三员分立 rule: the system, security and audit
administrators sign in to it and see only their duty's models (their
permissions come from ``accounts.backends.DUTY_PERMISSIONS``); Django staff
(the case-work administrator) as before; the superuser is for installation.

Case content follows the app's own visibility here too: every model that
reaches a case or a pre-filing (itself, a foreign key to one, or a key to a
row that has one) lists, opens and changes only the rows whose case and
pre-filing the user may see in the app (``core.subjects``: the owners'
``visible`` hooks), whatever Django permissions he holds; an
administrator of a duty sees none of them."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.subjects import SUBJECTS

# How far from a model to look for its case or pre-filing (Reminder →
# Clock → Case is two steps).
_SUBJECT_DEPTH = 3
_paths_cache: dict[str, dict[str, str]] = {}


def _subject_models() -> dict[str, str]:
    return {s.model.lower(): s.name for s in SUBJECTS.values()}


def subject_paths(model) -> dict[str, str]:
    """Lookup path from ``model`` to each case or pre-filing it belongs to,
    by subject name ({"case": "clock__case"}); {} when it reaches none.
    The nearest ones win (a letter's case and pre-filing, not the case of
    its pre-filing)."""
    label = model._meta.label_lower
    if label in _paths_cache:
        return _paths_cache[label]
    subjects = _subject_models()
    if label in subjects:
        found = {subjects[label]: "pk"}
    else:
        found = {}
        level = [("", model)]
        for _depth in range(_SUBJECT_DEPTH):
            following = []
            for prefix, current in level:
                for field in current._meta.get_fields():
                    if not (field.many_to_one or field.one_to_one) or not field.concrete or field.related_model is None:
                        continue
                    target = field.related_model._meta.label_lower
                    if target in subjects:
                        found.setdefault(subjects[target], f"{prefix}{field.name}")
                    elif field.related_model._meta.app_label not in ("accounts", "auth", "contenttypes"):
                        following.append((f"{prefix}{field.name}__", field.related_model))
            if found:
                break
            level = following
    _paths_cache[label] = found
    return found


def subject_scope_q(model, user) -> Q | None:
    """The rows of ``model`` ``user`` may see as case content: each case or
    pre-filing a row names is one he sees in the app, and it names one.
    None for a model that is no case content."""
    paths = subject_paths(model)
    if not paths:
        return None
    if not user.is_authenticated or not user.is_active or _holds_duty(user):
        return Q(pk__in=[])
    q, named = Q(), Q(pk__in=[])
    for name, path in paths.items():
        visible = SUBJECTS[name].visible(user).order_by().values("pk")
        if path == "pk":
            return Q(pk__in=visible)
        q &= Q(**{f"{path}__isnull": True}) | Q(**{f"{path}__in": visible})
        named |= Q(**{f"{path}__isnull": False})
    return q & named


def _holds_duty(user) -> bool:
    # Here, not at the top: INSTALLED_APPS imports this module before the
    # models are loaded, and the backends import them.
    from .backends import user_duties

    return bool(user_duties(user))


class SubjectScopedAdmin:
    """Mixed into every ModelAdmin of the site (``DutyAdminSite.register``):
    the list, the change and delete pages, autocomplete and actions all go
    through ``get_queryset``."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        scope = subject_scope_q(self.model, request.user)
        return qs if scope is None else qs.filter(scope)


class DutyAdminSite(admin.AdminSite):
    site_header = _("Fault-tolerance case management")
    site_title = _("Fault-tolerance case management")

    # Models whose package names them in English only (no msgid): the
    # admin's lists name them in Chinese (issue 22).
    model_names = {("otp_totp", "totpdevice"): _("Dynamic-password devices")}

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, SubjectScopedAdmin):
            admin_class = type(admin_class.__name__, (SubjectScopedAdmin, admin_class),
                               {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__})
        return super().register(model_or_iterable, admin_class, **options)

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            for model in app["models"]:
                name = self.model_names.get((app["app_label"], model["object_name"].lower()))
                if name:
                    model["name"] = name
        return app_list

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and (user.is_staff or _holds_duty(user)))


class DutyAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.DutyAdminSite"
