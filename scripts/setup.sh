#!/usr/bin/env bash
# Installs what `make build`, `make test` and `make demo` need, skipping what is
# already there, so a second run takes seconds. Everything comes from the
# package registries (crates.io, Debian, npm); nothing downloads a binary.
#
#   scripts/setup.sh build    Rust wasm target, rustfmt, clippy and rust-src, wasm-pack, wasm-bindgen-cli, npm packages
#   scripts/setup.sh test     the above, plus Chromium, ChromeDriver, Firefox ESR and geckodriver,
#                             and WebKitGTK's WebKitWebDriver with MiniBrowser, Xvfb and xauth
#   scripts/setup.sh size     only twiggy, for `make size` (which builds, and so sets up, first)
#   scripts/setup.sh mutants  only cargo-mutants, for `make mutants`
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-build}
say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

# twiggy, for `make size` only (per-crate sizes of the .wasm).
if [ "$want" = size ]; then
  if ! command -v twiggy >/dev/null; then
    say "installing twiggy (cargo install, about 2 minutes)"
    cargo install twiggy --locked
  fi
  exit 0
fi

# cargo-mutants, for `make mutants` only (mutation testing of the core).
if [ "$want" = mutants ]; then
  if ! command -v cargo-mutants >/dev/null; then
    say "installing cargo-mutants (cargo install, about 3 minutes)"
    cargo install cargo-mutants --locked
  fi
  exit 0
fi

# 1. The wasm target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 1b. rustfmt and clippy (`make lint`, the first step of `make test`), and
#     the standard library's source, which `make build` rebuilds for size.
components=$(rustup component list --installed)
for c in rustfmt clippy rust-src; do
  if ! grep -q "^$c" <<<"$components"; then
    say "adding the $c component"
    rustup component add "$c"
  fi
done

# 2. wasm-pack, built from source (the npm package downloads a binary, which fails here).
if ! command -v wasm-pack >/dev/null; then
  say "installing wasm-pack (cargo install, about 2 minutes)"
  cargo install wasm-pack --locked
fi

# 3. wasm-bindgen-cli at exactly the version in Cargo.lock; wasm-pack would
#    otherwise build it again into its cache on every fresh machine.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  say "installing wasm-bindgen-cli $wb_version (cargo install, about 2 minutes)"
  # --locked first; its lock file can name a dependency version that the
  # registry has since yanked, so fall back to a fresh resolution.
  cargo install wasm-bindgen-cli --version "$wb_version" --locked \
    || cargo install wasm-bindgen-cli --version "$wb_version" --force
fi

# 4. npm packages: playwright-core (drives Debian's Chromium) and binaryen
#    (a wasm-opt that works; Debian's binaryen 108 breaks the module).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund
fi

# 5. Chromium, ChromeDriver and Firefox ESR from Debian; geckodriver from crates.io (tests only).
if [ "$want" = test ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v firefox-esr >/dev/null; then
    say "installing chromium, chromium-driver and firefox-esr from Debian"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver firefox-esr
  fi
  if ! command -v geckodriver >/dev/null; then
    say "installing geckodriver (cargo install, about 5 minutes)"
    cargo install geckodriver --locked
  fi
fi

# 6. WebKit (the engine behind Safari): Debian's webkit2gtk-driver gives
#    /usr/bin/WebKitWebDriver and MiniBrowser, which has no headless mode, so
#    `make test-webkit` runs it under xvfb-run (xvfb, xauth). Tests only.
if [ "$want" = test ]; then
  if [ ! -x /usr/bin/WebKitWebDriver ] || ! command -v xvfb-run >/dev/null || ! command -v xauth >/dev/null; then
    say "installing webkit2gtk-driver, xvfb and xauth from Debian (about 45 s)"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq webkit2gtk-driver xvfb xauth
  fi
fi
say "ready ($want)"
