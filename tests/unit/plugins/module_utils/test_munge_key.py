from __future__ import annotations

import base64
import os

import pytest

from ansible_collections.beowulf.slurm.plugins.module_utils import munge_key as mk


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_decode_accepts_a_good_key_with_line_breaks():
    raw = os.urandom(1024)
    text = b64(raw)
    wrapped = "\n".join(text[i:i + 76] for i in range(0, len(text), 76)) + "\n"
    assert mk.decode_key(wrapped) == raw


@pytest.mark.parametrize(
    "value, message",
    [
        ("not base64!!", "munge_key is not valid base64"),
        ("", "munge_key is empty"),
        ("   \n", "munge_key is empty"),
        (b64(b"x" * 31), "munge_key decodes to 31 bytes; MUNGE needs at least 32"),
        (12345, "munge_key must be a base64 string, got int"),
        (None, "munge_key must be a base64 string, got NoneType"),
        ("QUJD", "munge_key decodes to 3 bytes"),
    ],
)
def test_decode_rejects_bad_keys_naming_the_variable(value, message):
    with pytest.raises(mk.MungeKeyError, match=message.replace("(", r"\(")):
        mk.decode_key(value)
    assert message in mk.key_error(value)


def test_error_names_the_given_variable():
    assert mk.key_error("%%%", "vault_munge_key") == "vault_munge_key is not valid base64"


def test_message_never_contains_the_key():
    raw = b"k" * 20
    text = b64(raw)
    assert text not in mk.key_error(text)


def test_exactly_32_bytes_is_enough():
    assert mk.key_error(b64(os.urandom(32))) == ""


def test_too_large_is_refused():
    assert "at most" in mk.key_error(b64(b"a" * (mk.MAX_KEY_BYTES + 1)))


def test_generate_gives_fresh_random_bytes_of_the_requested_size():
    one, two = mk.generate_key(1024), mk.generate_key(1024)
    assert len(one) == 1024 and one != two
    with pytest.raises(mk.MungeKeyError, match="munge_key_size"):
        mk.generate_key(16)


def test_encode_round_trip_and_fingerprint():
    raw = os.urandom(64)
    assert mk.decode_key(mk.encode_key(raw)) == raw
    assert mk.fingerprint(raw) == mk.fingerprint(bytes(raw))
    assert mk.fingerprint(raw) != mk.fingerprint(raw[:-1] + b"\0")
    assert len(mk.fingerprint(raw)) == 64


def test_read_key_and_usable(tmp_path):
    path = tmp_path / "munge.key"
    assert mk.read_key(str(path)) is None
    assert not mk.usable(None)
    path.write_bytes(b"short")
    assert not mk.usable(mk.read_key(str(path)))
    path.write_bytes(os.urandom(128))
    assert mk.usable(mk.read_key(str(path)))


# One host's MUNGE settings, checked in one task (roles/munge/tasks/preflight.yml)

GOOD = base64.b64encode(b"k" * 64).decode()


def test_settings_that_are_fine_give_no_message():
    assert mk.settings_errors("", False, 1024, ["ctl"], ["ctl", "n1"]) == []
    assert mk.settings_errors(GOOD, False, 32, [], ["n1"]) == []
    assert mk.settings_errors("", True, "4096", ["ctl"], ["ctl"]) == []


def test_each_problem_is_named_once():
    assert mk.settings_errors("not base64!", False, 1024, ["ctl"], ["ctl"]) == ["munge_key is not valid base64"]
    two = mk.settings_errors("", False, 1024, ["a", "b"], ["a", "b"])
    assert two == ["munge_key is not set, so the key comes from the controller, but group slurmctld holds 2 hosts "
                   "(a, b); it must hold exactly one. Fix the inventory, or set munge_key (base64, from vault)."]
    assert "holds 0 hosts (none)" in mk.settings_errors("", False, 1024, [], ["n1"])[0]
    assert mk.settings_errors(GOOD, True, 1024, ["ctl"], ["ctl"])[0].startswith("munge_key_rotate=true generates")
    assert "the controller (ctl) must be part of the play" in mk.settings_errors("", True, 1024, ["ctl"], ["n1"])[0]
    for size in (31, 1048577, "big", None):
        assert mk.settings_errors("", False, size, ["ctl"], ["ctl"]) == [
            "munge_key_size must be between 32 and 1048576 bytes, got %s" % size]


def test_several_problems_are_all_said():
    assert len(mk.settings_errors("", True, 8, [], [])) == 3
