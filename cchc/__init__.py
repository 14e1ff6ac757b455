"""cchc: a province's annual administrative reform (CCHC) plan, in one place."""
