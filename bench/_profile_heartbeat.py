"""Where a heartbeat's server time goes: N heartbeats through Django's test client under cProfile.

    make bench ARGS="bench/_profile_heartbeat.py"   (not run by plain `make bench`: it starts with _)
"""
import cProfile
import io
import pstats
import sys
import time

from _harness import figure, make_users, ms_summary, setup_django

setup_django()
from django.test import Client  # noqa: E402

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
(uid, token), = make_users("profile", 1)
client = Client(HTTP_HOST="127.0.0.1")
r = client.post("/api/autoapply/bot/start", {"token": token, "bot_version": "p", "platform": "linux"},
                content_type="application/json")
session_id = r.json()["session_id"]
samples = []
profiler = cProfile.Profile()
for i in range(1, rounds + 1):
    body = {"token": token, "session_id": session_id, "activity": "applying", "details": {"n": i},
            "stats": {"jobs_found": i, "jobs_applied": 0, "jobs_failed": 0, "credits_used": 0}}
    t0 = time.perf_counter()
    if i > 20:
        profiler.enable()
    r = client.post("/api/autoapply/bot/heartbeat", body, content_type="application/json")
    if i > 20:
        profiler.disable()
    samples.append(time.perf_counter() - t0)
    assert r.status_code == 200, r.content
figure("in-process heartbeat (Django test client, no daphne)", ms_summary(samples[20:]))
out = io.StringIO()
pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
print(out.getvalue())
