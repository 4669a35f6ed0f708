"""Offline stand-in for ansible-test's pip bootstrap script (get-pip-<version>.py).

ansible-test downloads that script from a host that is not reachable from our machines
and runs it, with pip's install options, to put pip into each empty sanity venv. This does
the same with the standard library: ``ensurepip`` puts the bundled pip in place, then pip
installs the requested version (e.g. ``pip==24.2``) from the package index.
"""

import ensurepip
import os
import runpy
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}

ensurepip.bootstrap(upgrade=True)
sys.argv = ["pip", "install"] + [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
# ansible-test hands pip a trimmed environment: keep a site CA bundle (TLS proxies) if one is set.
for bundle in (os.environ.get("PIP_CERT"), os.environ.get("SSL_CERT_FILE"), "/etc/ssl/certs/ca-certificates.crt"):
    if bundle and os.path.exists(bundle):
        sys.argv[2:2] = ["--cert", bundle]
        break
runpy.run_module("pip", run_name="__main__", alter_sys=True)
