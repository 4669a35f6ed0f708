"""The BMC client against the emulator: auth, re-auth, bans, 1.x, failures named by board."""

from __future__ import annotations

import socket

import pytest

from ansible_collections.beowulf.slurm.plugins.module_utils.turingpi_bmc import BmcClient, BmcError
from conftest import client_config

pytestmark = pytest.mark.integration


def test_firmware_2_3_detected_and_state_read(make_board):
    emulated = make_board(name="tp1", power={1: True, 2: False, 3: True, 4: True}, names={3: "ctl"},
                          modules={3: "Turing RK1"})
    client = BmcClient(client_config(emulated))
    state = client.state()
    assert (state.firmware, state.version) == ("2", "2.3.4")
    assert [s.power for s in state.slots] == [True, False, True, True]
    assert state.slots[2].name == "ctl" and state.slots[2].module_name == "Turing RK1"
    assert state.slots[1].power_on_time is None and state.slots[0].power_on_time >= 0
    assert client.auth_attempts == 1


def test_firmware_2_0_has_no_node_info_but_works(make_board):
    emulated = make_board(firmware="2.0")
    client = BmcClient(client_config(emulated))
    state = client.state()
    assert (state.firmware, state.version) == ("2", "2.0.5")
    assert all(s.name is None for s in state.slots)


def test_firmware_1_uses_plain_http_without_credentials(make_board):
    emulated = make_board(firmware="1", power={1: True, 2: True, 3: False, 4: True})
    client = BmcClient(client_config(emulated, password=""))
    state = client.state()
    assert (state.firmware, state.version) == ("1", "1.1.0")
    assert [s.power for s in state.slots] == [True, True, False, True]
    client.set_power(3, True)
    assert emulated.board.power[3] is True
    assert all(not secure for _m, _p, secure in emulated.board.requests)


def test_wrong_password_is_one_attempt_and_a_clear_error(make_board):
    emulated = make_board(name="tp1")
    client = BmcClient(client_config(emulated, password="wrong"))
    with pytest.raises(BmcError) as info:
        client.state()
    message = str(info.value)
    assert message.startswith("Turing Pi BMC tp1: authentication as root failed (HTTP 403)")
    assert "credentials incorrect" in message and "wrong" not in message
    assert emulated.board.auth_calls == 1
    assert emulated.board.failures == {"127.0.0.1": 1}
    assert not emulated.board.banned("127.0.0.1")


def test_expired_token_reauthenticates_exactly_once(make_board):
    emulated = make_board()
    client = BmcClient(client_config(emulated))
    client.power()
    emulated.board.expire_tokens()
    assert client.power() == {1: True, 2: True, 3: True, 4: True}
    assert client.auth_attempts == 2 and emulated.board.auth_calls == 2
    assert emulated.board.failures == {}  # the success cleared the stale-token failure


def test_the_ban_is_reached_only_by_repeated_failures(make_board):
    emulated = make_board(ban_seconds=60)
    for _attempt in range(4):
        with pytest.raises(BmcError):
            BmcClient(client_config(emulated, password="wrong")).power()
    assert not emulated.board.banned("127.0.0.1")
    with pytest.raises(BmcError):
        BmcClient(client_config(emulated, password="wrong")).power()
    assert emulated.board.banned("127.0.0.1")
    with pytest.raises(BmcError, match="Exceeded allowed authentication attempts"):
        BmcClient(client_config(emulated)).power()


def test_power_and_reset_use_the_right_numbering(make_board):
    emulated = make_board(power={1: False, 2: False, 3: False, 4: False})
    client = BmcClient(client_config(emulated))
    client.set_power(4, True)
    client.reset(2)
    paths = [p for _m, p, _s in emulated.board.requests if "opt=set" in p]
    assert "node4=1" in paths[0]
    assert "type=reset" in paths[1] and "node=1" in paths[1]
    assert emulated.board.power == {1: False, 2: False, 3: False, 4: True}
    with pytest.raises(ValueError):
        client.set_power(5, True)


def test_unreachable_board_is_named(make_board):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    emulated = make_board(name="ghost")
    client = BmcClient(client_config(emulated, http_port=port, https_port=port))
    with pytest.raises(BmcError, match=r"^Turing Pi BMC ghost: cannot connect to 127.0.0.1"):
        client.power()


