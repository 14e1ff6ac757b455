"""The audit trail: every change of state, who made it, from where, before and after."""
