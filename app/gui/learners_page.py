"""学生: learner profiles to pick from, and, behind teacher mode, the roster and progress.

A student taps their own round avatar (coloured, with the first character of their
name) and is on their profile; a PIN keypad appears only for a learner who has a PIN.
In teacher mode the same tap shows that learner's progress per lesson instead, and
the teacher can add and archive learners and see a class's completion as a bar chart.
Everything read from the journal and the catalog is read in the background: a school
has hundreds of learners and a catalog can hold 100 000 resources.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from app.gui.style import BIG, big_button
from app.qt import (
    QAbstractItemView,
    QColor,
    QComboBox,
    QCoreApplication,
    QDialog,
    QFont,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QIcon,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPainter,
    QPixmap,
    QPushButton,
    QRect,
    QRegularExpression,
    QRegularExpressionValidator,
    QScrollArea,
    QScroller,
    QSize,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.session import Session, wrong_pin_sentence
from app.tasks import Background, Job
from media.catalog import Catalog
from media.errors import KebaoError
from sync.journal import (
    PALETTE,
    Journal,
    Learner,
    class_problem,
    match_key,
    name_problem,
    pin_problem,
)
from sync.roster import places

T = TypeVar("T")
AVATAR = 72  # px: the avatar on a profile tile
TILE = QSize(168, 156)  # px: a whole profile tile, the thing a finger hits
KEY = 80  # px: a key of the PIN keypad
BAR_ROW = 44  # px: one lesson in the completion chart
PIN_CHARS = QRegularExpression("[0-9]{0,8}")
# A PIN check, answered later on the GUI thread: None when it passed, else a sentence.
PinCheck = Callable[[str, Callable[[str | None], None]], None]

translate = QCoreApplication.translate


# -- what the page shows, read off the GUI thread ------------------------------------------


@dataclass(frozen=True)
class ProgressLine:
    """One resource a learner opened, for the teacher's table."""

    lesson_title: str | None  # None: its package was removed
    resource_title: str
    watched_percent: int | None  # None: no duration (courseware)
    completed: bool
    last_ms: int


@dataclass(frozen=True)
class LessonCompletion:
    """How many of a class's students completed one lesson."""

    title: str
    completed: int
    learners: int

    @property
    def percent(self) -> int:
        return self.completed * 100 // self.learners if self.learners else 0


