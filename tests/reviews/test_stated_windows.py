"""Issue 16: "nothing the system prints to a cadre states a rule that is not
configured". The case page offers the 申辩 (and the 复核) with a time limit
only where the version takes that limit from its text, and then states the
version's amount and unit and the due date of the case's own clock; with an
example-default limit (which still runs the clock) the step is offered with
no limit at all."""

import re

import pytest
from django.utils.html import strip_tags

from deadlines.models import Clock
from policies.models import Certainty, StageTimeLimit, TimeUnit
from reviews import services
from reviews.views import case_page_url

from .conftest import to_defence, vote_all

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _defence_text(client, case) -> str:
    page = client.get(case_page_url(case.pk), **ZH).content.decode()
    start = page.index("data-defence-window=")
    return strip_tags(page[start:page.index("</p>", start)].split(">", 1)[1])


def _review_text(client, case) -> str:
    page = client.get(case_page_url(case.pk), **ZH).content.decode()
    start = page.index("data-review-window=")
    return strip_tags(page[start:page.index("</p>", start)].split(">", 1)[1])


@pytest.fixture
def defence(accepted, users):
    return to_defence(accepted, users)


def test_example_default_defence_limit_is_not_stated(defence, users, client):
    limit = StageTimeLimit.objects.get(version=defence.policy_version, stage="defence")
    assert limit.certainty == Certainty.EXAMPLE_DEFAULT
    assert Clock.objects.filter(case=defence, stage="defence").exclude(due_date=None).exists()  # it runs
    client.force_login(users["applicant"])
    text = _defence_text(client, defence)
    assert text == "初步核实意见见上。您可以提交申辩意见及证据，也可以放弃申辩。", text
    assert "期限" not in text and not re.search(r"\d", text)


def test_confirmed_defence_limit_is_stated_with_its_unit_and_due_date(accepted, users, client):
    StageTimeLimit.objects.filter(version=accepted.policy_version, stage="defence").update(
        amount=7, unit=TimeUnit.CALENDAR_DAY, certainty=Certainty.VERBATIM, source="办法第八条")
    case = to_defence(accepted, users)
    due = Clock.objects.filter(case=case, stage="defence").exclude(due_date=None).latest("id").due_date
    client.force_login(users["applicant"])
    text = _defence_text(client, case)
    assert text == f"初步核实意见见上。您可以在7日（自然日）内（至{due:%Y-%m-%d}）提交申辩意见及证据，也可以放弃申辩。", text


def _ruled(case, users):
    services.case_defend(case=case, actor=users["applicant"], text="本人申辩如下。")
    vote_all(case, users)
    services.case_rule(case=case, actor=users["committee1"], result="exempt", reasons="符合容错条件。")
    case.refresh_from_db()
    return case


def test_review_window_only_as_the_version_states_it(accepted, users, client):
    case = _ruled(to_defence(accepted, users), users)
    client.force_login(users["applicant"])
    assert _review_text(client, case) == "可申请复核一次。"
    StageTimeLimit.objects.filter(version=case.policy_version, stage="review_request").update(
        certainty=Certainty.VERBATIM, source="办法第十条")
    limit = StageTimeLimit.objects.get(version=case.policy_version, stage="review_request")
    due = Clock.objects.filter(case=case, stage="review_request").exclude(due_date=None).latest("id").due_date
    unit = {"working_day": "个工作日", "calendar_day": "日（自然日）", "month": "个月"}[limit.unit]
    assert _review_text(client, case) == f"认定后可在{limit.amount}{unit}内（至{due:%Y-%m-%d}）申请复核一次。"
