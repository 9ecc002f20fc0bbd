"""The queue of 5,000 (scenario 4 of `python -m bench`): how long the product
takes to keep a long line of waiting customers told.

One queue holds WAITING reservations, and every waiting customer's guest
socket is open on one process of ours. A separate process (bench/queue_worker.py)
runs the steps with the real services and channel layer:

1. the first estimate-recompute tick, which tells every customer (none had been told anything);
2. a steady tick, where nothing moved enough to be published (target: under 200 ms);
3. the head matched: an agent becomes available, routing offers the head, and
   everyone behind moves up one place.

Each is timed in the worker (the service call, sends after commit included)
and at the sockets (until the last customer's socket had its
`reservation.updated`). Bare has no queue; its reference is the least a
Channels server pays to tell each of as many sockets its own position: one
group_send to each of its sockets, each in a room of its own, from the same
worker. When the steady tick misses its target, the worker is profiled over
repeated ticks.

`python -m bench.queue_tick` is `python -m bench --only queue`.
"""
import asyncio
import json
import sys
from dataclasses import dataclass
from functools import partial

from bench.clients import RoomSocket
from bench.pyspy import Recording, py_spy_path
from bench.queue_sockets import FanOut, open_waiting_customer
from bench.report import Profile, TargetRow, number, profile_lines, ratio
from bench.rooms import close_all, open_concurrently
from bench.servers import BASE_DIR, BenchEnvironment

TARGET_TICK_MS = 200
PROFILE_SECONDS = 5


@dataclass
class Plan:
    waiting: int


FULL = Plan(waiting=5000)
QUICK = Plan(waiting=500)


@dataclass
class StepFigures:
    service_ms: float
    told: int  # sockets that got their message
    fan_out_ms: float | None  # from the step's start until the last of them had it
    dropped: int  # messages the channel layer dropped for a full channel


class QueueWorker:
    """bench/queue_worker.py as a child process, asked one step at a time."""

    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process

    @classmethod
    async def start(cls, env: BenchEnvironment, waiting: int) -> tuple["QueueWorker", list[str]]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.queue_worker", str(waiting), cwd=BASE_DIR, env=env.ours_env(),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=2 ** 24,  # the first line holds every waiting customer's token
        )
        worker = cls(process)
        return worker, (await worker._reply())["tokens"]

    @property
    def pid(self) -> int:
        return self.process.pid

    async def _reply(self) -> dict:
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"bench.queue_worker exited with {await self.process.wait()}")
        return json.loads(line)

    async def ask(self, *step) -> dict:
        self.process.stdin.write((" ".join(map(str, step)) + "\n").encode())
        await self.process.stdin.drain()
        return await self._reply()

    async def stop(self) -> None:
        self.process.stdin.close()
        await self.process.wait()


async def timed_step(worker: QueueWorker, fan_out: FanOut, *step, sockets: int | None = None) -> StepFigures:
    """One step, until `sockets` sockets (or, for a tick, as many as it published) have their message."""
    fan_out.start()
    reply = await worker.ask(*step)
    await fan_out.settle(reply["published"] if sockets is None else sockets)
    return StepFigures(reply["ms"], len(fan_out.received_ns), fan_out.last_ms, reply["dropped"])


