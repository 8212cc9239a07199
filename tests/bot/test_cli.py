"""The command line: help, usage errors and exit codes (0 completed, 2 stopped, 1 failed)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def bot(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def test_help_documents_the_commands_and_exit_codes():
    result = bot("--help")
    assert result.returncode == 0
    assert "--playwright API_TOKEN" in result.stdout and "exit codes: 0 completed, 2 stopped, 1 failed" in result.stdout
    run_help = bot("run", "--help")
    assert run_help.returncode == 0
    for flag in ("--token", "--server", "--board", "--max-applications", "--dry-run", "--headed", "--daily-cap"):
        assert flag in run_help.stdout


def test_usage_errors_exit_1():
    assert bot().returncode == 1
    missing_token = bot("--playwright")
    assert missing_token.returncode == 1 and "Usage: python -m bot --playwright <API_TOKEN>" in missing_token.stderr
    assert bot("run", env={"JOBELIX_API_TOKEN": ""}).returncode == 1
    unknown_board = bot("run", "--token", "t", "--site", "nosuch", "--server", "http://127.0.0.1:9")
    assert unknown_board.returncode == 1 and "unknown board 'nosuch'" in unknown_board.stderr
