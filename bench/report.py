"""The Markdown of a `python -m bench` run: its header, the table of targets,
and the pieces the scenarios' sections share (step tables, profiles, numbers)."""
import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

from bench.load import StepResult
from bench.pyspy import ThreadProfile

PACKAGES = ("Django", "channels", "channels-redis", "daphne", "redis", "Twisted", "websockets")


@dataclass
class TargetRow:
    """One line of the summary: a target of the issue, what this run measured,
    the bare consumer's figure beside it, and whether the target is met."""
    target: str
    measured: str
    bare: str
    ratio: str  # ours / bare, or "-" where the two are not comparable
    met: bool | None  # None: the row reports a figure the issue sets no target for
    where: str = ""  # where a missed target's profile is, e.g. "§ 2"

    def markdown(self) -> str:
        met = {True: "yes", False: f"**no**{f' ({self.where})' if self.where else ''}", None: "no target"}[self.met]
        return f"| {self.target} | {self.measured} | {self.bare} | {self.ratio} | {met} |"


@dataclass
class Profile:
    process: str  # which server process, as the report names it
    seconds: int
    during: str  # what the process was doing, e.g. "at 400 msg/s offered (the first rate it did not keep up with)"
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


def sustained_text(rate: int | None, rates: list[int]) -> str:
    """A highest sustained rate; "≥" when it is the top of the plan's rates, above which nothing was offered."""
    return "-" if rate is None else f"{'≥ ' if rate == rates[-1] else ''}{rate:,}"


def ratio(ours: float | None, bare: float | None) -> str:
    return "-" if not ours or not bare else f"{ours / bare:.2f}"


def targets_table(rows: list[TargetRow]) -> list[str]:
    return [
        "| target | measured | bare in the same run | ratio (ours / bare) | met? |",
        "|---|---|---|---:|---|",
        *(row.markdown() for row in rows),
    ]


def steps_table(servers: dict[str, list[StepResult]]) -> list[str]:
    lines = [
        "| server | offered msg/s | sent in | delivered | delivered msg/s | p50 ms | p95 ms | p99 ms "
        "| CPU % server / redis / generator / rest of machine | result |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, steps in servers.items():
        for step in steps:
            cpu = " / ".join(f"{step.cpu_percent[part]:.0f}" for part in ("server", "redis", "generator", "rest"))
            lines.append(
                f"| {name} | {step.offered_rate:,} | {step.send_seconds:.1f} s | {step.delivered:,}/{step.expected:,} "
                f"| {step.delivered_rate:,.0f} | {number(step.percentile(0.5))} | {number(step.percentile(0.95))} "
                f"| {number(step.percentile(0.99))} | {cpu} | {'; '.join(step.failures) or 'pass'} |"
            )
    return lines


def profile_lines(profiles: list[Profile]) -> list[str]:
    if not profiles:
        return ["No profile: py-spy is not installed (`.venv/bin/pip install py-spy`)."]
    lines = ["`py-spy record --threads --idle --nonblocking`. Shares are of wall time: inclusive = the function was "
             "on the thread's stack, top = it was the frame running (or waiting); thread start and event loop "
             "frames are left out.", ""]
    for profile in profiles:
        lines.append(f"**{profile.process}**, {profile.seconds} s {profile.during}:")
        lines.append("")
        for thread in profile.threads:
            lines.append(f"- **{thread.name}**")
            lines.append("  - inclusive: " + "; ".join(f"`{frame}` {share:.0f}%" for frame, share in thread.inclusive))
            lines.append("  - top: " + "; ".join(f"`{frame}` {share:.0f}%" for frame, share in thread.leaves))
        lines.append("")
    return lines


def database_engine() -> str:
    """What bench.servers.BenchEnvironment gives each scenario, as this run was started."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return "PostgreSQL (scripts/with-postgres: a private server, fsync off)"
    return "SQLite (WAL)"


def document(*, command: str, seconds: float, scenarios: list) -> str:
    """The whole report: when and on what, the targets table, then each scenario's
    section. `scenarios` are figures objects with `targets()` and `section()`."""
    lines = [
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}; code: {code_version()}.",
        "",
        f"Command: `{command}` ({f'{seconds / 60:.0f} min' if seconds >= 90 else f'{seconds:.0f} s'}).",
        "",
        f"Each scenario starts its own private Redis and a fresh {database_engine()} database, and stops them at "
        "the end. "
        "Every server is a daphne process on 127.0.0.1: ours is `contactcenter.serve`, bare is the Channels "
        "tutorial's chat consumer (bench/bare_app.py) on plain daphne, on the same Redis (RedisChannelLayer, "
        "capacity 1,000). The load generator is one asyncio process on the same machine. Every figure of bare "
        "comes from the same run as ours, so the ratios hold on a noisy machine where the absolute figures move.",
        "",
        "### Against the targets",
        "",
        *targets_table([row for scenario in scenarios for row in scenario.targets()]),
        "",
    ]
    for scenario in scenarios:
        lines += [scenario.section().rstrip(), ""]
    return "\n".join(lines)
