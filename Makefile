# kubectl-hostprocess — developer entry points. `make help` lists them.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: help build release test test-unit lint rules-docs docs-examples fmt demo dist krew-check bench fuzz fuzz-all clean ps-check
.DEFAULT_GOAL := help

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## debug build of the plugin
	$(CARGO) build

release: ## optimised build (target/release/kubectl-hostprocess)
	$(CARGO) build --release

test: ## every test: unit, CLI, end-to-end (starts or reuses the local control plane) and the bench script's tests
	python3 -m unittest discover -s bench
	bash testenv/build.sh >/dev/null
	$(CARGO) test --all-targets --features e2e

test-unit: ## unit and CLI tests only (no cluster; what plain `cargo test` runs)
	$(CARGO) test --all-targets

lint: ## rustfmt and clippy, as CI runs them
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --features e2e -- -D warnings
	$(CARGO) clippy --target x86_64-pc-windows-gnu --all-targets -- -D warnings

rules-docs: ## regenerate docs/rules/ (one page per rule, from the rule data; a test fails when stale)
	UPDATE_RULE_DOCS=1 $(CARGO) test --test cli rule_pages_in_docs_are_current

docs-examples: ## rewrite the `<!-- template: … -->` YAML blocks in docs/ and README.md (a test fails when stale)
	UPDATE_DOCS_EXAMPLES=1 $(CARGO) test --test cli docs_examples_are_templates_or_lint_clean

fmt: ## format the code
	$(CARGO) fmt

ps-check: ## PowerShell syntax check of src/**/*.ps1 (tree-sitter; pip-installs it into target/ps-check-py)
	python3 scripts/ps-check.py

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

# ---- fuzz ---- BEGIN fuzz block (cargo-fuzz/libFuzzer; see fuzz/README.md)
# Not part of CI. Stable Rust: RUSTC_BOOTSTRAP=1 lets it take cargo-fuzz's -Z flags. A
# crash/timeout/OOM stops the target's run, leaves the input in fuzz/artifacts/<target>/ and
# makes the make target exit non-zero.
#   make fuzz                       lint only, with AddressSanitizer (FUZZ_SANITIZER)
#   make fuzz-all FUZZ_RUNS=N       every target, N inputs each, no sanitizer (FUZZ_ALL_SANITIZER)
FUZZ_RUNS ?= 1000000
FUZZ_JOBS ?= 2
FUZZ_TIMEOUT ?= 30
FUZZ_SANITIZER ?= address
FUZZ_FIXTURES ?= $(CURDIR)/tests/fixtures/real-manifests
FUZZ_ARGS ?=
CARGO_FUZZ_VERSION ?= 0.13.2
FUZZ_ENV := RUSTC_BOOTSTRAP=1
FUZZ_TARGETS ?= lint dump doctor page duration
FUZZ_ALL_SANITIZER ?= none
FUZZ_MAX_LEN ?= 1048576
FUZZ_RSS_MB ?= 2048
FUZZ_MALLOC_MB ?= 1024
FUZZ_NICE ?= nice -n 19
# -a: debug assertions (integer overflow panics) in the fuzzed code.
FUZZ_BUILD_FLAGS ?= -a
.PHONY: fuzz fuzz-build fuzz-seed fuzz-all fuzz-build-all fuzz-seed-all

fuzz-build: ## build the lint fuzz target (installs cargo-fuzz from crates.io if missing)
	@$(CARGO) fuzz --version >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked --version $(CARGO_FUZZ_VERSION)
	cd fuzz && $(FUZZ_ENV) $(CARGO) fuzz build -s $(FUZZ_SANITIZER) lint

