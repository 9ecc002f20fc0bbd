import pytest

from tests.processes import CeleryWorker, Daphne


@pytest.fixture
def log_dir(tmp_path):
    return tmp_path


@pytest.fixture
def start_daphne(django_db_setup, tmp_path):
    """Start daphne processes on the test database; each is stopped after the test."""
    started = []

    def start(**settings_env) -> Daphne:
        server = Daphne(tmp_path, **settings_env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def celery_worker_process(django_db_setup, tmp_path):
    worker = CeleryWorker(tmp_path)
    yield worker
    worker.stop()