def test_timeout_is_named(make_board):
    emulated = make_board(name="slowpoke", faults={"power": "slow"}, slow_seconds=1.5)
    client = BmcClient(client_config(emulated, timeout=0.5))
    with pytest.raises(BmcError, match=r"^Turing Pi BMC slowpoke: no answer within 0.5 s"):
        client.power()


@pytest.mark.parametrize("fault, words", [("malformed", "malformed JSON"), ("html", "HTML instead of JSON")])
def test_bad_answers_are_named(make_board, fault, words):
    emulated = make_board(name="odd", faults={"power": fault})
    with pytest.raises(BmcError, match="^Turing Pi BMC odd: get power answered %s" % words):
        BmcClient(client_config(emulated)).power()


def test_stock_certificate_has_the_real_boards_shape(make_board):
    """What a real BMC serves: CN only, no subjectAltName, expired in 1970; the emulator must too."""
    from cryptography import x509

    emulated = make_board(name="tp1")
    with open(emulated.cert_path, "rb") as handle:
        cert = x509.load_pem_x509_certificate(handle.read())
    assert cert.subject.rfc4514_string() == "CN=Turing-Pi self signed"
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert cert.not_valid_after_utc.year == 1970


def test_pinning_works_with_the_stock_certificate(make_board):
    emulated = make_board(name="tp1")
    assert BmcClient(client_config(emulated)).power()[1] is True  # pinned, expired, no SAN, by IP
    colons = ":".join(emulated.fingerprint[i:i + 2].upper() for i in range(0, 64, 2))
    openssl_line = client_config(emulated, cert_fingerprint="sha256 Fingerprint=" + colons)
    assert BmcClient(openssl_line).power()[1] is True
    wrong_pin = client_config(emulated, cert_fingerprint="00" * 32)
    with pytest.raises(BmcError, match="fingerprint .* does not match"):
        BmcClient(wrong_pin).power()
    assert emulated.board.auth_calls == 2  # the two pinned clients; the wrong pin sent no credentials


def test_ca_path_with_the_stock_certificate_fails_before_credentials_and_says_why(make_board):
    emulated = make_board(name="tp1")
    client = BmcClient(client_config(emulated, cert_fingerprint=None, ca_path=emulated.cert_path))
    with pytest.raises(BmcError) as caught:
        client.power()
    message = str(caught.value)
    assert "TLS certificate not trusted" in message and "no credentials were sent" in message
    assert "expired on 1970-01-31" in message
    assert "no subjectAltName" in message
    assert "cert_fingerprint" in message and emulated.fingerprint in message
    assert emulated.board.auth_calls == 0


def test_ca_path_with_a_proper_certificate(make_board):
    emulated = make_board(name="tp1", cert_shape="proper")
    with_ca = client_config(emulated, cert_fingerprint=None, ca_path=emulated.cert_path)
    assert BmcClient(with_ca).power()[1] is True
    # The same certificate on an address it does not name is refused, before any credentials.
    elsewhere = make_board(name="tp2", cert_shape="proper", host="127.0.0.2")
    other_name = client_config(elsewhere, cert_fingerprint=None, ca_path=elsewhere.cert_path, address="127.0.0.2")
    with pytest.raises(BmcError, match="does not name 127.0.0.2"):
        BmcClient(other_name).power()
    assert elsewhere.board.auth_calls == 0


def test_tls_is_verified_by_default(make_board):
    emulated = make_board(name="tp1")
    with pytest.raises(BmcError, match="TLS certificate not trusted"):
        BmcClient(client_config(emulated, cert_fingerprint=None)).power()
    assert emulated.board.auth_calls == 0
    opt_out = client_config(emulated, cert_fingerprint=None, validate_certs=False)
    assert BmcClient(opt_out).power()[1] is True


def test_missing_password_is_refused_before_any_request(make_board):
    emulated = make_board(name="tp1")
    client = BmcClient(client_config(emulated, password=""))
    with pytest.raises(BmcError, match="no password for user root"):
        client.power()
    assert emulated.board.auth_calls == 0
