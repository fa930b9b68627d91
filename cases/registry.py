"""Extension points through which later stages (verification and ruling,
correction, pre-filing, publication) add themselves to a case without
editing the cases app:

- ``register_actions``: actions with their legal stages and who may take
  them; ``cases.services.case_actions_for_user`` lists them for the page.
- ``register_event_labels``: labels of history event kinds (an enum).
- ``register_case_panel``: a partial template shown on the case page, with
  a function that builds its context (and owns its queries).

Apps register in their ``AppConfig.ready()``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Action:
    name: str
    label: object
    stages: tuple[str, ...]
    allowed: Callable  # (case, user) -> bool
    app: str = "cases"


@dataclass(order=True)
class CasePanel:
    order: int
    template: str = field(compare=False)
    context: Callable = field(compare=False)  # (request, case) -> dict | None (None hides it)


ACTIONS: dict[str, Action] = {}
EVENT_LABELS: dict[str, object] = {}
# Event kinds whose details (data, reason) only the handling staff see:
# the step shows on everyone's timeline, not what was said or voted.
INTERNAL_EVENT_KINDS: set[str] = set()
CASE_PANELS: list[CasePanel] = []


def register_actions(*actions: Action) -> None:
    for action in actions:
        ACTIONS[action.name] = action


def register_event_labels(choices, *, internal=()) -> None:
    """``choices``: a TextChoices enum of event kinds; ``internal``: those of
    them whose details are for the handling staff only."""
    EVENT_LABELS.update(dict(choices.choices))
    INTERNAL_EVENT_KINDS.update(str(kind) for kind in internal)


def register_case_panel(*, order: int, template: str, context: Callable) -> None:
    if any(p.template == template for p in CASE_PANELS):
        return
    CASE_PANELS.append(CasePanel(order, template, context))
    CASE_PANELS.sort()
