"""Vietnam's calendar: the day, month and year a moment falls on for the platform's users.

Times are stored in UTC; whatever is counted or shown by calendar day or month (active days,
certificates' dates, reports' months, the year-end deadline) is Vietnam time, UTC+7 all year
(no daylight saving), so a fixed offset is exact and needs no time-zone database.
"""
import datetime as dt

VIETNAM = dt.timezone(dt.timedelta(hours=7))


def vietnam_now():
    return dt.datetime.now(VIETNAM)


def vietnam_day(moment):
    """The date in Vietnam of an aware datetime."""
    return moment.astimezone(VIETNAM).date()


def vietnam_month(moment):
    """'YYYY-MM' of an aware datetime (Vietnam calendar) or of a date."""
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(VIETNAM)
    return moment.strftime("%Y-%m")


def day_start(day):
    """Midnight in Vietnam at the start of ``day`` (a date or its ISO text), as an aware datetime."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return dt.datetime.combine(day, dt.time(), VIETNAM)
