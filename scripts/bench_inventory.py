"""Benchmark: discovery of N emulated Turing Pi boards by the turingpi inventory plugin.

    .venv/bin/python scripts/bench_inventory.py [--boards 16] [--repeat 5]

Starts N emulated BMCs (firmware 2.3, HTTPS, token auth) on 127.0.0.1 in a process of their
own (as real boards are elsewhere), writes an inventory
config for all of them, and times the inventory plugin in-process (Ansible's
InventoryManager): a cold parse (every board asked, in parallel) and a parse answered from the
inventory cache. Prints JSON; the best of --repeat runs is reported for each.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def start_emulator(count: int, work: pathlib.Path) -> tuple:
    config = work / "boards.json"
    config.write_text(json.dumps({"boards": [{"name": "b%02d" % i} for i in range(count)]}))
    proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "bmc_emulator.py"), "--config", str(config),
                             "--state-dir", str(work / "emulator"), "--shared-cert"],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise SystemExit("the BMC emulator did not start")
    return proc, json.loads(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boards", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import init_plugin_loader
    import yaml

    init_plugin_loader([str(ROOT / "collections")])
    work = pathlib.Path(tempfile.mkdtemp(prefix="beowulf-bench-inventory-"))
    emulator, ports = start_emulator(args.boards, work)
    os.environ["TURINGPI_PASSWORD"] = "turing"
    try:
        cold_times, warm_times, hosts = [], [], 0
        for run in range(args.repeat):
            config = {"plugin": "beowulf.slurm.turingpi", "cache": True, "cache_plugin": "ansible.builtin.jsonfile",
                      "cache_connection": str(work / ("cache-%d" % run)), "cache_timeout": 3600,
                      "controller": {"board": "b00", "slot": 3},
                      "boards": [{"name": name, "address": "127.0.0.1", "http_port": p["http_port"],
                                  "https_port": p["https_port"], "cert_fingerprint": p["fingerprint"]}
                                 for name, p in sorted(ports.items())]}
            path = work / ("run%d.turingpi.yml" % run)
            path.write_text(yaml.safe_dump(config))
            InventoryManager(loader=DataLoader(), sources=[])  # plugin loading outside the timing
            started = time.perf_counter()
            cold = InventoryManager(loader=DataLoader(), sources=[str(path)])
            cold_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            warm = InventoryManager(loader=DataLoader(), sources=[str(path)])
            warm_times.append(time.perf_counter() - started)
            hosts = len(cold.get_hosts())
            if hosts != 4 * args.boards or len(warm.get_hosts()) != hosts:
                raise SystemExit("expected %d hosts, got %d cold / %d cached"
                                 % (4 * args.boards, hosts, len(warm.get_hosts())))
        print(json.dumps({"boards": args.boards, "hosts": hosts,
                          "cold_discovery_s": round(min(cold_times), 4),
                          "cached_discovery_s": round(min(warm_times), 4),
                          "cold_runs_s": [round(t, 4) for t in cold_times],
                          "cached_runs_s": [round(t, 4) for t in warm_times]}, indent=2))
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


if __name__ == "__main__":
    main()
