"""Find or provision the Chromium that `make test` / `make run` drive, before anything else starts.

The tests, the bot (`python -m bot`), the dashboard's "Launch bot" and the Celery
browser applier all read JOBELIX_CHROMIUM; the launcher calls `provide()` first and
exports what it found, so every one of them uses the same browser. Order:

1. $JOBELIX_CHROMIUM (an executable path or a command name);
2. a system `chromium` / `chromium-browser` / `google-chrome` on PATH;
3. a Chromium that Playwright already installed (its registry: ~/.cache/ms-playwright
   or $PLAYWRIGHT_BROWSERS_PATH);
4. `python -m playwright install chromium` (needs internet);
5. as root with apt-get: `apt-get install chromium fonts-noto-color-emoji`.

JOBELIX_BROWSER_INSTALL=0 turns steps 4 and 5 (and the emoji-font top-up) off.
When nothing works the launcher stops with the one line in NOT_FOUND.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "JOBELIX_CHROMIUM"
INSTALL_VAR = "JOBELIX_BROWSER_INSTALL"
SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome")
EMOJI_FONT_PACKAGE = "fonts-noto-color-emoji"
NOT_FOUND = ("No Chromium found: install it (apt install chromium, or .venv/bin/python -m playwright install "
             "chromium) or set JOBELIX_CHROMIUM=/path/to/chrome")
PLAYWRIGHT_INSTALL_TIMEOUT = 600  # a ~170 MB download on a slow line; offline it fails within seconds
APT_TIMEOUT = 900
VERSION_TIMEOUT = 30
# Asks Playwright's own registry where its Chromium lives (honours PLAYWRIGHT_BROWSERS_PATH).
PLAYWRIGHT_PATH_SCRIPT = (
    "from playwright.sync_api import sync_playwright\n"
    "with sync_playwright() as p:\n"
    "    print(p.chromium.executable_path)\n"
)


class NoBrowser(Exception):
    """Nothing usable was found or could be installed; str() is the one line to show."""


@dataclass(frozen=True)
class Browser:
    path: str
    how: str


def say(message: str) -> None:
    print(f"[jobelix] {message}", flush=True)


def runs(path: str) -> bool:
    """The binary starts (`--version`): catches a broken install, e.g. missing shared libraries."""
    try:
        done = subprocess.run([path, "--version"], stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=VERSION_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def from_env(environ: Mapping[str, str]) -> Browser | None:
    """JOBELIX_CHROMIUM, when set, wins; a value that is not a working browser is an error, not a fallthrough."""
    value = environ.get(ENV_VAR, "").strip()
    if not value:
        return None
    path = value if os.sep in value else shutil.which(value, path=environ.get("PATH", "")) or value
    path = os.path.abspath(path)
    if not executable(path) or not runs(path):
        raise NoBrowser(f"JOBELIX_CHROMIUM={value} is not a Chromium that runs: fix or unset it "
                        f"(without it Jobelix looks for chromium on PATH)")
    return Browser(path, "from JOBELIX_CHROMIUM")


def on_path(environ: Mapping[str, str]) -> Browser | None:
    for name in SYSTEM_NAMES:
        found = shutil.which(name, path=environ.get("PATH", ""))
        if found and runs(found):
            return Browser(os.path.abspath(found), f"system `{name}` on PATH")
    return None


def playwright_registry_dir(environ: Mapping[str, str]) -> Path:
    custom = environ.get("PLAYWRIGHT_BROWSERS_PATH", "")
    if custom and custom != "0":
        return Path(custom)
    return Path(environ.get("HOME", str(Path.home()))) / ".cache" / "ms-playwright"


def playwright_installed(environ: Mapping[str, str]) -> Browser | None:
    """Playwright's own Chromium for this Playwright version, else any Chromium build in its registry."""
    candidates: list[str] = []
    try:
        done = subprocess.run([sys.executable, "-c", PLAYWRIGHT_PATH_SCRIPT], env=dict(environ),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        if done.returncode == 0 and done.stdout.strip():
            candidates.append(done.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.TimeoutExpired):
        pass
    registry = playwright_registry_dir(environ)
    # Builds left by other Playwright versions: chromium-<rev>/chrome-linux*/chrome, newest first.
    candidates += sorted(glob.glob(str(registry / "chromium-*" / "chrome-linux*" / "chrome")), reverse=True)
    for path in candidates:
        if executable(path) and runs(path):
            return Browser(path, f"installed by Playwright ({registry})")
    return None


def install_allowed(environ: Mapping[str, str]) -> bool:
    return environ.get(INSTALL_VAR, "1").strip().lower() not in {"0", "no", "false", "off"}


def can_apt() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None


def first_error(output: str) -> str:
    """The line of an installer's output that says what went wrong (else its last line)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if line.lower().startswith(("error", "e:")):
            return line[:200]
    return lines[-1][:200] if lines else "no output"


def playwright_install(environ: Mapping[str, str]) -> Browser | None:
    say("no Chromium on PATH or in Playwright's cache: running `python -m playwright install chromium`…")
    try:
        done = subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], env=dict(environ),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=PLAYWRIGHT_INSTALL_TIMEOUT)
    except subprocess.TimeoutExpired:
        say(f"`playwright install chromium` gave up after {PLAYWRIGHT_INSTALL_TIMEOUT} s")
        return None
    except OSError as exc:
        say(f"`playwright install chromium` could not start: {exc}")
        return None
    if done.returncode != 0:
        say(f"`playwright install chromium` failed: {first_error(done.stdout + done.stderr)}")
        return None
    found = playwright_installed(environ)
    return Browser(found.path, "installed now by `playwright install chromium`") if found else None


def apt_get(*packages: str) -> bool:
    """`apt-get update` then `apt-get install -y PACKAGES`; True when both succeed."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=120"]
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", *lock, "install", "-y", "-qq", *packages]):
        try:
            done = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=APT_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            say(f"`{' '.join(cmd)}` failed: {exc}")
            return False
        if done.returncode != 0:
            say(f"`{' '.join(cmd[:2])} …` failed: {first_error(done.stdout + done.stderr)}")
            return False
    return True


