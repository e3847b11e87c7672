# The two commands: `make dev` runs the app with the reference backend; `make test` runs
# every test. Both install whatever is missing first (scripts/setup.sh).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

WASM := --target wasm32-unknown-unknown
# Every tests/*.rs but the in-browser unit tests and the native property tests is end to end.
E2E_TESTS := $(patsubst tests/%.rs,--test %,$(filter-out tests/browser.rs tests/properties.rs,$(wildcard tests/*.rs)))

.PHONY: dev test build lint unit-tests backend-tests browser-tests e2e-tests

dev:
	scripts/setup.sh build backend
	scripts/dev.sh

test: lint unit-tests backend-tests browser-tests build e2e-tests
	@echo "make test: every check passed"

build:
	scripts/setup.sh build
	trunk build --release --offline

lint:
	scripts/setup.sh build
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy $(WASM) --lib --bins -- -D warnings

# Pure logic, natively: unit tests and property tests (thousands of hostile inputs).
unit-tests:
	cargo test --lib --test properties

backend-tests:
	scripts/setup.sh backend
	cd backend && AUTH_FAST_HASHER=1 .venv/bin/python manage.py test accounts

# wasm-bindgen-test in headless Chromium: the browser effects (storage, fetch, locks).
browser-tests:
	scripts/setup.sh build browser
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	  CHROMEDRIVER=$$(command -v chromedriver) cargo test $(WASM) --test browser

# Real Chromium against the real backend, serving the release dist/ that `build` made.
e2e-tests:
	scripts/setup.sh backend browser
	cargo test $(E2E_TESTS) -- --test-threads=2
