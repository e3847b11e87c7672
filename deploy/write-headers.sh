#!/usr/bin/env bash
# Writes DIST/_headers for Netlify and Cloudflare Pages (same syntax): the security headers for
# every path (under the build's base path), and a year of caching for each content-hashed file of
# this build, by exact name.
# (Their path patterns can't say "name-<hash>.ext"; exact names always work, and index.html keeps
# the hosts' default `max-age=0, must-revalidate`.) Run it after every build, before uploading.
#   deploy/write-headers.sh dist https://api.example.com
set -euo pipefail

dist=${1:?usage: $0 DIST_DIR API_ORIGIN}
api=${2:?usage: $0 DIST_DIR API_ORIGIN (e.g. https://api.example.com)}
[ -f "$dist/index.html" ] || { echo "error: $dist/index.html not found: build first (make build)" >&2; exit 1; }
# The pages' inline <style>, allowed by its hash, which the build writes (scripts/post-build.py).
style_hash=$(cat "$dist/csp-style-hash.txt" 2>/dev/null) || true
[[ $style_hash =~ ^\'sha256-[A-Za-z0-9+/=]+\'$ ]] || { echo "error: no style hash in $dist/csp-style-hash.txt: rebuild (make build)" >&2; exit 1; }

# The path the build is served under (scripts/configure-dist.py --base), from its pages.
base=$(sed -n 's/.*<meta name="app-base-path" content="\([^"]*\)".*/\1/p' "$dist/index.html" | head -n 1)
base=${base:-/}

csp="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' $style_hash; img-src 'self' data:; connect-src 'self' $api; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"

{
  echo "# Written by deploy/write-headers.sh for this build; see docs/deploy.md."
  echo "${base}*"
  echo "  Content-Security-Policy: $csp"
  echo "  Referrer-Policy: no-referrer"
  echo "  X-Content-Type-Options: nosniff"
  echo "  X-Frame-Options: DENY"
  echo "  Cross-Origin-Opener-Policy: same-origin"
  echo "  Permissions-Policy: camera=(), microphone=(), geolocation=(), payment=()"
  # trunk names the build's files name-<hash>.ext (the wasm: name-<hash>_bg.wasm); the hash is
  # a 64-bit number in hex without leading zeros: up to 16 digits.
  for path in "$dist"/*; do
    file=${path##*/}
    if [ -f "$path" ] && [[ $file =~ ^[^/]+-[0-9a-f]{1,16}(_bg)?\.[a-z0-9]+$ ]]; then
      echo "${base}$file"
      echo "  Cache-Control: public, max-age=31536000, immutable"
    fi
  done
} > "$dist/_headers"
echo "wrote $dist/_headers"
