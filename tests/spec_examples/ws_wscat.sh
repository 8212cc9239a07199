#!/bin/sh
# specs/websocket-api.md, "Testing WebSocket Connection" > "Using wscat (CLI)", as written:
# test_websocket_examples.py substitutes only the server (ws://localhost:8000), the user
# (user_id=test -> the test user) and appends &token=<token> to the query string, then types
# the spec's `> {"action":"subscribe","channel":"applications"}` line on wscat's input.
# Not run: the spec's `npm install -g wscat` (an install step; a machine without wscat gets
# tests/spec_examples/shims/wscat, put last on PATH).
set -eu

wscat -c "ws://localhost:8000/api/v1/ws?user_id=test&channels=jobs"
