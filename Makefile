# kubectl-hostprocess — developer entry points. `make help` lists them.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: help build release test test-unit lint fmt demo dist krew-check bench fuzz clean
.DEFAULT_GOAL := help

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## debug build of the plugin
	$(CARGO) build

release: ## optimised build (target/release/kubectl-hostprocess)
	$(CARGO) build --release

test: ## every test: unit, CLI and end-to-end (starts or reuses the local control plane)
	bash testenv/build.sh >/dev/null
	$(CARGO) test --all-targets

test-unit: ## unit and CLI tests only (no cluster)
	$(CARGO) test --lib --test cli

lint: ## rustfmt and clippy, as CI runs them
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

fmt: ## format the code
	$(CARGO) fmt

demo: ## build, start the local cluster with the scenarios, run doctor against it
	bash scripts/demo.sh

# ---- testenv (local control plane with fake Windows nodes; see testenv/) ---- BEGIN testenv block
.PHONY: testenv-build testenv-up testenv-down testenv-status

testenv-build: ## build/cache kube-apiserver, KCM, scheduler, etcd, kwok, krew (outside the repo)
	@bash testenv/build.sh

testenv-up: ## start the plane + default nodes + scenarios; last line: export KUBECONFIG=...
	@bash testenv/up.sh

testenv-down: ## stop the plane (pids from pid files only) and remove its state dir
	@bash testenv/down.sh

testenv-status: ## show components, readiness and nodes
	@bash testenv/status.sh
# ---- END testenv block

# ---- krew/release ---- BEGIN krew/release block (see krew/README.md)
.PHONY: workflow-check
DIST_TARGET ?=

dist: ## release build + target/dist/kubectl-hostprocess_v<version>_<os>_<arch>.tar.gz and .sha256
	$(CARGO) build --release $(if $(DIST_TARGET),--target $(DIST_TARGET))
	python3 krew/pack.py $(if $(DIST_TARGET),--target $(DIST_TARGET))

workflow-check: ## actionlint over .github/workflows (builds actionlint into the testenv cache)
	@bash testenv/build.sh >/dev/null
	@. testenv/lib.sh && "$$TESTENV_BIN/actionlint" && echo "actionlint: OK"

krew-check: dist workflow-check ## offline: validate the Krew manifest, krew install/run/uninstall it
	bash krew/check.sh
# ---- END krew/release block
