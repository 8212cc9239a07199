"""A fake OpenAI-compatible model provider on loopback (``POST {url}/chat/completions``).

    with FakeModel(reply="Hello") as model:
        LLMClient(model.url).chat([...])        # model.url ends in /v1
        model.requests[0]["body"]["messages"]

Set ``status`` to a non-200 code to play an overloaded provider.
"""
from __future__ import annotations

from typing import Any

from devtools.loopback import LoopbackServer, Reply, Request


class FakeModel:
    """Answers every chat completion with ``reply``; records path, JSON body and Authorization."""

    def __init__(self, reply: str = "I love building reliable Django services.", status: int = 200) -> None:
        self.reply = reply
        self.status = status
        self.requests: list[dict[str, Any]] = []
        self.server = LoopbackServer(self._handle).start()
        self.url = f"{self.server.url}/v1"

    def _handle(self, request: Request) -> Reply:
        body = request.json()
        self.requests.append({"path": request.path, "body": body,
                              "authorization": request.headers.get("Authorization")})
        if self.status != 200:
            return Reply.json({"error": "overloaded"}, self.status)
        return Reply.json({
            "id": "chatcmpl-1", "object": "chat.completion", "model": body.get("model"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": self.reply}}],
        })

    def close(self) -> None:
        self.server.stop()

    def __enter__(self) -> FakeModel:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
