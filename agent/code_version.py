"""One hash of the code that derived data depends on, for the caches that keep such data
(reports, the analysis memo, the reference index): any change to the code is a fresh start.
Its own module, so the caches read it without importing what they cache."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import sys
import sysconfig
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
_CODE_DIRS = ("agent", "retrieval", "prompts")


@functools.cache
def code_version() -> str:
    """A hash of the code a report depends on (file contents, not times) and of the
    interpreter and installed packages (their directory changes when a package does)."""
    h = hashlib.sha256(sys.version.encode())
    site = Path(sysconfig.get_paths()["purelib"])
    with contextlib.suppress(OSError):
        h.update(str(site.stat().st_mtime_ns).encode())
    for top in _CODE_DIRS:
        for path in sorted((_ROOT / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(_ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()
