"""Schemathesis over the OpenAPI schema (/api/schema/) against a live daphne.

Every operation gets generated requests, valid (positive) and invalid
(negative), sent as three callers: a real token of the scope it wants, a
logged-in user's browser session (cookie + CSRF token) and a staff member's
session (the staff-only paths). No answer may be a 5xx, and every answer must
match what the schema documents for it (body shape and content type). Failures are collected for all operations, each with a
curl command to replay it, then reported together. Bounded: a fixed number of
examples per operation and mode, no deadline (the machine is shared).

Driven through Hypothesis directly (operation.as_strategy()): schemathesis's
lazy pytest loader does not run under pytest 9.
"""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.session_auth import session_headers, wanted_credentials

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("JOBELIX_SCHEMATHESIS_EXAMPLES", "10"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.mark.parametrize("caller", ["token", "session", "staff_session"])
def test_no_server_errors_and_responses_match_the_schema(start_daphne, make_user, make_token, caller):
    # Rates far above what the fuzzing sends: this test is about answers, not throttling.
    server = start_daphne(**{f"THROTTLE_{name}_RATE": "100000/min" for name in ("WRITE", "USER_WRITE", "HEARTBEAT",
                                                                                 "PROGRESS")})
    user = make_user("fuzzer", staff=caller == "staff_session")
    session = session_headers(user)
    if caller == "token":
        credentials = {"bot": {"Authorization": f"Bearer {make_token(user, 'bot')}"},
                       "worker": {"Authorization": f"Bearer {make_token(user, 'worker')}"},
                       "session": session}
    else:  # a browser: the session, whatever the view would also accept
        credentials = dict.fromkeys(("bot", "worker", "session"), session)
    schema = schemathesis.openapi.from_url(f"{server.url}/api/schema/")
    failures, operations, calls = [], 0, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        # The credentials the operation's view names (token_scopes), else a logged-in session.
        headers = credentials[wanted_credentials(operation.path, operation.method)]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            seen = {}

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                      derandomize=True, database=None)
            def exercise(case):
                nonlocal calls
                calls += 1
                seen["case"] = case  # noqa: B023 - runs within this iteration
                case.call_and_validate(base_url=server.url, headers=headers, checks=CHECKS, timeout=30)  # noqa: B023

            try:
                exercise()
            except (Exception, BaseExceptionGroup) as exc:  # a report for every operation, not the first only
                case = seen.get("case")
                curl = case.as_curl_command(headers=headers) if case is not None else "?"
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): "
                                f"{str(exc).strip()[:1500]}\n    replay: {curl}")
    print(f"\n[reliability] schemathesis as {caller}: {operations} operations, {calls} calls, {len(failures)} failing")
    assert operations > 5, "the schema lists too few operations: is /api/schema/ complete?"
    assert not failures, f"{len(failures)} failing operation(s) after {calls} calls:\n\n" + "\n\n".join(failures)
