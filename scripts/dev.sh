#!/usr/bin/env bash
# The app with the reference backend: Django on 127.0.0.1:8000, trunk on 127.0.0.1:8080.
# Optional environment (tests/e2e/dev_server.rs runs it on free ports with a scratch data folder):
#   DEV_APP_PORT   trunk serve's port (8080)
#   DEV_API_PORT   Django's port (8000)
#   DEV_DATA_DIR   the development SQLite database and email outbox (.dev, git-ignored), kept
#                  outside what trunk watches so the backend's writes don't reload the page
#   DEV_DIST_DIR   where trunk serve writes its build (Trunk.toml's dist/ when unset)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

app_port=${DEV_APP_PORT:-8080}
api_port=${DEV_API_PORT:-8000}
data=${DEV_DATA_DIR:-.dev}
mkdir -p "$data/outbox"
data_path=$(cd "$data" && pwd)

export AUTH_DB_PATH="$data_path/db.sqlite3" AUTH_EMAIL_DIR="$data_path/outbox"
# Development: a throwaway signing key, DEBUG and /health/ (backend/README.md). The backend
# throttles by default (10 sign-ins a minute per IP); here the rates are generous unless set.
export AUTH_MODE=dev
export AUTH_THROTTLE_ANON=${AUTH_THROTTLE_ANON:-10000/min} AUTH_THROTTLE_USER=${AUTH_THROTTLE_USER:-10000/min}
export AUTH_THROTTLE_LOGIN=${AUTH_THROTTLE_LOGIN:-10000/min}
# The backend prints each email's links here; the emailed links and CORS point at the app.
export AUTH_PRINT_LINKS=1 AUTH_SPA_ORIGIN="http://127.0.0.1:$app_port" PYTHONUNBUFFERED=1
# The app learns the API's address when it is built (src/config.rs).
export DJOSER_API_BASE="http://127.0.0.1:$api_port"

# With the worked example of a page of your own (/notes): the reference backend has its API.
trunk_args=(serve --offline --port "$app_port" --features notes-example)
[ -z "${DEV_DIST_DIR:-}" ] || trunk_args+=(--dist "$DEV_DIST_DIR")

py=backend/.venv/bin/python
$py backend/manage.py migrate --noinput >/dev/null

# Each server runs in a process group of its own (job control), so that stopping it also stops
# whatever it started (trunk's cargo, wasm-bindgen and hook runs). Ctrl-C and SIGTERM reach this
# script; its traps stop both groups. The script waits with `wait`, which a signal interrupts.
pids=()
stop() {
  trap - EXIT HUP INT TERM
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

set -m
$py backend/manage.py runserver "127.0.0.1:$api_port" --noreload </dev/null &
pids+=($!)

cat <<MSG

  App:      http://127.0.0.1:$app_port   (trunk serve; rebuilds when a file in Trunk.toml's [watch] changes)
  Backend:  http://127.0.0.1:$api_port/auth/   (Django + Djoser, SQLite in $data/db.sqlite3)
  Emails:   written to $data/outbox/, and their activation / reset links printed here
  Ctrl-C stops both.

MSG
trunk "${trunk_args[@]}" </dev/null &
pids+=($!)
set +m

# Whichever stops first (e.g. a port already taken) takes the other one down with it.
status=0
wait -n || status=$?
exit "$status"
