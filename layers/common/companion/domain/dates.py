"""Time in memories and in questions, without a language model.

``resolve_relative`` writes the absolute date next to relative words in a message, against the
message's own time ("I went yesterday" said on 8 May 2023 is indexed as "I went yesterday
(7 May 2023)"), so a later question about 7 May, or about May, can meet it.
``query_period`` turns a time expression in a question ("last May", "two weeks ago", "in 2022")
into a period that recall prefers, and returns the question without it.
Pure functions: the reference time is always passed in.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS.pop("may", None)
MONTHS["may"] = 5
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
            "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a few": 3, "few": 3, "a couple of": 2,
            "a couple": 2, "couple of": 2, "several": 3}
_NUMBER = r"(\d+|a couple of|a couple|couple of|a few|few|several|an?|one|two|three|four|five|six|seven|eight|nine|ten)"
_UNIT = r"(day|week|month|year)s?"
_MONTH_NAMES = "|".join(sorted((m for m in MONTHS if len(m) > 3 or m == "may"), key=len, reverse=True))
_WEEKDAY_NAMES = "|".join(WEEKDAYS)


def format_day(d: date) -> str:
    return f"{d.day} {calendar.month_name[d.month]} {d.year}"


def format_month(year: int, month: int) -> str:
    return f"{calendar.month_name[month]} {year}"


def _shift_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS.get(word, 1)


def _ago(today: date, n: int, unit: str) -> str:
    if unit == "day":
        return format_day(today - timedelta(days=n))
    if unit == "week":
        return "the week of " + format_day(today - timedelta(weeks=n))
    if unit == "month":
        then = _shift_months(today, -n)
        return format_month(then.year, then.month)
    return str(today.year - n)


def _last_weekday(today: date, weekday: int) -> date:
    back = (today.weekday() - weekday) % 7 or 7
    return today - timedelta(days=back)


# (pattern, function(match, today) -> absolute text). Order matters: longer phrases first.
_RELATIVE: list[tuple[re.Pattern, object]] = [
    (re.compile(rf"\b{_NUMBER}\s+{_UNIT}\s+ago\b", re.I),
     lambda m, d: _ago(d, _count(m.group(1).lower()), m.group(2).lower())),
    (re.compile(r"\b(?:the\s+)?day\s+before\s+yesterday\b", re.I), lambda m, d: format_day(d - timedelta(days=2))),
    (re.compile(r"\bday\s+after\s+tomorrow\b", re.I), lambda m, d: format_day(d + timedelta(days=2))),
    (re.compile(r"\b(?:yesterday|last\s+night)\b", re.I), lambda m, d: format_day(d - timedelta(days=1))),
    (re.compile(r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening))\b", re.I), lambda m, d: format_day(d)),
    (re.compile(r"\btomorrow\b", re.I), lambda m, d: format_day(d + timedelta(days=1))),
    (re.compile(r"\blast\s+weekend\b", re.I), lambda m, d: "the weekend of " + format_day(_last_weekday(d, 5))),
    (re.compile(r"\blast\s+week\b", re.I), lambda m, d: "the week before " + format_day(d)),
    (re.compile(r"\bnext\s+week\b", re.I), lambda m, d: "the week after " + format_day(d)),
    (re.compile(r"\blast\s+month\b", re.I), lambda m, d: format_month(*_ym(_shift_months(d, -1)))),
    (re.compile(r"\bthis\s+month\b", re.I), lambda m, d: format_month(d.year, d.month)),
    (re.compile(r"\bnext\s+month\b", re.I), lambda m, d: format_month(*_ym(_shift_months(d, 1)))),
    (re.compile(r"\blast\s+year\b", re.I), lambda m, d: str(d.year - 1)),
    (re.compile(r"\bthis\s+year\b", re.I), lambda m, d: str(d.year)),
    (re.compile(r"\bnext\s+year\b", re.I), lambda m, d: str(d.year + 1)),
    (re.compile(rf"\blast\s+({_WEEKDAY_NAMES})\b", re.I),
     lambda m, d: format_day(_last_weekday(d, WEEKDAYS[m.group(1).lower()]))),
]


def _ym(d: date) -> tuple[int, int]:
    return d.year, d.month


def resolve_relative(text: str, when: datetime) -> str:
    """``text`` with the absolute date written after each relative time expression."""
    today = when.date()
    spans: list[tuple[int, int, str]] = []
    for pattern, absolute in _RELATIVE:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e, _ in spans):
                continue  # already covered by a longer expression
            spans.append((m.start(), m.end(), absolute(m, today)))
    for start, end, absolute in sorted(spans, reverse=True):
        text = f"{text[:end]} ({absolute}){text[end:]}"
    return text


@dataclass(frozen=True)
class Period:
    """[start, end) in dates; recall prefers memories made (or about) then."""

    start: date
    end: date

    def contains(self, d: date) -> bool:
        return self.start <= d < self.end


def _month_period(year: int, month: int) -> Period:
    end = date(year + (month == 12), month % 12 + 1, 1)
    return Period(date(year, month, 1), end)


_Q_AGO = re.compile(rf"\b{_NUMBER}\s+{_UNIT}\s+ago\b", re.I)
_Q_LAST_MONTH_NAME = re.compile(rf"\b(last|this|in|during|on)?\s*({_MONTH_NAMES})\b(?:,?\s+(\d{{4}}))?", re.I)
_Q_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_NAMES})\b(?:,?\s+(\d{{4}}))?", re.I)
_Q_YEAR = re.compile(r"\b(?:in|during|of)\s+((?:19|20)\d{2})\b", re.I)
_Q_RELATIVE = re.compile(r"\b(yesterday|last\s+night|today|tonight|last\s+week|last\s+weekend|last\s+month|"
                         r"this\s+month|last\s+year|this\s+year|this\s+week)\b", re.I)


def query_period(question: str, now: datetime) -> tuple[Period | None, str]:
    """(the period a question asks about, the question without the time expression)."""
    today = now.date()
    m = _Q_DAY_MONTH.search(question)
    if m:
        month = MONTHS[m.group(2).lower()]
        year = int(m.group(3)) if m.group(3) else (today.year if month <= today.month else today.year - 1)
        day = min(int(m.group(1)), calendar.monthrange(year, month)[1])
        start = date(year, month, day)
        return Period(start, start + timedelta(days=1)), _cut(question, m)
    m = _Q_AGO.search(question)
    if m:
        n, unit = _count(m.group(1).lower()), m.group(2).lower()
        span = {"day": 1, "week": 7, "month": 31, "year": 366}[unit]
        centre = today - timedelta(days=span * n if unit != "month" else 0)
        if unit == "month":
            centre = _shift_months(today, -n)
        return Period(centre - timedelta(days=span), centre + timedelta(days=span)), _cut(question, m)
    m = _Q_RELATIVE.search(question)
    if m:
        word = " ".join(m.group(1).lower().split())
        if word in ("yesterday", "last night"):
            p = Period(today - timedelta(days=1), today)
        elif word in ("today", "tonight"):
            p = Period(today, today + timedelta(days=1))
        elif word == "this week":
            p = Period(today - timedelta(days=today.weekday()), today + timedelta(days=1))
        elif word in ("last week", "last weekend"):
            p = Period(today - timedelta(days=today.weekday() + 7), today - timedelta(days=today.weekday()))
        elif word == "last month":
            p = _month_period(*_ym(_shift_months(today, -1)))
        elif word == "this month":
            p = _month_period(today.year, today.month)
        elif word == "last year":
            p = Period(date(today.year - 1, 1, 1), date(today.year, 1, 1))
        else:
            p = Period(date(today.year, 1, 1), date(today.year + 1, 1, 1))
        return p, _cut(question, m)
    m = _Q_LAST_MONTH_NAME.search(question)
    if m and (m.group(1) or m.group(3) or m.group(2).lower() != "may"):  # bare "may" is a verb
        month = MONTHS[m.group(2).lower()]
        if m.group(3):
            year = int(m.group(3))
        elif (m.group(1) or "").lower() == "last":
            year = today.year if month < today.month else today.year - 1
        else:
            year = today.year if month <= today.month else today.year - 1
        return _month_period(year, month), _cut(question, m)
    m = _Q_YEAR.search(question)
    if m:
        year = int(m.group(1))
        return Period(date(year, 1, 1), date(year + 1, 1, 1)), _cut(question, m)
    return None, question


def _cut(text: str, m: re.Match) -> str:
    return " ".join((text[:m.start()] + " " + text[m.end():]).split())


def mentioned_days(indexed_text: str) -> list[date]:
    """Absolute dates written in an indexed memory text (its own date and resolved expressions)."""
    out = []
    for m in re.finditer(rf"\b(\d{{1,2}}) ({_MONTH_NAMES}) (\d{{4}})\b", indexed_text, re.I):
        try:
            out.append(date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1))))
        except ValueError:
            continue
    return out


def period_words(period: Period) -> str:
    """How memories of a period are written: "7 May 2023", "May 2023", "2023" (or nothing for
    other spans, which only boost)."""
    days = (period.end - period.start).days
    if days == 1:
        return format_day(period.start)
    if period.start.day == 1 and 28 <= days <= 31:
        return format_month(period.start.year, period.start.month)
    if period.start.month == 1 and period.start.day == 1 and days in (365, 366):
        return str(period.start.year)
    return ""
