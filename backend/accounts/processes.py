"""For the backend's tests: the backend run as a separate process, which reads its settings
the way a server does (a test process can't re-read them)."""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BACKEND_DIR = Path(__file__).resolve().parent.parent


def run_backend_python(script_or_args, **env):
    """Runs the backend's Python in backend/ with a scratch database and exactly the AUTH_*
    variables given (AUTH_MODE included): a fresh process reads the settings the way a server
    does. `script_or_args`: a -c script, or a list of arguments."""
    args = ["-c", script_or_args] if isinstance(script_or_args, str) else script_or_args
    with tempfile.TemporaryDirectory() as tmp:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
        full_env = {
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "AUTH_DB_PATH": os.path.join(tmp, "db.sqlite3"),
            "AUTH_EMAIL_DIR": os.path.join(tmp, "outbox"),
            **env,
        }
        return subprocess.run(
            [sys.executable, *args], cwd=BACKEND_DIR, env=full_env, capture_output=True, text=True, timeout=60
        )
