"""`make test` / `make run` find a browser first (jobelix/browser.py), in the README's order.

The browsers here are small executable scripts on a PATH made for the test (they only
answer `--version`); the install steps are turned off with JOBELIX_BROWSER_INSTALL=0.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from jobelix import browser

BASE_DIR = Path(__file__).resolve().parent.parent


def fake_browser(path: Path, works: bool = True) -> Path:
    """An executable that answers `--version` like Chromium (or fails like a broken install)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\necho 'Chromium 999.0.0.0 (fake)'\n" if works else "#!/bin/sh\nexit 127\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """An environment with nothing to find: empty PATH dir, empty Playwright registry, installs off."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "home").mkdir()
    return {"PATH": str(tmp_path / "bin"), "HOME": str(tmp_path / "home"),
            "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "ms-playwright"), browser.INSTALL_VAR: "0"}


def test_jobelix_chromium_takes_precedence_over_path(tmp_path, env):
    fake_browser(tmp_path / "bin" / "chromium")
    chosen = fake_browser(tmp_path / "elsewhere" / "chrome")
    env[browser.ENV_VAR] = str(chosen)
    assert browser.find(env) == browser.Browser(str(chosen), "from JOBELIX_CHROMIUM")


def test_jobelix_chromium_may_name_a_command_on_path(tmp_path, env):
    on_path = fake_browser(tmp_path / "bin" / "my-chrome")
    env[browser.ENV_VAR] = "my-chrome"
    assert browser.find(env).path == str(on_path)


def test_a_jobelix_chromium_that_does_not_exist_is_an_error_not_a_fallthrough(tmp_path, env):
    fake_browser(tmp_path / "bin" / "chromium")
    env[browser.ENV_VAR] = str(tmp_path / "missing" / "chrome")
    with pytest.raises(browser.NoBrowser, match=r"^JOBELIX_CHROMIUM=.*missing/chrome is not a Chromium that runs"):
        browser.find(env)


def test_system_browsers_on_path_in_order_chromium_chromium_browser_google_chrome(tmp_path, env):
    bin_dir = tmp_path / "bin"
    fake_browser(bin_dir / "google-chrome")
    assert browser.find(env) == browser.Browser(str(bin_dir / "google-chrome"), "system `google-chrome` on PATH")
    fake_browser(bin_dir / "chromium-browser")
    assert browser.find(env).path == str(bin_dir / "chromium-browser")
    fake_browser(bin_dir / "chromium")
    assert browser.find(env) == browser.Browser(str(bin_dir / "chromium"), "system `chromium` on PATH")


def test_a_browser_that_does_not_start_is_passed_over(tmp_path, env):
    fake_browser(tmp_path / "bin" / "chromium", works=False)
    fake_browser(tmp_path / "bin" / "google-chrome")
    assert browser.find(env).path == str(tmp_path / "bin" / "google-chrome")


def test_playwrights_own_chromium_is_found_when_path_has_none(tmp_path, env):
    """Where this Playwright version keeps its Chromium, asked from Playwright itself."""
    asked = subprocess.run([sys.executable, "-c", browser.PLAYWRIGHT_PATH_SCRIPT], env=env, capture_output=True,
                           text=True, timeout=60, check=True)
    expected = Path(asked.stdout.strip())
    assert expected.is_relative_to(tmp_path / "ms-playwright"), expected
    with pytest.raises(browser.NoBrowser):
        browser.find(env)
    fake_browser(expected)
    found = browser.find(env)
    assert found.path == str(expected) and found.how.startswith("installed by Playwright"), found


def test_a_chromium_left_by_another_playwright_version_is_found_too(tmp_path, env):
    older = fake_browser(tmp_path / "ms-playwright" / "chromium-1000" / "chrome-linux" / "chrome")
    newer = fake_browser(tmp_path / "ms-playwright" / "chromium-1100" / "chrome-linux64" / "chrome")
    assert browser.find(env).path == str(newer)
    newer.unlink()
    assert browser.find(env).path == str(older)


def test_path_wins_over_playwrights_registry(tmp_path, env):
    fake_browser(tmp_path / "ms-playwright" / "chromium-1100" / "chrome-linux64" / "chrome")
    fake_browser(tmp_path / "bin" / "chromium")
    assert browser.find(env).path == str(tmp_path / "bin" / "chromium")


def test_nothing_found_is_the_one_line_that_says_what_to_do(env):
    with pytest.raises(browser.NoBrowser) as raised:
        browser.find(env)
    assert str(raised.value) == browser.NOT_FOUND
    assert "apt install chromium" in browser.NOT_FOUND and "JOBELIX_CHROMIUM=" in browser.NOT_FOUND


def test_provide_exports_what_it_found(tmp_path, env, capsys):
    found = fake_browser(tmp_path / "bin" / "chromium-browser")
    assert browser.provide(env) == str(found)
    assert env[browser.ENV_VAR] == str(found)
    assert capsys.readouterr().out == f"[jobelix] browser: {found} (system `chromium-browser` on PATH)\n"


def launcher(env: dict[str, str], *pytest_args: str) -> subprocess.CompletedProcess:
    """`python -m jobelix.launch test -- ARGS` as `make test` runs it, in this environment plus the servers'."""
    keep = {k: v for k, v in os.environ.items()
            if k in {"DATABASE_URL", "REDIS_URL", "LANG", "LC_ALL", "TMPDIR"}}
    return subprocess.run([sys.executable, "-m", "jobelix.launch", "test", "--", *pytest_args], cwd=BASE_DIR,
                          env={**keep, **env}, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=240)


def test_without_a_browser_the_launcher_stops_before_pytest_with_one_line(env):
    done = launcher(env, "--collect-only", "-q", "tests/test_browser_provisioning.py")
    output = (done.stdout + done.stderr).strip()
    assert done.returncode == 1, output
    assert output == f"[jobelix] {browser.NOT_FOUND}"  # nothing else: no server started, no test collected


def test_the_launcher_exports_the_browser_it_found_to_the_tests(tmp_path, env):
    found = fake_browser(tmp_path / "bin" / "chromium")
    probe = tmp_path / "probe" / "test_probe.py"
    probe.parent.mkdir()
    probe.write_text(f"import os\n\ndef test_env():\n    assert os.environ['JOBELIX_CHROMIUM'] == {str(found)!r}\n")
    done = launcher(env, "-p", "no:django", "-p", "no:cacheprovider", "-q", "--rootdir", str(probe.parent),
                    str(probe))
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert output.splitlines()[0] == f"[jobelix] browser: {found} (system `chromium` on PATH)"
    assert "1 passed" in output
