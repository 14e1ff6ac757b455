"""Stored files: bytes kept once under their SHA-256 (see `cchc.lib.storage`)."""
