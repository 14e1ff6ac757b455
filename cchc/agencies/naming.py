"""How agency names are compared: one key for every spelling of a name."""

import re
from functools import lru_cache

from cchc.lib.text import fold

_ABBREVIATIONS = [
    (r"\buy ban nhan dan\b", "ubnd"),
    (r"\bhoi dong nhan dan\b", "hdnd"),
    (r"\bvp\b", "van phong"),
    (r"&", " va "),
    (r"\s*-\s*", " - "),
]


# An import compares the same names and parts of names many thousand times.
@lru_cache(maxsize=1 << 16)
def resolution_key(name: str) -> str:
    """The form in which two spellings of one name compare equal."""
    key = fold(name)
    for pattern, replacement in _ABBREVIATIONS:
        key = re.sub(pattern, replacement, key)
    key = re.sub(r"\s*,\s*", ", ", key)
    return " ".join(key.split()).strip(" .;:,-")
