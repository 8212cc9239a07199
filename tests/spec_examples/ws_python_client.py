# ruff: noqa
# specs/websocket-api.md, "Connection Setup" > "Basic Connection" > "Python Client", run with the
# venv's python and its `websockets`. The spec's code is below, unchanged; test_websocket_examples.py
# substitutes only the server (ws://localhost:8000), the user (user_id=user123 -> the test user)
# and appends &token=<token> to the query string. Not named test_*.py so pytest does not collect it.
#
# Glue, not from the spec: handle_event, which the spec awaits but does not define. It prints the
# event as one JSON line, and ends the run (SystemExit(0): `async with` closes the socket with
# 1000) once it handled an event of the type named by $SPEC_LAST_EVENT: the spec's client
# otherwise listens until it is killed.
import os


async def handle_event(data):
    print("HANDLED " + json.dumps(data), flush=True)
    if data.get("type") == os.environ["SPEC_LAST_EVENT"]:
        raise SystemExit(0)


# ---- the spec, verbatim ----------------------------------------------------------------------
import asyncio
import websockets
import json

async def connect():
    uri = "ws://localhost:8000/api/v1/ws?user_id=user123&channels=jobs,applications"

    async with websockets.connect(uri) as websocket:
        print("Connected to WebSocket")

        async for message in websocket:
            data = json.loads(message)
            print(f"Received: {data}")
            await handle_event(data)

asyncio.run(connect())
