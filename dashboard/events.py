"""Hooks the dashboard adds to the case (core.subjects): whether a user may
export case lists, asked by the case lists' pages (cases sits below the
dashboard and does not import it)."""

from core.subjects import register_hook

from .selectors import dashboard_may_view

register_hook("case", "may_export", lambda user: dashboard_may_view(user=user))
