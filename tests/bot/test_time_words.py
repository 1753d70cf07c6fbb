"""Times and time zones as people type them (issue 14): 7pm, Mexico City, UTC-3:30."""

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.handlers import args
from briefings.briefs.schedule import next_brief_at, next_new_brief_at
from briefings.briefs.when import parse_clock, parse_zone, zone_info


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7pm", time(19)), ("7 pm", time(19)), ("7:30 pm", time(19, 30)), ("7 p.m.", time(19)),
     ("7:30 P.M.", time(19, 30)), ("12am", time(0)), ("12 pm", time(12)), ("11:59pm", time(23, 59)),
     ("7am", time(7)), ("19h", time(19)), ("19h30", time(19, 30)), ("9h15", time(9, 15)),
     ("19:30", time(19, 30)), ("7", time(7)), ("20.30", time(20, 30)), ("00:00", time(0))],
)
def test_clock_times_people_type(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["13pm", "0am", "24:00", "12:60", "noon", "", "1:2", "7 pmm",
                                  "12:00:00", "-1:00", "7 p"])
def test_clock_refuses_what_is_no_time(text: str) -> None:
    with pytest.raises(ValueError):
        parse_clock(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Mexico City", "America/Mexico_City"), ("mexico city", "America/Mexico_City"),
     ("Ciudad de México", "America/Mexico_City"), ("CDMX", "America/Mexico_City"),
     ("Guadalajara", "America/Mexico_City"), ("Monterrey", "America/Monterrey"),
     ("Tijuana", "America/Tijuana"), ("New York", "America/New_York"),
     ("nueva york", "America/New_York"), ("Los Angeles", "America/Los_Angeles"),
     ("Bogotá", "America/Bogota"), ("bogota", "America/Bogota"), ("Madrid", "Europe/Madrid"),
     ("Madrid, España", "Europe/Madrid"), ("St. John's", "America/St_Johns"),
     ("Houston", "America/Chicago"), ("america/mexico_city", "America/Mexico_City"),
     ("UTC", "UTC"), ("UTC-6", "Etc/GMT+6"), ("+5:30", "UTC+05:30"),
     ("UTC-3:30", "UTC-03:30"), ("utc−03:30", "UTC-03:30"), ("GMT+0545", "UTC+05:45")],
)
def test_zones_people_type(text: str, expected: str) -> None:
    assert parse_zone(text) == expected


@pytest.mark.parametrize("text", ["Mars/Olympus", "Atlantis", "", "UTC+15", "-13", "+3:75"])
def test_unknown_zones_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_zone(text)


def test_utc_minus_3_30_is_fixed_all_year_unlike_st_johns() -> None:
    winter, summer = datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC)
    fixed = zone_info(parse_zone("UTC-3:30"))
    assert fixed.utcoffset(winter) == fixed.utcoffset(summer) == -timedelta(hours=3, minutes=30)
    # 08:00 at UTC-3:30 is 11:30 UTC in January and in July.
    assert next_brief_at("08:00", "UTC-03:30", winter).time() == time(11, 30)
    assert next_brief_at("08:00", "UTC-03:30", summer).time() == time(11, 30)


def test_command_arguments_read_am_pm_and_cities() -> None:
    assert args.parse_brief_time(["7:30", "pm"], "08:00") == "19:30"
    assert args.parse_brief_time(["7", "p.m."], "08:00") == "19:00"
    assert args.parse_tz(["Ciudad", "de", "México"], "UTC") == "America/Mexico_City"
    assert args.parse_quiet(["10pm-7am"]) == ("22:00", "07:00")
    assert args.parse_quiet(["10", "pm", "to", "7", "am"]) == ("22:00", "07:00")


def test_no_second_brief_is_scheduled_on_a_day_that_had_one() -> None:
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # today's brief went out at 08:00
    sent = datetime(2026, 11, 25, 8, 0, 5, tzinfo=UTC)
    assert next_new_brief_at("12:09", "UTC", now, sent) == datetime(2026, 11, 26, 12, 9,
                                                                    tzinfo=UTC)
    assert next_new_brief_at("12:09", "UTC", now, None) == datetime(2026, 11, 25, 12, 9,
                                                                    tzinfo=UTC)
    yesterday = sent - timedelta(days=1)
    assert next_new_brief_at("12:09", "UTC", now, yesterday) == datetime(2026, 11, 25, 12, 9,
                                                                         tzinfo=UTC)
