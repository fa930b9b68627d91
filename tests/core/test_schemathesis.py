"""Schemathesis against the API, once per role (issue 15): every request
valid by /api/schema/ is accepted or refused with a documented status,
every invalid one is refused, and every answer matches the schema.

Bounded (``EXAMPLES`` per operation and mode, fixed seed, no shrinking) so
that the four roles together stay well under 90 s. The app is called in
process (WSGI), inside the test's transaction: what the fuzzer writes is
rolled back with it. Path ids are drawn from the real objects the role may
reach as well as at random, so that the writes meet real state, not only
404s."""

import collections
import time

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from cases import services
from tests.cases.conftest import fill_draft

pytestmark = pytest.mark.django_db

# Examples per operation and mode: bounded so that the four roles take
# about a minute of CPU together.
EXAMPLES = {"positive": 2, "negative": 1}
SEED = 15
ROLES = ["applicant", "inspector1", "committee1", "admin"]
# Every check on, with schemathesis' default statuses, and 422 beside them
# for valid data: the status the API gives input that matches the schema
# but breaks a rule the schema cannot state (core.exceptions), documented
# on each operation that reads input.
CONFIG = SchemathesisConfig.from_dict({
    "seed": SEED,
    "checks": {
        "enabled": True,
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"],
        },
    },
})


@pytest.fixture
def wsgi_app():
    """Django's WSGI app inside the test's transaction: like the test
    client, it must not close the connection at the end of a request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(world, users):
    """A case at each end of the flow, so the writes meet real stages."""
    draft = services.case_create(actor=users["applicant"], title="校舍改造项目程序瑕疵申请容错")
    fill_draft(draft, users["applicant"])
    return {"case_id": draft.pk, "attachment_id": draft.attachments.get().pk}


def _describe(operation, mode, exc) -> str:
    """One line per failure: the check, the answer and the curl to replay."""
    parts = exc.exceptions if isinstance(exc, BaseExceptionGroup) else [exc]
    titles = "; ".join(f"{getattr(p, 'title', type(p).__name__)}: {getattr(p, 'message', str(p))[:200]}"
                       for p in parts)
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    body = next((line for line in lines if line.startswith("`")), "")[:300]
    curl = next((line for line in lines if line.startswith("curl ")), "")[:400]
    return f"{operation.label} [{mode.value}] {titles} | {body} | {curl}".replace("\n", " ")


def _run(schema, token, known_ids):
    headers = {"Authorization": f"Token {token.key}"}
    stats = collections.Counter()
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        path_ids = {name: known_ids[name] for name in
                    (p.name for p in operation.path_parameters) if name in known_ids}
        has_input = bool(operation.body) or bool(operation.query)
        # Real ids where the role has objects to meet (a drawn id is a 404
        # before any input is read); drawn ones elsewhere.
        if path_ids:
            variants = [(GenerationMode.POSITIVE, path_ids)]
            if has_input:
                variants.append((GenerationMode.NEGATIVE, path_ids))
        else:
            variants = [(GenerationMode.POSITIVE, None)]
            if has_input or operation.path_parameters:
                variants.append((GenerationMode.NEGATIVE, None))
        stats["operations"] += 1
        for mode, ids in variants:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=ids)

            @hypothesis.seed(SEED)
            @hypothesis.settings(max_examples=EXAMPLES[mode.value], phases=[Phase.explicit, Phase.generate], database=None,
                                 deadline=None, suppress_health_check=list(HealthCheck), print_blob=False)
            @hypothesis.given(case=strategy)
            def check(case):
                stats["requests"] += 1
                # POST auth/token/revoke/ deletes the caller's token.
                Token.objects.get_or_create(key=token.key, defaults={"user": token.user})
                try:
                    case.call_and_validate(headers=headers)
                except (AssertionError, BaseExceptionGroup) as exc:
                    failures.append(_describe(operation, mode, exc))

            try:
                check()
            except hypothesis.errors.Unsatisfiable:
                stats["unsatisfiable"] += 1
    return stats, failures


@pytest.mark.parametrize("role", ROLES)
def test_the_api_keeps_its_schema_for(role, users, fuzz_world, wsgi_app):
    token = Token.objects.create(user=users[role])
    headers = {"Authorization": f"Token {token.key}"}
    started = time.monotonic()
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, headers=headers, config=CONFIG)
    stats, failures = _run(schema, token, fuzz_world)
    elapsed = time.monotonic() - started
    print(f"{role}: {stats['operations']} operations, {stats['requests']} requests, "
          f"{len(failures)} failures in {elapsed:.1f} s")
    assert failures == [], "\n".join(failures)
