"""The case page, with every app's panel, reads a fixed number of queries
however long the case's record grows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services as case_services
from cases.demo import build_demo_cases
from tests.cases.conftest import pdf

pytestmark = pytest.mark.django_db


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("username", ["admin", "inspector1", "applicant"])
def test_ruled_case_page_queries_do_not_grow(client, world, username):
    """Adding files and history to a ruled case does not add queries to its page."""
    case = {c.stage: c for c in build_demo_cases(world)}["ruled"]
    client.force_login(world["users"][username])
    url = f"/cases/{case.pk}/"
    client.get(url)
    before = _count(client, url)
    draft = case_services.case_create(actor=world["users"]["applicant"], title="另一申请")
    for i in range(4):
        case_services.attachment_add(case=draft, actor=world["users"]["applicant"], file=pdf(f"f{i}.pdf"))
    from cases.models import Attachment, CaseEvent

    Attachment.objects.filter(case=draft).update(case=case)
    # History takes no UPDATE: the same events written on the case itself.
    for event in CaseEvent.objects.filter(case=draft):
        case_services.case_event_record(case=case, kind=event.kind, actor=event.actor,
                                        from_stage=event.from_stage, to_stage=event.to_stage)
    after = _count(client, url)
    assert after == before
