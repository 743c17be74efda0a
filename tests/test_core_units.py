"""Money, credit codes, working days and local times."""

from datetime import UTC, date, datetime

import pytest

from microventure.accounts.credit_code import check_character, is_valid_credit_code
from microventure.core.money import MoneyError, format_fen, parse_yuan
from microventure.core.timeutil import format_local, local_datetime
from microventure.core.workdays import (
    CalendarNotCovered,
    add_workdays,
    count_workdays,
    is_workday,
)


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (123456, "¥1,234.56"),
        (0, "¥0.00"),
        (5, "¥0.05"),
        (3333333, "¥33,333.33"),
        (115000000, "¥1,150,000.00"),
        (-1050, "-¥10.50"),
    ],
)
def test_money_formatting(fen, text):
    assert format_fen(fen) == text


@pytest.mark.parametrize(
    ("text", "fen"),
    [("1234.56", 123456), ("1,234.5", 123450), ("¥ 80", 8000), ("0.01", 1), ("33333.33", 3333333)],
)
def test_money_parsing(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["1.234", "-5", "abc", "", "1e5", "12..3"])
def test_money_parsing_refuses_bad_amounts(text):
    with pytest.raises(MoneyError):
        parse_yuan(text)


def test_money_template_filter(app):
    with app.test_request_context():
        assert app.jinja_env.from_string("{{ 123456 | money }}").render() == "¥1,234.56"


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the standard's own worked example
        "52440113MJ0001001" + check_character("52440113MJ0001001"),
        "  91350100m000100y43 ",  # spaces and lower case are normalised
    ],
)
def test_valid_credit_codes(code):
    assert is_valid_credit_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # too short
        "91350100M000100Y430",  # too long
        "9135010OM000100Y43",  # O is not in the alphabet
        "91350100M00010IY43",  # I is not in the alphabet
        "",
    ],
)
def test_invalid_credit_codes(code):
    assert not is_valid_credit_code(code)


def test_check_character_wraps_31_to_zero():
    # A body whose weighted sum is a multiple of 31 gets '0', not an out-of-range symbol.
    for serial in range(2000):
        body = f"52440113MJ{serial:07d}"
        if check_character(body) == "0":
            assert is_valid_credit_code(body + "0")
            break
    else:  # pragma: no cover
        pytest.fail("no body with check character 0 found")


def test_national_day_2026_holidays_and_make_up_days():
    assert not is_workday(date(2026, 10, 1))
    assert not is_workday(date(2026, 10, 7))
    assert is_workday(date(2026, 9, 20))  # Sunday, a make-up working day
    assert is_workday(date(2026, 10, 10))  # Saturday, a make-up working day
    assert not is_workday(date(2026, 10, 11))


def test_adding_working_days_across_national_day():
    # From Wed 30 Sep: 1–7 Oct are holidays; Thu 8, Fri 9 and the make-up Saturday 10 Oct count.
    assert add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert add_workdays(date(2026, 9, 30), 4) == date(2026, 10, 12)
    # Over the make-up Sunday before: Fri 18 Sep + 1 working day is Sun 20 Sep.
    assert add_workdays(date(2026, 9, 18), 1) == date(2026, 9, 20)


def test_counting_working_days():
    assert count_workdays(date(2026, 9, 19), date(2026, 9, 20)) == 1
    assert count_workdays(date(2026, 9, 28), date(2026, 10, 11)) == 6
    assert count_workdays(date(2026, 10, 1), date(2026, 10, 7)) == 0


@pytest.mark.official_calendar
def test_year_the_calendar_does_not_cover(app):
    with app.test_request_context(), pytest.raises(CalendarNotCovered) as raised:
        add_workdays(date(2099, 12, 30), 5)
    assert "2099" in str(raised.value)


def test_times_are_shown_in_shanghai():
    moment = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
    assert format_local(moment) == "2026-11-01 00:30"
    assert local_datetime(date(2026, 11, 1)) == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)


def test_parse_yuan_refuses_amounts_beyond_ten_billion():
    assert parse_yuan("10000000000") == 1_000_000_000_000
    with pytest.raises(MoneyError, match="10,000,000,000"):
        parse_yuan("10000000000.01")
    with pytest.raises(MoneyError):
        parse_yuan("9" * 30)  # would overflow the database column
