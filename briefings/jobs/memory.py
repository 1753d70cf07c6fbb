"""Give freed heap memory back to the system after a large feed."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def trim_heap() -> None:
    """Collect garbage, then ask glibc to return free heap pages (a no-op elsewhere).

    glibc keeps freed memory for reuse; after a 64 MB body the process would stay that much
    bigger for good. ``malloc_trim`` hands the free pages back.
    """
    gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
