from __future__ import annotations

import base64
import getpass
import grp
import json
import os
import stat

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.beowulf.slurm.plugins.modules import munge_key


def run(capsys, **args) -> dict:
    user = getpass.getuser()
    group = grp.getgrgid(os.getgid()).gr_name
    args.setdefault("owner", user)
    args.setdefault("group", group)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            munge_key.main()
    out = capsys.readouterr().out
    return json.loads(out)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_present_writes_then_is_idempotent(tmp_path, capsys):
    path = tmp_path / "munge.key"
    raw = os.urandom(256)
    first = run(capsys, path=str(path), content=b64(raw))
    assert first["changed"] is True
    assert path.read_bytes() == raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
    second = run(capsys, path=str(path), content=b64(raw))
    assert second["changed"] is False
    assert second["sha256"] == first["sha256"]
    assert "content" not in second


def test_present_fixes_mode_only(tmp_path, capsys):
    path = tmp_path / "munge.key"
    raw = os.urandom(64)
    path.write_bytes(raw)
    path.chmod(0o644)
    result = run(capsys, path=str(path), content=b64(raw))
    assert result["changed"] is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o400


def test_check_mode_changes_nothing(tmp_path, capsys):
    path = tmp_path / "munge.key"
    result = run(capsys, path=str(path), content=b64(os.urandom(64)), _ansible_check_mode=True)
    assert result["changed"] is True
    assert not path.exists()


def test_present_refuses_a_bad_key_without_echoing_it(tmp_path, capsys):
    path = tmp_path / "munge.key"
    short = b64(b"s" * 10)
    result = run(capsys, path=str(path), content=short)
    assert result["failed"] is True
    assert "content decodes to 10 bytes" in result["msg"]
    assert short not in json.dumps(result)
    assert not path.exists()


def test_read_keeps_an_existing_key(tmp_path, capsys):
    path = tmp_path / "munge.key"
    raw = os.urandom(128)
    path.write_bytes(raw)
    result = run(capsys, path=str(path), state="read")
    assert result["changed"] is False and result["generated"] is False
    assert base64.b64decode(result["content"]) == raw
    assert path.read_bytes() == raw


def test_read_generates_without_writing(tmp_path, capsys):
    path = tmp_path / "munge.key"
    result = run(capsys, path=str(path), state="read", size=1024)
    assert result["generated"] is True and result["size"] == 1024
    assert not path.exists()


def test_read_regenerates_on_request(tmp_path, capsys):
    path = tmp_path / "munge.key"
    raw = os.urandom(128)
    path.write_bytes(raw)
    result = run(capsys, path=str(path), state="read", regenerate=True)
    assert result["generated"] is True
    assert base64.b64decode(result["content"]) != raw


def test_read_replaces_an_unusable_key(tmp_path, capsys):
    path = tmp_path / "munge.key"
    path.write_bytes(b"tiny")
    result = run(capsys, path=str(path), state="read")
    assert result["generated"] is True


def test_present_requires_content(tmp_path, capsys):
    result = run(capsys, path=str(tmp_path / "k"))
    assert result["failed"] is True
    assert "content" in result["msg"]
