# byok-keyring: the project's commands. `make test` and `make demo` set up
# everything they need first (scripts/setup.sh; a second run skips it all).
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)
WASM_OPT := $(CURDIR)/node_modules/.bin/wasm-opt
# -Oz run to a fixed point; the producers and target_features sections are
# not used by browsers (measured: -0.5 KB gzipped against a single -Oz).
# A function with one caller is inlined into it only when it is tiny (at most
# 20 bytes; binaryen's -Oz inlines every one-caller function whatever its
# size): the module grows by 4 KB raw but shrinks by 5 KB gzipped, because
# small functions number their locals from 0 and repeat each other's bytes
# where one long body cannot (docs/DECISIONS.md "Size levers measured").
WASM_OPT_INLINE := --one-caller-inline-max-function-size=20
WASM_OPT_FLAGS := -Oz --converge --strip-producers $(WASM_OPT_INLINE)
# Then one- and two-letter names for the imports and exports, in the .wasm
# (wasm-opt prints the map of names) and in the glue (scripts/short-names.mjs):
# -2.3 KB gzipped of .wasm, -0.8 KB of JS. The target_features section, which
# tells wasm-opt the module's features, goes last.
WASM_NAMES_FLAGS := --minify-imports-and-exports-and-modules --strip-target-features
# The shipped .wasm is built with the standard library rebuilt for it
# (-Zbuild-std): panics abort at once, with no message, location or Debug
# formatting to carry (measured: -8 KB gzipped; docs/DECISIONS.md "Size levers
# measured"). These are unstable flags, enabled on the stable compiler with
# RUSTC_BOOTSTRAP=1 for this one build; tests, lints and `cargo` by hand do not
# use them. scripts/setup.sh adds the rust-src component they need. `core`
# keeps opt-level 3, as in the prebuilt library: at the release profile's "z"
# its string and slice code made validate per keystroke 2.5x slower.
# The RustCrypto AES software backend's "compact" variant (a documented
# configuration flag) is smaller and slower: AES runs on a few blocks per
# operation, so its speed is not seen. (SHA-256's compact variant is not
# used: it made the pure-Rust PBKDF2 20-30 % slower.)
# No reference types or multi-value: wasm-bindgen then keeps JS values in a
# table of the glue instead of passing externrefs, and returns results through
# memory: -1.7 KB gzipped of .wasm, +0.4 KB of glue, same speed in the
# benchmark's hot path (docs/DECISIONS.md).
SIZE_RUSTFLAGS := -Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none \
  --cfg aes_backend_soft="compact" -Ctarget-feature=-reference-types,-multivalue
SIZE_CARGO_ARGS := -Zbuild-std=std,panic_abort --config profile.release.package.core.opt-level=3
PORT ?= 8080
# Seconds a wasm-bindgen-test file may run in the browser (its default, 20 s,
# is too tight for the tamper matrix on a loaded 2-core machine).
WASM_TEST_TIMEOUT ?= 300

.PHONY: all setup setup-test lint lint-fmt lint-clippy lint-clippy-wasm lint-doc lint-doc-wasm size build test test-native test-browser test-firefox test-e2e test-integration demo demo-standin bench mutants mutants-rust mutants-js clean

all: build

setup:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

