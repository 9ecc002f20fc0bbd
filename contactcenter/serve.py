"""One daphne process of the product.

Two things plain `daphne` does not do:
- it listens with SO_REUSEPORT and a backlog of 1024, so several processes
  share one port (the kernel spreads connections) and a connect storm does not
  overflow Twisted's default backlog of 50;
- on SIGTERM or SIGINT it stops listening and drains: every socket is closed
  with 3333 so clients reconnect to another process, and only then does the
  process exit (daphne alone cancels the application without a close frame).

    python -m contactcenter.serve --host 127.0.0.1 --port 8000
"""
import argparse
import asyncio
import gc
import logging
import os
import signal
import socket
import sys

import uvloop

# The loop daphne's Twisted reactor, Channels and channels-redis all run on:
# with uvloop's, a chat message costs about a tenth less CPU than with
# asyncio's own (bench: chat, docs/benchmarks.md). Set before daphne.server
# makes its loop.
asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

import daphne.server  # noqa: E402,F401  (installs the asyncio reactor before anything imports Twisted)
import autobahn.util  # noqa: E402
from twisted.internet import reactor  # noqa: E402

from contactcenter.transport import serve_write_through  # noqa: E402

# autobahn works out the arguments of its debug log calls on every frame,
# logged or not, and colours them with click when click is installed (Celery
# brings it): 2% of the process's time at 3,600 msg/s (bench: chat).
# Uncoloured, they cost little.
autobahn.util._HAS_CLICK = False

LISTEN_BACKLOG = 1024
# How long the event loop may hold the GIL while the database thread waits for
# it (Python's default: 5 ms). That thread gives the GIL up for every SQLite
# call and every row it fetches, and each time waited for it again behind the
# loop: on a process at 2,400 msg/s, a batch of 80 messages took 21 ms to
# store, against 3 ms alone. At 1 ms: 3,200 msg/s at p99 99–137 ms and 88–95% of a core,
# against 150–184 ms and 99% (bench: chat, docs/benchmarks.md).
GIL_SWITCH_INTERVAL_SECONDS = 0.001

logger = logging.getLogger("contactcenter.serve")


def listening_socket(host: str, port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind((host, port))
    listener.listen(LISTEN_BACKLOG)
    listener.setblocking(False)
    return listener


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    args = parser.parse_args()
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_SECONDS)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
    from contactcenter.asgi import application  # sets Django up: import it first

    from chat.lifecycle import process_sockets
    from django.conf import settings

    listener = listening_socket(args.host, args.port)
    ports = []

    async def drain_then_stop():
        for port in ports:
            port.stopListening()
        await process_sockets.drain(timeout=settings.CHAT_DRAIN_SECONDS)
        logger.info("drained; %d sockets left, stopping", process_sockets.open)
        reactor.stop()

    def on_signal():
        if not process_sockets.draining:
            asyncio.ensure_future(drain_then_stop())

    def on_ready():
        # Nothing is accepted before the reactor turns again, so every connection gets the transport.
        ports.append(serve_write_through(
            reactor.adoptStreamPort(listener.fileno(), socket.AF_INET, server.http_factory)))
        loop = asyncio.get_event_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, on_signal)
        logger.info("listening on http://%s:%d (pid %d)", args.host, args.port, os.getpid())

    server = daphne.server.Server(
        application=application,
        # daphne refuses to be built without an endpoint; ours is the adopted
        # socket of on_ready, so the description is dropped before run().
        endpoints=[f"tcp:port={args.port}:interface={args.host}"],
        signal_handlers=False,
        ready_callable=on_ready,
        verbosity=0,
    )
    server.endpoints = []
    # Everything loaded so far (Django, the apps, the URLconf) lives as long as
    # the process: frozen, the collector stops walking it. Unfrozen, each full
    # collection paused the event loop for about 100 ms, every second or two
    # under load, and set the p99 of message delivery (docs/benchmarks.md).
    gc.freeze()
    server.run()


if __name__ == "__main__":
    main()
