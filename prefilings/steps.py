"""The case step this app adds (citing a pre-filing) and its case-page
panel (core.steps, cases.registry)."""

from django.utils.translation import gettext_lazy as _

from cases.registry import register_case_panel
from core.steps import Step, register_steps
from core.subjects import register_hook

from . import apis, forms, selectors, services
from .views import case_panel_context


def _may_cite(case, user):
    return services.case_may_cite(case=case, user=user)


register_steps(Step(
    "cite_prefiling", _("Cite a pre-filing (事前报备)"), ("draft", "verification"), _may_cite, app="prefilings",
    service=services.case_cite_prefiling, form=lambda data, files, case, **kw: forms.CiteForm(data, **kw),
    input=apis.CitePreFilingInput, summary="Cite a registered pre-filing", success=_("The pre-filing is cited."),
    events=(services.CASE_EVENT_CITED,),
))
register_case_panel(order=15, template="prefilings/case_panel.html", context=case_panel_context)
# The verification panel shows what the cited filings declared.
register_hook("case", "prefilings_cited", selectors.prefilings_cited_by_case)
# The ruling letter prints them too (letters.snapshot).
register_hook("case", "prefiling_letter_context", selectors.prefiling_letter_context)
