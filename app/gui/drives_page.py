"""U盘: notice drives coming and going, list the packages on them, import and export.

Drives are polled every second with QStorageInfo (so a drive is noticed within 2 s on
every OS, without udev or WM_DEVICECHANGE). Scanning a drive, importing and exporting
run in the background with progress, rate, time left and cancel.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.gui.style import big_button
from app.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QObject,
    QProgressBar,
    QStorageInfo,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from app.tasks import Background, Job
from app.texts import progress_text
from media import manifest as mf
from media.disk import human_size
from media.library import Library
from media.repository import INDEX, FolderSource, latest, version_key

POLL_MS = 1000
# Where desktop Linux (udisks), UOS and Kylin mount removable drives. Not /mnt: servers
# and virtual machines mount system volumes there.
LINUX_MOUNT_ROOTS = ("/media/", "/run/media/")


def removable_roots() -> list[Path]:
    """Mounted drives that are not the system disk, as the OS reports them now."""
    roots = []
    system = Path(sys.executable).anchor.upper()
    for volume in QStorageInfo.mountedVolumes():
        if not (volume.isValid() and volume.isReady()):
            continue
        root = volume.rootPath()
        if sys.platform == "win32":
            if root.upper() != system:
                roots.append(Path(root))
        elif root.startswith(LINUX_MOUNT_ROOTS):
            roots.append(Path(root))
    return sorted(roots)


class DriveWatcher(QObject):
    """Emits `changed(list of drive roots)` whenever a drive appears or disappears."""

    changed = Signal(list)

    def __init__(
        self, roots: Callable[[], list[Path]] = removable_roots, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._roots = roots
        self.current: list[Path] = []
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self.poll)
        self._timer.start()
        QTimer.singleShot(0, self.poll)

    def poll(self) -> None:
        now = self._roots()
        if now != self.current:
            self.current = now
            self.changed.emit(now)


@dataclass(frozen=True)
class DrivePackage:
    repo: Path
    id: str
    version: str
    title: str
    size: int
    units: tuple[str, ...]
    state: str  # new, installed, update, older


def find_repositories(drive: Path) -> list[Path]:
    """Repositories at a drive's root and in its top-level folders."""
    found = [drive] if (drive / INDEX).is_file() else []
    with contextlib.suppress(OSError):  # a drive pulled while we look: nothing there
        found += sorted(p for p in drive.iterdir() if p.is_dir() and (p / INDEX).is_file())
    return found


def scan_drive(drive: Path, installed: dict[str, tuple[str, str]]) -> list[DrivePackage]:
    """Every package on a drive, with its size and how it compares to what is installed.

    `installed` maps package id → (version, state) from the catalog.
    """
    packages = []
    for repo in find_repositories(drive):
        source = FolderSource(repo)
        for entry in latest(source.entries()).values():
            m = mf.parse(source.manifest_bytes(entry), f"{entry.title} ({entry.version})")
            size = sum({b.sha256: b.size for b in m.blobs()}.values())
            have = installed.get(m.id)
            if have is None:
                state = "new"
            elif have[0] == m.version:
                state = "installed" if have[1] == "complete" else "partial"
            else:
                state = "update" if version_key(m.version) > version_key(have[0]) else "older"
            packages.append(
                DrivePackage(
                    repo, m.id, m.version, m.title, size, tuple(u.title for u in m.units), state
                )
            )
    return packages


