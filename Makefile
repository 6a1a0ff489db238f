# partner-center — `make run` serves a demo on SQLite; `make test` runs every test on both backends.
SHELL := /bin/bash
BIN := .build/debug/partner-center
VENV := .venv
PY := $(VENV)/bin/python
PG_DIR := /tmp/partner-center-make-pg
PG_PORT ?= 55432
PORT ?= 8080
RATE_LIMIT ?= 10

.PHONY: build run test test-swift test-sdk deps deps-build deps-system deps-python clean

build: deps-build
	swift build

# What the build links against: libxml2 and libxmlsec1 (XML signatures for SAML) and
# libqrencode (QR codes).
deps-build:
	@if ! pkg-config --exists xmlsec1-openssl libqrencode 2>/dev/null; then \
	  echo "installing libxmlsec1-dev libqrencode-dev"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pkg-config libxmlsec1-dev libqrencode-dev >/dev/null; \
	fi

run: build
	$(BIN) serve --demo --port $(PORT) --rate-limit $(RATE_LIMIT)

# System packages the tests need, installed only when missing: the PostgreSQL server,
# xmlsec1 (an independent signature check), headless Chromium with its driver and zbarimg
# (an independent QR code reader).
deps-system: deps-build
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v xmlsec1 >/dev/null || missing="$$missing xmlsec1"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	command -v zbarimg >/dev/null || missing="$$missing zbar-tools"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# The official SDK and pytest, in a project-local virtualenv.
deps-python:
	@if [ ! -x $(PY) ] || ! $(PY) -c 'import huaweicloudsdkbss, pytest, requests, saml2, selenium' 2>/dev/null; then \
	  python3 -m venv $(VENV) && $(PY) -m pip install -q -r tests/sdk/requirements.txt; \
	fi

deps: deps-build deps-system deps-python

test: deps
	swift build --build-tests
	$(MAKE) test-swift
	$(MAKE) test-sdk

# Swift tests: the stores on a real SQLite file and a real PostgreSQL server.
test-swift:
	@url=$$(scripts/throwaway-postgres start $(PG_DIR) $(PG_PORT)); \
	trap 'scripts/throwaway-postgres stop $(PG_DIR)' EXIT; \
	PC_TEST_POSTGRES_URL=$$url swift test --skip-build

# The official SDK against the real binary, once per backend.
test-sdk:
	PC_BACKEND=sqlite $(PY) -m pytest tests/sdk -q
	PC_BACKEND=postgres $(PY) -m pytest tests/sdk -q

clean:
	rm -rf .build $(VENV) data
