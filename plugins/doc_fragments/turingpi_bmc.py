# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How to reach a Turing Pi 2 BMC: the options of module_utils.turingpi_bmc.CONNECTION_SPEC.

The same settings are the keys of a board in the turingpi inventory plugin's C(boards) and of the
C(turingpi_bmc_connection) host variable it exports (all but the password).
"""

from __future__ import annotations


class ModuleDocFragment:
    """Connection options shared by the turingpi inventory plugin and the turingpi_power module."""

    DOCUMENTATION = r"""
options:
  address:
    description: Host name or IP address of the BMC.
    type: str
    required: true
  username:
    description: BMC user (firmware 2.x).
    type: str
    default: root
  password:
    description:
      - BMC password (firmware 2.x). Never logged. When neither this nor O(password_file) is set, the
        environment variable C(TURINGPI_PASSWORD) of the host the module runs on.
    type: str
  password_file:
    description:
      - A file whose first line is the BMC password, used when O(password) is not set; it must not be
        readable by every user. The turingpi inventory exports it in C(turingpi_bmc_connection).
    type: path
  firmware:
    description: V(auto) detects the firmware generation without credentials.
    type: str
    choices: [auto, "1", "2"]
    default: auto
  validate_certs:
    description: Verify the BMC's TLS certificate (see O(cert_fingerprint) for the self-signed one).
    type: bool
    default: true
  ca_path:
    description:
      - CA file to verify a certificate you installed on the BMC (valid, with a subjectAltName for
        O(address)). The BMC's stock self-signed certificate (no subjectAltName, normally expired)
        cannot pass such a check, so pin it with O(cert_fingerprint). Excludes O(cert_fingerprint).
    type: path
  cert_fingerprint:
    description:
      - SHA-256 fingerprint of the BMC's certificate to pin (64 hex digits, colons allowed, or the line
        C(openssl x509 -noout -fingerprint -sha256) prints). Works with the stock self-signed
        certificate, expired or not.
    type: str
  timeout:
    description: Seconds to wait for each BMC answer, more than 0 and at most 3600.
    type: float
    default: 10
  http_port:
    description: Plain HTTP port of the BMC, 1 to 65535.
    type: int
    default: 80
  https_port:
    description: HTTPS port of the BMC, 1 to 65535.
    type: int
    default: 443
"""
