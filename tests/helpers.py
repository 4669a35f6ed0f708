"""Shared helpers for the tiers that drive external tools."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
LOGS = ROOT / ".cache" / "logs"


def tool_env(**extra: str) -> dict:
    env = dict(os.environ)
    env["PATH"] = "%s:%s" % (VENV_BIN, env.get("PATH", ""))
    env.setdefault("ANSIBLE_NOCOLOR", "1")
    env.setdefault("PY_COLORS", "0")
    env.setdefault("NO_COLOR", "1")
    # The collection from this clone (collections/ansible_collections/beowulf/slurm links here).
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(ROOT / "collections"))
    env.update(extra)
    return env


def run_logged(name: str, argv: list, cwd: pathlib.Path = ROOT, timeout: int = 1800,
               **env: str) -> subprocess.CompletedProcess:
    """Run ``argv``, keep its whole output in .cache/logs/<name>.log, return the result.

    The output's tail is attached to the assertion message by the callers. A run that outlasts
    ``timeout`` is stopped with everything it started (its own process group) and returned with
    returncode -9 and its output so far, so the caller's message says where it hung.
    """
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / ("%s.log" % name)
    started = time.monotonic()
    with open(log, "w") as handle:
        proc = subprocess.Popen(argv, cwd=cwd, env=tool_env(**env), stdout=handle,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            returncode = proc.wait(timeout=timeout)
            how = "exited %s" % returncode
        except subprocess.TimeoutExpired:
            _stop_group(proc)
            returncode = -9
            how = "was stopped: still running at its %d s time limit" % timeout
    elapsed = time.monotonic() - started
    with open(log, "a") as handle:
        handle.write("\n[beowulf] %s %s after %.1f s\n" % (" ".join(map(str, argv)), how, elapsed))
    return subprocess.CompletedProcess(argv, returncode, log.read_text(errors="replace"))


def _stop_group(proc: subprocess.Popen) -> None:
    for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 20)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])
