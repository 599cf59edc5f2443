"""Time expressions in news text, resolved against the article's publication date.

News writes "late Tuesday", "on Monday", "last weekend", "earlier this week", "last month",
"on Sept. 30". A reader asking "when" wants a calendar date. ``find_time_expressions`` finds
each such phrase with its exact offsets and resolves it with a small rule set written for
news phrasing (clearer here than a general date parser):

- A bare weekday ("Tuesday", "on Monday", "late Tuesday", "Monday morning", "since Friday") is
  the most recent such day on or before the publication date (the news convention). After
  "for", "until" or "by" ("a hearing for Thursday") it is the next such day on or after it.
  "last Monday" is the most recent before it, "next Monday" the first after it, and "this
  Friday" the Friday of the publication week (weeks run Monday to Sunday).
- "yesterday", "today", "tonight", "tomorrow": the day before, of, or after publication.
- "this/last/next week", "earlier/later this week", "this/last/next weekend", "over the
  weekend" (the last one), "this/last/next/earlier this month", "this/last/earlier this year":
  the matching range of days.
- "Oct. 4", "Sept. 30", "August 30", "Wednesday Oct. 8", "Oct. 4, 2025": that day; without a
  year, the year that puts it nearest the publication date.
- "N days/weeks ago": that day (less certain).
- A month alone, capitalised, after "in", "during", "since", "until", "through", "last", "next" or
  "this", or with "early", "mid-", "late", "the end of" ("late August", "in August last year"):
  its days, or the ten or so named (``_month``); not a name ("August Wilson", "in April's").

Phrases that cannot be placed ("the holiday weekend", "days later", "in recent weeks") are
kept unresolved, never guessed. Each expression has a confidence: lower for rules that can
mislead (future-leaning weekdays, "ago"), and lower again inside quotation marks, where the
speaker's "now" may be earlier than the publication date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace

# Bump when the rules find or place time phrases differently: ingest then finds the dates of every
# stored article again, in place (``Ingester``; no text is embedded again).
RULES_VERSION = 3

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
           "oct": 10, "nov": 11, "dec": 12}
_NUMBER_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10}

# The one set of weekday and month patterns (the answer-type cues in ``assistant`` reuse them).
# Their words match ASCII letters only, also under re.I: Unicode case-insensitive matching takes
# the long s, the dotless and dotted i and the Kelvin sign for s, i and k ("ſept. 30", "laſt
# week"), and such a phrase is none of the words the rules look up.
WEEKDAY_PATTERN = r"(?a:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
MONTH_PATTERN = (r"(?a:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
                 r"Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)")
# A month alone ("in August"): capitalised, as a month is, except the full names no one is called
# ("in october" from a reader); not "August Wilson", "April's", "March Madness" (see PATTERN).
_MONTH_ALONE = (r"(?-i:(?a:Jan(?:uary|\.)|Feb(?:ruary|\.)|March|April|May|June|July|Aug(?:ust|\.)|Sept?(?:ember|\.)"
                r"|Oct(?:ober|\.)|Nov(?:ember|\.)|Dec(?:ember|\.)))|(?a:january|february|september|october|november|december)")
_PART_OF_DAY = r"(?:morning|afternoon|evening|night)"
_S = r"(?u:\s)"  # any space, non-breaking ones too, inside the ASCII-only PATTERN

# Alternatives in priority order: the first that matches at a position wins.
PATTERN = re.compile(
    rf"(?P<explicit>(?:(?P<ewd>{WEEKDAY_PATTERN}),?{_S}+)?(?P<month>{MONTH_PATTERN}){_S}+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b"
    rf"(?:,?{_S}+(?P<year>(?:19|20)\d\d)\b)?)"
    rf"|(?P<month_only>\b(?:(?P<mo_part>early|mid|late|the{_S}+(?:end|beginning|start|middle){_S}+of)(?:-|{_S}+)"
    rf"|(?:in|during|since|until|through|throughout|last|next|this){_S}+)(?P<mo_month>{_MONTH_ALONE})"
    rf"(?:,?{_S}+(?P<mo_year>(?:19|20)\d\d)|{_S}+(?P<mo_rel>last|this|next){_S}+year)?)\b"
    rf"(?!\.?{_S}*\d)(?!{_S}+(?-i:[A-Z])|['’]s\b)"
    rf"|(?P<edge>(?:earlier|later){_S}+this{_S}+(?P<edge_unit>week|month|year))"
    rf"|(?P<span>(?:(?P<span_mod>this{_S}+past|this|last|next|past){_S}+)(?P<span_unit>weekend|week|month|year))\b"
    rf"|(?P<the_weekend>(?:over{_S}+)?the{_S}+weekend)\b"
    rf"|(?P<holiday>the{_S}+(?:holiday|long|Labor{_S}+Day|Memorial{_S}+Day){_S}+weekend)"
    rf"|(?P<wd>(?:(?P<wd_mod>late|early|this|next|last){_S}+)?(?P<weekday>{WEEKDAY_PATTERN})(?:{_S}+(?P<part>{_PART_OF_DAY}))?)\b"
    rf"|(?P<deictic>yesterday|today|tonight|tomorrow|this{_S}+(?:morning|afternoon|evening))\b"
    rf"|(?P<ago>(?P<ago_n>\d+|a|one|two|three|four|five|six|seven|eight|nine|ten){_S}+(?P<ago_unit>days?|weeks?){_S}+ago)\b"
    rf"|(?P<vague>(?:(?:a{_S}+few|several|two|three){_S}+)?days{_S}+(?:later|earlier|before|after)|"
    rf"(?:in{_S}+)?recent{_S}+(?:days|weeks|months))\b",
    re.I | re.A,
)
_FUTURE_PREPOSITION = re.compile(r"\b(?:for|until|till|by)\s+$", re.I)
_PAST_PREPOSITION = re.compile(r"\b(?:since)\s+$", re.I)
# "is/are ... <one of these> to": what is still to come ("set to air", "expected to resume"); the
# questions' reader (``assistant.short_answer``) uses the same words.
PLANNED = r"(?:set|scheduled|expected|due|slated|planned|poised|going)"
# A clause that tells what is still to come: "The Senate will vote on the bill [Thursday]", "the
# show is set to air [Friday]", "payments are expected to resume [Monday]".
_FUTURE_CLAUSE = re.compile(rf"\b(?:will|shall|won[’']t)\b|[’']ll\b|\b(?:is|are)\s+(?:\S+\s+){{0,2}}?{PLANNED}\s+to\b"
                            r"|\bupcoming\b", re.I)
_CLAUSE_END = re.compile(r"[,;:.!?\u201c\u201d\"\n]")


def told_ahead(before: str) -> bool:
    """Whether the clause that ``before`` (the text up to a time phrase) ends with tells what is
    still to come ("The Senate will vote on the bill" before "Thursday"). A comma, a full stop or a
    quotation mark ends a clause ("He will go, officials said [Monday]" looks back to "officials
    said"), and so does "after", "since" or "following" after the words of what is to come: "will
    retain her job after a meeting [Monday]" tells when the meeting was."""
    ends = [m.end() for m in _CLAUSE_END.finditer(before)]
    clause = before[ends[-1] if ends else 0:]
    ahead = list(_FUTURE_CLAUSE.finditer(clause))
    return bool(ahead) and not re.search(r"\b(?:after|since|following)\b", clause[ahead[-1].end():], re.I)


@dataclass(frozen=True)
class TimeExpression:
    """A time phrase at ``text[start:end]``, resolved to the days ``first``..``last`` (or not).

    ``anchor`` is the date it was resolved from (the publication date); ``confidence`` is 0
    for an unresolved phrase, else how much the rule can be trusted (0..1); ``rule`` names it.
    """

    phrase: str
    start: int
    end: int
    first: dt.date | None
    last: dt.date | None
    anchor: dt.date | None
    confidence: float
    rule: str

    @property
    def resolved(self) -> bool:
        return self.first is not None

    @property
    def relative(self) -> bool:
        """Whether the phrase names no calendar date itself ("late Tuesday", not "Oct. 4")."""
        return not self.rule.startswith("date")

    @property
    def label(self) -> str:
        """The resolved days for a reader: "Tue 7 Oct 2025", "6–12 Oct 2025", "Sep 2025"; "" if unresolved."""
        return format_range(self.first, self.last) if self.first and self.last else ""

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        return self.resolved and self.first <= last and first <= self.last

    def to_dict(self) -> dict:
        return {"phrase": self.phrase, "start": self.start, "end": self.end,
                "resolved": ({"start": self.first.isoformat(), "end": self.last.isoformat(), "label": self.label}
                             if self.resolved else None),
                "anchor": self.anchor.isoformat() if self.anchor else None,
                "confidence": round(self.confidence, 2), "rule": self.rule}

    @classmethod
    def from_dict(cls, d: dict) -> TimeExpression:
        r = d.get("resolved")
        return cls(d["phrase"], int(d["start"]), int(d["end"]),
                   dt.date.fromisoformat(r["start"]) if r else None, dt.date.fromisoformat(r["end"]) if r else None,
                   dt.date.fromisoformat(d["anchor"]) if d.get("anchor") else None, float(d["confidence"]), d["rule"])


_YEAR = re.compile(r"(?<![\d,.$£€])\b(1[89]\d\d|20\d\d)\b(?![,.]?\d|%)")
_SINCE_YEAR = re.compile(r"\bsince\s+(?:the\s+)?$", re.IGNORECASE)


def years_named(text: str, since_too: bool = True) -> list[int]:
    """The years ``text`` names as numbers, 1800 to 2099 ("in 2019", "1986 \u2014 The Mets won"), not
    amounts ("$2019", "2,019", "2019%"). ``since_too=False`` leaves out "since 2019" (a time up to now)."""
    return [int(m.group(1)) for m in _YEAR.finditer(text)
            if since_too or not _SINCE_YEAR.search(text[max(0, m.start() - 12):m.start()])]


def days_before(day: dt.date, days: int) -> dt.date:
    """``day`` less ``days`` days, or the first day of the calendar (year 1) when that is further back."""
    try:
        return day - dt.timedelta(days=days)
    except OverflowError:
        return dt.date.min


def format_day(d: dt.date) -> str:
    """``Tue 7 Oct 2025``."""
    return f"{d.strftime('%a')} {d.day} {d.strftime('%b')} {d.year}"


def format_range(first: dt.date, last: dt.date) -> str:
    """A day, or a range written as briefly as it stays unambiguous."""
    if first == last:
        return format_day(first)
    if first.day == 1 and last.day == _month_days(last) and first.month == last.month:
        return f"{first.strftime('%b')} {first.year}"
    if first == dt.date(first.year, 1, 1) and last == dt.date(first.year, 12, 31):
        return str(first.year)
    if first.year == last.year and first.month == last.month:
        return f"{first.day}\u2013{last.day} {first.strftime('%b')} {first.year}"
    if first.year == last.year:
        return f"{first.day} {first.strftime('%b')} \u2013 {last.day} {last.strftime('%b')} {last.year}"
    return f"{first.day} {first.strftime('%b')} {first.year} \u2013 {last.day} {last.strftime('%b')} {last.year}"


def _month_days(d: dt.date) -> int:
    """How many days the month of ``d`` has (no date arithmetic: December 9999 has no next month)."""
    return calendar.monthrange(d.year, d.month)[1]


def as_date(value) -> dt.date | None:
    """An ISO date string (or date) as a date; ``None`` if absent or unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def find_time_expressions(text: str, published) -> list[TimeExpression]:
    """Every time phrase in ``text``, resolved against ``published`` (an ISO date or ``None``).

    Without a publication date, only full dates with a year are resolved. A phrase inside a
    quotation is resolved against the day the words were said when the text gives it just
    before the quote ("on Saturday (August 30), writing: “...last weekend...”"),
    else against the publication date with less confidence.
    """
    anchor = as_date(published)
    found: list[tuple[re.Match, TimeExpression]] = []
    for m in PATTERN.finditer(text):
        if m.group(0).isupper() and len(m.group(0)) > 3:  # "USA TODAY" is a name, not a day
            continue
        first, last, confidence, rule = _bounded(m, text, anchor)
        found.append((m, TimeExpression(m.group(0), m.start(), m.end(), first, last, anchor, confidence, rule)))
    out = []
    for m, e in found:
        opening = _quote_opening(text, m.start())
        if opening is not None and e.resolved and e.rule not in ("date", "date-with-year", "date-month-with-year"):
            said = _said_on(found, text, opening)
            if said is not None and said != anchor:
                first, last, confidence, rule = _bounded(m, text, said)
                e = TimeExpression(e.phrase, e.start, e.end, first, last, said, min(confidence, 0.6), f"{rule}+quote")
            else:
                e = TimeExpression(e.phrase, e.start, e.end, e.first, e.last, e.anchor,
                                   max(0.1, e.confidence - 0.2), e.rule)
        out.append(replace(e, confidence=round(e.confidence, 2)))
    return out


def _said_on(found: list[tuple[re.Match, TimeExpression]], text: str, opening: int) -> dt.date | None:
    """The day given just before a quotation opening at ``opening``: in its paragraph, or in the
    previous paragraph when the quotation opens the paragraph."""
    para_start = text.rfind("\n", 0, opening) + 1
    if not text[para_start:opening].strip():
        para_start = text.rfind("\n", 0, max(0, para_start - 1)) + 1
    days = [e for _, e in found if para_start <= e.start and e.end <= opening and e.resolved and e.first == e.last
            and _quote_opening(text, e.start) is None]
    return days[-1].first if days else None


# -- rules -------------------------------------------------------------------------------

def _bounded(m: re.Match, text: str, anchor: dt.date | None):
    """``_resolve``, with a day outside the calendar Python can hold (years 1 to 9999: "1000000 days
    ago", "next year" on 9999-12-31) left unresolved rather than raised."""
    try:
        return _resolve(m, text, anchor)
    except (OverflowError, ValueError):  # what date arithmetic raises out of range (and int() of a huge count)
        return None, None, 0.0, "unresolved"


def _resolve(m: re.Match, text: str, anchor: dt.date | None):
    g = m.groupdict()
    if g["explicit"]:
        return _explicit(g, anchor)
    if g["month_only"]:
        return _month(g, text[max(0, m.start() - 12):m.start()], anchor)
    if g["holiday"] or g["vague"]:
        return None, None, 0.0, "unresolved"
    if anchor is None:
        return None, None, 0.0, "unresolved"
    monday = anchor - dt.timedelta(days=anchor.weekday())
    if g["edge"]:
        unit, edge = g["edge_unit"].lower(), m.group(0).split()[0].lower()
        first, last = _unit_range(unit, anchor, monday, 0)
        if edge == "earlier":
            last = anchor - dt.timedelta(days=1)
        else:
            first = anchor + dt.timedelta(days=1)
        if first > last:  # "earlier this week" on a Monday
            return None, None, 0.0, "unresolved"
        return first, last, 0.7, f"{edge}-this-{unit}"
    if g["span"]:
        mod = " ".join(g["span_mod"].lower().split())
        unit = g["span_unit"].lower()
        step = {"this": 0, "last": -1, "this past": -1, "past": -1, "next": 1}[mod]
        if unit == "week" and mod == "past":  # "the past week": the seven days before
            return anchor - dt.timedelta(days=7), anchor - dt.timedelta(days=1), 0.7, "past-week"
        first, last = _unit_range(unit, anchor, monday, step)
        return first, last, 0.8 if step else 0.75, f"{mod.replace(' ', '-')}-{unit}"
    if g["the_weekend"]:
        first, last = _unit_range("weekend", anchor, monday, -1)  # the last full weekend
        return first, last, 0.6, "the-weekend"
    if g["wd"]:
        return _weekday(g, text, m.start(), anchor, monday)
    if g["deictic"]:
        word = g["deictic"].lower()
        shift = {"yesterday": -1, "tomorrow": 1}.get(word, 0)
        day = anchor + dt.timedelta(days=shift)
        return day, day, 0.85, word.split()[0] if shift else "today"
    if g["ago"]:
        n = g["ago_n"].lower()
        count = int(n) if n.isdigit() else _NUMBER_WORDS[n]
        days = count * (7 if g["ago_unit"].lower().startswith("week") else 1)
        day = anchor - dt.timedelta(days=days)
        return day, day, 0.5, "ago"
    return None, None, 0.0, "unresolved"


def _unit_range(unit: str, anchor: dt.date, monday: dt.date, step: int) -> tuple[dt.date, dt.date]:
    if unit == "week":
        first = monday + dt.timedelta(weeks=step)
        return first, first + dt.timedelta(days=6)
    if unit == "weekend":
        saturday = monday + dt.timedelta(days=5) + dt.timedelta(weeks=step)
        return saturday, saturday + dt.timedelta(days=1)
    if unit == "month":
        y, mo = anchor.year, anchor.month + step
        y, mo = y + (mo - 1) // 12, (mo - 1) % 12 + 1
        first = dt.date(y, mo, 1)
        return first, first.replace(day=_month_days(first))
    y = anchor.year + step
    return dt.date(y, 1, 1), dt.date(y, 12, 31)


def _weekday(g: dict, text: str, start: int, anchor: dt.date, monday: dt.date):
    target = WEEKDAYS.index(g["weekday"].lower())
    mod = (g["wd_mod"] or "").lower()
    before = text[max(0, start - 12):start]
    if mod == "next":
        delta = (target - anchor.weekday()) % 7 or 7
        day, conf, rule = anchor + dt.timedelta(days=delta), 0.8, "next-weekday"
    elif mod == "this":
        day, conf, rule = monday + dt.timedelta(days=target), 0.7, "this-weekday"
    elif mod == "last":
        delta = (anchor.weekday() - target) % 7 or 7
        day, conf, rule = anchor - dt.timedelta(days=delta), 0.8, "last-weekday"
    elif _FUTURE_PREPOSITION.search(before) or told_ahead(text[max(0, start - 120):start]):
        delta = (target - anchor.weekday()) % 7  # "will vote Thursday": the coming one (or today)
        day, conf, rule = anchor + dt.timedelta(days=delta), 0.6, "weekday-ahead"
    else:
        delta = (anchor.weekday() - target) % 7
        day, conf, rule = anchor - dt.timedelta(days=delta), 0.8, "weekday"
    return day, day, conf, rule


def _explicit(g: dict, anchor: dt.date | None):
    month = _MONTHS[g["month"][:3].lower()]
    day = int(g["day"])
    if g["year"]:
        try:
            d = dt.date(int(g["year"]), month, day)
        except ValueError:
            return None, None, 0.0, "unresolved"
        return d, d, 0.99, "date-with-year"
    if anchor is None:
        return None, None, 0.0, "unresolved"
    candidates = []
    for y in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            candidates.append(dt.date(y, month, day))
        except ValueError:
            pass
    if not candidates:
        return None, None, 0.0, "unresolved"
    d = min(candidates, key=lambda c: abs((c - anchor).days))
    confidence = 0.95
    if g["ewd"]:
        confidence = 0.99 if WEEKDAYS.index(g["ewd"].lower()) == d.weekday() else 0.5
    return d, d, confidence, "date"


# "early", "mid-", "late" or "the end of" a month: its first, middle or last ten days or so
_MONTH_PARTS = {"early": (1, 10), "beginning": (1, 10), "start": (1, 10), "mid": (11, 20), "middle": (11, 20),
                "late": (21, 31), "end": (21, 31)}


def _month(g: dict, before: str, anchor: dt.date | None):
    """A month named alone ("in October", "late August", "the end of Sept. 2024"): its days, or the
    part named. Without a year, news means one of the last ten months or the next two ("in
    January" in October is the January before it); after "since" ("since early May", ``before``
    being the text just before the phrase), the last one up to now; "last August", "next March",
    "this June" and "in August last year" say which."""
    month = _MONTHS[g["mo_month"][:3].lower()]
    lead = g["month_only"].split()[0].lower()
    if g["mo_year"]:
        year, confidence, rule = int(g["mo_year"]), 0.95, "date-month-with-year"
    elif anchor is None:
        return None, None, 0.0, "unresolved"
    else:
        rule = "date-month"
        if g["mo_rel"] or lead == "this":  # "in August last year", "this August"
            year, confidence = anchor.year + {"last": -1, "next": 1}.get((g["mo_rel"] or "").lower(), 0), 0.9
        elif lead in ("last", "next"):  # the one before (after) the anchor's month
            year = anchor.year - (month >= anchor.month) if lead == "last" else anchor.year + (month <= anchor.month)
            confidence = 0.85
        else:
            back = (anchor.month - month) % 12  # months from that month to the anchor's, looking back
            since = lead == "since" or bool(_PAST_PREPOSITION.search(before))
            ahead = not since and back >= 10
            year = anchor.year + (month < anchor.month) if ahead else anchor.year - (month > anchor.month)
            confidence = 0.7
    first = dt.date(year, month, 1)
    last_day = _month_days(first)
    part = (g["mo_part"] or "").lower().replace("the", "").split()
    lo, hi = next((_MONTH_PARTS[w] for w in part if w in _MONTH_PARTS), (1, last_day))
    return first.replace(day=lo), first.replace(day=min(hi, last_day)), confidence, rule


def _quote_opening(text: str, pos: int) -> int | None:
    """Where the quotation around ``pos`` opens (in its paragraph), or ``None`` if not quoted."""
    para_start = text.rfind("\n", 0, pos) + 1
    before = text[para_start:pos]
    if before.rfind("\u201c") > before.rfind("\u201d"):
        return para_start + before.rfind("\u201c")
    if before.count('"') % 2 == 1:
        return para_start + before.rfind('"')
    return None
