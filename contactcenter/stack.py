"""`make run`: the whole product in the foreground.

Starts a private Redis when REDIS_URL is unset, migrates, creates the demo
data on first run, then runs WORKERS daphne processes sharing PORT, one Celery
worker and exactly one Celery beat, with their output prefixed and
interleaved. Ctrl-C or SIGTERM stops them all (daphne drains its sockets
first) and then Redis.
"""
import os
import signal
import subprocess
import sys
import threading

from contactcenter.private_redis import PrivateRedis

STOP_GRACE_SECONDS = 20


def _pump(name: str, stream) -> None:
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{name:<7}| {line.decode(errors='replace')}")
        sys.stdout.flush()


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], check=True)


def main() -> int:
    port = int(os.environ.get("PORT", 8000))
    workers = int(os.environ.get("WORKERS", 1))
    redis = None
    if not os.environ.get("REDIS_URL"):
        redis = PrivateRedis(port=int(os.environ.get("REDIS_PORT", 0)) or None).start()
        os.environ["REDIS_URL"] = redis.url
        print(f"stack  | private Redis at {redis.url}")

    children: dict[str, subprocess.Popen] = {}
    stopping = threading.Event()

    def stop(*_):
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        _manage("migrate", "--noinput", "-v", "0")
        _manage("collectstatic", "--noinput", "-v", "0")
        _manage("seed_demo")
        commands = {
            **{f"web{n + 1}": [sys.executable, "-m", "contactcenter.serve", "--port", str(port)] for n in range(workers)},
            "worker": [sys.executable, "-m", "celery", "-A", "contactcenter", "worker", "-l", "info", "--concurrency", "2"],
            "beat": [sys.executable, "-m", "celery", "-A", "contactcenter", "beat", "-l", "info"],
        }
        for name, command in commands.items():
            # A session of their own: Ctrl-C reaches only this process, which
            # then stops the children in order.
            child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
            children[name] = child
            threading.Thread(target=_pump, args=(name, child.stdout), daemon=True).start()
        print(f"stack  | http://127.0.0.1:{port}/ (admin at /admin/, health at /healthz); Ctrl-C stops")
        while not stopping.wait(0.5):
            exited = [name for name, child in children.items() if child.poll() is not None]
            if exited:
                print(f"stack  | {', '.join(exited)} exited; stopping everything", flush=True)
                return 1
        return 0
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for name, child in children.items():
            try:
                child.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                print(f"stack  | {name} did not stop in {STOP_GRACE_SECONDS}s; killing", flush=True)
                child.kill()
                child.wait()
        if redis:
            redis.stop()
        print("stack  | stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
