"""Property-based fuzzing of the REST API against its own OpenAPI description.

Schemathesis generates requests for every operation of `/api/openapi.json` from a fixed
seed, sends them to a live test server with a coordinator's token, and checks that no
response is a server error or strays from what the schema promises. With CI=true at
least 1,000 cases run; locally CCHC_FUZZ_CASES (default 200) sets the total.
"""

from __future__ import annotations

import math
import os
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cchc.accounts.models import ApiToken, User
from cchc.agencies.models import Agency
from cchc.api.views import api
from cchc.plans.cascade import plan_derive
from cchc.plans.models import Plan

CI = os.environ.get("CI", "").lower() == "true"
TOTAL_CASES = max(
    int(os.environ.get("CCHC_FUZZ_CASES", "1000" if CI else "200")), 1000 if CI else 1
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _operations(real_ids: dict[str, int]) -> list[Any]:
    """Every operation; path ids of real objects are given as examples, so that each
    operation is also tried on data that exists, not only on ids that 404."""
    raw = api.get_openapi_schema()
    for item in raw["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter["name"] in real_ids:
                    parameter["schema"]["examples"] = [real_ids[parameter["name"]]]
    schema = schemathesis.openapi.from_dict(raw)
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(operation: Any, examples: int, send: Any) -> None:
    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        send(case)

    run()


def test_it_fuzzes_every_api_operation_without_a_server_error_or_a_schema_violation(
    live_server: Any, agencies: dict[str, Agency], personas: dict[str, User], plan: Plan
) -> None:
    _token, key = ApiToken.issue(user=personas["coordinator"], name="schemathesis")
    activity = plan.activities.order_by("pk").first()
    assert activity is not None
    own = plan_derive(parent=plan, agency=agencies["a"], actor=personas["coordinator"]).plan
    operations = _operations(
        {
            "plan_id": plan.pk,
            "agency_id": agencies["a"].pk,
            "activity_id": activity.pk,
            "agency_plan_id": own.pk,
            "agency_activity_id": own.activities.order_by("pk").first().pk,
        }
    )
    assert operations, "the OpenAPI schema lists no operation"
    per_operation = math.ceil(TOTAL_CASES / len(operations))
    base_url = live_server.url
    headers = {"Authorization": f"Bearer {key}"}
    session = requests.Session()
    sent: dict[str, int] = {}
    failures: list[str] = []

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"

        def send(case: Any, label: str = label) -> None:
            sent[label] = sent.get(label, 0) + 1
            case.call_and_validate(
                base_url=base_url, session=session, headers=headers, checks=CHECKS
            )

        try:
            _fuzz(operation, per_operation, send)
        except (Exception, BaseExceptionGroup) as error:
            failures.append(f"{label}:\n{error}")

    assert not failures, "\n\n".join(failures)
    total = sum(sent.values())
    # Hypothesis stops early when an operation has few distinct inputs; the others make
    # up the budget, and CI insists on the full thousand.
    assert total >= (1000 if CI else TOTAL_CASES // 2), f"only {total} cases ran: {sent}"
    print(f"schemathesis: {total} cases over {len(operations)} operations: {sent}")


def test_the_schema_it_fuzzes_is_the_one_the_api_serves(client: Any) -> None:
    served = client.get("/api/openapi.json")
    assert served.status_code == 200
    assert served.json()["paths"].keys() == api.get_openapi_schema()["paths"].keys()
