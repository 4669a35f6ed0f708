"""The BMC connection options are written once: the doc fragment documents CONNECTION_SPEC."""

from __future__ import annotations

import yaml

from ansible_collections.beowulf.slurm.plugins.doc_fragments.turingpi_bmc import ModuleDocFragment
from ansible_collections.beowulf.slurm.plugins.module_utils.turingpi_bmc import CONNECTION_SPEC


def test_the_fragment_documents_every_connection_option_with_its_type_and_default():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(documented) == set(CONNECTION_SPEC)
    for name, spec in CONNECTION_SPEC.items():
        doc = documented[name]
        assert doc["type"] == spec["type"], name
        assert doc.get("default") == spec.get("default"), name
        assert doc.get("required", False) == spec.get("required", False), name
        assert doc.get("choices") == spec.get("choices"), name
