"""Operations: backup, restore and the load test, as `cchc` management commands."""
