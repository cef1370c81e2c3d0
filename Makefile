# byok-keyring: the project's commands. `make test` and `make demo` set up
# everything they need first (scripts/setup.sh; a second run skips it all).
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)
WASM_OPT := $(CURDIR)/node_modules/.bin/wasm-opt
PORT ?= 8080

.PHONY: all setup setup-test build test test-native test-browser test-e2e demo bench clean

all: build

setup:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

## build: pkg/ (wasm-pack --target web, release), optimised with npm's wasm-opt.
build: setup
	wasm-pack build --target web --release --out-dir pkg
	$(WASM_OPT) -Oz pkg/byok_keyring_bg.wasm -o pkg/byok_keyring_bg.wasm
	@ls -l pkg/*.wasm pkg/*.js | awk '{print "  " $$5 " bytes  " $$9}'

## test: every test: native Rust, wasm in headless Chromium, browser end-to-end.
test: setup-test
	$(MAKE) test-native
	$(MAKE) test-browser
	$(MAKE) build
	$(MAKE) test-e2e

test-native:
	cargo test

test-browser:
	wasm-pack test --headless --chrome

test-e2e:
	node --test --test-concurrency=1 tests/js/ www/tests/

## demo: build and serve the demo on http://127.0.0.1:$(PORT)
demo: build
	PORT=$(PORT) node www/server.mjs

bench: build
	@echo "benchmarks: see issue 4 (not yet implemented)"

clean:
	cargo clean
	rm -rf pkg
