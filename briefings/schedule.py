"""Moved to ``briefings.briefs.schedule``."""

from briefings.briefs.schedule import (  # noqa: F401  # shim: remove after the move
    Decision,
    brief_decision,
    format_hhmm,
    in_quiet_hours,
    local_date,
    local_instant,
    next_brief_at,
    parse_hhmm,
    parse_timezone,
    valid_timezone,
)