def apt_install(environ: Mapping[str, str]) -> Browser | None:
    say(f"installing Debian's chromium and {EMOJI_FONT_PACKAGE} with apt-get…")
    if not apt_get("chromium", EMOJI_FONT_PACKAGE):
        return None
    found = on_path(environ)
    return Browser(found.path, "installed now by apt-get (Debian's chromium)") if found else None


def emoji_font_present() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            done = subprocess.run([fc_list, ":family=Noto Color Emoji", "family"], capture_output=True, text=True,
                                  timeout=30)
            return bool(done.stdout.strip())
        except (OSError, subprocess.TimeoutExpired):
            pass
    return any(glob.glob(pattern, recursive=True) for pattern in ("/usr/share/fonts/**/NotoColorEmoji*.ttf",
                                                  str(Path.home() / ".local/share/fonts/**/NotoColorEmoji*.ttf")))


def ensure_emoji_font(environ: Mapping[str, str]) -> None:
    """Best effort: the status card's emoji render only with a colour emoji font; never fails the run."""
    if not install_allowed(environ) or not can_apt() or emoji_font_present():
        return
    say(f"the colour emoji font is missing: installing {EMOJI_FONT_PACKAGE} with apt-get (best effort)…")
    if not apt_get(EMOJI_FONT_PACKAGE):
        say(f"continuing without {EMOJI_FONT_PACKAGE}: emoji on pages may show as boxes")


def find(environ: Mapping[str, str]) -> Browser:
    """Steps 1-5 in order; raises NoBrowser with the one line to show."""
    for look in (from_env, on_path, playwright_installed):
        found = look(environ)
        if found:
            return found
    if install_allowed(environ):
        found = playwright_install(environ)
        if found:
            return found
        if can_apt():
            found = apt_install(environ)
            if found:
                return found
    raise NoBrowser(NOT_FOUND)


def provide(environ: MutableMapping[str, str] | None = None) -> str:
    """Find (or install) the browser, export it as JOBELIX_CHROMIUM for every child process, say which."""
    environ = os.environ if environ is None else environ
    found = find(environ)
    environ[ENV_VAR] = found.path
    ensure_emoji_font(environ)
    say(f"browser: {found.path} ({found.how})")
    return found.path


def provide_or_exit() -> str:
    """For the launcher: the browser's path, or exit 1 with the one line that says what to do."""
    try:
        return provide()
    except NoBrowser as exc:
        print(f"[jobelix] {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
