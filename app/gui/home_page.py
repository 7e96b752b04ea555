"""首页: what to do next, for whoever is using Kebao now.

A student sees 继续学习 (the videos they started, most recent first, each resuming
where they stopped) and 已完成. The teacher sees the lessons played in class today,
then recent ones. Nobody chosen yet: a welcome and a button to pick a profile. Each
lesson is a big button; the window plays it (`resume_requested`) as it plays the
资源库's choice. The journal and the catalog are read in the background.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from app.gui.learners_page import avatar, when_text
from app.gui.player_page import clock
from app.gui.style import BIG, big_button
from app.qt import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QScroller,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.session import Session
from app.tasks import Background, Job
from app.texts import unit_state_name
from media.catalog import Catalog
from sync.journal import Journal, Progress

T = TypeVar("T")
SHOWN = 20  # lessons per list: more is a library, not a home page
RECENT_DAYS = 14
Key = tuple[str, str]  # (package id, sha256): how the journal names a resource

STYLE = f"""
QPushButton#lesson {{ text-align: left; padding: 8px 20px; min-height: {BIG + 24}px; }}
QLabel#section {{ font-size: 20pt; font-weight: bold; margin-top: 12px; }}
QLabel#welcome-title, QLabel#greeting {{ font-size: 28pt; font-weight: bold; }}
"""


@dataclass(frozen=True)
class Found:
    resource: dict  # a `Catalog.resources()` row
    lesson_title: str


@dataclass(frozen=True)
class StudentItem:
    found: Found
    progress: Progress


@dataclass(frozen=True)
class ClassItem:
    found: Found
    class_name: str
    start_ms: int


def find_resources(catalog: Catalog, keys: Iterable[Key]) -> dict[Key, Found]:
    """Catalog rows of resources named by (package id, sha256); missing ones are left out."""
    wanted = set(keys)
    found: dict[Key, Found] = {}
    for package_id in sorted({package_id for package_id, _ in wanted}):
        for unit in catalog.units(package_id):
            for lesson in catalog.lessons(package_id, unit.idx):
                for row in catalog.resources(lesson["id"]):
                    key = (package_id, row["sha256"])
                    if key in wanted and key not in found:
                        found[key] = Found(row, lesson["title"])
    return found


def student_lessons(
    journal: Journal, catalog: Catalog, learner_id: str
) -> tuple[list[StudentItem], list[StudentItem]]:
    """(unfinished, finished) resources of a learner still in the library, most recent first."""
    mine = journal.progress_for_learner(learner_id)
    found = find_resources(catalog, ((p.package_id, p.sha256) for p in mine))
    unfinished: list[StudentItem] = []
    finished: list[StudentItem] = []
    for p in mine:
        key = (p.package_id, p.sha256)
        if key in found:
            (finished if p.completed else unfinished).append(StudentItem(found[key], p))
    return unfinished[:SHOWN], finished[:SHOWN]


def teacher_lessons(
    journal: Journal, catalog: Catalog, now: datetime
) -> tuple[list[ClassItem], list[ClassItem]]:
    """(today, recent) lessons played in class, newest first, each resource once."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    plays = journal.plays(since=midnight - timedelta(days=RECENT_DAYS))
    found = find_resources(catalog, ((p.package_id, p.sha256) for p in plays))
    today: list[ClassItem] = []
    recent: list[ClassItem] = []
    seen: set[Key] = set()
    for p in plays:
        key = (p.package_id, p.sha256)
        if key in seen or key not in found:
            continue
        seen.add(key)
        item = ClassItem(found[key], p.class_name, p.start_ms)
        (today if p.start_ms >= midnight.timestamp() * 1000 else recent).append(item)
    return today[:SHOWN], recent[:SHOWN]


