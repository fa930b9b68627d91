"""A clock's heading names its stage and when it started, never its
database reference (issue 22: "补正材料 · 2" on a case's first 补正, the 2
being the SupplementRequest's id across all cases)."""

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from cases.models import SupplementRequest
from deadlines.selectors import clock_list_for_case
from deadlines.services import clock_open
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def test_first_supplement_clock_is_not_numbered_by_its_request_id(world, users):
    unit = world["units"]["huailai-edu"]
    other = make_case(applicant=users["applicant"], unit=unit, stage="submitted")
    SupplementRequest.objects.create(case=other, requested_by=users["intake"], missing="甲", due_date=dt.date(2026, 12, 4))
    case = make_case(applicant=users["applicant"], unit=unit, stage="submitted")
    request = SupplementRequest.objects.create(case=case, requested_by=users["intake"], missing="乙",
                                               due_date=dt.date(2026, 12, 4))
    assert request.pk >= 2
    clock = clock_open(case=case, stage="supplement", ref=str(request.pk), start=dt.date(2026, 11, 20),
                       due_date=request.due_date)
    assert clock is not None
    with translation.override("zh-hans"):
        html = render_to_string("deadlines/case_clocks.html", {"case": case, "clocks": clock_list_for_case(case=case),
                                                                "user": users["intake"]})
    heading = html.split(f'id="clock-{clock.pk}-title">', 1)[1].split("</h3>", 1)[0]
    assert not re.search(rf"· {request.pk}(?!\d)", heading), heading
    assert "2026-11-20起" in heading, heading
