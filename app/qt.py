"""The one place Kebao imports Qt from.

Every GUI module does `from app.qt import ...`, so a change of binding or a workaround
for a Qt version happens here once (Anki's `aqt/qt` does the same).
"""

from __future__ import annotations

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLibraryInfo,
    QLocale,
    QMetaObject,
    QObject,
    QPoint,
    QPointF,
    QProcess,
    QProcessEnvironment,
    QRect,
    QRegularExpression,
    QRunnable,
    QSignalBlocker,
    QSize,
    QStorageInfo,
    Qt,
    QThreadPool,
    QTimer,
    QTranslator,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDesktopServices,
    QFont,
    QFontDatabase,
    QIcon,
    QImage,
    QKeySequence,
    QPainter,
    QPalette,
    QPixmap,
    QRegularExpressionValidator,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

# QtMultimedia and QtPdf come with PySide6-Addons (from 6.12, QtPdf is PySide6-Pdf) and
# load system libraries (libpulse) that a trimmed install may lack: without them Kebao
# still runs, with libvlc as its only player and courseware in the system's viewer.
try:
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoFrame
    from PySide6.QtMultimediaWidgets import QVideoWidget

    HAS_MULTIMEDIA = True
except ImportError:
    HAS_MULTIMEDIA = False
# Whether the link is metered (sync then moves only learning records). A platform without
# a backend for it (no NetworkManager on D-Bus, an old Qt) counts as not metered.
try:
    from PySide6.QtNetwork import QNetworkInformation

    HAS_NETWORK_INFORMATION = True
except ImportError:
    HAS_NETWORK_INFORMATION = False
try:
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPdfWidgets import QPdfView

    HAS_PDF = True
except ImportError:
    HAS_PDF = False

__all__ = [
    "HAS_MULTIMEDIA",
    "HAS_NETWORK_INFORMATION",
    "HAS_PDF",
    "QAbstractItemView",
    "QAction",
    "QApplication",
    "QAudioOutput",
    "QBoxLayout",
    "QCheckBox",
    "QColor",
    "QComboBox",
    "QCoreApplication",
    "QDesktopServices",
    "QDialog",
    "QDialogButtonBox",
    "QEvent",
    "QFileDialog",
    "QFont",
    "QFontDatabase",
    "QFormLayout",
    "QFrame",
    "QGridLayout",
    "QGroupBox",
    "QHBoxLayout",
    "QHeaderView",
    "QIcon",
    "QImage",
    "QKeySequence",
    "QLabel",
    "QLibraryInfo",
    "QLineEdit",
    "QListView",
    "QListWidget",
    "QListWidgetItem",
    "QLocale",
    "QMainWindow",
    "QMediaPlayer",
    "QMessageBox",
    "QMetaObject",
    "QNetworkInformation",
    "QObject",
    "QPainter",
    "QPalette",
    "QPdfDocument",
    "QPdfView",
    "QPixmap",
    "QPoint",
    "QPointF",
    "QProcess",
    "QProcessEnvironment",
    "QProgressBar",
    "QPushButton",
    "QRect",
    "QRegularExpression",
    "QRegularExpressionValidator",
    "QResizeEvent",
    "QRunnable",
    "QScrollArea",
    "QScroller",
    "QShortcut",
    "QSignalBlocker",
    "QSize",
    "QSizePolicy",
    "QSlider",
    "QSplitter",
    "QStackedWidget",
    "QStorageInfo",
    "QTabWidget",
    "QTableWidget",
    "QTableWidgetItem",
    "QThreadPool",
    "QTimer",
    "QTranslator",
    "QTreeWidget",
    "QTreeWidgetItem",
    "QUrl",
    "QVBoxLayout",
    "QVideoFrame",
    "QVideoWidget",
    "QWidget",
    "Qt",
    "Signal",
    "Slot",
]
