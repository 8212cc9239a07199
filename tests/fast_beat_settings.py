"""jobelix.settings with every CELERY_BEAT_SCHEDULE entry due every 2 s (tests/test_beat.py).

The same entries (names, tasks) as production, only sooner, so a test can watch a real
`celery beat` fire each of them instead of waiting minutes."""
from jobelix.settings import *  # noqa: F403
from jobelix.settings import CELERY_BEAT_SCHEDULE as PRODUCTION_BEAT_SCHEDULE

FAST_BEAT_SECONDS = 2.0
CELERY_BEAT_SCHEDULE = {name: {**entry, "schedule": FAST_BEAT_SECONDS}
                        for name, entry in PRODUCTION_BEAT_SCHEDULE.items()}
