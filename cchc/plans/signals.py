"""Signals other apps listen to, so that plans need not know about them."""

from django.dispatch import Signal

# Sent inside the import's transaction with `plan`, after its contents are written.
plan_imported = Signal()

# Sent inside the issuing transaction with `plan`, when an agency issues its own plan
# (cchc.plans.cascade.plan_issue).
plan_issued = Signal()
