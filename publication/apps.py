from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicationConfig(AppConfig):
    name = "publication"
    verbose_name = _("Publication")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.registry import register_case_panel, register_event_labels

        from .models import PublicationEventKind
        from .views import case_panel_context

        register_event_labels(PublicationEventKind)
        register_case_panel(order=90, template="publication/case_panel.html", context=case_panel_context)
