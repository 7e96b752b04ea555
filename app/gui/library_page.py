"""资源库: browse by 学段/年级/学科/教材版本/册 → 单元 → 课, or search as you type.

Nothing is loaded whole: the tree fetches a level when it is opened, and search runs in
the background on its own catalog connection, newest query wins.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.gui.style import big_button
from app.qt import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QStackedWidget,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QThreadPool,
    QTimer,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.tasks import Background
from app.texts import role_name, unit_state_name
from media import manifest as mf
from media.catalog import Catalog, SearchHit

SEARCH_DELAY_MS = 150
WATCHED = 5  # the lesson table's 已看 column
LESSON, UNIT, PACKAGE = "lesson", "unit", "package"


def duration_text(ms: int | None) -> str:
    if not ms:
        return ""
    s = round(ms / 1000)
    return f"{s // 60}:{s % 60:02d}"


class LibraryPage(QWidget):
    """Emits `play_requested(resource row, lesson title)` when a teacher picks a video."""

    play_requested = Signal(dict, str)
    queue_requested = Signal(dict, str)  # add to the class period's playlist

    def __init__(self, catalog_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog = Catalog(catalog_path)
        self._catalog_path = catalog_path
        self._search_pool = QThreadPool(self)
        self._search_pool.setMaxThreadCount(1)
        self._search_catalog: Catalog | None = None
        self._search_serial = 0

        self.search_box = QLineEdit()
        self.search_box.setObjectName("search")
        self.search_box.setPlaceholderText(
            self.tr("Type a lesson name or pinyin initials, e.g. fsdcbrs")
        )
        self.search_box.setClearButtonEnabled(True)
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self._search)
        self.search_box.textChanged.connect(lambda _: self._debounce.start())

        self.facets: dict[str, QComboBox] = {}
        facet_row = QHBoxLayout()
        labels = {
            "stage": self.tr("Stage"),
            "grade": self.tr("Grade"),
            "subject": self.tr("Subject"),
            "edition": self.tr("Edition"),
            "volume": self.tr("Volume"),
        }
        # The first entry of each box says what the box is for.
        self._all_labels = {
            "stage": self.tr("All stages"),
            "grade": self.tr("All grades"),
            "subject": self.tr("All subjects"),
            "edition": self.tr("All editions"),
            "volume": self.tr("All volumes"),
        }
        for key in mf.TAG_KEYS:
            combo = QComboBox()
            combo.setObjectName(f"facet-{key}")
            combo.setToolTip(labels[key])
            combo.currentIndexChanged.connect(lambda _=0, k=key: self._facet_changed(k))
            self.facets[key] = combo
            facet_row.addWidget(combo)

        self.tree = QTreeWidget()
        self.tree.setObjectName("tree")
        self.tree.setHeaderHidden(True)
        self.tree.itemExpanded.connect(self._expand)
        self.tree.itemClicked.connect(self._item_clicked)

        self.results = QListWidget()
        self.results.setObjectName("results")
        self.results.itemClicked.connect(self._hit_clicked)
        self.results.itemActivated.connect(self._hit_clicked)
        self.no_results = QLabel(self.tr("Nothing found. Try fewer characters or pinyin initials."))
        self.no_results.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.left = QStackedWidget()
        for w in (self.tree, self.results, self.no_results):
            self.left.addWidget(w)

        self.lesson_title = QLabel(self.tr("Choose a lesson on the left"))
        self.lesson_title.setObjectName("lesson-title")
        self.lesson_title.setWordWrap(True)
        self.breadcrumb = QLabel()
        self.breadcrumb.setObjectName("breadcrumb")
        # How far the current learner got with a resource ("" when nobody is chosen).
        self.watched: Callable[[str, str], str] = lambda _package, _sha: ""
        self.resources = QTableWidget(0, 6)
        self.resources.setObjectName("resources")
        self.resources.setHorizontalHeaderLabels(
            [
                self.tr("Name"),
                self.tr("Type"),
                self.tr("Length"),
                self.tr("Subtitles"),
                self.tr("Status"),
                self.tr("Watched"),
            ]
        )
        self.resources.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.resources.verticalHeader().hide()
        self.resources.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.resources.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.resources.cellDoubleClicked.connect(self._play_row)
        self.play_button = big_button(self.tr("Play"))
        self.play_button.setObjectName("play")
        self.play_button.setEnabled(False)
        self.play_button.clicked.connect(lambda: self._play_row(self.resources.currentRow(), 0))
        self.queue_button = big_button(self.tr("Add to class playlist"))
        self.queue_button.setObjectName("queue")
        self.queue_button.setEnabled(False)
        self.queue_button.clicked.connect(self._queue_row)
        self.resources.currentCellChanged.connect(lambda row, *_: self._update_play_button(row))
        self.message = QLabel()
        self.message.setObjectName("library-message")
        self.message.setWordWrap(True)
        self.message.hide()

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(self.lesson_title)
        rl.addWidget(self.breadcrumb)
        rl.addWidget(self.resources, 1)
        rl.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.queue_button)
        buttons.addWidget(self.play_button)
        rl.addLayout(buttons)

        split = QSplitter()
        split.addWidget(self.left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_box)
        layout.addLayout(facet_row)
        layout.addWidget(split, 1)

        self._lesson_rows: list[dict] = []
        self._lesson_name = ""
        self.reload()

    # -- browsing --------------------------------------------------------------------

    def reload(self) -> None:
        """Refill facets and the package level (after an import or removal)."""
        self._fill_facets(0)
        self._fill_tree()

    def _filters(self, upto: int) -> dict[str, str]:
        out = {}
        for key in mf.TAG_KEYS[:upto]:
            value = self.facets[key].currentData()
            if value:
                out[key] = value
        return out

    def _fill_facets(self, start: int) -> None:
        for i, key in enumerate(mf.TAG_KEYS[start:], start):
            combo = self.facets[key]
            previous = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self._all_labels[key], None)
            for value in self.catalog.facet(key, **self._filters(i)):
                combo.addItem(value, value)
            index = combo.findData(previous)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def _facet_changed(self, key: str) -> None:
        self._fill_facets(mf.TAG_KEYS.index(key) + 1)
        self._fill_tree()

    def _fill_tree(self) -> None:
        self.tree.clear()
        for package_id, _version, title, _state in self.catalog.package_list(
            **self._filters(len(mf.TAG_KEYS))
        ):
            item = QTreeWidgetItem([title])
            item.setData(0, Qt.ItemDataRole.UserRole, (PACKAGE, package_id))
            item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            self.tree.addTopLevelItem(item)

    def _expand(self, item: QTreeWidgetItem) -> None:
        if item.childCount():
            return
        kind, key = item.data(0, Qt.ItemDataRole.UserRole)
        if kind == PACKAGE:
            for u in self.catalog.units(key):
                title = (
                    u.title
                    if u.state == "installed"
                    else f"{u.title}（{unit_state_name(u.state)}）"
                )
                child = QTreeWidgetItem([title])
                child.setData(0, Qt.ItemDataRole.UserRole, (UNIT, (key, u.idx)))
                child.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
                item.addChild(child)
        elif kind == UNIT:
            package_id, unit_idx = key
            for les in self.catalog.lessons(package_id, unit_idx):
                child = QTreeWidgetItem([les["title"]])
                child.setData(0, Qt.ItemDataRole.UserRole, (LESSON, les["id"]))
                item.addChild(child)

    def _item_clicked(self, item: QTreeWidgetItem) -> None:
        kind, key = item.data(0, Qt.ItemDataRole.UserRole)
        if kind == LESSON:
            unit = item.parent()
            package = unit.parent() if unit else None
            crumbs = [i.text(0) for i in (package, unit) if i is not None]
            self.show_lesson(key, item.text(0), " › ".join(crumbs))
        else:
            item.setExpanded(not item.isExpanded())

    def show_message(self, sentence: str) -> None:
        """Why the chosen resource could not be opened; gone with the next lesson shown."""
        self.message.setText(sentence)
        self.message.show()

    def refresh_watched(self) -> None:
        """Re-read the 已看 column (another learner now uses Kebao, or one watched more)."""
        for row, r in enumerate(self._lesson_rows):
            self.resources.setItem(
                row, WATCHED, QTableWidgetItem(self.watched(r["package_id"], r["sha256"]))
            )

    def show_lesson(self, lesson_id: int, title: str, breadcrumb: str) -> None:
        self.message.hide()
        self.lesson_title.setText(title)
        self.breadcrumb.setText(breadcrumb)
        self._lesson_name = title
        self._lesson_rows = self.catalog.resources(lesson_id)
        self.resources.setRowCount(len(self._lesson_rows))
        for row, r in enumerate(self._lesson_rows):
            subtitles = self.tr("Yes") if r["subtitles"] else ""
            cells = [r["title"], role_name(r["role"]), duration_text(r["duration_ms"]), subtitles,
                     unit_state_name(r["unit_state"]), self.watched(r["package_id"], r["sha256"])]  # fmt: skip
            for col, text in enumerate(cells):
                self.resources.setItem(row, col, QTableWidgetItem(text))
        first_video = next((i for i, r in enumerate(self._lesson_rows) if r["role"] == "video"), 0)
        if self._lesson_rows:
            self.resources.setCurrentCell(first_video, 0)
        self._update_play_button(self.resources.currentRow())

    def _update_play_button(self, row: int) -> None:
        ok = (
            0 <= row < len(self._lesson_rows)
            and self._lesson_rows[row]["unit_state"] == "installed"
        )
        playable = ok and self._lesson_rows[row]["role"] in ("video", "audio")
        self.play_button.setEnabled(ok)
        self.play_button.setText(self.tr("Play") if playable or not ok else self.tr("Open"))
        self.queue_button.setEnabled(playable)

    def _play_row(self, row: int, _column: int) -> None:
        if (
            0 <= row < len(self._lesson_rows)
            and self._lesson_rows[row]["unit_state"] == "installed"
        ):
            self.play_requested.emit(self._lesson_rows[row], self._lesson_name)

    def _queue_row(self) -> None:
        row = self.resources.currentRow()
        if 0 <= row < len(self._lesson_rows):
            self.queue_requested.emit(self._lesson_rows[row], self._lesson_name)

    # -- search ----------------------------------------------------------------------

    def _search(self) -> None:
        query = self.search_box.text().strip()
        self._search_serial += 1
        serial = self._search_serial
        if not query:
            self.left.setCurrentWidget(self.tree)
            return

        def work(_job: object) -> list[SearchHit]:
            # Its own connection, used only by the one search thread.
            if self._search_catalog is None:
                self._search_catalog = Catalog(self._catalog_path)
            return self._search_catalog.search(query)

        def show(hits: list[SearchHit]) -> None:
            if serial == self._search_serial:  # an older query finishing late is dropped
                self.show_hits(hits)

        Background(work).on_success(show).start(self._search_pool)

    def show_hits(self, hits: list[SearchHit]) -> None:
        self.results.clear()
        for h in hits:
            where = f"{h.package_title} › {h.unit_title}"
            text = h.title if h.resource_id is None else f"{h.lesson_title} › {h.title}"
            item = QListWidgetItem(f"{text}\n{where}")
            item.setData(Qt.ItemDataRole.UserRole, h)
            self.results.addItem(item)
        self.left.setCurrentWidget(self.results if hits else self.no_results)

    def _hit_clicked(self, item: QListWidgetItem) -> None:
        h: SearchHit = item.data(Qt.ItemDataRole.UserRole)
        self.show_lesson(h.lesson_id, h.lesson_title, f"{h.package_title} › {h.unit_title}")

    def close_catalogs(self) -> None:
        self._search_pool.waitForDone()
        self.catalog.close()
        if self._search_catalog:
            self._search_catalog.close()
