# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic for MUNGE keys: validation, decoding, generation, comparison.

No Ansible imports here so the functions are easy to unit-test; the module
``beowulf.slurm.munge_key`` and the filter ``munge_key_error`` are thin shells.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

MIN_KEY_BYTES = 32
MAX_KEY_BYTES = 1024 * 1024
DEFAULT_KEY_BYTES = 1024


class MungeKeyError(ValueError):
    """A key (or a request for one) that cannot be used."""


def decode_key(value: object, name: str = "munge_key") -> bytes:
    """Decode a base64 MUNGE key, raising MungeKeyError naming ``name`` when unusable.

    Whitespace (line breaks from ``base64`` or a vault file) is ignored.
    """
    if not isinstance(value, str):
        raise MungeKeyError("%s must be a base64 string, got %s" % (name, type(value).__name__))
    compact = "".join(value.split())
    if not compact:
        raise MungeKeyError("%s is empty" % name)
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise MungeKeyError("%s is not valid base64" % name) from None
    if len(raw) < MIN_KEY_BYTES:
        raise MungeKeyError(
            "%s decodes to %d bytes; MUNGE needs at least %d" % (name, len(raw), MIN_KEY_BYTES)
        )
    if len(raw) > MAX_KEY_BYTES:
        raise MungeKeyError(
            "%s decodes to %d bytes; at most %d are accepted" % (name, len(raw), MAX_KEY_BYTES)
        )
    return raw


def key_error(value: object, name: str = "munge_key") -> str:
    """Return an error message for ``value``, or an empty string when it is a usable key."""
    try:
        decode_key(value, name)
    except MungeKeyError as exc:
        return str(exc)
    return ""


def settings_errors(key: str, rotate: bool, size: object, controllers: list, play_hosts: list) -> list:
    """What is wrong with one host's MUNGE settings, one message each ([]: nothing): ``key`` the
    base64 munge_key ("" for the controller's), ``rotate`` munge_key_rotate, ``size``
    munge_key_size, ``controllers`` group slurmctld, ``play_hosts`` every host of the play."""
    errors = []
    if key:
        errors.append(key_error(key))
    elif len(controllers) != 1:
        errors.append("munge_key is not set, so the key comes from the controller, but group slurmctld holds "
                      "%d hosts (%s); it must hold exactly one. Fix the inventory, or set munge_key "
                      "(base64, from vault)." % (len(controllers), ", ".join(controllers) or "none"))
    if rotate and (key or not controllers or controllers[0] not in play_hosts):
        errors.append("munge_key_rotate=true generates a new key on the controller: it cannot be combined "
                      "with munge_key (to rotate a supplied key, change munge_key), and the controller (%s) "
                      "must be part of the play." % (controllers[0] if controllers else "none"))
    try:
        size_ok = MIN_KEY_BYTES <= int(size) <= MAX_KEY_BYTES  # type: ignore[call-overload]
    except (TypeError, ValueError):
        size_ok = False
    if not size_ok:
        errors.append("munge_key_size must be between %d and %d bytes, got %s" % (MIN_KEY_BYTES, MAX_KEY_BYTES, size))
    return [error for error in errors if error]


def encode_key(raw: bytes) -> str:
    """Base64 text of a key, for distribution."""
    return base64.b64encode(raw).decode("ascii")


def generate_key(size: int = DEFAULT_KEY_BYTES) -> bytes:
    """New random key material from the operating system's CSPRNG."""
    if not MIN_KEY_BYTES <= size <= MAX_KEY_BYTES:
        raise MungeKeyError(
            "munge_key_size must be between %d and %d bytes, got %d" % (MIN_KEY_BYTES, MAX_KEY_BYTES, size)
        )
    return os.urandom(size)


def fingerprint(raw: bytes) -> str:
    """A SHA-256 digest of the key: safe to show, tells whether two keys are the same."""
    return hashlib.sha256(raw).hexdigest()


def read_key(path: str) -> bytes | None:
    """Bytes of the key file at ``path``, or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def usable(raw: bytes | None) -> bool:
    """Whether key material read from disk is good enough to keep."""
    return raw is not None and MIN_KEY_BYTES <= len(raw) <= MAX_KEY_BYTES
