"""Reliability tests: load, faults and fuzzing against live processes.

Tests marked `reliability` are the slow ones (minutes): `make test` leaves them
out (deselected, not skipped) and `make reliability` runs them
(jobelix.launch sets JOBELIX_RELIABILITY=1). The rest of this folder is fast and
part of `make test`.
"""
import os


def pytest_configure(config):
    config.addinivalue_line("markers", "reliability: slow load/fault test, run by `make reliability`")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("JOBELIX_RELIABILITY") == "1":
        return
    slow = [item for item in items if item.get_closest_marker("reliability")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("reliability")]
