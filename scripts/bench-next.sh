#!/usr/bin/env bash
# `make bench`'s reference: builds the Next.js + NextAuth anchor (NEXT_ANCHOR, outside the repo)
# in a copy under .bench/ and prints that copy's path, for benches/bench/phases/next.rs to serve
# and measure beside the app in the same run. Without the anchor it says so loudly and prints
# nothing: the bench then prints no reference figures.
#   scripts/bench-next.sh ../shared/anchors/nextjs-nextauth
set -euo pipefail

anchor=${1:?usage: $0 NEXT_ANCHOR_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/.bench/nextjs-nextauth"

if [ ! -f "$anchor/package.json" ] || [ ! -f "$anchor/package-lock.json" ] || [ ! -x "$anchor/scripts/start-next.sh" ]; then
  {
    echo
    echo "!!! make bench: no Next.js anchor at $anchor (NEXT_ANCHOR)."
    echo "!!! The bench runs without its reference phase and prints NO reference figures."
    echo
  } >&2
  exit 0
fi

# A copy of the anchor's sources (never building inside shared/), then npm ci when the lockfile
# changed and next build when anything did.
mkdir -p "$build"
tar -C "$anchor" --exclude=./node_modules --exclude=./.next -cf - . | tar -C "$build" -xf -
sources=$(cd "$anchor" && find . -path ./node_modules -prune -o -path ./.next -prune -o -type f -print0 \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
lock=$(sha256sum "$build/package-lock.json" | cut -d' ' -f1)
cd "$build"
if [ "$(cat .npm-ci-done 2>/dev/null)" != "$lock" ]; then
  echo "[bench] npm ci in $build" >&2
  npm ci --no-audit --no-fund >&2
  echo "$lock" > .npm-ci-done
fi
if [ "$(cat .next-build-done 2>/dev/null)" != "$sources" ] || [ ! -f .next/BUILD_ID ]; then
  echo "[bench] next build in $build" >&2
  NEXT_TELEMETRY_DISABLED=1 npx next build >&2
  echo "$sources" > .next-build-done
fi
echo "$build"