fuzz-seed: ## seed fuzz/corpus/lint from fuzz/seeds and FUZZ_FIXTURES, once per Context byte 0-3
	@mkdir -p fuzz/corpus/lint
	@n=0; for f in fuzz/seeds/* $(wildcard $(FUZZ_FIXTURES)/*.yaml); do \
	  for s in 0 1 2 3; do { printf "\\x0$$s"; cat "$$f"; } > "fuzz/corpus/lint/seed-$$s-$$(basename "$$f")"; done; \
	  n=$$((n+1)); done; echo "fuzz-seed: $$n seed files x 4 contexts in fuzz/corpus/lint"
	@[ -d "$(FUZZ_FIXTURES)" ] || echo "fuzz-seed: note: $(FUZZ_FIXTURES) missing, fuzz/seeds only"

fuzz: fuzz-build fuzz-seed ## fuzz lint_text for FUZZ_RUNS inputs (default 1000000); non-zero exit on a crash
	cd fuzz && $(FUZZ_ENV) $(CARGO) fuzz run -s $(FUZZ_SANITIZER) lint corpus/lint -- \
	  -runs=$(FUZZ_RUNS) -dict=lint.dict -timeout=$(FUZZ_TIMEOUT) -print_final_stats=1 \
	  $(if $(filter-out 0 1,$(FUZZ_JOBS)),-fork=$(FUZZ_JOBS)) $(FUZZ_ARGS)

fuzz-build-all: ## build every fuzz target (FUZZ_ALL_SANITIZER, default none)
	@$(CARGO) fuzz --version >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked --version $(CARGO_FUZZ_VERSION)
	cd fuzz && $(FUZZ_ENV) $(FUZZ_NICE) $(CARGO) fuzz build -s $(FUZZ_ALL_SANITIZER) $(FUZZ_BUILD_FLAGS)

fuzz-seed-all: ## seed fuzz/corpus/<target> for every target (fuzz/seed.py: fixtures, corpus dumps, bundles)
	python3 fuzz/seed.py

fuzz-all: fuzz-build-all fuzz-seed-all ## run every fuzz target for FUZZ_RUNS inputs each; non-zero exit on a crash
	@failed=; for t in $(FUZZ_TARGETS); do \
	  case $$t in lint) d=lint.dict;; duration) d=duration.dict;; *) d=dump.dict;; esac; \
	  echo "fuzz-all: $$t, $(FUZZ_RUNS) inputs (log: fuzz/artifacts/$$t.log)"; mkdir -p fuzz/artifacts/$$t; \
	  ( cd fuzz && $(FUZZ_ENV) $(FUZZ_NICE) $(CARGO) fuzz run -s $(FUZZ_ALL_SANITIZER) $(FUZZ_BUILD_FLAGS) $$t corpus/$$t -- \
	    -runs=$(FUZZ_RUNS) -dict=$$d -timeout=$(FUZZ_TIMEOUT) -max_len=$(FUZZ_MAX_LEN) \
	    -rss_limit_mb=$(FUZZ_RSS_MB) -malloc_limit_mb=$(FUZZ_MALLOC_MB) -print_final_stats=1 $(FUZZ_ARGS) \
	  ) > fuzz/artifacts/$$t.log 2>&1 || { failed="$$failed $$t"; tail -n 30 fuzz/artifacts/$$t.log; }; \
	  grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec' fuzz/artifacts/$$t.log | tr '\n' ' '; echo; \
	done; if [ -n "$$failed" ]; then echo "fuzz-all: crashes in:$$failed (inputs in fuzz/artifacts/)"; exit 1; fi
# ---- END fuzz block

# ---- bench ---- (scale benchmarks on their own local plane; see bench/ and README "Performance")
BENCH_NODES ?= 2000
BENCH_PODS ?= 20000
BENCH_LARGE_NODES ?= 5000
BENCH_LARGE_PODS ?= 150000
.PHONY: bench-envelope

bench: ## scale benchmarks (BENCH_NODES=2000 BENCH_PODS=20000); writes target/bench/results.json and doctor-scaling.svg
	$(CARGO) build --release
	BENCH_NODES=$(BENCH_NODES) BENCH_PODS=$(BENCH_PODS) python3 bench/bench.py

bench-envelope: ## make bench plus a third size at the scalability envelope (BENCH_LARGE_NODES=5000 BENCH_LARGE_PODS=150000)
	$(CARGO) build --release
	BENCH_NODES=$(BENCH_NODES) BENCH_PODS=$(BENCH_PODS) BENCH_LARGE_NODES=$(BENCH_LARGE_NODES) \
	  BENCH_LARGE_PODS=$(BENCH_LARGE_PODS) python3 bench/bench.py
# ---- END bench block