## build: pkg/ (wasm-pack --target web, release), optimised with npm's wasm-opt.
build: setup
	RUSTC_BOOTSTRAP=1 RUSTFLAGS='$(SIZE_RUSTFLAGS)' \
	  wasm-pack build --target web --release --out-dir pkg . $(SIZE_CARGO_ARGS) \
	  || { echo "make build: the size flags (SIZE_RUSTFLAGS, docs/DECISIONS.md) may not suit this Rust version: $$(rustc --version)" >&2; exit 1; }
	$(WASM_OPT) $(WASM_OPT_FLAGS) pkg/byok_keyring_bg.wasm -o pkg/byok_keyring_bg.wasm
	$(WASM_OPT) $(WASM_NAMES_FLAGS) pkg/byok_keyring_bg.wasm -o pkg/byok_keyring_bg.wasm > target/wasm-names.json
	node scripts/short-names.mjs target/wasm-names.json
	node scripts/package.mjs
	@ls -l pkg/*.wasm pkg/*.js | awk '{print "  " $$5 " bytes  " $$9}'

## lint: rustfmt, clippy and rustdoc, each for native and wasm32 (warnings are
## errors). Every check runs, and the target fails if any failed.
lint: setup
	@$(MAKE) --no-print-directory -k lint-fmt lint-clippy lint-clippy-wasm lint-doc lint-doc-wasm

lint-fmt:
	cargo fmt --check

lint-clippy:
	cargo clippy --all-targets -- -D warnings

lint-clippy-wasm:
	cargo clippy --all-targets --target wasm32-unknown-unknown -- -D warnings

lint-doc:
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps

lint-doc-wasm:
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --target wasm32-unknown-unknown

## test: the lint gate, then every test: native Rust, wasm in headless Chromium
## and Firefox, browser end-to-end (including the size budget), WebKit, bundler apps.
test: setup-test
	$(MAKE) lint
	$(MAKE) test-native
	$(MAKE) test-browser
	$(MAKE) test-firefox
	$(MAKE) build
	$(MAKE) test-e2e
	$(MAKE) test-webkit
	$(MAKE) test-integration

test-native:
	cargo test

test-browser:
	WASM_BINDGEN_TEST_TIMEOUT=$(WASM_TEST_TIMEOUT) wasm-pack test --headless --chrome

test-firefox:
	WASM_BINDGEN_TEST_TIMEOUT=$(WASM_TEST_TIMEOUT) wasm-pack test --headless --firefox

WEBKIT_DRIVER ?= /usr/bin/WebKitWebDriver

## test-webkit: the wasm browser suite and the JS API page (tests/webdriver/) in
## WebKitGTK's MiniBrowser under xvfb-run (it has no headless mode). Needs pkg/.
.PHONY: test-webkit
test-webkit:
	WASM_BINDGEN_TEST_TIMEOUT=$(WASM_TEST_TIMEOUT) xvfb-run -a \
	  wasm-pack test --headless --safari --safaridriver $(WEBKIT_DRIVER)
	WEBKIT_WEBDRIVER=$(WEBKIT_DRIVER) xvfb-run -a node --test tests/webdriver/webkit.test.mjs

test-integration:
	node --test --test-concurrency=1 tests/integration/

test-e2e:
	node --test --test-concurrency=1 tests/js/ www/tests/
	node --test tests/webdriver/firefox.test.mjs

## demo: build and serve the demo on http://localhost:$(PORT) (passkeys need localhost, not 127.0.0.1)
demo: build
	PORT=$(PORT) node www/server.mjs

STANDIN_PORT ?= 8787

## demo-standin: the demo with key checks sent to the local provider stand-in
## (tests/js/standin/, on port $(STANDIN_PORT)): no real provider is contacted.
## The API keys popup picks the stand-in's answer (or ?scenario=invalid_key).
demo-standin: build
	@PORT=$(STANDIN_PORT) node tests/js/standin/server.mjs & standin=$$!; \
	trap 'kill $$standin 2>/dev/null' EXIT; \
	sleep 0.5; kill -0 $$standin 2>/dev/null || exit 1; \
	VERIFY_BASE_URL=http://127.0.0.1:$(STANDIN_PORT) PORT=$(PORT) node www/server.mjs

## bench: unlock, hot-path and size benchmarks in headless Chromium (BENCHMARKS.md)
bench: setup-test build
	node bench/run.mjs

## mutants: mutation testing, Rust and JS (slow: not part of `make test`).
mutants: build
	$(MAKE) mutants-rust
	$(MAKE) mutants-js

## mutants-rust: cargo-mutants over the core's decision modules
## (.cargo/mutants.toml: validate, mask, credits, format, crypto, json, the
## JSON writer, text and the keyring's decisions, key writes, tab sync and
## transfer) with the native tests; results in mutants.out/.
mutants-rust:
	@scripts/setup.sh mutants
	cargo mutants -j 2

## mutants-js: deliberate bugs in js/index.js, js/transport.js and www/, each
## run against the tests that must catch it, on a scratch copy (the tree is
## never modified); a table, and a failure if any bug is missed. Needs pkg/
## (make build). Not part of `make test`.
mutants-js:
	node scripts/mutants-js.mjs

## size: per-crate sizes of the .wasm (twiggy on a copy with names) and the
## shipped sizes against size-budget.json, in Markdown. Builds first.
size: build
	@scripts/setup.sh size
	WASM_OPT_INLINE='$(WASM_OPT_INLINE)' node scripts/size-report.mjs

clean:
	cargo clean
	rm -rf pkg
