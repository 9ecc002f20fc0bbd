"""Every benchmark of the chat sockets and the queue, each beside the bare Channels consumer:

    .venv/bin/python -m bench [--quick] [--only SCENARIO]

Scenarios, in order (each starts and stops its own Redis, database and daphne processes):

- capacity: idle guest sockets on one process, heartbeats on, and memory per socket (bench/capacity.py);
- chat: one-to-one conversations on one process at rising rates (bench/chat_load.py);
- two-processes: the same with guest and agent on different processes, against one (bench/two_processes.py);
- resume: 1,000 guests reconnecting at once, each resuming 50 missed messages (bench/storm.py);
- queue: 5,000 waiting reservations, a recompute tick and the head-matched fan-out (bench/queue_tick.py).

Prints a Markdown report: a table of the issue's targets, then each scenario's
figures. A full run of every scenario (about 25 minutes) also writes it into
docs/benchmarks.md, between markers, keeping the notes written around it.
--quick runs smaller, shorter steps for a smoke test and --only one scenario;
neither writes the docs, so the figures there always come from one whole run.
"""
import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from typing import Awaitable, Callable

from bench import capacity, chat_load, queue_tick, storm, two_processes
from bench.docs import DOCS, write_generated
from bench.report import document


@dataclass(frozen=True)
class Scenario:
    name: str
    full: object  # the plan of a full run
    quick: object
    measure: Callable[[object], Awaitable]  # plan -> figures with targets() and section()


SCENARIOS = [
    Scenario("capacity", chat_load.FULL, chat_load.QUICK, capacity.measure),
    Scenario("chat", chat_load.FULL, chat_load.QUICK, chat_load.measure),
    Scenario("two-processes", two_processes.FULL, two_processes.QUICK, two_processes.measure),
    Scenario("resume", storm.FULL, storm.QUICK, storm.measure),
    Scenario("queue", queue_tick.FULL, queue_tick.QUICK, queue_tick.measure),
]


async def run(scenarios: list[Scenario], quick: bool) -> list:
    figures = []
    for scenario in scenarios:
        print(f"== {scenario.name}", file=sys.stderr, flush=True)
        figures.append(await scenario.measure(scenario.quick if quick else scenario.full))
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short smoke run; docs/benchmarks.md is not written")
    parser.add_argument("--only", choices=[scenario.name for scenario in SCENARIOS],
                        help="run this scenario alone; docs/benchmarks.md is not written")
    args = parser.parse_args(argv)
    chat_load.raise_open_files_limit()
    scenarios = [scenario for scenario in SCENARIOS if args.only in (None, scenario.name)]
    command = " ".join([".venv/bin/python -m bench", *(["--quick"] if args.quick else []),
                        *([f"--only {args.only}"] if args.only else [])])
    started = time.monotonic()
    figures = asyncio.run(run(scenarios, args.quick))
    report = document(command=command, seconds=time.monotonic() - started, scenarios=figures)
    print(report)
    if not args.quick and not args.only:
        write_generated(report)
        print(f"written to {DOCS}", file=sys.stderr)


if __name__ == "__main__":
    main()
