# beowulf.slurm developer entry points. Everything installs itself: venv, Docker engine, images.
SHELL := /bin/bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
PYTEST := $(CURDIR)/.venv/bin/pytest
SCENARIO ?= debian12

.PHONY: help bootstrap venv test unit static integration molecule demo demo-login demo-destroy build clean

help:
	@echo "make test          run every test tier (unit, static, galaxy build, molecule)"
	@echo "make demo          bring up a container cluster with the collection deployed, leave it running"
	@echo "make demo-login    shell on the demo controller"
	@echo "make demo-destroy  remove the demo cluster"
	@echo "make unit|static|integration|molecule   one tier"

bootstrap:
	scripts/bootstrap.sh all

venv:
	scripts/bootstrap.sh venv

test: bootstrap
	$(PYTEST)

unit: venv
	$(PYTEST) tests/unit

static: venv
	$(PYTEST) tests/static

integration: venv
	$(PYTEST) tests/integration

molecule: bootstrap
	$(PYTEST) tests/molecule

demo: bootstrap
	molecule converge -s $(SCENARIO)
	@echo
	@echo "The cluster is running. Log in: make demo-login   Remove it: make demo-destroy"

demo-login:
	docker exec -it $$(molecule list -s $(SCENARIO) -f plain | awk '/ctl/ {print $$1; exit}') bash

demo-destroy:
	molecule destroy -s $(SCENARIO)

build: venv
	ansible-galaxy collection build --force --output-path build .

clean:
	rm -rf build .cache/logs .cache/sanity tests/output
