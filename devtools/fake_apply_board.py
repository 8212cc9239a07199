"""A fake job board with a JSON intake (the outside world for ``submissions.appliers.post_json``).

Paths decide the answer: ``/apply/ok/<n>`` accepts (201), ``/apply/reject/<n>`` answers
422 "position filled", ``/apply/hang/<n>`` blocks (the first time only) until
``release()`` and then drops the connection, so a test can kill the worker waiting on it.
"""
from __future__ import annotations

import json
import threading
from typing import Any

from devtools.loopback import LoopbackServer, Reply, Request

HANG_SECONDS = 60.0


class FakeJobBoard:
    """Started on construction; ``close()`` releases any held request and stops the server."""

    def __init__(self) -> None:
        self.applications: list[dict[str, Any]] = []
        self.hanging = threading.Event()  # set while a request is held
        self._release = threading.Event()
        self._hung_paths: set[str] = set()
        self._lock = threading.Lock()
        self.server = LoopbackServer(self._handle).start()
        self.url = self.server.url

    def _handle(self, request: Request) -> Reply:
        if request.method != "POST":
            return Reply.json({"error": "POST applications here"}, 405)
        path = request.raw_path
        with self._lock:
            self.applications.append({"path": path, "body": json.loads(request.body or b"{}")})
            hang = path.startswith("/apply/hang/") and path not in self._hung_paths
            if hang:
                self._hung_paths.add(path)
        if hang:
            self.hanging.set()
            self._release.wait(HANG_SECONDS)
            return Reply(drop=True)  # the applicant is gone by now
        if path.startswith("/apply/reject/"):
            return Reply.json({"error": "position filled"}, 422)
        return Reply.json({"status": "received"}, 201)

    def paths(self) -> list[str]:
        return [a["path"] for a in self.applications]

    def release(self) -> None:
        self._release.set()

    def close(self) -> None:
        self.release()
        self.server.stop()

    def __enter__(self) -> FakeJobBoard:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
