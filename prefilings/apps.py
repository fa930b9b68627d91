from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrefilingsConfig(AppConfig):
    name = "prefilings"
    verbose_name = _("Pre-filings (error prevention)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db import models

        from cases.registry import Action, register_actions, register_case_panel, register_event_labels

        from .services import CASE_EVENT_CITED, case_may_cite
        from .views import case_panel_context

        class CaseEventKind(models.TextChoices):
            PREFILING_CITED = CASE_EVENT_CITED, _("Pre-filing cited")

        register_event_labels(CaseEventKind)
        register_actions(Action("cite_prefiling", _("Cite a pre-filing (事前报备)"), ("draft", "verification"),
                                lambda case, user: case_may_cite(case=case, user=user), app="prefilings"))
        register_case_panel(order=15, template="prefilings/case_panel.html", context=case_panel_context)
