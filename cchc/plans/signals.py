"""Signals other apps listen to, so that plans need not know about them."""

from django.dispatch import Signal

# Sent inside the import's transaction with `plan`, after its contents are written.
plan_imported = Signal()
