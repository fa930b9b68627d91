"""Schemathesis against the live test server, once per role (issue 15):
every request valid by /api/schema/ is accepted or refused with a
documented status, every invalid one is refused, and every answer matches
the schema. Real HTTP: the schema is loaded from the server's URL and each
request goes through the whole stack (middleware, authentication, the
threaded WSGI server), committed in the test database.

Bounded (``EXAMPLES`` per operation, mode and object, fixed seed, no
shrinking) so that the roles together stay within about two minutes on two
cores. The world (tests.core.fuzz_world) has a case in every stage, so a
staff role's writes meet cases where its steps are possible: a step's
endpoint is called on the cases whose stage allows it, other case
endpoints on cases of different stages; the path ids of one request belong
together (a case's own attachment and clock). Whatever another app adds to
the schema is fuzzed too: operations are read off /api/schema/."""

import collections
import time

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from accounts.models import Membership
from careers.models import FollowUp, ResultUse
from core.steps import steps_of
from letters.models import Letter
from notifications.models import Notification
from policies.models import PolicyVersion
from publication.models import Publication

from .fuzz_world import build_fuzz_prefiling, build_fuzz_world, known_ids

pytestmark = pytest.mark.django_db(transaction=True)

# Examples per operation, mode and object: bounded for time (see above).
EXAMPLES = {"positive": 2, "negative": 1}
SEED = 15
# Four case roles over every operation; the two administrator duties that
# write through the directory over the directory and account operations
# only (every case operation is a 404 for them, which the case roles'
# runs with drawn ids already cover). Each role gets a fresh world.
ROLES = ["applicant", "inspector1", "committee1", "admin", "sysadmin", "secadmin"]
DUTY_ROLES = {"sysadmin", "secadmin"}
DUTY_PATHS = ("/api/v1/directory/", "/api/v1/me/", "/api/v1/auth/")
# How many cases a case endpoint is called on: a step's on the first cases
# whose stage allows it, any other on cases of different stages.
CASES_PER_OPERATION = 1
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


def _first(model_qs):
    return model_qs.order_by("pk").values_list("pk", flat=True).first()


def _global_ids(users, role, prefiling) -> dict:
    """Ids of objects that are not a case's: the role's own notification,
    a letter, a result use, a follow-up, the pre-filing, a policy version,
    a person of the directory other than the caller and his role."""
    target = users["inspector2"]
    ids = {
        "letter_id": _first(Letter.objects.all()),
        "use_id": _first(ResultUse.objects.all()),
        "followup_id": _first(FollowUp.objects.all()),
        "notification_id": _first(Notification.objects.filter(recipient=users[role])),
        "version_id": _first(PolicyVersion.objects.all()),
        "prefiling_id": prefiling.pk if prefiling else None,
        "user_id": target.pk,
        # careers' cadre record: the cadre of every case of the world.
        "cadre_id": users["applicant"].pk,
        "membership_id": _first(Membership.objects.filter(user=target)),
        "slug": Publication.objects.exclude(slug="").values_list("slug", flat=True).first(),
    }
    return {k: v for k, v in ids.items() if v}


