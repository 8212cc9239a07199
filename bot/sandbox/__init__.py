"""The sandbox job board: a practice board on loopback for the bot's demos and tests."""

from .jobs import DEMO_EMAIL, DEMO_PASSWORD, JOBS
from .server import SandboxBoard

__all__ = ["DEMO_EMAIL", "DEMO_PASSWORD", "JOBS", "SandboxBoard"]
