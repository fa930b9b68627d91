"""The case-page panel of publication (cases.registry)."""

from cases.registry import register_case_panel

from .views import case_panel_context

register_case_panel(order=90, template="publication/case_panel.html", context=case_panel_context)
