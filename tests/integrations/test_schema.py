"""The OpenAPI schema: generated without a warning, documented at /api/docs/
with assets the product serves itself, and honoured by a live server."""
import subprocess
import sys

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from integrations.scopes import Scope
from integrations.tokens import api_token_create
from queueing.models import Queue
from tests.processes import BASE_DIR, process_env

SIDECAR_SWAGGER = "/static/drf_spectacular_sidecar/swagger-ui-dist/"
# Bounds the whole run (16 operations) to well under two minutes.
EXAMPLES_PER_OPERATION = 25


def test_the_schema_validates_without_a_warning(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml")],
        cwd=BASE_DIR, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_the_schema_names_every_operation_and_the_authentication_schemes(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    assert set(schema["components"]["securitySchemes"]) >= {"apiToken", "guestToken"}
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http", "scheme": "bearer",
        "description": "An API token created by staff in the admin: `Bearer <key>`, limited to its scopes.",
    }
    assert len([op for path in schema["paths"].values() for op in path]) == 16


@pytest.mark.django_db
def test_the_docs_page_uses_no_cdn(client):
    page = client.get("/api/docs/").content.decode()
    assert SIDECAR_SWAGGER + "swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()


@pytest.mark.django_db(transaction=True)
def test_the_docs_assets_are_served_by_the_product(start_daphne, tmp_path):
    # The static files of a release, collected as `make run` does, into this test's own VAR_DIR.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=BASE_DIR,
                   env=process_env(VAR_DIR=tmp_path), check=True, timeout=120)
    server = start_daphne(VAR_DIR=tmp_path)
    status, page = server.get("/api/docs/")
    assert status == 200
    status, script = server.get(SIDECAR_SWAGGER + "swagger-ui-bundle.js")
    assert status == 200 and "SwaggerUIBundle" in script


@pytest.mark.django_db(transaction=True)
def test_no_operation_answers_with_a_server_error(start_daphne, admin_user):
    Queue.objects.create(name="support", display_name="Support")
    _, key = api_token_create(name="schemathesis", owner=admin_user, scopes=Scope.values)
    # Hundreds of requests in a few seconds: above the production rate on purpose.
    server = start_daphne(INTEGRATIONS_TOKEN_RATE="100000/minute")
    auth = {"Authorization": f"Bearer {key}"}
    schema = schemathesis.openapi.from_url(f"{server.http_url}/api/v1/schema/", headers=auth, timeout=10)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 16

    for operation in operations:
        @given(case=operation.as_strategy())
        @hypothesis_settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                             phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def no_server_error(case):
            case.call_and_validate(base_url=server.http_url, headers=auth, checks=[not_a_server_error], timeout=10)

        no_server_error()