class DrivesPage(QWidget):
    """Emits `library_changed` after an import so other pages reload."""

    library_changed = Signal()

    def __init__(
        self,
        library: Library,
        roots: Callable[[], list[Path]] = removable_roots,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.packages: list[DrivePackage] = []
        self._job: Job | None = None
        self._started = 0.0

        self.drives = QListWidget()
        self.drives.setObjectName("drives")
        self.drives.currentRowChanged.connect(lambda _row: self._scan())
        self.empty = QLabel(self.tr("Insert a USB drive with Kebao packages"))
        self.empty.setObjectName("no-drive")

        self.table = QTableWidget(0, 4)
        self.table.setObjectName("drive-packages")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Package"), self.tr("Version"), self.tr("Size"), self.tr("Status")]
        )
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_units(row))
        self.units = QListWidget()
        self.units.setObjectName("units")

        self.import_button = big_button(self.tr("Import"))
        self.import_button.setObjectName("import")
        self.import_button.clicked.connect(self.import_selected)
        self.export_button = big_button(self.tr("Export installed packages to this drive"))
        self.export_button.setObjectName("export")
        self.export_button.clicked.connect(self.export_all)
        self.cancel_button = big_button(self.tr("Cancel"))
        self.cancel_button.setObjectName("cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setObjectName("progress")
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)

        left = QVBoxLayout()
        left.addWidget(QLabel(self.tr("USB drives")))
        left.addWidget(self.drives, 1)
        left.addWidget(self.empty)
        right = QVBoxLayout()
        right.addWidget(self.table, 2)
        right.addWidget(QLabel(self.tr("Units (untick those you do not need)")))
        right.addWidget(self.units, 1)
        buttons = QHBoxLayout()
        for b in (self.import_button, self.export_button, self.cancel_button):
            buttons.addWidget(b)
        right.addLayout(buttons)
        right.addWidget(self.progress)
        right.addWidget(self.status)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 3)
        self._set_busy(False)

        self.watcher = DriveWatcher(roots, self)
        self.watcher.changed.connect(self._drives_changed)

    # -- drives ----------------------------------------------------------------------

    def _drives_changed(self, roots: list[Path]) -> None:
        current = self.drive()
        self.drives.blockSignals(True)
        self.drives.clear()
        for root in roots:
            item = QListWidgetItem(str(root))
            item.setData(Qt.ItemDataRole.UserRole, root)
            self.drives.addItem(item)
        self.drives.blockSignals(False)
        self.empty.setVisible(not roots)
        if current in roots:
            self.drives.setCurrentRow(roots.index(current))
        elif roots:
            self.drives.setCurrentRow(0)
        else:
            self._show_packages([])
        if self._job and current is not None and current not in roots:
            self.status.setText(self.tr("The USB drive was removed."))

    def drive(self) -> Path | None:
        item = self.drives.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _scan(self) -> None:
        drive = self.drive()
        self._set_busy(self._job is not None)  # export needs only a drive, not the scan
        if drive is None:
            self._show_packages([])
            return
        installed = {pid: (v, state) for pid, v, _t, state in self.library.catalog.package_list()}
        Background(lambda _job: scan_drive(drive, installed)).on_success(
            lambda found: self._show_packages(found) if self.drive() == drive else None
        ).on_failure(self.status.setText).start()

    def _show_packages(self, packages: list[DrivePackage]) -> None:
        self.packages = packages
        self.table.setRowCount(len(packages))
        states = {
            "new": self.tr("Not installed"),
            "installed": self.tr("Installed"),
            "partial": self.tr("Partly installed"),
            "update": self.tr("Newer version"),
            "older": self.tr("Older than installed"),
        }
        for row, p in enumerate(packages):
            for col, text in enumerate((p.title, p.version, human_size(p.size), states[p.state])):
                self.table.setItem(row, col, QTableWidgetItem(text))
        if packages:
            self.table.setCurrentCell(0, 0)
        else:
            self.units.clear()
        self._set_busy(self._job is not None)

    def _show_units(self, row: int) -> None:
        self.units.clear()
        if not 0 <= row < len(self.packages):
            return
        for title in self.packages[row].units:
            item = QListWidgetItem(title)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.units.addItem(item)

    # -- import and export -----------------------------------------------------------

    def import_selected(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.packages):
            return
        package = self.packages[row]
        chosen = [
            str(i + 1)
            for i in range(self.units.count())
            if self.units.item(i).checkState() == Qt.CheckState.Checked
        ]
        if not chosen:
            self.status.setText(self.tr("Tick at least one unit."))
            return
        units = None if len(chosen) == self.units.count() else chosen
        data_dir = self.library.data_dir

        def work(job: Job) -> object:
            with Library(data_dir) as lib:  # its own connections, on the worker thread
                return lib.import_from(
                    FolderSource(package.repo),
                    package_ids=[package.id],
                    unit_names=units,
                    progress=job.progress,
                    cancel=job.cancel,
                )

        self._run(work, self.tr("Imported {0}.").format(package.title), changed=True)

    def export_all(self) -> None:
        drive = self.drive()
        ids = [
            pid for pid, _v, _t, state in self.library.catalog.package_list() if state == "complete"
        ]
        if drive is None or not ids:
            return
        data_dir = self.library.data_dir

        def work(job: Job) -> object:
            with Library(data_dir) as lib:
                return lib.export(ids, drive / "课包", progress=job.progress, cancel=job.cancel)

        self._run(
            work, self.tr("Exported and verified {0} packages.").format(len(ids)), changed=False
        )

    def _run(self, work: Callable[[Job], object], done_text: str, *, changed: bool) -> None:
        self._started = time.monotonic()
        self.progress.setValue(0)
        self.status.setText(self.tr("Working…"))

        def succeeded(_result: object) -> None:
            self.status.setText(done_text)
            self.progress.setValue(self.progress.maximum())
            if changed:
                self.library_changed.emit()
            self._scan()

        def finished() -> None:
            if self._job is not None and self._job.cancel.is_set():
                self.status.setText(self.tr("Cancelled. Nothing was changed."))
            self._job = None
            self._set_busy(False)

        self._job = (
            Background(work)
            .on_progress(self._progressed)
            .on_success(succeeded)
            .on_failure(self.status.setText)
            .on_finished(finished)
            .start()
        )
        self._set_busy(True)

    def _progressed(self, done: int, total: int) -> None:
        # Progress in KB so a bar of a few GB fits in QProgressBar's int range.
        self.progress.setMaximum(max(total // 1024, 1))
        self.progress.setValue(done // 1024)
        self.status.setText(progress_text(done, total, time.monotonic() - self._started))

    def cancel(self) -> None:
        if self._job:
            self._job.request_cancel()

    def _set_busy(self, busy: bool) -> None:
        self.cancel_button.setEnabled(busy)
        self.import_button.setEnabled(not busy and bool(self.packages))
        self.export_button.setEnabled(not busy and self.drive() is not None)
        self.progress.setVisible(busy or self.progress.value() > 0)
