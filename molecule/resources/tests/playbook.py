"""Run the project's playbooks against the scenario's hosts with ansible-runner."""

from __future__ import annotations

import os
import pathlib
import sys
import tempfile
from dataclasses import dataclass

import ansible_runner

ROOT = pathlib.Path(__file__).resolve().parents[3]


@dataclass
class Result:
    rc: int
    output: str
    stats: dict

    def changed(self) -> int:
        return sum((self.stats or {}).get("changed", {}).values())


def run(playbook: str, inventory: str, extravars: dict | None = None, verbosity: int = 0,
        limit: str | None = None) -> Result:
    """Run ``playbook`` (relative to the repository) and return its rc, output and stats."""
    with tempfile.TemporaryDirectory(prefix="beowulf-runner-") as private:
        env = {
            "ANSIBLE_COLLECTIONS_PATH": str(ROOT / "collections"),
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            # ansible-playbook from the same venv as this interpreter.
            "PATH": "%s:%s" % (os.path.dirname(sys.executable), os.environ.get("PATH", "")),
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
        return Result(rc=result.rc, output=output, stats=result.stats or {})
