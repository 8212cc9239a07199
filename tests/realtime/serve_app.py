"""A small ASGI application for tests/realtime/test_serve.py, run by `python -m jobelix.serve`.

It reports what the server running it still tracks (daphne passes each application
instance `send` = partial(server.handle_reply, protocol), so the server is at hand),
fails on request, and has a path whose instance ignores its client leaving.
"""
import asyncio
import json
import os


async def application(scope, receive, send):
    server = send.func.__self__
    if scope["type"] == "websocket":
        while (await receive())["type"] != "websocket.disconnect":
            await send({"type": "websocket.accept"})
        return
    path = scope["path"]
    if path == "/echo":  # the body as the application received it
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": body})
        return
    if path == "/fail":
        raise RuntimeError("the application failed on purpose")
    if path == "/stubborn":
        try:
            await asyncio.sleep(3600)  # never reads the disconnect
        except asyncio.CancelledError:
            with open(os.environ["STUBBORN_MARK"], "a") as mark:
                mark.write("cancelled\n")
            raise
    others = [protocol for protocol in server.connections if protocol is not send.args[0]]
    body = json.dumps({"connections": len(others), "to_reap": len(server.to_reap),
                       "swept": len(server.swept - {send.args[0]})}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