def learner_progress(journal: Journal, catalog: Catalog, learner_id: str) -> list[ProgressLine]:
    """Everything a learner opened, in textbook order (removed packages last)."""
    mine = journal.progress_for_learner(learner_id)
    where = places(catalog, {p.package_id for p in mine})
    lines = []
    for p in mine:
        place = where.get((p.package_id, p.sha256))
        duration = max(p.duration_ms, place.duration_ms if place else 0)
        percent = min(100, p.furthest_ms * 100 // duration) if duration else None
        line = ProgressLine(
            place.lesson_title if place else None,
            place.resource_title if place else p.sha256[:8],
            percent,
            p.completed,
            p.last_ms,
        )
        lines.append(((place is None, place.order if place else ()), line))
    return [line for _, line in sorted(lines, key=lambda x: x[0])]


def completion_by_lesson(
    journal: Journal, catalog: Catalog, class_name: str
) -> list[LessonCompletion]:
    """Each lesson any student of the class opened: how many of them completed it.

    A student completed a lesson when they completed all its videos (resources with a
    duration); a lesson of courseware only needs all of its resources completed.
    """
    students = [x for x in journal.learners(class_name) if not x.teacher]
    progress = [journal.progress_for_learner(x.id) for x in students]
    completed = [{(p.package_id, p.sha256) for p in ps if p.completed} for ps in progress]
    opened = {(p.package_id, p.sha256) for ps in progress for p in ps}
    where = places(catalog, {package_id for package_id, _ in opened})
    lessons: dict[tuple, list[tuple[str, str]]] = {}
    titles: dict[tuple, str] = {}
    with_duration: set[tuple[str, str]] = set()
    for key, place in where.items():
        lesson = place.order[:-1]  # the order ends with the resource's place in its lesson
        lessons.setdefault(lesson, []).append(key)
        titles[lesson] = place.lesson_title
        if place.duration_ms:
            with_duration.add(key)
    result = []
    for lesson in sorted(lessons):
        keys = set(lessons[lesson])
        if not keys & opened:
            continue
        needed = (keys & with_duration) or keys
        done = sum(1 for mine in completed if needed <= mine)
        result.append(LessonCompletion(titles[lesson], done, len(students)))
    return result


def when_text(ms: int, now: datetime | None = None) -> str:
    """A moment as a teacher reads it: 今天 10:05, 昨天 19:30, 11-02 08:00, 2023-06-01."""
    moment = datetime.fromtimestamp(ms / 1000)
    today = (now or datetime.now()).date()
    clock = moment.strftime("%H:%M")
    if moment.date() == today:
        return translate("LearnersPage", "Today {0}").format(clock)
    if moment.date() == today - timedelta(days=1):
        return translate("LearnersPage", "Yesterday {0}").format(clock)
    if moment.year == today.year:
        return moment.strftime("%m-%d %H:%M")
    return moment.strftime("%Y-%m-%d")


# -- avatars ---------------------------------------------------------------------------


def initial(name: str) -> str:
    """What the avatar shows: the first character of the name (王小明 → 王)."""
    name = name.strip()
    return name[:1].upper() if name else "?"


_avatars: dict[tuple[str, str, int], QPixmap] = {}


def avatar(name: str, colour: str, size: int = AVATAR) -> QPixmap:
    """A round avatar in the learner's colour with the first character of their name."""
    key = (initial(name), colour, size)
    if key not in _avatars:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(colour))
        p.drawEllipse(0, 0, size, size)
        font = QFont(p.font())
        font.setPixelSize(size * 11 // 20)
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor("white"))
        p.drawText(QRect(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, key[0])
        p.end()
        _avatars[key] = pixmap
    return _avatars[key]


# -- dialogs ---------------------------------------------------------------------------


def _dialog_buttons(dialog: QDialog, ok_text: str) -> tuple[QPushButton, QPushButton, QHBoxLayout]:
    cancel = big_button(translate("LearnersPage", "Cancel"))
    cancel.setObjectName("cancel")
    cancel.clicked.connect(dialog.reject)
    ok = big_button(ok_text)
    ok.setObjectName("ok")
    ok.setDefault(True)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(cancel)
    row.addWidget(ok)
    return ok, cancel, row


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("error")
    label.setWordWrap(True)
    label.setStyleSheet("color: #c0392b;")
    return label


def _pin_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setValidator(QRegularExpressionValidator(PIN_CHARS, field))
    field.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
    return field


class PinDialog(QDialog):
    """A numeric keypad with keys big enough for a child's finger; a keyboard works too."""

    def __init__(self, title: str, check: PinCheck, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("PIN"))
        self._check = check
        heading = QLabel(title)
        heading.setObjectName("pin-title")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        heading.setWordWrap(True)
        self.display = _pin_field()
        self.display.setObjectName("pin")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setMinimumHeight(BIG)
        self.display.returnPressed.connect(self.submit)
        self.error = _error_label()
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.keys: dict[str, QPushButton] = {}
        pad = QGridLayout()
        labels = [*"123456789", "clear", "0", "back"]
        shown = {"clear": self.tr("Clear"), "back": "⌫"}
        for i, key in enumerate(labels):
            button = QPushButton(shown.get(key, key))
            button.setObjectName(f"key-{key}")
            button.setFixedSize(KEY, KEY)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing stays in the PIN field
            button.clicked.connect(lambda _=False, k=key: self.press(k))
            pad.addWidget(button, i // 3, i % 3)
            self.keys[key] = button
        self.ok_button, self.cancel_button, buttons = _dialog_buttons(self, self.tr("OK"))
        self.ok_button.clicked.connect(self.submit)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.display)
        layout.addWidget(self.error)
        layout.addLayout(pad)
        layout.addLayout(buttons)

    def press(self, key: str) -> None:
        if key == "clear":
            self.display.clear()
        elif key == "back":
            self.display.backspace()
        elif len(self.display.text()) < 8:
            self.display.insert(key)
        self.error.clear()

    def submit(self) -> None:
        pin = self.display.text()
        if len(pin) < 4:
            self.error.setText(self.tr("A PIN has 4 to 8 digits."))
            return
        self._busy(True)
        self.error.setText(self.tr("Checking…"))
        self._check(pin, self._checked)

    def _checked(self, problem: str | None) -> None:
        self._busy(False)
        if problem is None:
            self.accept()
            return
        self.error.setText(problem)
        self.display.clear()

    def _busy(self, busy: bool) -> None:
        # Cancel too: a check that passes after "cancel" would still switch the profile.
        for w in (*self.keys.values(), self.ok_button, self.cancel_button, self.display):
            w.setEnabled(not busy)


class LearnerDialog(QDialog):
    """Name, class and avatar colour of a new learner."""

    def __init__(
        self, classes: list[str], class_name: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add a learner"))
        self.name = QLineEdit()
        self.name.setObjectName("name")
        self.class_box = QComboBox()
        self.class_box.setObjectName("class")
        self.class_box.setEditable(True)  # a new class is typed in
        self.class_box.addItems(classes)
        self.class_box.setCurrentText(class_name or "")
        self.preview = QLabel()
        self.preview.setFixedSize(AVATAR, AVATAR)
        self.colours: dict[str, QPushButton] = {}
        swatches = QWidget()
        row = QHBoxLayout(swatches)
        row.setContentsMargins(0, 0, 0, 0)
        for colour in PALETTE:
            swatch = QPushButton()
            swatch.setObjectName(f"colour-{colour}")
            swatch.setCheckable(True)
            swatch.setAutoExclusive(True)  # one colour, like radio buttons
            swatch.setFixedSize(56, 56)
            swatch.setStyleSheet(
                f"QPushButton {{ background: {colour}; border-radius: 8px; min-height: 0; }}"
                "QPushButton:checked { border: 5px solid #222; }"
            )
            swatch.toggled.connect(self._update_preview)
            row.addWidget(swatch)
            self.colours[colour] = swatch
        self.colours[PALETTE[0]].setChecked(True)
        self.name.textChanged.connect(self._update_preview)
        self.error = _error_label()
        self.ok_button, _, buttons = _dialog_buttons(self, self.tr("Add"))
        self.ok_button.clicked.connect(self.submit)

        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Class"), self.class_box)
        form.addRow(self.tr("Avatar colour"), swatches)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self._update_preview()

    def colour(self) -> str:
        return next(c for c, b in self.colours.items() if b.isChecked())

    def values(self) -> tuple[str, str, str]:
        return self.name.text(), self.class_box.currentText(), self.colour()

    def _update_preview(self) -> None:
        self.preview.setPixmap(avatar(self.name.text() or "?", self.colour()))

    def submit(self) -> None:
        name, class_name, _ = self.values()
        problem = name_problem(name) or class_problem(class_name)
        if problem:
            self.error.setText(problem)
        else:
            self.accept()


class TeacherPinDialog(QDialog):
    """The PIN that closes teacher mode, set by the teacher who first opens it."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Set the teacher PIN"))
        explain = QLabel(
            self.tr(
                "Teacher mode will ask for this PIN. Write it down somewhere safe: "
                "students must not know it."
            )
        )
        explain.setWordWrap(True)
        self.name = QLineEdit(name)
        self.name.setObjectName("name")
        self.pin = _pin_field()
        self.pin.setObjectName("pin")
        self.again = _pin_field()
        self.again.setObjectName("again")
        self.error = _error_label()
        self.ok_button, _, buttons = _dialog_buttons(self, self.tr("Save"))
        self.ok_button.clicked.connect(self.submit)
        form = QFormLayout()
        form.addRow(self.tr("Teacher's name"), self.name)
        form.addRow(self.tr("PIN (4–8 digits)"), self.pin)
        form.addRow(self.tr("PIN again"), self.again)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

    def values(self) -> tuple[str, str]:
        return self.name.text(), self.pin.text()

    def submit(self) -> None:
        name, pin = self.values()
        problem = name_problem(name) or pin_problem(pin)
        if problem is None and pin != self.again.text():
            problem = self.tr("The two PINs are not the same.")
        if problem:
            self.error.setText(problem)
        else:
            self.accept()


# -- the chart -------------------------------------------------------------------------


class CompletionChart(QWidget):
    """Horizontal bars: per lesson, the share of the class that completed it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("completion-chart")
        self.title = ""
        self.empty_text = ""
        self.rows: list[LessonCompletion] = []

    def set_data(self, title: str, rows: list[LessonCompletion], empty_text: str = "") -> None:
        self.title, self.rows, self.empty_text = title, rows, empty_text
        self.setMinimumHeight(self._height())
        self.updateGeometry()
        self.update()

    def _height(self) -> int:
        return BAR_ROW * (len(self.rows) + 2)

    def sizeHint(self) -> QSize:
        return QSize(560, self._height())

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = p.fontMetrics()
        width = self.width()
        bold = QFont(p.font())
        bold.setBold(True)
        p.setFont(bold)
        p.drawText(QRect(8, 0, width - 16, BAR_ROW), Qt.AlignmentFlag.AlignVCenter, self.title)
        p.setFont(self.font())
        if not self.rows:
            area = QRect(8, BAR_ROW, width - 16, BAR_ROW)
            p.drawText(area, Qt.AlignmentFlag.AlignVCenter, self.empty_text)
            p.end()
            return
        label_width = min(
            width * 2 // 5, max(metrics.horizontalAdvance(r.title) for r in self.rows)
        )
        value_width = metrics.horizontalAdvance(self.value_text(LessonCompletion("", 888, 888))) + 8
        bar_left = 8 + label_width + 12
        bar_width = max(width - bar_left - value_width - 16, 20)
        for i, row in enumerate(self.rows):
            top = BAR_ROW * (i + 1)
            label = metrics.elidedText(row.title, Qt.TextElideMode.ElideRight, label_width)
            align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight
            p.setPen(self.palette().windowText().color())
            p.drawText(QRect(8, top, label_width, BAR_ROW), align, label)
            track = QRect(bar_left, top + 8, bar_width, BAR_ROW - 16)
            p.fillRect(track, QColor("#e4e4e4"))
            filled = QRect(track)
            filled.setWidth(bar_width * row.percent // 100)
            p.fillRect(filled, QColor("#3aa757"))
            value = QRect(bar_left + bar_width + 12, top, value_width, BAR_ROW)
            p.drawText(value, Qt.AlignmentFlag.AlignVCenter, self.value_text(row))
        p.end()

    def value_text(self, row: LessonCompletion) -> str:
        return self.tr("{0}% ({1} of {2})").format(row.percent, row.completed, row.learners)


# -- the page --------------------------------------------------------------------------


class LearnersPage(QWidget):
    """Emits `profile_chosen(learner id)` once a student is on their own profile."""

    profile_chosen = Signal(str)

    def __init__(self, session: Session, catalog_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.journal = session.journal
        self._catalog_path = catalog_path
        self._serials: dict[str, int] = {}
        self.students: list[Learner] = []
        self.teachers: list[Learner] = []
        self.selected: Learner | None = None  # teacher mode: whose progress is shown
        self.teacher_pin_set: bool | None = None  # known after the first load
        self.pin_dialog: PinDialog | None = None
        self.learner_dialog: LearnerDialog | None = None
        self.teacher_pin_dialog: TeacherPinDialog | None = None
        self.confirm_box: QMessageBox | None = None

        self.class_box = QComboBox()
        self.class_box.setObjectName("class-filter")
        self.class_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.class_box.currentIndexChanged.connect(self._class_changed)
        self.who = QLabel()
        self.who.setObjectName("who")
        self.add_button = big_button(self.tr("Add learner"))
        self.add_button.setObjectName("add-learner")
        self.add_button.clicked.connect(self.open_learner_dialog)
        self.teacher_button = big_button(self.tr("Teacher mode"))
        self.teacher_button.setObjectName("teacher-mode")
        self.teacher_button.clicked.connect(self._teacher_button_clicked)
        top = QHBoxLayout()
        top.addWidget(self.class_box)
        top.addWidget(self.who, 1)
        top.addWidget(self.add_button)
        top.addWidget(self.teacher_button)

        self.open_banner = QFrame()
        self.open_banner.setObjectName("open-banner")
        self.open_banner.setStyleSheet("QFrame#open-banner { background: #fff4d6; }")
        banner = QHBoxLayout(self.open_banner)
        banner_text = QLabel(self.tr("No teacher PIN is set yet: anyone can enter teacher mode."))
        banner_text.setWordWrap(True)
        self.set_pin_button = big_button(self.tr("Set teacher PIN"))
        self.set_pin_button.setObjectName("set-teacher-pin")
        self.set_pin_button.clicked.connect(self.open_teacher_pin_dialog)
        banner.addWidget(banner_text, 1)
        banner.addWidget(self.set_pin_button)

        self.message = _error_label()
        self.message.setObjectName("message")
        self.message.hide()

        self.grid = QListWidget()
        self.grid.setObjectName("profiles")
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setIconSize(QSize(AVATAR, AVATAR))
        self.grid.setGridSize(TILE)
        self.grid.setUniformItemSizes(True)
        self.grid.setWordWrap(True)
        self.grid.setSpacing(8)
        self.grid.itemClicked.connect(self._tile_tapped)
        self.grid.itemActivated.connect(self._tile_tapped)
        QScroller.grabGesture(self.grid.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.empty = QLabel(
            self.tr(
                "No learners yet. A teacher adds them in teacher mode, "
                "or IT staff import a class list (kebao learners import)."
            )
        )
        self.empty.setObjectName("empty")
        self.empty.hide()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.grid, 1)
        left_layout.addWidget(self.empty, 1)

        self.progress_title = QLabel()
        self.progress_title.setObjectName("progress-title")
        self.progress_title.setWordWrap(True)
        self.progress_table = QTableWidget(0, 5)
        self.progress_table.setObjectName("progress")
        self.progress_table.setHorizontalHeaderLabels(
            [
                self.tr("Lesson"),
                self.tr("Resource"),
                self.tr("Watched"),
                self.tr("Completed"),
                self.tr("Last watched"),
            ]
        )
        header = self.progress_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.progress_table.verticalHeader().hide()
        self.progress_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.archive_button = big_button(self.tr("Archive learner"))
        self.archive_button.setObjectName("archive")
        self.archive_button.setEnabled(False)
        self.archive_button.clicked.connect(self.confirm_archive)
        progress_tab = QWidget()
        pl = QVBoxLayout(progress_tab)
        pl.addWidget(self.progress_title)
        pl.addWidget(self.progress_table, 1)
        pl.addWidget(self.archive_button, 0, Qt.AlignmentFlag.AlignRight)

        self.chart = CompletionChart()
        chart_scroll = QScrollArea()
        chart_scroll.setWidgetResizable(True)
        chart_scroll.setWidget(self.chart)
        self.teacher_panel = QTabWidget()
        self.teacher_panel.setObjectName("teacher-panel")
        self.teacher_panel.addTab(progress_tab, self.tr("Progress"))
        self.teacher_panel.addTab(chart_scroll, self.tr("Class completion"))

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.teacher_panel)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.open_banner)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)

        self.class_box.addItem(self.tr("All classes"), None)
        session.changed.connect(self._session_changed)
        self._show_mode()

    # -- loading ---------------------------------------------------------------------

    def showEvent(self, event: object) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        """Reload the roster (and, in teacher mode, the progress and the chart)."""

        def work(_job: Job) -> tuple[list[Learner], bool]:
            return self.journal.learners(), self.session.teacher_pin_set()

        self._run("learners", work, self._show_learners)

    def _run(self, slot: str, work: Callable[[Job], T], show: Callable[[T], None]) -> None:
        """Work in the background; of several loads of one slot, only the newest is shown."""
        serial = self._serials[slot] = self._serials.get(slot, 0) + 1

        def done(result: T) -> None:
            if self._serials[slot] == serial:
                show(result)

        Background(work).on_success(done).on_failure(self.show_message).start()

    def _with_catalog(self, fn: Callable[[Catalog], T]) -> T:
        # A connection of the worker thread's own, closed when the read is done.
        with contextlib.closing(Catalog(self._catalog_path)) as catalog:
            return fn(catalog)

    def _show_learners(self, result: tuple[list[Learner], bool]) -> None:
        everyone, self.teacher_pin_set = result
        self.students = [x for x in everyone if not x.teacher]
        self.teachers = [x for x in everyone if x.teacher]
        classes = list(dict.fromkeys(x.class_name for x in self.students))  # roster order
        chosen = self.class_box.currentData()
        self.class_box.blockSignals(True)
        while self.class_box.count() > 1:
            self.class_box.removeItem(1)
        for class_name in classes:
            self.class_box.addItem(class_name, class_name)
        self.class_box.setCurrentIndex(max(self.class_box.findData(chosen), 0))
        self.class_box.blockSignals(False)
        if self.selected is not None:
            self.selected = next((x for x in self.students if x.id == self.selected.id), None)
        self._fill_grid()
        self._show_mode()
        self._load_teacher_panel()

    def _fill_grid(self) -> None:
        class_name = self.class_box.currentData()
        shown = [
            x
            for x in self.students
            if class_name is None or match_key(x.class_name) == match_key(class_name)
        ]
        self.grid.clear()
        for learner in shown:
            item = QListWidgetItem(
                QIcon(avatar(learner.name, learner.colour)),
                f"{learner.name}\n{learner.class_name}",
            )
            item.setData(Qt.ItemDataRole.UserRole, learner)
            item.setSizeHint(TILE)
            self.grid.addItem(item)
            if self.selected is not None and learner.id == self.selected.id:
                item.setSelected(True)
        self.grid.setVisible(bool(shown))
        self.empty.setVisible(not shown)

    def _class_changed(self) -> None:
        self._fill_grid()
        if self.session.teacher_mode:
            self._load_chart()

    # -- who is using Kebao ------------------------------------------------------------

    def _session_changed(self) -> None:
        self.show_message("")
        self._show_mode()  # at once: leaving teacher mode hides the roster tools now
        self.refresh()

    def _show_mode(self) -> None:
        teacher = self.session.teacher_mode
        learner = self.session.current_learner
        self.add_button.setVisible(teacher)
        self.teacher_panel.setVisible(teacher)
        self.open_banner.setVisible(teacher and self.teacher_pin_set is False)
        self.teacher_button.setText(
            self.tr("Leave teacher mode") if teacher else self.tr("Teacher mode")
        )
        self.grid.setSelectionMode(
            QAbstractItemView.SelectionMode.SingleSelection
            if teacher
            else QAbstractItemView.SelectionMode.NoSelection
        )
        if teacher:
            self.who.setText(
                self.tr("Teacher mode: {0}").format(learner.name) if learner
                else self.tr("Teacher mode")
            )  # fmt: skip
        elif learner is not None:
            self.who.setText(self.tr("Now learning: {0}").format(learner.name))
        else:
            self.who.setText(self.tr("Tap your name to start"))
        if not teacher:
            self.selected = None
            self.progress_table.setRowCount(0)
            self.chart.set_data("", [])
            self.archive_button.setEnabled(False)

    def _tile_tapped(self, item: QListWidgetItem) -> None:
        learner: Learner = item.data(Qt.ItemDataRole.UserRole)
        if self.session.teacher_mode:
            self.selected = learner
            self._load_progress()
        else:
            self.pick(learner)

    def pick(self, learner: Learner) -> None:
        """A student tapped their profile: switch to it, through the keypad if they have a PIN."""
        self.show_message("")
        if not learner.has_pin:
            self._switch(learner, "")
            return

        def check(pin: str, done: Callable[[str | None], None]) -> None:
            done(None if self._switch(learner, pin) else wrong_pin_sentence())

        self.pin_dialog = PinDialog(
            self.tr("{0}, enter your PIN").format(learner.name), check, self
        )
        self.pin_dialog.open()

    def _switch(self, learner: Learner, pin: str) -> bool:
        try:
            ok = self.session.switch_to(learner.id, pin)
        except KebaoError as e:  # archived on another PC meanwhile
            self.show_message(str(e))
            self.refresh()
            return True  # nothing to retry in the keypad
        if ok:
            self.profile_chosen.emit(learner.id)
        return ok

    def _teacher_button_clicked(self) -> None:
        self.show_message("")
        if self.session.teacher_mode:
            self.session.leave_teacher_mode()
        elif self.teacher_pin_set is not False:
            self.ask_teacher_pin()
        else:
            self.session.request_teacher_mode("", self._open_mode_checked)

    def _open_mode_checked(self, problem: str | None) -> None:
        if problem is not None:  # a teacher PIN was set meanwhile (another PC, a roster)
            self.ask_teacher_pin()

    def ask_teacher_pin(self) -> None:
        self.pin_dialog = PinDialog(self.tr("Teacher PIN"), self.session.request_teacher_mode, self)
        self.pin_dialog.open()

    def show_message(self, sentence: str) -> None:
        """A sentence for a person above the names (empty: none)."""
        self.message.setText(sentence)
        self.message.setVisible(bool(sentence))

    # -- teacher mode --------------------------------------------------------------------

    def _load_teacher_panel(self) -> None:
        if self.session.teacher_mode:
            self._load_progress()
            self._load_chart()

    def _load_progress(self) -> None:
        learner = self.selected
        self.archive_button.setEnabled(learner is not None)
        if learner is None:
            self.progress_title.setText(self.tr("Tap a learner to see their progress."))
            self.progress_table.setRowCount(0)
            return
        self.progress_title.setText(self.tr("{0} ({1})").format(learner.name, learner.class_name))

        def work(_job: Job) -> list[ProgressLine]:
            return self._with_catalog(lambda c: learner_progress(self.journal, c, learner.id))

        self._run("progress", work, self._show_progress)

    def _show_progress(self, lines: list[ProgressLine]) -> None:
        if self.selected is None:
            return
        if not lines:
            self.progress_title.setText(
                self.tr("{0} has not watched anything yet.").format(self.selected.name)
            )
        self.progress_table.setRowCount(len(lines))
        for row, line in enumerate(lines):
            cells = [
                self.tr("(removed from the library)") if line.lesson_title is None
                else line.lesson_title,
                line.resource_title,
                "—" if line.watched_percent is None else f"{line.watched_percent}%",
                self.tr("Yes") if line.completed else "",
                when_text(line.last_ms),
            ]  # fmt: skip
            for col, text in enumerate(cells):
                self.progress_table.setItem(row, col, QTableWidgetItem(text))

    def _load_chart(self) -> None:
        class_name = self.class_box.currentData()
        if class_name is None:
            self.chart.set_data(self.tr("Class completion"), [], self.tr("Choose a class above."))
            return
        title = self.tr("{0}: share of the class that completed each lesson").format(class_name)
        empty = self.tr("Nobody in this class has watched a lesson yet.")

        def work(_job: Job) -> list[LessonCompletion]:
            return self._with_catalog(lambda c: completion_by_lesson(self.journal, c, class_name))

        self._run("chart", work, lambda rows: self.chart.set_data(title, rows, empty))

    def open_learner_dialog(self) -> None:
        classes = list(dict.fromkeys(x.class_name for x in self.students))
        dialog = LearnerDialog(classes, self.class_box.currentData(), self)
        dialog.accepted.connect(lambda: self._add(*dialog.values()))
        self.learner_dialog = dialog
        dialog.open()

    def _add(self, name: str, class_name: str, colour: str) -> None:
        def work(_job: Job) -> Learner:
            return self.journal.add_learner(name, class_name, colour=colour)

        Background(work).on_success(lambda _: self.refresh()).on_failure(self.show_message).start()

    def confirm_archive(self) -> None:
        learner = self.selected
        if learner is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Archive learner"),
            self.tr(
                "Archive {0} ({1})? They leave the list of names; "
                "their progress stays in the reports."
            ).format(learner.name, learner.class_name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        yes = box.button(QMessageBox.StandardButton.Yes)
        yes.setText(self.tr("Archive"))
        box.buttonClicked.connect(lambda b: b is yes and self._archive(learner))
        self.confirm_box = box
        box.open()

    def _archive(self, learner: Learner) -> None:
        def archived(_: Learner) -> None:
            self.selected = None
            self.session.refresh()  # the archived learner may be the one signed in
            self.refresh()

        Background(lambda _job: self.journal.archive_learner(learner.id)).on_success(
            archived
        ).on_failure(self.show_message).start()

    def open_teacher_pin_dialog(self) -> None:
        without_pin = next((x.name for x in self.teachers if not x.has_pin), "")
        dialog = TeacherPinDialog(without_pin, self)
        dialog.accepted.connect(lambda: self._set_teacher_pin(*dialog.values()))
        self.teacher_pin_dialog = dialog
        dialog.open()

    def _set_teacher_pin(self, name: str, pin: str) -> None:
        teachers_class = self.tr("Teachers")
        same = [x for x in self.teachers if match_key(x.name) == match_key(name)]

        def work(_job: Job) -> None:
            if same:
                self.journal.set_pin(same[0].id, pin)
            else:
                self.journal.add_learner(name, teachers_class, pin=pin, teacher=True)

        def saved(_: None) -> None:
            # Now the PIN closes teacher mode; this teacher stays in it, by name.
            self.session.request_teacher_mode(pin, lambda problem: self.refresh())

        Background(work).on_success(saved).on_failure(self.show_message).start()
