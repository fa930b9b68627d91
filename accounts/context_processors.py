"""Navigation by role. Entries whose URL is not (yet) routed are skipped, so
an app adds its pages to the menu by naming them here."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .models import Role
from .selectors import user_roles

# (url name, label, roles that see it; None = every signed-in user)
NAV = [
    ("cases:my_cases", _("My cases"), {Role.APPLICANT}),
    ("cases:create", _("New application"), {Role.APPLICANT}),
    ("cases:unit_queue", _("Unit review"), {Role.UNIT_REVIEWER}),
    ("cases:intake_queue", _("Intake"), {Role.INTAKE}),
    ("reviews:supervisor_queue", _("Assignment"), {Role.SUPERVISOR}),
    ("reviews:inspector_queue", _("Verification"), {Role.INSPECTOR}),
    ("reviews:committee_queue", _("Deliberation"), {Role.COMMITTEE}),
    ("cases:search", _("All cases"), {Role.INTAKE, Role.INSPECTOR, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN, Role.UNIT_REVIEWER}),
    ("prefilings:list", _("Pre-filings"), None),
    ("letters:register", _("Document register"), {Role.INTAKE, Role.INSPECTOR, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN}),
    ("dashboard:index", _("Dashboard"), {Role.INTAKE, Role.INSPECTOR, Role.SUPERVISOR, Role.COMMITTEE, Role.ADMIN}),
    ("publication:list", _("Publication"), {Role.ADMIN}),
    ("careers:workbench", _("Result uses"), {Role.ORG_DEPT}),
    ("public:index", _("Public portal"), None),
]


def _reverse(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    roles = user_roles(user)
    items = []
    for name, label, allowed in NAV:
        if allowed is not None and not (roles & set(allowed)):
            continue
        url = _reverse(name)
        if url:
            items.append({"url": url, "label": label, "active": request.path.startswith(url) and url != "/"})
    return {"nav_items": items, "user_roles": roles}
