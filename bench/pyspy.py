"""Where a server process spends its time under load: py-spy samples, summarised per thread."""
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

SAMPLES_PER_SECOND = 100
# A thread that spent this share of its samples in one leaf frame was waiting
# (an idle executor thread, a timer): not worth a line of the report.
IDLE_LEAF_SHARE = 0.95
# Under every sample of their thread, so they say nothing about where its time goes.
WRAPPERS = {
    "Thread._bootstrap (threading.py)", "Thread._bootstrap_inner (threading.py)", "Thread.run (threading.py)",
    "_worker (concurrent/futures/thread.py)", "_WorkItem.run (concurrent/futures/thread.py)",
    "_run_module_as_main (<frozen runpy>)", "_run_code (<frozen runpy>)",
    "<module> (contactcenter/serve.py)", "main (contactcenter/serve.py)", "Server.run (daphne/server.py)",
    "<module> (bench/queue_worker.py)", "main (bench/queue_worker.py)",
    "AsyncioSelectorReactor.run (twisted/internet/asyncioreactor.py)",
    "BaseEventLoop.run_forever (asyncio/base_events.py)", "BaseEventLoop._run_once (asyncio/base_events.py)",
}
LINE_NUMBER = re.compile(r":\d+\)$")


def py_spy_path() -> str | None:
    beside_python = Path(sys.executable).parent / "py-spy"
    return str(beside_python) if beside_python.exists() else shutil.which("py-spy")


@dataclass
class ThreadProfile:
    name: str
    inclusive: list[tuple[str, float]]  # (function, % of wall time on the stack)
    leaves: list[tuple[str, float]]  # (function, % of wall time at the top of the stack)


class Recording:
    """`py-spy record` of one process for a fixed time, run beside the load."""

    def __init__(self, pid: int, seconds: int, output: Path):
        self.seconds = seconds
        self.output = output
        # --nonblocking: do not pause the server for each sample, so profiling barely slows it.
        # --idle: waits are sampled too, so shares are of wall time and a thread blocked on
        # another (the database thread waiting for the event loop) shows where it waits.
        self.popen = subprocess.Popen(
            [py_spy_path(), "record", "--pid", str(pid), "--duration", str(seconds),
             "--rate", str(SAMPLES_PER_SECOND), "--format", "raw", "--threads", "--idle", "--nonblocking",
             "--output", str(output)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )

    def threads(self, top: int = 12) -> list[ThreadProfile]:
        _, errors = self.popen.communicate(timeout=self.seconds + 60)
        if self.popen.returncode != 0:
            raise RuntimeError(f"py-spy failed: {errors.decode(errors='replace')}")
        return summarise(self.output.read_text(), top)


def summarise(raw: str, top: int) -> list[ThreadProfile]:
    """Per thread that did something: the functions its wall time went to, on the stack and on top."""
    stacks: dict[str, list[tuple[list[str], int]]] = defaultdict(list)
    # Lines end in "\n" only: a frame name read while the process ran on
    # (--nonblocking) can hold any byte, a "\r" included, which splitlines() splits on.
    for line in raw.split("\n"):
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue  # the empty last line, or a sample torn the same way
        thread, *frames = stack.split(";")
        # "thread (0x7f…): ThreadPoolExecutor-0_0" -> the name; ids differ per run.
        stacks[thread.split(": ", 1)[-1]].append(([LINE_NUMBER.sub(")", frame) for frame in frames], int(count)))
    profiles = []
    for name, samples in stacks.items():
        total = sum(count for _, count in samples)
        inclusive, leaves = Counter(), Counter()
        for frames, count in samples:
            for frame in set(frames) - WRAPPERS:
                inclusive[frame] += count
            leaves[frames[-1] if frames else "(no Python frame)"] += count
        if leaves.most_common(1)[0][1] >= IDLE_LEAF_SHARE * total:
            continue
        profiles.append(ThreadProfile(
            name=name,
            inclusive=[(frame, 100 * count / total) for frame, count in inclusive.most_common(top)],
            leaves=[(frame, 100 * count / total) for frame, count in leaves.most_common(top)],
        ))
    return profiles
