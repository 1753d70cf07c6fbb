"""One line of a JSON-lines input (`match`, `cluster`), decoded or refused with the reason.

Lines are read as bytes and decoded one by one, so a line that is not UTF-8 is skipped and
named like any other bad line instead of ending the run, and so is one nested too deeply for
the JSON reader or holding a lone surrogate escape ("\\ud83d", a string cut in half), which no
output could write.
"""

from __future__ import annotations

import json
from typing import Any


def json_line(line: str | bytes) -> Any:
    """The line's JSON value; ``ValueError`` (``JSONDecodeError`` for bad JSON) says why not."""
    # Strictly decoded bytes hold no surrogate: only a "\u" escape can make one.
    may_hold_surrogates = not isinstance(line, bytes)
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 text (byte {line[exc.start]:#04x} at column "
                             f"{exc.start + 1})") from None  # fmt: skip
    try:
        value = json.loads(line)
        if may_hold_surrogates or "\\u" in line:  # else no second pass over the value
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except UnicodeEncodeError:
        raise ValueError("a string holds a lone surrogate escape (half a character)") from None
    return value
