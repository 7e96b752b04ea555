"""Names of domain values as people read them (translated; Chinese by default)."""

from __future__ import annotations

from app.qt import QCoreApplication

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
