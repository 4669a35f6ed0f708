"""Run the project's playbooks against the scenario's hosts with ansible-runner."""

from __future__ import annotations

import os
import pathlib
import sys
import tempfile
from dataclasses import dataclass, field

import ansible_runner

ROOT = pathlib.Path(__file__).resolve().parents[3]


@dataclass
class Result:
    rc: int
    output: str
    stats: dict
    # With run(..., events=True): one entry per task result (host, task, result, duration in s).
    events: list = field(default_factory=list)

    def changed(self) -> int:
        return sum((self.stats or {}).get("changed", {}).values())


RESULTS = {"runner_on_ok": "ok", "runner_on_skipped": "skipped", "runner_on_failed": "failed",
           "runner_on_unreachable": "unreachable"}


def run(playbook: str, inventory: str, extravars: dict | None = None, verbosity: int = 0,
        limit: str | None = None, events: bool = False, environment: dict | None = None) -> Result:
    """Run ``playbook`` (relative to the repository) and return its rc, output and stats (and,
    with ``events``, every task result with its duration: scripts/bench.py's per-task profile).
    ``environment``: more variables for ansible-playbook (e.g. a fact cache)."""
    with tempfile.TemporaryDirectory(prefix="beowulf-runner-") as private:
        env = {
            "ANSIBLE_COLLECTIONS_PATH": str(ROOT / "collections"),
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            # ansible-playbook from the same venv as this interpreter.
            "PATH": "%s:%s" % (os.path.dirname(sys.executable), os.environ.get("PATH", "")),
            **(environment or {}),
        }
        result = ansible_runner.run(
            private_data_dir=private,
            playbook=str(ROOT / playbook),
            inventory=inventory,
            extravars=extravars or {},
            envvars=env,
            verbosity=verbosity,
            limit=limit,
            quiet=True,
            project_dir=str(ROOT),
        )
        output = result.stdout.read()
        results = []
        if events:
            for event in result.events:
                data = event.get("event_data") or {}
                if event.get("event") in RESULTS:
                    task = data.get("task") or ""
                    results.append({"host": data.get("host"), "result": RESULTS[event["event"]],
                                    "task": "%s : %s" % (data["role"], task) if data.get("role") else task,
                                    "duration": float(data.get("duration") or 0.0)})
        return Result(rc=result.rc, output=output, stats=result.stats or {}, events=results)
