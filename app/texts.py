"""Names of domain values as people read them (translated; Chinese by default)."""

from __future__ import annotations

from app.qt import QCoreApplication
from media.disk import human_size

translate = QCoreApplication.translate


def role_name(role: str) -> str:
    names = {
        "video": translate("Texts", "Lesson video"),
        "audio": translate("Texts", "Audio"),
        "courseware": translate("Texts", "Courseware"),
        "design": translate("Texts", "Teaching design"),
        "worksheet": translate("Texts", "Worksheet"),
        "exercise": translate("Texts", "Exercises"),
        "document": translate("Texts", "Document"),
        "other": translate("Texts", "Other"),
    }
    return names.get(role, role)


def unit_state_name(state: str) -> str:
    names = {
        "installed": translate("Texts", "Downloaded"),
        "absent": translate("Texts", "Not downloaded"),
        "damaged": translate("Texts", "Damaged, import again"),
    }
    return names.get(state, state)


def duration_words(seconds: float) -> str:
    """A time span as people say it: 1 分 20 秒 / 1 min 20 s."""
    s = max(round(seconds), 0)
    if s < 60:
        return translate("Texts", "{0} s").format(s)
    if s < 3600:
        return translate("Texts", "{0} min {1} s").format(s // 60, s % 60)
    return translate("Texts", "{0} h {1} min").format(s // 3600, s % 3600 // 60)


def progress_text(done: int, total: int, elapsed: float, start: int = 0) -> str:
    """Bytes done of total, rate, and time left, for a progress line.

    `start`: bytes that were done before `elapsed` began (a resumed download), which
    count as done but not towards the rate."""
    rate = (done - start) / elapsed if elapsed > 0 else 0
    if rate <= 0 or done <= start:
        return translate("Texts", "{done} of {total}").format(
            done=human_size(done), total=human_size(total)
        )
    return translate("Texts", "{done} of {total}, {rate}/s, about {left} left").format(
        done=human_size(done),
        total=human_size(total),
        rate=human_size(rate),
        left=duration_words((total - done) / rate),
    )