@dataclass
class QueueLine:
    plan: Plan
    first: StepFigures
    steady: StepFigures
    head: StepFigures
    bare: StepFigures
    profile: Profile | None

    @property
    def tick_met(self) -> bool:
        return self.steady.service_ms < TARGET_TICK_MS

    def targets(self) -> list[TargetRow]:
        waiting = self.plan.waiting
        return [
            TargetRow(
                target=f"one estimate-recompute tick with {waiting:,} waiting < {TARGET_TICK_MS} ms",
                measured=f"{self.steady.service_ms:,.0f} ms (a tick that tells everyone: "
                         f"{self.first.service_ms:,.0f} ms)",
                bare="no equivalent", ratio="-", met=self.tick_met, where="profile in § 4",
            ),
            TargetRow(
                target=f"position fan-out when the head is matched, {waiting:,} waiting",
                measured=f"{number(self.head.fan_out_ms, 0)} ms until the last socket told; {told(self.head, waiting)}",
                bare=f"{number(self.bare.fan_out_ms, 0)} ms, one message to each socket; {told(self.bare, waiting)}",
                ratio=ratio(self.head.fan_out_ms, self.bare.fan_out_ms), met=None,
            ),
        ]

    def section(self) -> str:
        waiting = self.plan.waiting
        steps = [("first recompute tick (everyone told)", self.first),
                 ("steady recompute tick (nothing moved)", self.steady),
                 ("head matched: offer + everyone moves up", self.head),
                 (f"bare: one group_send to each of {waiting:,} sockets", self.bare)]
        lines = [
            f"### 4. Queue of {waiting:,} (bench/queue_tick.py)",
            "",
            f"{waiting:,} waiting reservations in one queue, with a history of 50 finished chats so estimates "
            "exist, and every waiting customer's guest socket open on one process of ours. The steps run in a "
            "separate process with the product's services and channel layer (bench/queue_worker.py): ms in that "
            "process (sends after commit included), and until the last customer's socket had its "
            "`reservation.updated`.",
            "",
            "| step | service ms | until the last socket had it, ms | sockets told | dropped by the layer "
            "| ours / bare |",
            "|---|---:|---:|---:|---:|---:|",
            *(f"| {name} | {step.service_ms:,.0f} | {number(step.fan_out_ms, 0)} | {step.told:,} | {step.dropped:,} "
              f"| {ratio(step.fan_out_ms, self.bare.fan_out_ms) if step is not self.bare else '-'} |"
              for name, step in steps),
            "",
            "Bare has no queue, so its reference is the least a Channels server on this layer pays to tell each of "
            f"{waiting:,} sockets its own position: the tutorial consumer's sockets each in a room of its own, and "
            "one group_send per room from the same worker, sent one after another in one event loop as "
            "chat.broadcast sends; ours sends two per customer (the socket's group and the SSE stream's) and "
            "first recomputes the line, stores the positions and routes the head.",
            "",
        ]
        if any(step.dropped for _, step in steps):
            lines += [
                "**Not every socket was told.** All sockets of a daphne process receive through one Redis key of "
                "the channel layer, which holds at most 1,000 messages (`capacity` in CHANNEL_LAYERS); a fan-out "
                "that fills it faster than the process drains it loses the rest, and group_send drops them "
                "silently (channels_redis only logs it). Bare loses the same way. A customer whose "
                "`reservation.updated` was dropped keeps seeing the old position until a later update reaches it.",
                "",
            ]
        lines += [
            f"The steady tick {'meets' if self.tick_met else 'misses'} the {TARGET_TICK_MS} ms target with "
            f"{waiting:,} waiting.",
            "",
            "#### Where the tick spends its time",
            "",
            *(profile_lines([self.profile] if self.profile else []) if not self.tick_met
              else ["Not profiled: the target is met."]),
        ]
        return "\n".join(lines)


def told(step: StepFigures, sockets: int) -> str:
    return f"{step.told:,} of {sockets:,} told" + (f", {step.dropped:,} dropped by the layer" if step.dropped else "")


async def profile_ticks(worker: QueueWorker, env: BenchEnvironment) -> Profile | None:
    if py_spy_path() is None:
        return None
    recording = Recording(worker.pid, PROFILE_SECONDS, env.directory / "ticks.pyspy.txt")
    # A second longer than the recording, which starts once py-spy has attached.
    await worker.ask("ticks", PROFILE_SECONDS + 1)
    return Profile(process="bench/queue_worker.py", seconds=PROFILE_SECONDS,
                   during="running steady recompute ticks one after another", threads=recording.threads())


async def measure(plan: Plan) -> QueueLine:
    with BenchEnvironment() as env:
        print(f"queue: {plan.waiting} waiting", file=sys.stderr, flush=True)
        worker, tokens = await QueueWorker.start(env, plan.waiting)
        try:
            fan_out = FanOut()
            server = env.ours(CHAT_MAX_CONNECTIONS=plan.waiting + 100)
            customers = await open_concurrently([partial(open_waiting_customer, server.ws_url, token,
                                                         partial(fan_out.receive, index))
                                                 for index, token in enumerate(tokens)])
            try:
                first = await timed_step(worker, fan_out, "tick")
                steady = await timed_step(worker, fan_out, "tick")
                head = await timed_step(worker, fan_out, "head", sockets=len(customers))
                profile = None if steady.service_ms < TARGET_TICK_MS else await profile_ticks(worker, env)
            finally:
                await close_all(customers)
                env.stop(server)
            bare_server = env.bare()
            sockets = await open_concurrently([
                partial(RoomSocket.open, bare_server.ws_url, f"line{index}",
                        lambda body, received_ns, index=index: fan_out.receive(index, received_ns))
                for index in range(plan.waiting)
            ])
            try:
                bare = await timed_step(worker, fan_out, "bare", env.bare_layer_prefix, plan.waiting,
                                        sockets=len(sockets))
            finally:
                await close_all(sockets)
        finally:
            await worker.stop()
    print(f"  ticks {first.service_ms:.0f} / {steady.service_ms:.0f} ms; until the last socket had it: head "
          f"{number(head.fan_out_ms, 0)} ms, bare {number(bare.fan_out_ms, 0)} ms", file=sys.stderr, flush=True)
    return QueueLine(plan, first, steady, head, bare, profile)


if __name__ == "__main__":
    from bench.__main__ import main

    main(["--only", "queue", *sys.argv[1:]])
