"""Real processes for end-to-end tests: daphne (contactcenter.serve) and a Celery
worker, sharing the test database and the run's Redis."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connection

from contactcenter.private_redis import free_port

BASE_DIR = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The URL of the test database, for processes that must share it."""
    settings_dict = connection.settings_dict
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    return (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD']}@{settings_dict['HOST'] or 'localhost'}"
        f":{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )


def process_env(**overrides) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1"}
    # The servers must keep Django's guard against sync ORM calls in async code.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update({key: str(value) for key, value in overrides.items()})
    return env


class Process:
    def __init__(self, name: str, command: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def signal(self, signum: int) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signum)

    def wait(self, timeout: float = 20) -> int:
        return self.popen.wait(timeout=timeout)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.log.close()


class Daphne(Process):
    def __init__(self, log_dir: Path, port: int | None = None, **settings_env):
        self.port = port or free_port()
        super().__init__(
            f"daphne-{self.port}",
            [sys.executable, "-m", "contactcenter.serve", "--port", str(self.port)],
            process_env(**settings_env),
            log_dir,
        )
        self.wait_listening()

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def wait_listening(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"daphne exited early:\n{self.output()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"daphne did not listen on {self.port}:\n{self.output()}")

    def get(self, path: str, headers: dict | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.http_url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def get_json(self, path: str, headers: dict | None = None) -> tuple[int, dict]:
        status, body = self.get(path, headers)
        return status, json.loads(body)

    def metric(self, name: str) -> float:
        """One unlabelled sample of this process's /metrics."""
        _, body = self.get("/metrics")
        for line in body.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise KeyError(name)


class CeleryWorker(Process):
    def __init__(self, log_dir: Path, **settings_env):
        super().__init__(
            "celery-worker",
            [sys.executable, "-m", "celery", "-A", "contactcenter", "worker", "--pool", "solo",
             "--loglevel", "info", "--without-mingle", "--without-gossip"],
            process_env(**settings_env),
            log_dir,
        )
        deadline = time.monotonic() + 60
        while "ready." not in self.output():
            if self.popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"celery worker did not start:\n{self.output()}")
            time.sleep(0.2)
