"""The BMC client's option checks: Ansible's types, strictly, before any network traffic."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.beowulf.slurm.plugins.module_utils import turingpi_bmc as bmc

FINGERPRINT = "ab" * 32


@pytest.mark.parametrize("value, expected", [(True, True), ("yes", True), ("On", True), (1, True), ("true", True),
                                             (False, False), ("no", False), ("0", False), (0, False)])
def test_booleans_are_ansibles(value, expected):
    assert bmc.to_bool("validate_certs", value) is expected


@pytest.mark.parametrize("value", ["perhaps", "", None, 2, [], "maybe"])
def test_anything_else_is_an_error_not_false(value):
    with pytest.raises(bmc.OptionError, match=r"^validate_certs must be a boolean"):
        bmc.to_bool("validate_certs", value)


@pytest.mark.parametrize("value", ["abc", 0, 65536, True, 1.5, None, "-1"])
def test_ports(value):
    with pytest.raises(bmc.OptionError, match=r"^https_port must be an integer from 1 to 65535"):
        bmc.to_int("https_port", value, 1, 65535)


def test_ports_from_strings_of_digits():
    assert bmc.to_int("https_port", "8443", 1, 65535) == 8443


def test_ports_come_back_as_plain_ints():
    """A YAML value is an int subclass carrying its origin; cached, it would be stored with its tags."""
    class TaggedInt(int):
        pass

    port = bmc.to_int("https_port", TaggedInt(8443), 1, 65535)
    assert not isinstance(port, TaggedInt) and port == 8443


@pytest.mark.parametrize("text", [FINGERPRINT, ":".join([FINGERPRINT[i:i + 2] for i in range(0, 64, 2)]).upper(),
                                  "sha256 Fingerprint=" + ":".join(["AB"] * 32),
                                  "SHA256 Fingerprint=" + ":".join(["AB"] * 32), "sha256:" + FINGERPRINT])
def test_fingerprint_forms(text):
    assert bmc.normalise_fingerprint(text) == FINGERPRINT


@pytest.mark.parametrize("text", ["", "ab" * 31, "zz" * 32, "replace with the SHA-256 fingerprint"])
def test_bad_fingerprints(text):
    with pytest.raises(bmc.OptionError, match=r"^cert_fingerprint must be the certificate's SHA-256"):
        bmc.normalise_fingerprint(text)


def test_board_config_checks_every_field():
    with pytest.raises(bmc.OptionError, match="^timeout must be a number greater than 0"):
        bmc.BoardConfig(name="tp1", address="x", timeout=0)
    with pytest.raises(bmc.OptionError, match="^address must not be empty"):
        bmc.BoardConfig(name="tp1", address=" ")
    with pytest.raises(bmc.OptionError, match="^firmware must be auto, 1 or 2"):
        bmc.BoardConfig(name="tp1", address="x", firmware="3")
    with pytest.raises(bmc.OptionError, match="^ca_path /nonexistent is not a file"):
        bmc.BoardConfig(name="tp1", address="x", ca_path="/nonexistent")


def test_password_type_error_does_not_show_the_value():
    with pytest.raises(bmc.OptionError) as caught:
        bmc.BoardConfig(name="tp1", address="x", password=["s3cret"])
    assert "s3cret" not in str(caught.value) and "password must be a string" in str(caught.value)


def test_password_file(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("s3cret\nignored\n")
    secret.chmod(0o600)
    config = bmc.BoardConfig.from_params("tp1", {"address": "x", "password_file": str(secret)})
    assert config.password == "s3cret" and config.password_file == str(secret)
    explicit = bmc.BoardConfig.from_params("tp1", {"address": "x", "password": "p", "password_file": str(secret)})
    assert explicit.password == "p" and explicit.password_file is None
    secret.chmod(0o644)
    with pytest.raises(bmc.OptionError, match="readable by every user") as caught:
        bmc.BoardConfig.from_params("tp1", {"address": "x", "password_file": str(secret)})
    assert "s3cret" not in str(caught.value)


# -- the one connection dict and the one password lookup -------------------------------------------
DEFAULTS = {key: value.get("default") for key, value in bmc.CONNECTION_SPEC.items()}


def test_the_exported_connection_is_every_setting_but_the_password():
    config = bmc.BoardConfig(name="tp1", address="tp.local", password="s3cret", cert_fingerprint=FINGERPRINT)
    connection = config.connection()
    assert set(connection) == set(bmc.CONNECTION_SPEC) - {"password"} and "s3cret" not in repr(connection)
    again = bmc.BoardConfig.from_params("tp1", bmc.merge_connection({}, connection, DEFAULTS))
    assert again.connection() == connection


def test_a_connection_is_merged_with_the_options_beside_it():
    params = dict(DEFAULTS, board="tp1", password="p")
    merged = bmc.merge_connection(params, {"address": "tp.local", "https_port": 8443, "ca_path": None}, DEFAULTS)
    assert merged["address"] == "tp.local" and merged["https_port"] == 8443 and merged["password"] == "p"
    assert merged["board"] == "tp1" and merged["username"] == "root"
    assert bmc.merge_connection(params, None, DEFAULTS) == params


@pytest.mark.parametrize("connection, words", [
    ("tp.local", "^connection must be a dictionary of BMC settings .* got a value of type str"),
    ({"address": "x", "password": "s3cret"}, "^connection.password is not allowed"),
    ({"address": "x", "adress": "y", "port": 1}, "^connection has unknown keys: adress, port \\(known: address,"),
    ({"address": "x", "https_port": 8443}, "^connection and the option https_port beside it both set it"),
])
def test_a_wrong_connection_is_refused_by_name(connection, words):
    params = dict(DEFAULTS, https_port=444)
    with pytest.raises(bmc.OptionError, match=words) as caught:
        bmc.merge_connection(params, connection, DEFAULTS)
    assert "s3cret" not in str(caught.value)


def test_an_address_is_required_somewhere():
    with pytest.raises(bmc.OptionError, match="^address is required"):
        bmc.BoardConfig.from_params("tp1", bmc.merge_connection(dict(DEFAULTS), {"username": "u"}, DEFAULTS))


def test_the_password_order_is_option_then_file_then_environment(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("from-file\n")
    secret.chmod(0o600)
    environ = {bmc.PASSWORD_ENV: "from-env"}
    assert bmc.resolve_password("given", str(secret), environ) == "given"
    assert bmc.resolve_password(None, str(secret), environ) == "from-file"
    assert bmc.resolve_password("", None, environ) == "from-env"
    assert bmc.resolve_password(None, None, {}) == ""
    config = bmc.BoardConfig.from_params("tp1", {"address": "x"}, environ)
    assert config.password == "from-env" and config.password_file is None
    assert bmc.BoardConfig.from_params("tp1", {"address": "x"}).password == ""


def test_the_password_of_a_host(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("from-file\n")
    secret.chmod(0o600)
    host = {bmc.CONNECTION_HOSTVAR: {"address": "x", "password_file": str(secret)}}
    assert bmc.password_of_hostvars("n1", host, {bmc.PASSWORD_ENV: "env"}) == "from-file"
    assert bmc.password_of_hostvars("n1", dict(host, turingpi_bmc_password="vault"), {}) == "vault"
    assert bmc.password_of_hostvars("n1", {bmc.CONNECTION_HOSTVAR: {"address": "x"}}, {bmc.PASSWORD_ENV: "e"}) == "e"
    with pytest.raises(bmc.OptionError, match="^host n1: turingpi_bmc_connection must be a dictionary with at least"):
        bmc.password_of_hostvars("n1", {bmc.CONNECTION_HOSTVAR: "x"}, {})
    secret.chmod(0o644)
    with pytest.raises(bmc.OptionError, match="readable by every user"):
        bmc.password_of_hostvars("n1", host, {})


def _certificate(**kwargs):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Turing-Pi self signed")])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(1).not_valid_before(kwargs["start"]).not_valid_after(kwargs["end"]))
    if kwargs.get("san"):
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(kwargs["san"])]), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def test_describe_the_stock_certificate():
    start = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    der = _certificate(start=start, end=start + datetime.timedelta(days=30))
    reasons = bmc.describe_certificate(der, "192.168.1.10")
    assert reasons == ["it expired on 1970-01-31", "it has no subjectAltName, only CN=Turing-Pi self signed",
                       "it is self-signed"]


def test_describe_a_certificate_for_another_name():
    now = datetime.datetime.now(datetime.timezone.utc)
    der = _certificate(start=now - datetime.timedelta(days=1), end=now + datetime.timedelta(days=9), san="bmc.lab")
    assert bmc.describe_certificate(der, "turingpi.local")[0] == \
        "its subjectAltName (bmc.lab) does not name turingpi.local"
