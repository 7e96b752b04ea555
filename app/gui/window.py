"""The main window: a column of big page buttons on the left, the page on the right.

Pages: 首页 (home), 资源库 (library), 课堂 (classroom: the player, full screen), 学生
(learners), U盘 (drives), 同步 (sync), 下载 (downloads), 设置 (settings). The player and the PDF
view are made on first use. One `Session` says who uses Kebao now; playing records progress for
that learner. One `SyncScheduler` syncs in the background; what its rounds bring in refreshes
the pages, and while the player plays a lesson from the network only the journal moves. One
`ShareProcess` shares the packages on the school's LAN while 设置 says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.gui.classroom import Classroom, PlaylistItem
from app.gui.downloads_page import DownloadsPage
from app.gui.drives_page import DrivesPage, removable_roots
from app.gui.home_page import HomePage
from app.gui.learners_page import LearnersPage
from app.gui.library_page import LibraryPage
from app.gui.pdf_view import PdfView, open_courseware
from app.gui.player_page import EngineFactory, PlayerPage
from app.gui.settings_page import SettingsPage
from app.gui.sync_page import SyncPage
from app.lan_share import ShareProcess
from app.player_backend import make_engine
from app.progress import ProgressRecorder
from app.qt import QHBoxLayout, QMainWindow, QPushButton, QStackedWidget, QVBoxLayout, QWidget
from app.session import Session
from app.settings import Settings
from app.sync_scheduler import SyncScheduler
from media.errors import KebaoError
from media.library import Library
from sync.journal import Journal

if TYPE_CHECKING:
    from sync.round import RoundReport

PLAYABLE = ("video", "audio")  # other resources are documents: the PDF view or the system's


class MainWindow(QMainWindow):
    def __init__(
        self,
        library: Library,
        engine_factory: EngineFactory | None = None,
        drive_roots: Callable[[], list[Path]] = removable_roots,
        share: ShareProcess | None = None,
    ) -> None:
        """`engine_factory` makes the player's engine; by default the one 设置 chose.
        `share` runs `kebao serve` for 设置's switch; by default on port 8471, announced."""
        super().__init__()
        self.library = library
        self._engine_factory = engine_factory or (
            lambda notify: make_engine(notify, Settings.load(library.data_dir).player)
        )
        self.journal = Journal(library.data_dir)
        self.session = Session(self.journal, self)
        self.session.changed.connect(self._session_changed)
        self.recorder = ProgressRecorder(self.journal, self)
        self.recorder.recorded.connect(lambda: self.library_page.refresh_watched())
        self.learner_id: str | None = None  # whose progress playing records (the session's)
        self.setWindowTitle(self.tr("Kebao"))
        self.resize(1280, 800)

        catalog_path = library.data_dir / "catalog.db"
        self.home_page = HomePage(self.session, catalog_path)
        self.home_page.resume_requested.connect(self.play)
        self.home_page.choose_profile_requested.connect(lambda: self.show_page("learners"))
        self.library_page = LibraryPage(catalog_path)
        self.library_page.play_requested.connect(self.play)
        self.library_page.watched = self.watched_text
        self.library_page.queue_requested.connect(
            lambda resource, lesson: self.classroom().add(PlaylistItem(resource, lesson))
        )
        self._classroom: Classroom | None = None
        self.player_page: PlayerPage | None = None  # made on first play: libvlc starts then
        self.pdf_page: PdfView | None = None  # made on the first courseware opened
        self._before_pdf: QWidget | None = None
        self.learners_page = LearnersPage(self.session, catalog_path)
        self.learners_page.profile_chosen.connect(lambda _id: self.show_page("home"))
        self.drives_page = DrivesPage(library, drive_roots)
        self.drives_page.library_changed.connect(self.refresh)
        self.scheduler = SyncScheduler(library.data_dir, parent=self)
        self.scheduler.round_finished.connect(self._round_finished)
        self.sync_page = SyncPage(
            library.data_dir, lambda: self.drives_page.watcher.current, self.scheduler
        )
        self.sync_page.synced.connect(self._synced)
        self.downloads_page = DownloadsPage(library.data_dir, self.scheduler)
        self.share = share or ShareProcess(library.data_dir)
        self.share.setParent(self)
        self.settings_page = SettingsPage(library, self.share)
        self.settings_page.network_changed.connect(self.scheduler.tick)
        self.stack = QStackedWidget()
        self.nav: dict[str, QPushButton] = {}
        nav = QVBoxLayout()
        for key, label, page in (
            ("home", self.tr("Home"), self.home_page),
            ("library", self.tr("Library"), self.library_page),
            ("classroom", self.tr("Classroom"), None),
            ("learners", self.tr("Learners"), self.learners_page),
            ("drives", self.tr("USB drive"), self.drives_page),
            ("sync", self.tr("Sync"), self.sync_page),
            ("downloads", self.tr("Downloads"), self.downloads_page),
            ("settings", self.tr("Settings"), self.settings_page),
        ):
            button = QPushButton(label)
            button.setObjectName("nav")
            button.setCheckable(True)
            button.setAutoExclusive(True)
            if page is None:
                button.setCheckable(False)
                button.clicked.connect(self.enter_classroom)
            else:
                button.clicked.connect(lambda _=False, p=page: self.stack.setCurrentWidget(p))
                self.stack.addWidget(page)
            nav.addWidget(button)
            self.nav[key] = button
        nav.addStretch(1)
        # A school that keeps a roster opens on 首页 (a student picks their name and goes
        # on); without one (a new install, the demo) it opens on the library.
        self.show_page("home" if self.journal.learners() else "library")

        central = QWidget()
        layout = QHBoxLayout(central)
        self.nav_bar = QWidget()
        self.nav_bar.setLayout(nav)
        layout.addWidget(self.nav_bar)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

    def _session_changed(self) -> None:
        """Someone else uses Kebao now: what plays is no longer the last person's."""
        if self.session.learner_id != self.learner_id:
            if self.player_page is not None and not self._in_class():
                self.player_page.stop()
            self.recorder.finish()
            self.learner_id = self.session.learner_id
            self.library_page.refresh_watched()

    def _synced(self) -> None:
        """Events from other PCs may have changed progress and the roster."""
        self.session.refresh()
        self.library_page.refresh_watched()
        self.home_page.refresh()

    def _round_finished(self, report: RoundReport) -> None:
        if report.installed:
            self.refresh()  # new packages in the library
        self._synced()

    def _in_class(self) -> bool:
        return self._classroom is not None and self._classroom.active

    def watched_text(self, package_id: str, sha256: str) -> str:
        """The lesson page's 已看 column for the current learner."""
        if self.learner_id is None:
            return ""
        done = self.journal.progress(self.learner_id, package_id, sha256)
        if done is None:
            return ""
        if done.completed:
            return self.tr("Finished")
        percent = done.watched_percent
        return self.tr("{0}% watched").format(percent) if percent is not None else self.tr("Opened")

    def player(self) -> PlayerPage:
        if self.player_page is None:
            self.player_page = PlayerPage(self._engine_factory)
            self.player_page.event_seen.connect(self.recorder.on_event)
            self.player_page.fullscreen_requested.connect(self.set_fullscreen)
            self.player_page.streaming.connect(self.scheduler.set_streaming)
            self.stack.addWidget(self.player_page)
        return self.player_page

    def classroom(self) -> Classroom:
        if self._classroom is None:
            player = self.player()
            self._classroom = Classroom(self, player, self.library.data_dir)
            self._classroom.play_item.connect(
                lambda item: self.play(item.resource, item.lesson_title)
            )
            self._classroom.play_live.connect(self.play_live)
            self._classroom.left.connect(self.leave_classroom)
            side = QWidget()
            side.setObjectName("classroom-side")
            side_layout = QVBoxLayout(side)
            side_layout.setContentsMargins(0, 0, 0, 0)
            side_layout.addWidget(self._classroom.class_box)
            side_layout.addWidget(self._classroom.list, 1)
            side_layout.addWidget(self._classroom.live_button)
            player.middle.addWidget(side)
            self._classroom_side = side
            side.hide()
        return self._classroom

    def enter_classroom(self) -> None:
        """Full screen, big controls, the class playlist; Esc leaves."""
        room = self.classroom()
        room.set_classes(sorted({x.class_name for x in self.journal.learners() if not x.teacher}))
        self.player().set_classroom(True)
        self._classroom_side.show()
        self.stack.setCurrentWidget(self.player())
        self.set_fullscreen(True)
        room.enter()

    def leave_classroom(self) -> None:
        self.recorder.finish()  # the period's last item gets its play log now
        if self.player().is_streaming:
            self.player().stop()  # a live class ends with the period; the line is free again
        self.player().set_classroom(False)
        self._classroom_side.hide()
        self.player().fullscreen_button.setChecked(False)
        self.set_fullscreen(False)

    def play(self, resource: dict, lesson_title: str, start_ms: int | None = None) -> None:
        """Open a lesson video in the player, where this learner left it (or at `start_ms`);
        a document (courseware, worksheet) in the PDF view or the system's viewer."""
        if resource["role"] not in PLAYABLE:
            self.open_document(resource)
            return
        store = self.library.store
        name = resource["name"]
        video = store.named(resource["sha256"], name[name.rfind(".") :] if "." in name else "")
        subtitles = [store.named(s["sha256"], ".srt") for s in resource["subtitles"]]
        if start_ms is None:
            start_ms = 0
            if self.learner_id is not None:
                done = self.journal.progress(
                    self.learner_id, resource["package_id"], resource["sha256"]
                )
                start_ms = done.resume_ms if done else 0
        in_class = self._in_class()
        self.recorder.start(
            resource["package_id"],
            resource["sha256"],
            lesson_title,
            learner_id=None if in_class else self.learner_id,
            class_name=self._classroom.class_name() if in_class else None,
            start_ms=start_ms,
        )
        page = self.player()
        self.stack.setCurrentWidget(page)
        page.open(video, lesson_title, subtitles, start_ms)

    def play_live(self, url: str) -> None:
        """A live lesson from the network: nobody's progress, and big transfers wait."""
        self.recorder.finish()  # what played before keeps its position and play log
        page = self.player()
        self.stack.setCurrentWidget(page)
        page.open(url, self.tr("Live class: {0}").format(url), [])

    def open_document(self, resource: dict) -> None:
        try:
            view = open_courseware(resource, self.library.store, self.pdf_view)
        except KebaoError as e:
            self.library_page.show_message(str(e))
            return
        if view is not None:
            if self.stack.currentWidget() is not view:
                self._before_pdf = self.stack.currentWidget()
            self.stack.setCurrentWidget(view)

    def pdf_view(self) -> PdfView:
        if self.pdf_page is None:
            self.pdf_page = PdfView()
            self.pdf_page.closed.connect(self._close_document)
            self.stack.addWidget(self.pdf_page)
        return self.pdf_page

    def _close_document(self) -> None:
        self.stack.setCurrentWidget(self._before_pdf or self.library_page)

    def set_fullscreen(self, on: bool) -> None:
        self.nav_bar.setVisible(not on)
        if on:
            self.showFullScreen()
        else:
            self.showNormal()

    def show_page(self, key: str) -> None:
        self.nav[key].click()

    def refresh(self) -> None:
        """After the library changed (import, removal): reload what the pages show."""
        self.library_page.reload()
        self.settings_page.refresh()
        self.home_page.refresh()

    def closeEvent(self, event: object) -> None:
        # Both asked first, then waited for: the share's child says goodbye on mDNS while
        # the round is being cancelled, not after it.
        self.share.stop()
        self.scheduler.stop()
        self.share.stop_and_wait()
        self.recorder.finish()  # the position where the lesson was left, and its play log
        if self.player_page is not None:
            self.player_page.release()
        self.library_page.close_catalogs()
        super().closeEvent(event)
