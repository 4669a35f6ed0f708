"""Run a module's main() with arguments and return what it printed, as Ansible would read it."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args


@pytest.fixture()
def run_module(capsys):
    def run(module, **args) -> dict:
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        return json.loads(capsys.readouterr().out)
    return run
