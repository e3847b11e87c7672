#!/usr/bin/env bash
# Installs what the project needs, skipping whatever is already there.
#   scripts/setup.sh build     wasm target, the release toolchain ($RELEASE_TOOLCHAIN, from the
#                              Makefile), trunk, wasm-bindgen CLI, wasm-opt (binaryen), terser
#   scripts/setup.sh backend   the reference backend's virtualenv
#   scripts/setup.sh browser   Chromium, chromedriver, nginx, axe-core and oidc-provider (for the tests)
#   scripts/setup.sh bench     brotli (make bench reports brotli sizes beside gzip)
#   scripts/setup.sh engines   the other engines of the end-to-end tests (E2E_BROWSER): Firefox
#                              (firefox-esr) and geckodriver, WebKitGTK's WebKitWebDriver and
#                              MiniBrowser (webkit2gtk-driver), xvfb-run (MiniBrowser needs a display)
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
TERSER_VERSION=5.51.4
OIDC_PROVIDER_VERSION=9.13.3
TOOLS="$PWD/.tools"
export PATH="$TOOLS/node_modules/.bin:$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Installs Debian packages "$@" as root with apt-get; elsewhere, dies with $WHY and the command.
apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing $* from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    die "$WHY (Debian/Ubuntu: sudo apt-get install $*)."
  fi
}
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The wasm-bindgen CLI must be the exact version Cargo.lock pins.
locked_wasm_bindgen() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

setup_build() {
  command -v cargo >/dev/null || die "Rust is missing: install it with rustup (https://rustup.rs)."
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  # The release build's pinned nightly (the Makefile's RELEASE_TOOLCHAIN), with std's source.
  local release=${RELEASE_TOOLCHAIN:-stable}
  if [ "$release" != stable ] && [ "$(rustup component list --toolchain "$release" --installed 2>/dev/null |
      grep -cx 'rust-src\|rust-std-wasm32-unknown-unknown')" != 2 ]; then
    say "Installing the Rust toolchain $release for release builds (about a minute, once)"
    rustup toolchain install "$release" --profile minimal -c rust-src -t wasm32-unknown-unknown
    # std's own dependencies, which rebuilding std needs and `trunk --offline` won't download.
    rustup run "$release" cargo fetch --manifest-path \
      "$(rustup run "$release" rustc --print sysroot)/lib/rustlib/src/rust/library/Cargo.toml"
  fi
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    say "Installing trunk $TRUNK_VERSION (about 10 minutes, once)"
    cargo install trunk --locked --version "$TRUNK_VERSION"
  fi
  local wb; wb=$(locked_wasm_bindgen)
  [ -n "$wb" ] || die "Cargo.lock has no wasm-bindgen entry; run 'cargo generate-lockfile'."
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wb" ]; then
    say "Installing wasm-bindgen-cli $wb (about 3 minutes, once)"
    # Not --locked: its packaged lockfile names a crate version the registry lacks.
    cargo install wasm-bindgen-cli --version "$wb"
  fi
  if ! "$TOOLS/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    command -v npm >/dev/null || die "npm is missing: install Node.js with npm (it brings wasm-opt from binaryen@$BINARYEN_VERSION)."
    say "Installing wasm-opt (binaryen@$BINARYEN_VERSION) into .tools/"
    npm install --prefix "$TOOLS" --no-audit --no-fund "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
  # terser minifies wasm-bindgen's JS glue in release builds (scripts/post-build.py).
  if [ "$("$TOOLS/node_modules/.bin/terser" --version 2>/dev/null)" != "terser $TERSER_VERSION" ]; then
    command -v npm >/dev/null || die "npm is missing: install Node.js with npm (it brings terser@$TERSER_VERSION)."
    say "Installing terser@$TERSER_VERSION into .tools/"
    npm install --prefix "$TOOLS" --no-audit --no-fund "terser@$TERSER_VERSION" >/dev/null
  fi
}

setup_backend() {
  command -v python3 >/dev/null || die "Python 3.10+ is missing."
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' || die "Python 3.10+ is needed (found $(python3 --version))."
  local venv=backend/.venv
  if ! cmp -s backend/requirements.txt "$venv/requirements.installed" 2>/dev/null; then
    say "Creating the backend's virtualenv"
    python3 -m venv "$venv" || die "python3 -m venv failed: install the venv module (Debian: apt-get install python3-venv)."
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r backend/requirements.txt
    cp backend/requirements.txt "$venv/requirements.installed"
  fi
}

setup_browser() {
  # Debian package names of what is missing: the browser, its driver, nginx with brotli_static
  # (tests/e2e/nginx.rs).
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx)
  [ -f /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ] || missing+=(libnginx-mod-http-brotli-static)
  if [ ${#missing[@]} -gt 0 ]; then
    WHY="The tests need Chromium, chromedriver and nginx" apt_install "${missing[@]}"
  fi
  # axe-core, injected into every page by tests/e2e/accessibility.rs.
  if ! grep -qs '"version": "4\.' "$TOOLS/node_modules/axe-core/package.json"; then
    command -v npm >/dev/null || die "npm is missing: install Node.js with npm (it brings axe-core for the accessibility tests)."
    say "Installing axe-core@4 into .tools/"
    npm install --prefix "$TOOLS" --no-audit --no-fund "axe-core@4" >/dev/null
  fi
  # oidc-provider: the identity provider the social sign-in tests run (tests/support/oidc/provider.mjs).
  if ! grep -qs "\"version\": \"$OIDC_PROVIDER_VERSION\"" "$TOOLS/node_modules/oidc-provider/package.json"; then
    command -v npm >/dev/null || die "npm is missing: install Node.js with npm (it brings oidc-provider for the social sign-in tests)."
    say "Installing oidc-provider@$OIDC_PROVIDER_VERSION into .tools/"
    npm install --prefix "$TOOLS" --no-audit --no-fund "oidc-provider@$OIDC_PROVIDER_VERSION" >/dev/null
  fi
}

setup_bench() {
  command -v brotli >/dev/null && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing brotli from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq brotli >/dev/null
  else
    say "brotli is missing: make bench leaves brotli sizes out (Debian/Ubuntu: sudo apt-get install brotli)"
  fi
}

GECKODRIVER_VERSION=0.37.1

setup_engines() {
  local missing=()
  command -v firefox-esr >/dev/null || [ -x "${FIREFOX:-/usr/bin/firefox-esr}" ] || missing+=(firefox-esr)
  command -v WebKitWebDriver >/dev/null || missing+=(webkit2gtk-driver)
  command -v xvfb-run >/dev/null || missing+=(xvfb)
  command -v xauth >/dev/null || missing+=(xauth)
  if [ ${#missing[@]} -gt 0 ]; then
    WHY="The tests in Firefox and WebKit need ${missing[*]}" apt_install "${missing[@]}"
  fi
  # geckodriver from crates.io (the npm and PyPI packages download a binary at install time).
  if ! geckodriver --version 2>/dev/null | grep -q "^geckodriver $GECKODRIVER_VERSION"; then
    command -v cargo >/dev/null || die "Rust is missing: install it with rustup (https://rustup.rs); geckodriver is built with cargo."
    say "Installing geckodriver $GECKODRIVER_VERSION (about 3 minutes, once)"
    cargo install geckodriver --locked --version "$GECKODRIVER_VERSION"
  fi
}

for what in "$@"; do
  case "$what" in
    build) setup_build ;;
    backend) setup_backend ;;
    browser) setup_browser ;;
    bench) setup_bench ;;
    engines) setup_engines ;;
    *) die "unknown part '$what' (build, backend, browser, bench, engines)" ;;
  esac
done
