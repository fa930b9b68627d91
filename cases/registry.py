"""Extension points through which later stages (verification and ruling,
correction, pre-filing, publication) add themselves to a case without
editing the cases app:

- steps (``core.steps``): each app declares its own in ``<app>/steps.py``
  with their legal stages, who may take them, when they are ready, their
  service, form and input serializer; ``cases.services.case_actions_for_user``
  lists them for the page and the API, ``case_guard`` refuses the others;
- event kinds (label, audience, confidentiality) are registered in
  ``core.events`` by the app that writes them (``<app>/events.py``);
- ``register_case_panel``: a partial template shown on the case page, with
  a function that builds its context (and owns its queries).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from core.steps import STEPS, Step, register_steps

# The case's steps, by name (core.steps); ``Action`` is the former name.
Action = Step
ACTIONS: dict[str, Step] = STEPS.setdefault("case", {})
register_actions = register_steps


@dataclass(order=True)
class CasePanel:
    order: int
    template: str = field(compare=False)
    context: Callable = field(compare=False)  # (request, case) -> dict | None (None hides it)


CASE_PANELS: list[CasePanel] = []


def register_case_panel(*, order: int, template: str, context: Callable) -> None:
    if any(p.template == template for p in CASE_PANELS):
        return
    CASE_PANELS.append(CasePanel(order, template, context))
    CASE_PANELS.sort()
