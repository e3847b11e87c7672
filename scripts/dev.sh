#!/usr/bin/env bash
# The app with the reference backend: Django on 127.0.0.1:8000, trunk on 127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export AUTH_PRINT_LINKS=1

py=backend/.venv/bin/python
$py backend/manage.py migrate --noinput >/dev/null
$py backend/manage.py runserver 127.0.0.1:8000 --noreload </dev/null &
backend=$!
trap 'kill $backend 2>/dev/null || true; wait $backend 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  App:      http://127.0.0.1:8080   (trunk serve; rebuilds on save)
  Backend:  http://127.0.0.1:8000/auth/   (Django + Djoser, SQLite in backend/db.sqlite3)
  Emails:   written to backend/outbox/, and their activation / reset links printed here
  Ctrl-C stops both.

MSG
trunk serve --offline
