from __future__ import annotations

import base64
import os

from ansible_collections.beowulf.slurm.plugins.filter.munge import FilterModule


def test_filter_is_registered_and_reports_problems():
    check = FilterModule().filters()["munge_key_error"]
    assert check(base64.b64encode(os.urandom(64)).decode()) == ""
    assert check("nope!") == "munge_key is not valid base64"
    assert check("nope!", "my_key") == "my_key is not valid base64"
