# StatML — every target installs what it needs first (`deps`), so each works as the first command on a
# fresh Debian 12 machine (run as root, or with sudo available).
SHELL := /bin/bash
.DEFAULT_GOAL := help

APT_PACKAGES := pkg-config libsqlite3-dev libopenblas-dev liblapacke-dev libxgboost-dev libgdal-dev \
                libmicrohttpd-dev libpq-dev libssl-dev libsentencepiece-dev postgresql chromium chromium-driver curl
# Peers and reference checks only (never StatML's own path): numpy for test oracles, pandas for benchmarks.
PIP_PACKAGES := numpy==2.4.6 pandas==3.1.1 scipy==1.17.1 scikit-learn==1.9.1
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FUZZ_SECONDS ?= 20

.PHONY: help deps build release demo test test-swift fuzz bench lint format clean

help:
	@echo "make demo    install deps, build release, run the end-to-end demo"
	@echo "make test    install deps, run the whole test suite (unit, CLI, C libraries, fuzzing)"
	@echo "make bench   run Benchmarks/ (StatML next to its peers) and update Benchmarks/RESULTS.md"
	@echo "make lint    check formatting with swift-format"

deps:
	@if ! dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
	    echo "== installing Debian packages: $(APT_PACKAGES)"; \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); \
	fi
	@if ! python3 -c "import numpy, pandas, scipy, sklearn" >/dev/null 2>&1; then \
	    echo "== installing Python packages: $(PIP_PACKAGES)"; \
	    python3 -m pip install -q --disable-pip-version-check $(PIP_PACKAGES); \
	fi

build: deps
	swift build

release: deps
	swift build -c release --product statml

demo: release
	bash scripts/demo.sh .build/release/statml

# Fuzzing first, so that the test runner's summary is the last thing printed. The store tests also run
# on a throwaway PostgreSQL (scripts/test-postgres.sh), stopped quietly afterwards whatever the outcome;
# the exit status stays the test runner's.
TEST_DATABASE_URL := postgresql://statml@127.0.0.1:54329/postgres
test: deps
	swift build --build-tests
	bash Fuzz/run.sh $(FUZZ_SECONDS)
	@trap 'bash scripts/test-postgres.sh stop >/dev/null 2>&1' EXIT; \
	bash scripts/test-postgres.sh start && \
	STATML_TEST_DATABASE_URL=$(TEST_DATABASE_URL) swift test --skip-build

fuzz: deps
	bash Fuzz/run.sh $(FUZZ_SECONDS)

bench: deps
	swift build -c release --product statml
	swift build -c release --product statml-bench
	bash Benchmarks/csv/run.sh
	STATML_BIN=.build/release/statml bash Benchmarks/coding/run.sh
	bash Benchmarks/service/run.sh

lint: deps
	swift format lint --strict --recursive Package.swift Sources Tests Benchmarks Fuzz

format: deps
	swift format --in-place --recursive Package.swift Sources Tests Benchmarks Fuzz

clean:
	rm -rf .build demo-output
