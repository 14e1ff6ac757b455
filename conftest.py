"""Test-wide settings that must be in place before Django's settings are read."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("SECURE_SSL", "0")
