"""The Markdown of a chat_load run, and its own section of docs/benchmarks.md."""
import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

from bench.capacity import MemoryPoint
from bench.load import StepResult, sustained_rate
from bench.pyspy import ThreadProfile

SECTION_TITLE = "## Chat sockets (bench/chat_load.py)"
BEGIN = "<!-- bench/chat_load.py writes from here to the end marker on every full run -->"
END = "<!-- end of bench/chat_load.py output; notes below are kept -->"
TARGET_RATIO = 5
TARGET_KB_PER_SOCKET = 50
PACKAGES = ("Django", "channels", "channels-redis", "daphne", "redis", "Twisted", "websockets")


@dataclass
class ServerFigures:
    name: str
    steps: list[StepResult]
    memory: list[MemoryPoint]


@dataclass
class Profile:
    rate: int
    seconds: int
    threads: list[ThreadProfile]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    packages = ", ".join(f"{name} {version(name)}" for name in PACKAGES)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"nproc {os.cpu_count()} ({cpu}), Python {platform.python_version()}, {packages}; "
            f"load average before the run {load}")


def code_version() -> str:
    """The commit measured, and where the working tree differed from it (outside bench/ and docs/)."""
    def git(*args: str) -> list[str]:
        return subprocess.run(["git", *args], cwd=Path(__file__).resolve().parent.parent,
                              capture_output=True, text=True).stdout.split()

    outside = ["--", ".", ":(exclude)bench", ":(exclude)docs"]
    changed = git("diff", "--name-only", "HEAD", *outside) + git("ls-files", "--others", "--exclude-standard", *outside)
    version = f"commit {''.join(git('rev-parse', '--short', 'HEAD')) or 'unknown'}"
    if changed:
        places = sorted({path.split("/", 1)[0] + ("/" if "/" in path else "") for path in changed})
        version += f" with {len(changed)} uncommitted files in {', '.join(places)}"
    return version


def number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def ratio(ours: float | None, bare: float | None) -> str:
    return "-" if not ours or not bare else f"{ours / bare:.2f}"


def summary_table(bare: ServerFigures, ours: ServerFigures) -> list[str]:
    bare_rate, ours_rate = sustained_rate(bare.steps), sustained_rate(ours.steps)
    bare_kb = bare.memory[-1].per_socket_kb if bare.memory else None
    ours_kb = ours.memory[-1].per_socket_kb if ours.memory else None
    bare_most, ours_most = most_delivered(bare.steps), most_delivered(ours.steps)
    sockets = ours.memory[-1].target if ours.memory else 0
    return [
        "| | bare | ours | ours / bare | target |",
        "|---|---:|---:|---:|---|",
        f"| highest sustained rate, msg/s (p99 < 100 ms, all delivered) | {number(bare_rate, 0)} "
        f"| {number(ours_rate, 0)} | {ratio(ours_rate, bare_rate)} | ours / bare ≥ {TARGET_RATIO} |",
        f"| most delivered in a step, msg/s (latency aside) | {number(bare_most, 0)} | {number(ours_most, 0)} "
        f"| {ratio(ours_most, bare_most)} | |",
        f"| RSS per idle socket at {sockets:,} sockets, KB | {number(bare_kb)} | {number(ours_kb)} "
        f"| {ratio(ours_kb, bare_kb)} | ours ≤ {TARGET_KB_PER_SOCKET} KB |",
    ]


def most_delivered(steps: list[StepResult]) -> float | None:
    return max((step.delivered_rate for step in steps), default=None)


def steps_table(servers: list[ServerFigures]) -> list[str]:
    lines = [
        "| server | offered msg/s | sent in | delivered | delivered msg/s | p50 ms | p95 ms | p99 ms "
        "| CPU % server / redis / generator / rest of machine | result |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for server in servers:
        for step in server.steps:
            cpu = " / ".join(f"{step.cpu_percent[name]:.0f}" for name in ("server", "redis", "generator", "rest"))
            lines.append(
                f"| {server.name} | {step.offered_rate:,} | {step.send_seconds:.1f} s | {step.delivered:,}/{step.expected:,} "
                f"| {step.delivered_rate:,.0f} | {number(step.percentile(0.5))} | {number(step.percentile(0.95))} "
                f"| {number(step.percentile(0.99))} | {cpu} | {'; '.join(step.failures) or 'pass'} |"
            )
    return lines


def memory_table(servers: list[ServerFigures]) -> list[str]:
    lines = [
        "| server | idle sockets open | RSS MB | KB per socket | KB per socket, this step only "
        "| failed to open | closed by the server | heartbeats answered |",
        "|---|---:|---:|---:|---:|---|---|---:|",
    ]
    for server in servers:
        previous = None
        for point in server.memory:
            marginal = (None if previous is None or point.open == previous.open
                        else (point.rss_kb - previous.rss_kb) / (point.open - previous.open))
            lines.append(
                f"| {server.name} | {point.open:,} of {point.target:,} | {point.rss_kb / 1024:,.1f} "
                f"| {number(point.per_socket_kb)} | {number(marginal)} | {counts(point.failed)} | "
                f"{counts(point.closed, 'code ')} | {point.pings_answered:,} |"
            )
            previous = point
    return lines


def counts(counter, prefix: str = "") -> str:
    return ", ".join(f"{count} × {prefix}{key}" for key, count in counter.most_common()) or "0"


def profile_lines(profile: Profile | None) -> list[str]:
    if profile is None:
        return ["No profile: py-spy is not installed (`.venv/bin/pip install py-spy`)."]
    lines = [f"`py-spy record --threads --idle --nonblocking` of ours for {profile.seconds} s at "
             f"{profile.rate:,} msg/s offered (the first step it did not keep up with). Shares are of wall time: inclusive = "
             "the function was on the thread's stack, top = it was the frame running (or waiting); thread start "
             "and event loop frames are left out.", ""]
    for thread in profile.threads:
        lines.append(f"- **{thread.name}**")
        lines.append("  - inclusive: " + "; ".join(f"`{frame}` {share:.0f}%" for frame, share in thread.inclusive))
        lines.append("  - top: " + "; ".join(f"`{frame}` {share:.0f}%" for frame, share in thread.leaves))
    return lines


def render(*, command: str, setup: str, bare: ServerFigures, ours: ServerFigures, profile: Profile | None) -> str:
    lines = [
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}; code: {code_version()}.",
        "",
        f"Command: `{command}`",
        "",
        setup,
        "",
        *summary_table(bare, ours),
        "",
        "### Offered load, step by step",
        "",
        *steps_table([bare, ours]),
        "",
        "### Idle sockets",
        "",
        *memory_table([bare, ours]),
        "",
        "### Where ours spends its time",
        "",
        *profile_lines(profile),
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, generated: str) -> None:
    """Replace the generated part of our section (creating file or section), leaving everything else as it is."""
    block = f"{BEGIN}\n\n{generated}\n{END}\n"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == SECTION_TITLE), None)
    if start is None:
        path.write_text(text.rstrip("\n") + f"\n\n{SECTION_TITLE}\n\n{block}")
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    section = "".join(lines[start + 1:end])
    if BEGIN in section and END in section:
        intro, rest = section.split(BEGIN, 1)
        notes = rest.split(END, 1)[1]
    else:
        intro, notes = "", section  # written by hand so far: kept below the generated part
    parts = [part.strip() for part in (intro, block, notes) if part.strip()]
    tail = "".join(lines[end:])
    path.write_text("".join(lines[:start + 1]) + "\n" + "\n\n".join(parts) + "\n" + ("\n" + tail if tail else ""))
