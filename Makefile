# beowulf.slurm developer entry points. Everything installs itself: venv, Docker engine, images.
SHELL := /bin/bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
PYTEST := $(CURDIR)/.venv/bin/pytest

.PHONY: help bootstrap venv test unit static integration molecule e2e demo demo-login demo-destroy build bench clean

help:
	@echo "make test          run every test tier (unit, static, integration, molecule incl. VMs, e2e)"
	@echo "make demo          the emulated Turing Pi 2 board: BMC emulator + 4 nodes, site.yml, smoke test"
	@echo "make demo-login    shell on the demo controller"
	@echo "make demo-destroy  remove the demo cluster"
	@echo "make unit|static|integration|molecule|e2e   one tier"
	@echo "make bench         converge times at 4 and 16 compute containers, job throughput of the demo board (JSON)"

bootstrap:
	scripts/bootstrap.sh all

venv:
	scripts/bootstrap.sh venv

test: venv
	scripts/bootstrap.sh tools
	scripts/test.sh

unit: venv
	$(PYTEST) tests/unit

static: venv
	$(PYTEST) tests/static

integration: venv
	$(PYTEST) tests/integration

molecule: bootstrap
	$(PYTEST) tests/molecule

e2e: bootstrap
	$(PYTEST) tests/e2e

demo:
	@started=$$(date +%s); scripts/bootstrap.sh demo && \
	  BEOWULF_DEMO_STARTED=$$started .venv/bin/python scripts/demo.py up

demo-login: venv
	.venv/bin/python scripts/demo.py login

demo-destroy: venv
	.venv/bin/python scripts/demo.py destroy

bench: bootstrap
	.venv/bin/python scripts/bench.py

build: venv
	ansible-galaxy collection build --force --output-path build .

clean:
	rm -rf build .cache/logs .cache/sanity tests/output