def _variants(operation, cases, global_ids, index):
    """(mode, path ids) pairs to run ``operation`` with."""
    names = [p.name for p in operation.path_parameters]
    has_input = bool(operation.body) or bool(operation.query)
    if not names:
        return [(GenerationMode.POSITIVE, None)] + ([(GenerationMode.NEGATIVE, None)] if has_input else [])
    if "case_id" in names:
        step = steps_of("case").get(operation.path.rstrip("/").rsplit("/", 1)[-1])
        stages = list(cases)
        if step is not None and operation.method.upper() == "POST":
            legal = [s for s in stages if s in step.stages] or stages[:1]
            chosen = [legal[(index + k) % len(legal)] for k in range(min(CASES_PER_OPERATION, len(legal)))]
        else:
            # Spread over the flow: the n-th operation meets other stages
            # than the one before it.
            chosen = [stages[(index + k * 5) % len(stages)] for k in range(CASES_PER_OPERATION)]
        id_sets = [{**global_ids, **known_ids(cases[s])} for s in chosen]
    else:
        id_sets = [global_ids]
    out = []
    for ids in id_sets:
        path_ids = {name: ids[name] for name in names if name in ids}
        if len(path_ids) < len(names):
            # An object the world has none of: drawn ids only.
            out.append((GenerationMode.POSITIVE, None))
            out.append((GenerationMode.NEGATIVE, None))
            break
        out.append((GenerationMode.POSITIVE, path_ids))
        if has_input:
            out.append((GenerationMode.NEGATIVE, path_ids))
    # Drawn ids too (not ids, other objects: the JSON 404), once.
    out.append((GenerationMode.NEGATIVE, None))
    return out


def _describe(operation, mode, exc) -> str:
    """One line per failure: the check, the answer and the curl to replay."""
    parts = exc.exceptions if isinstance(exc, BaseExceptionGroup) else [exc]
    titles = "; ".join(f"{getattr(p, 'title', type(p).__name__)}: {getattr(p, 'message', str(p))[:200]}"
                       for p in parts)
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    body = next((line for line in lines if line.startswith("`")), "")[:300]
    curl = next((line for line in lines if line.startswith("curl ")), "")[:400]
    return f"{operation.label} [{mode.value}] {titles} | {body} | {curl}".replace("\n", " ")


def _run(schema, token, cases, global_ids, paths=None):
    headers = {"Authorization": f"Token {token.key}"}
    stats = collections.Counter()
    failures = []
    for index, result in enumerate(schema.get_all_operations()):
        operation = result.ok()
        if paths is not None and not operation.path.startswith(paths):
            continue
        stats["operations"] += 1
        for mode, ids in _variants(operation, cases, global_ids, index):
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=ids)

            @hypothesis.seed(SEED)
            @hypothesis.settings(max_examples=EXAMPLES[mode.value], phases=[Phase.explicit, Phase.generate],
                                 database=None, deadline=None, suppress_health_check=list(HealthCheck),
                                 print_blob=False)
            @hypothesis.given(case=strategy)
            def check(case):
                stats["requests"] += 1
                # POST auth/token/revoke/ deletes the caller's token.
                Token.objects.get_or_create(key=token.key, defaults={"user": token.user})
                try:
                    response = case.call_and_validate(headers=headers, timeout=60)
                    stats[response.status_code] += 1
                except (AssertionError, BaseExceptionGroup) as exc:
                    stats["failed"] += 1
                    failures.append(_describe(operation, mode, exc))

            try:
                check()
            except hypothesis.errors.Unsatisfiable:
                stats["unsatisfiable"] += 1
    return stats, failures


@pytest.mark.parametrize("role", ROLES)
def test_the_live_api_keeps_its_schema_for(role, world, users, live_server):
    started = time.monotonic()
    cases = build_fuzz_world(users)
    prefiling = build_fuzz_prefiling(world)
    global_ids = _global_ids(users, role, prefiling)
    built = time.monotonic() - started
    token = Token.objects.create(user=users[role])
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json",
                                           headers={"Authorization": f"Token {token.key}"}, config=CONFIG)
    duty = role in DUTY_ROLES
    stats, failures = _run(schema, token, cases, global_ids, paths=DUTY_PATHS if duty else None)
    elapsed = time.monotonic() - started
    statuses = {k: v for k, v in sorted(stats.items(), key=str) if isinstance(k, int)}
    print(f"{role}: {stats['operations']} operations, {stats['requests']} requests, {len(failures)} failures "
          f"in {elapsed:.1f} s (world {built:.1f} s); statuses {statuses}")
    assert stats["operations"] > (10 if duty else 100) and stats["requests"] > 3 * stats["operations"]
    assert failures == [], "\n".join(failures)
