"""The processes of one benchmark run, all on 127.0.0.1 and all stopped at the end:
a private Redis, a fresh database (SQLite, or PostgreSQL on the server DATABASE_URL
names), and daphne serving either the product (`contactcenter.serve`) or the bare
baseline (`bench.bare_app`)."""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from contactcenter.private_redis import PrivateRedis, free_port

BASE_DIR = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        # The command name (field 2) may hold spaces; utime and stime follow it as fields 14 and 15.
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU time all cores of the machine have spent busy since boot."""
    with open("/proc/stat") as stat:
        user, nice, system, idle, iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


class Server:
    def __init__(self, name: str, command: list[str], env: dict, port: int, log_dir: Path):
        self.name = name
        self.port = port
        self.log_path = log_dir / f"{name}-{port}.log"
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        self._wait_listening()

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def rss_kb(self) -> int:
        return rss_kb(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_listening(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not listen on {self.port}:\n{self.log_text()}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


class BenchEnvironment:
    """Redis, database and servers of one run; a context manager that cleans all up."""

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="cc-bench-"))
        self.redis = PrivateRedis()
        self.servers: list[Server] = []
        # Shared by every process on the product's database: guest tokens and
        # sessions made by bench.seed must verify in the servers.
        self.secret_key = secrets.token_urlsafe(50)
        self.layer_prefix = f"bench-{secrets.token_hex(4)}"

    def __enter__(self) -> "BenchEnvironment":
        try:
            self.database_url = self._fresh_database()
            self.redis.start()
            # --skip-checks: the checks import every URLconf, and a half-edited app
            # elsewhere in a shared working tree must not stop a socket benchmark.
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "--skip-checks"],
                cwd=BASE_DIR, env=self.ours_env(), check=True, stdout=subprocess.DEVNULL,
            )
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        for server in self.servers:
            server.stop()
        self.redis.stop()
        if getattr(self, "database_url", "").startswith("postgres"):
            _postgres_execute(os.environ["DATABASE_URL"], f'DROP DATABASE IF EXISTS "{self._database_name}" WITH (FORCE)')
        if exc_type is None:
            shutil.rmtree(self.directory, ignore_errors=True)
        else:
            print(f"server logs kept in {self.directory}", file=sys.stderr)

    def _fresh_database(self) -> str:
        """A new PostgreSQL database on the server DATABASE_URL names (as `scripts/with-postgres`
        sets it), else a new SQLite file: SQLite lets one process write at a time, so
        processes that all write (bench: two-processes) wait on each other's locks."""
        server_url = os.environ.get("DATABASE_URL", "")
        if not server_url.startswith("postgres"):
            return f"sqlite:///{self.directory / 'bench.sqlite3'}"
        self._database_name = f"bench_{secrets.token_hex(4)}"
        _postgres_execute(server_url, f'CREATE DATABASE "{self._database_name}"')
        return f"{server_url.rsplit('/', 1)[0]}/{self._database_name}"

    def ours_env(self, **settings_env) -> dict:
        """The environment of a process on the product's database, Redis and secret key."""
        return {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis.url,
            "CHANNEL_LAYER_PREFIX": f"{self.layer_prefix}-ours",
            # Keep var/ of the working tree untouched.
            "VAR_DIR": str(self.directory / "var"),
            "SECRET_KEY": self.secret_key,
            **{key: str(value) for key, value in settings_env.items()},
        }

    def ours(self, **settings_env) -> Server:
        """One `contactcenter.serve` process; settings_env overrides settings by environment variable."""
        port = free_port()
        server = Server("ours", [sys.executable, "-m", "contactcenter.serve", "--port", str(port)],
                        self.ours_env(**settings_env), port, self.directory)
        self.servers.append(server)
        return server

    def run_script(self, module: str, *args: str) -> str:
        """`python -m module args` with the product's environment; returns what it printed."""
        return subprocess.run([sys.executable, "-m", module, *args], cwd=BASE_DIR, env=self.ours_env(),
                              check=True, stdout=subprocess.PIPE, text=True).stdout

    def seed_rooms(self, count: int) -> list[dict]:
        """Active guest-staff conversations in the product's database (bench.seed)."""
        return json.loads(self.run_script("bench.seed", str(count)))

    @property
    def bare_layer_prefix(self) -> str:
        return f"{self.layer_prefix}-bare"

    def bare(self, app: str = "bench.bare_app:application") -> Server:
        """Plain daphne serving the tutorial consumer of bench.bare_app (or another app: bench.memory_app)."""
        port = free_port()
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "REDIS_URL": self.redis.url,
               "CHANNEL_LAYER_PREFIX": self.bare_layer_prefix}
        daphne = str(Path(sys.executable).parent / "daphne")
        server = Server("bare", [daphne, "-b", "127.0.0.1", "-p", str(port), "-v", "0", app],
                        env, port, self.directory)
        self.servers.append(server)
        return server

    def stop(self, server: Server) -> None:
        server.stop()
        self.servers.remove(server)


def _postgres_execute(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)