class LessonList(QWidget):
    """A titled column of big lesson buttons, or a sentence when there are none."""

    def __init__(self, title: str, empty: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        heading = QLabel(title)
        heading.setObjectName("section")
        self.empty = QLabel(empty)
        self.empty.setObjectName("empty")
        self.empty.setWordWrap(True)
        self.buttons: list[QPushButton] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(heading)
        self._layout.addWidget(self.empty)

    def set_items(self, items: list[tuple[str, bool]]) -> list[QPushButton]:
        """One button per (text, playable); returns them to connect."""
        for button in self.buttons:
            button.deleteLater()
        self.buttons = []
        for text, playable in items:
            button = big_button(text)
            button.setObjectName("lesson")
            button.setEnabled(playable)
            self._layout.addWidget(button)
            self.buttons.append(button)
        self.empty.setVisible(not items)
        return self.buttons


class HomePage(QWidget):
    """Emits `resume_requested(resource row, lesson title, start ms)` for a lesson to play,
    and `choose_profile_requested` when someone wants to pick their profile."""

    resume_requested = Signal(dict, str, int)
    choose_profile_requested = Signal()

    def __init__(self, session: Session, catalog_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._catalog_path = catalog_path
        self._serial = 0
        self.setStyleSheet(STYLE)

        self.welcome = QWidget()
        title = QLabel(self.tr("Welcome to Kebao"))
        title.setObjectName("welcome-title")
        hint = QLabel(self.tr("Choose your name to continue where you stopped."))
        hint.setWordWrap(True)
        self.choose_button = big_button(self.tr("Choose my name"))
        self.choose_button.setObjectName("choose-profile")
        self.choose_button.clicked.connect(self.choose_profile_requested)
        wl = QVBoxLayout(self.welcome)
        wl.addStretch(1)
        for w in (title, hint, self.choose_button):
            wl.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        wl.addStretch(2)

        self.avatar = QLabel()
        self.greeting = QLabel()
        self.greeting.setObjectName("greeting")
        self.other_button = big_button(self.tr("Not you? Choose your name"))
        self.other_button.setObjectName("other-profile")
        self.other_button.clicked.connect(self.choose_profile_requested)
        head = QHBoxLayout()
        head.addWidget(self.avatar)
        head.addWidget(self.greeting, 1)
        head.addWidget(self.other_button)
        self.continue_list = LessonList(
            self.tr("Continue learning"),
            self.tr("Nothing to continue yet. Choose a lesson in the Library."),
            "continue",
        )
        self.finished_list = LessonList(
            self.tr("Finished"), self.tr("No lesson finished yet."), "finished"
        )
        self.student = self._scrolled(head, self.continue_list, self.finished_list)

        teacher_title = QLabel(self.tr("Teacher mode"))
        teacher_title.setObjectName("greeting")
        teacher_head = QHBoxLayout()
        teacher_head.addWidget(teacher_title)
        self.today_list = LessonList(
            self.tr("Played in class today"),
            self.tr("No lesson was played in class today. Choose one in the Library."),
            "today",
        )
        self.recent_list = LessonList(
            self.tr("Recent lessons"), self.tr("No lessons in the last two weeks."), "recent"
        )
        self.teacher = self._scrolled(teacher_head, self.today_list, self.recent_list)

        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.stack = QStackedWidget()
        for w in (self.welcome, self.student, self.teacher):
            self.stack.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.stack, 1)
        self.message.hide()
        session.changed.connect(self.refresh)

    def _scrolled(self, head: QHBoxLayout, *lists: LessonList) -> QScrollArea:
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(head)
        for lesson_list in lists:
            layout.addWidget(lesson_list)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        return scroll

    def showEvent(self, event: object) -> None:
        super().showEvent(event)
        self.refresh()  # progress changes while the player is shown

    def refresh(self) -> None:
        """Show the view for whoever uses Kebao now; its lessons load in the background."""
        self._serial += 1
        serial = self._serial
        journal = self.session.journal
        learner = self.session.current_learner
        if self.session.teacher_mode:
            self.stack.setCurrentWidget(self.teacher)
            now = datetime.now()
            self._load(serial, lambda c: teacher_lessons(journal, c, now), self._show_teacher)
        elif learner is not None:
            self.stack.setCurrentWidget(self.student)
            self.avatar.setPixmap(avatar(learner.name, learner.colour, 96))
            self.greeting.setText(self.tr("Hello, {0}!").format(learner.name))
            self._load(
                serial, lambda c: student_lessons(journal, c, learner.id), self._show_student
            )
        else:
            self.stack.setCurrentWidget(self.welcome)

    def _load(self, serial: int, query: Callable[[Catalog], T], show: Callable[[T], None]) -> None:
        path = self._catalog_path

        def work(_job: Job) -> T:
            with contextlib.closing(Catalog(path)) as catalog:  # not the GUI thread's
                return query(catalog)

        def done(result: T) -> None:
            if serial == self._serial:  # who is using Kebao may have changed meanwhile
                self.message.hide()
                show(result)

        Background(work).on_success(done).on_failure(self._show_failure).start()

    def _show_failure(self, sentence: str) -> None:
        self.message.setText(sentence)
        self.message.show()

    def _title(self, found: Found) -> str:
        resource = found.resource
        title = found.lesson_title
        if resource["title"] != found.lesson_title:
            title += f" · {resource['title']}"
        if resource["unit_state"] != "installed":
            title += f"（{unit_state_name(resource['unit_state'])}）"
        return title

    def _show_student(self, lists: tuple[list[StudentItem], list[StudentItem]]) -> None:
        unfinished, finished = lists

        def where(p: Progress) -> str:
            if p.duration_ms:
                return self.tr("Stopped at {0} of {1}").format(
                    clock(p.resume_ms), clock(p.duration_ms)
                )
            return self.tr("Opened")

        for lesson_list, items, resume in (
            (self.continue_list, unfinished, True),
            (self.finished_list, finished, False),
        ):
            texts = [
                (
                    f"{self._title(i.found)}\n"
                    + (where(i.progress) if resume else self.tr("Finished"))
                    + f" · {when_text(i.progress.last_ms)}",
                    i.found.resource["unit_state"] == "installed",
                )
                for i in items
            ]
            for button, item in zip(lesson_list.set_items(texts), items, strict=True):
                start = item.progress.resume_ms if resume else 0
                button.clicked.connect(lambda _=False, i=item, s=start: self._resume(i.found, s))

    def _show_teacher(self, lists: tuple[list[ClassItem], list[ClassItem]]) -> None:
        for lesson_list, items in zip((self.today_list, self.recent_list), lists, strict=True):
            texts = [
                (
                    f"{self._title(i.found)}\n{i.class_name} · {when_text(i.start_ms)}",
                    i.found.resource["unit_state"] == "installed",
                )
                for i in items
            ]
            for button, item in zip(lesson_list.set_items(texts), items, strict=True):
                button.clicked.connect(lambda _=False, i=item: self._resume(i.found, 0))

    def _resume(self, found: Found, start_ms: int) -> None:
        self.resume_requested.emit(found.resource, found.lesson_title, start_ms)
