"""The command line: help, usage errors and exit codes (0 completed, 2 stopped, 1 failed)."""

import json
import os
import re
import signal
import subprocess
import sys
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


def write_profile(tmp_path, profile_data, **overrides) -> Path:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({**profile_data, **overrides}))
    return path


def test_dead_server_does_not_crash_the_bot(sandbox_board, tmp_path, profile_data, chromium_path):
    profile = write_profile(tmp_path, profile_data, desired_titles=["Django"], locations=["Remote"])
    result = bot("run", "--token", "tok", "--server", "http://127.0.0.1:9", "--board", sandbox_board.url,
                 "--profile", str(profile), "--output-dir", str(tmp_path / "out"),
                 env={"JOBELIX_CHROMIUM": chromium_path})
    assert result.returncode == 0, result.stderr
    assert "Run completed: 5 found, 4 applied, 1 failed, 0 credits used." in result.stdout
    assert "Traceback" not in result.stderr
    assert len(sandbox_board.applications()) == 4
    # Kept locally until the server can hear of them.
    [ledger] = (tmp_path / "out").glob("applied-*.json")
    entries = json.loads(ledger.read_text())["applied"]
    assert len(entries) == 4 and not any(e["synced"] for e in entries)


def test_sigterm_ends_the_run_stopped_with_exit_2(tmp_path, profile_data, chromium_path):
    from bot.sandbox import SandboxBoard

    profile = write_profile(tmp_path, profile_data)
    with SandboxBoard(page_delay=1.0) as board:  # every job takes seconds: the signal lands mid-run
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--token", "tok", "--server", "http://127.0.0.1:9",
             "--board", board.url, "--profile", str(profile), "--output-dir", str(tmp_path / "out")],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "JOBELIX_CHROMIUM": chromium_path, "PYTHONUNBUFFERED": "1"})
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Application submitted!" in line:
                proc.send_signal(signal.SIGTERM)
                break
        rest, err = proc.communicate(timeout=60)
    output = "".join(lines) + rest
    assert proc.returncode == 2, output + err
    stopped = re.search(r"Run stopped: 10 found, (\d+) applied", output)
    assert stopped and 1 <= int(stopped.group(1)) == len(board.applications()) < 9, output
    assert "Interrupted (SIGTERM)" in output
    assert "Traceback" not in err
