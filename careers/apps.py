from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareersConfig(AppConfig):
    """After the ruling, the cadre's career (干部的使用): what reaches the
    organization department (result uses, follow-up care), the
    accountability organ's decision, and the revocation of a ruling
    obtained by fraud. Sits above cases, reviews, corrections and
    publication (it imports them); no lower app imports it. Its event
    kinds and hooks are in ``events``, its steps in ``steps`` (found by
    core.apps)."""

    name = "careers"
    verbose_name = _("Result uses and follow-up")
    default_auto_field = "django.db.models.BigAutoField"
