"""`python -m jobelix.serve` (daphne's command line): daphne, with upkeep that costs what changed.

daphne's Server walks every connection once a second (to reap finished application
instances) and every two seconds (timeouts and WebSocket protocol pings). With
5,000 idle sockets those walks were a third of a web process's idle CPU
(docs/performance.md). Here an application instance is reaped when it finishes or
its connection drops, and an open WebSocket is looked at when its next ping or its
lifetime limit is due: daphne's own checks (`check_timeouts`), at the times daphne
would make them, on the few connections that need them.

The objects alive once the application is loaded (Django, DRF, Twisted…) are frozen
out of the garbage collector, so a full collection walks the sockets' objects only.
And Twisted's form parsing of POST bodies, which daphne never reads, is off.
"""
from __future__ import annotations

import asyncio
import gc
import heapq
import itertools
import logging
import time
from typing import Any

from daphne.cli import CommandLineInterface
from daphne.http_protocol import WebRequest
from daphne.server import Server, reactor
from daphne.ws_protocol import WebSocketProtocol

logger = logging.getLogger("daphne.server")  # daphne's own messages, under daphne's logger


YOUNG_OBJECTS = 50_000  # allocations between young-generation collections (CPython's default: 700)


class JobelixServer(Server):
    def run(self) -> None:
        self.to_reap: set[Any] = set()  # connections whose application finished or whose peer left
        self.swept: set[Any] = set()  # checked every sweep as daphne does: HTTP requests, sockets connecting
        self.due: list[tuple[float, int, Any]] = []  # open WebSockets by their next ping or lifetime limit
        self.order = itertools.count()
        gc.collect()
        gc.freeze()
        gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])
        super().run()

    def protocol_connected(self, protocol: Any) -> None:
        super().protocol_connected(protocol)
        self.swept.add(protocol)
        if isinstance(protocol, WebRequest):
            # Twisted would parse a POST's Content-Type (through the email package) to fill
            # request.args from a form; daphne hands the application the body as it came.
            protocol._parsePOSTFormSubmission = False

    def protocol_disconnected(self, protocol: Any) -> None:
        super().protocol_disconnected(protocol)
        self.to_reap.add(protocol)

    def create_application(self, protocol: Any, scope: dict) -> Any:
        queue = super().create_application(protocol, scope)
        instance = self.connections.get(protocol, {}).get("application_instance")
        if instance is not None:
            instance.add_done_callback(lambda _: self.to_reap.add(protocol))
        return queue

    def application_checker(self) -> None:
        """Reap finished application instances; stop those whose peer left too long ago."""
        for protocol in list(self.to_reap):
            self.to_reap.discard(protocol)  # reaping may disconnect it, which adds it back
            if not self.reap(protocol):
                self.to_reap.add(protocol)
        reactor.callLater(1, self.application_checker)

    def reap(self, protocol: Any) -> bool:
        """One connection's upkeep (daphne's rules); True when nothing is left to wait for."""
        details = self.connections.get(protocol)
        if details is None:
            return True
        disconnected = details.get("disconnected")
        instance = details.get("application_instance")
        if instance is not None and not instance.done():
            if disconnected and time.time() - disconnected > self.application_close_timeout:
                logger.warning("Application instance %r for connection %s took too long to shut down "
                               "and was killed.", instance, repr(protocol))
                instance.cancel()
            return False  # its done callback (or the next pass, once cancelled) brings it back
        if instance is not None:
            self.report(protocol, instance, disconnected)
            del details["application_instance"]
        if disconnected:
            del self.connections[protocol]
            self.swept.discard(protocol)
        return True  # still connected: protocol_disconnected brings it back

    def report(self, protocol: Any, instance: asyncio.Future, disconnected: float | None) -> None:
        """What daphne does with an application instance that ended with an exception."""
        try:
            exception = instance.exception()
        except asyncio.CancelledError:
            return
        if exception is None:
            return
        if isinstance(exception, KeyboardInterrupt):
            self.stop()  # the application asks the server to exit (tests)
            return
        logger.error("Exception inside application: %s", exception, exc_info=exception)
        if not disconnected:
            protocol.handle_exception(exception)

    def timeout_checker(self) -> None:
        """daphne's timeouts and protocol pings: every sweep for requests and connecting sockets,
        when due for open WebSockets."""
        now = time.time()
        for protocol in list(self.swept):
            if protocol not in self.connections:
                self.swept.discard(protocol)
            elif isinstance(protocol, WebSocketProtocol) and protocol.state == protocol.STATE_OPEN:
                self.swept.discard(protocol)
                self.schedule(protocol)
            else:
                protocol.check_timeouts()
        looked_at = []
        while self.due and self.due[0][0] <= now:
            protocol = heapq.heappop(self.due)[2]
            if protocol in self.connections:
                protocol.check_timeouts()  # pings it unless a frame came in since (daphne's rule)
                looked_at.append(protocol)
        for protocol in looked_at:
            if protocol in self.connections:
                self.schedule(protocol)
        reactor.callLater(2, self.timeout_checker)

    def schedule(self, protocol: WebSocketProtocol) -> None:
        when = protocol.last_ping + self.ping_interval
        if self.websocket_timeout >= 0:
            when = min(when, protocol.socket_opened + self.websocket_timeout)
        heapq.heappush(self.due, (when, next(self.order), protocol))


class CommandLine(CommandLineInterface):
    server_class = JobelixServer


if __name__ == "__main__":
    CommandLine.entrypoint()
