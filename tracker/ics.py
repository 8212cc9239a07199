"""An interview as an iCalendar (RFC 5545) file. Calendar stamps, not the wire format."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from tracker.models import Interview


def _escape(text: str) -> str:
    return (text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n") \
        .replace("\n", "\\n")


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(lines: list[str]) -> str:
    """RFC 5545: lines of at most 75 octets, continued with a space; CRLF line ends."""
    folded = []
    for line in lines:
        raw = line.encode("utf-8")
        while len(raw) > 75:
            cut = 75
            while (raw[cut] & 0xC0) == 0x80:  # never cut inside a UTF-8 character
                cut -= 1
            folded.append(raw[:cut].decode("utf-8"))
            raw = b" " + raw[cut:]
        folded.append(raw.decode("utf-8"))
    return "\r\n".join(folded) + "\r\n"


def interview_ics(interview: Interview) -> str:
    """One VEVENT with a 15-minute alarm; cancelled interviews say STATUS:CANCELLED."""
    job = interview.application.job
    end = interview.scheduled_date + timedelta(minutes=interview.duration_minutes or 60)
    description = "\n".join(x for x in [interview.notes, interview.meeting_link] if x)
    summary = f"{interview.get_interview_type_display()} interview: {job.job_title} at {job.company}"
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Jobelix//Tracker//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{interview.calendar_uid}@jobelix",
        f"DTSTAMP:{_stamp(interview.updated_at or timezone.now())}",
        f"DTSTART:{_stamp(interview.scheduled_date)}",
        f"DTEND:{_stamp(end)}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(interview.location or interview.meeting_link)}",
        f"DESCRIPTION:{_escape(description)}",
    ]
    if interview.meeting_link:
        lines.append(f"URL:{interview.meeting_link}")
    lines += ["STATUS:CANCELLED" if interview.status == Interview.Status.CANCELLED else "STATUS:CONFIRMED",
              "BEGIN:VALARM", "TRIGGER:-PT15M", "ACTION:DISPLAY", "DESCRIPTION:Interview in 15 minutes",
              "END:VALARM", "END:VEVENT", "END:VCALENDAR"]
    return _fold(lines)
