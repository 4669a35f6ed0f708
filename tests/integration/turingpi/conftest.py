"""Emulated BMCs on 127.0.0.1 for the client, inventory and module tests."""

from __future__ import annotations

import sys

import pytest

from helpers import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import bmc_emulator  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="session")
def cert_dir(tmp_path_factory):
    """One certificate per shape for every emulated board of the session (key generation is slow)."""
    return str(tmp_path_factory.mktemp("bmc-cert"))


@pytest.fixture
def make_board(cert_dir):
    started = []

    def factory(cert_shape="stock", host="127.0.0.1", **spec):
        board = bmc_emulator.Board(**spec)
        emulated = bmc_emulator.EmulatedBoard(board, host=host, cert_dir=cert_dir, cert_shape=cert_shape).start()
        started.append(emulated)
        return emulated

    yield factory
    for emulated in started:
        emulated.stop()


def client_config(emulated, **overrides):
    from ansible_collections.beowulf.slurm.plugins.module_utils.turingpi_bmc import BoardConfig

    values = dict(name=emulated.board.name, address="127.0.0.1", username="root", password="turing",
                  http_port=emulated.http_port, https_port=emulated.https_port or 443,
                  cert_fingerprint=emulated.fingerprint, timeout=2.0)
    values.update(overrides)
    return BoardConfig(**values)
