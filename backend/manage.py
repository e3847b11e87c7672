#!/usr/bin/env python
"""Django's command-line utility for the reference backend."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if sys.argv[1:2] == ["test"]:
        # The test suite runs on a throwaway key and a scratch database (config/settings.py).
        os.environ.setdefault("AUTH_MODE", "test")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
