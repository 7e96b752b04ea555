"""Build the bundled demo library from scratch: `python -m app.demo.build [--material-only DIR]`.

The demo material (short title-slide videos with subtitles and one PDF courseware, for a
few 数学 and 语文 三年级上册 lessons) is generated on this machine with ffmpeg and Qt, so
the repository carries no third-party media and anyone can rebuild it. The material is
laid out as two pack sources and packed with the in-repo `kebao pack` into
`app/demo/repo`, signed by a publisher key made fresh for each build.

The private key lives only in a temporary directory and is deleted with it: it is never
committed. Rebuilding the demo therefore makes a new key, and `app/demo/publisher.pub`
changes along with the repository it verifies; both must be committed together.

With `--material-only DIR` the script writes just the two pack sources into DIR and
stops, which needs neither the packer nor the CLI.

Needs: ffmpeg (libx264, AAC, drawtext with fontconfig) and the Noto Sans CJK SC font.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt, QUuid
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = Path(__file__).resolve().parent
FONT_FAMILY = "Noto Sans CJK SC"
PUBLISHER_NAME = "课包演示发布者"

VIDEO_SIZE = "480x270"
VIDEO_FPS = 25
AUDIO_RATE = 22050
COURSEWARE_PREFIX = "课件 "


class DemoBuildError(Exception):
    """A step of the demo build failed; the message says which and why."""


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Lesson:
    folder: str
    title: str
    seconds: int
    cues: tuple[Cue, ...]
    has_courseware: bool = False


@dataclass(frozen=True)
class Unit:
    folder: str
    title: str
    lessons: tuple[Lesson, ...]


@dataclass(frozen=True)
class Subject:
    package_id: str
    version: str
    title: str
    tags: dict[str, str]
    units: tuple[Unit, ...]
    # Shown on each title slide, e.g. "数学 · 三年级上册 · 人教版".
    banner: str
    # Each subject gets its own slide colour so a teacher tells them apart at a glance.
    background: str


MATH = Subject(
    package_id="demo.math.g3a",
    version="2024.09",
    title="数学 三年级上册（演示）",
    tags={"学段": "小学", "年级": "三年级", "学科": "数学", "教材版本": "人教版", "册": "上册"},
    banner="数学 · 三年级上册 · 人教版",
    background="0x1F6F5C",
    units=(
        Unit(
            folder="第七单元",
            title="第七单元 长方形和正方形",
            lessons=(
                Lesson(
                    folder="第1课",
                    title="四边形",
                    seconds=10,
                    cues=(
                        Cue(0.5, 3.4, "同学们，今天我们来认识四边形。"),
                        Cue(3.6, 6.8, "有四条直的边、四个角的封闭图形，叫作四边形。"),
                        Cue(7.0, 9.6, "找一找：教室里哪些物体的面是四边形？"),
                    ),
                ),
            ),
        ),
        Unit(
            folder="第八单元",
            title="第八单元 分数的初步认识",
            lessons=(
                Lesson(
                    folder="第1课",
                    title="分数的初步认识",
                    seconds=12,
                    cues=(
                        Cue(0.5, 3.6, "把一个月饼平均分成两份，每份是它的二分之一。"),
                        Cue(3.8, 7.0, "二分之一写作 1/2，读作二分之一。"),
                        Cue(7.2, 11.5, "把一个物体平均分成几份，每份就是它的几分之一。"),
                    ),
                    has_courseware=True,
                ),
                Lesson(
                    folder="第2课",
                    title="几分之几",
                    seconds=10,
                    cues=(
                        Cue(0.5, 3.4, "把一张纸平均分成四份，涂色部分占了三份。"),
                        Cue(3.6, 6.6, "涂色部分是这张纸的四分之三，写作 3/4。"),
                        Cue(6.8, 9.6, "分母表示平均分的份数，分子表示取了几份。"),
                    ),
                ),
            ),
        ),
    ),
)

CHINESE = Subject(
    package_id="demo.chinese.g3a",
    version="2024.09",
    title="语文 三年级上册（演示）",
    tags={"学段": "小学", "年级": "三年级", "学科": "语文", "教材版本": "统编版", "册": "上册"},
    banner="语文 · 三年级上册 · 统编版",
    background="0x7A3B2E",
    units=(
        Unit(
            folder="第一单元",
            title="第一单元 学校生活",
            lessons=(
                Lesson(
                    folder="第1课",
                    title="大青树下的小学",
                    seconds=10,
                    cues=(
                        Cue(0.5, 3.2, "今天我们学习第1课《大青树下的小学》。"),
                        Cue(3.4, 6.6, "这是一所边疆的小学，同学们来自不同的民族。"),
                        Cue(6.8, 9.6, "读课文，想一想：同学们在学校里做了哪些事？"),
                    ),
                ),
                Lesson(
                    folder="第2课",
                    title="花的学校",
                    seconds=9,
                    cues=(
                        Cue(0.5, 3.4, "今天我们学习第2课《花的学校》，作者是泰戈尔。"),
                        Cue(3.6, 6.2, "读一读：花儿们在什么时候放学？"),
                        Cue(6.4, 8.7, "想一想：作者把花儿当作谁来写？"),
                    ),
                ),
                Lesson(
                    folder="第3课",
                    title="不懂就要问",
                    seconds=8,
                    cues=(
                        Cue(0.4, 2.8, "今天我们学习第3课《不懂就要问》。"),
                        Cue(3.0, 5.4, "故事讲的是孙中山小时候在私塾读书的事。"),
                        Cue(5.6, 7.7, "学问学问，不懂就要问。"),
                    ),
                ),
            ),
        ),
    ),
)

SUBJECTS = (MATH, CHINESE)


def toml_string(value: str) -> str:
    """Quote `value` as a TOML basic string.

    JSON's string escapes are a subset of TOML's, so json.dumps gives a valid TOML string
    without a TOML writer dependency.
    """
    return json.dumps(value, ensure_ascii=False)


def package_toml(subject: Subject) -> str:
    """Return package.toml for `subject`.

    The tag keys are hanzi, which TOML allows only as quoted keys.
    """
    lines = [
        f"id = {toml_string(subject.package_id)}",
        f"version = {toml_string(subject.version)}",
        f"title = {toml_string(subject.title)}",
        'kind = "textbook"',
        "",
        "[tags]",
        *(f"{toml_string(key)} = {toml_string(value)}" for key, value in subject.tags.items()),
    ]
    return "\n".join(lines) + "\n"


def outline_toml(subject: Subject) -> str:
    """Return outline.toml for `subject`: unit and lesson titles richer than folder names."""
    blocks = []
    for unit in subject.units:
        lessons = ",\n".join(
            f"  {{ folder = {toml_string(lesson.folder)}, title = {toml_string(lesson.title)} }}"
            for lesson in unit.lessons
        )
        blocks.append(
            "[[units]]\n"
            f"folder = {toml_string(unit.folder)}\n"
            f"title = {toml_string(unit.title)}\n"
            f"lessons = [\n{lessons},\n]\n"
        )
    return "\n".join(blocks)


def srt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def srt_text(cues: tuple[Cue, ...]) -> str:
    """Return the SubRip text for `cues`, e.g. `1\\n00:00:00,500 --> 00:00:03,400\\n…`."""
    blocks = [
        f"{index}\n{srt_time(cue.start)} --> {srt_time(cue.end)}\n{cue.text}\n"
        for index, cue in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def render_video(subject: Subject, unit: Unit, lesson: Lesson, out: Path, scratch: Path) -> None:
    """Render `lesson`'s title-slide video to `out` (H.264 + mono AAC, a few dozen KB).

    The slide carries a running clock and a growing bar so a player visibly plays rather
    than showing a still frame, and a short two-note chime so sound output can be checked.
    """
    scratch.mkdir(parents=True)
    # drawtext reads its text from files so no hanzi or punctuation ever needs
    # filtergraph escaping; ffmpeg runs in `scratch` so the file names stay bare.
    texts = {
        "brand.txt": "课包 · 演示课程",
        "banner.txt": subject.banner,
        "title.txt": lesson.title,
        "unit.txt": unit.title,
        "clock.txt": f"%{{eif:floor(t/60):d}}:%{{eif:mod(t,60):d:2}} / {clock(lesson.seconds)}",
    }
    for name, text in texts.items():
        (scratch / name).write_text(text, encoding="utf-8")

    width, height = (int(side) for side in VIDEO_SIZE.split("x"))
    duration = lesson.seconds
    font = f"font='{FONT_FAMILY}'"
    centred = "x=(w-text_w)/2"
    slide = ",".join(
        [
            "drawbox=x=0:y=0:w=iw:h=30:color=black@0.25:t=fill",
            f"drawtext={font}:textfile=brand.txt:fontsize=14:fontcolor=white@0.8:x=12:y=8",
            f"drawtext={font}:textfile=clock.txt:fontsize=14:fontcolor=white@0.8:x=w-text_w-12:y=8",
            f"drawtext={font}:textfile=banner.txt:fontsize=17:fontcolor=0xF2E8C9:{centred}:y=58",
            f"drawtext={font}:textfile=title.txt:fontsize=38:fontcolor=white:{centred}:y=100",
            f"drawtext={font}:textfile=unit.txt:fontsize=18:fontcolor=0xF2E8C9:{centred}:y=170",
            "drawbox=x=0:y=ih-8:w=iw:h=8:color=black@0.3:t=fill",
        ]
    )
    # A C5-E5 chime that dies away within about a second, then silence.
    chime = (
        "0.3*sin(2*PI*523.25*t)*exp(-5*t)+0.25*sin(2*PI*659.25*(t-0.3))*exp(-5*(t-0.3))*gte(t,0.3)"
    )
    graph = ";".join(
        [
            f"color=c={subject.background}:s={VIDEO_SIZE}:r={VIDEO_FPS}:d={duration}[bg]",
            f"color=c=0xF2C14E:s={width}x8:r={VIDEO_FPS}:d={duration}[bar]",
            f"[bg]{slide}[slide]",
            f"[slide][bar]overlay=x='-w+w*t/{duration}':y={height - 8}:eof_action=endall,"
            "format=yuv420p[v]",
            f"aevalsrc=exprs='{chime}':s={AUDIO_RATE}:c=mono:d={duration}[a]",
        ]
    )
    command = [
        "ffmpeg",
        *("-hide_banner", "-loglevel", "error", "-nostdin", "-y"),
        *("-filter_complex", graph, "-map", "[v]", "-map", "[a]"),
        # One thread and fixed settings keep x264's output the same from run to run.
        *("-c:v", "libx264", "-preset", "medium", "-tune", "stillimage", "-crf", "30"),
        *("-profile:v", "main", "-g", str(VIDEO_FPS * 2), "-threads", "1"),
        *("-c:a", "aac", "-b:a", "32k", "-ac", "1", "-ar", str(AUDIO_RATE)),
        *("-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"),
        *("-map_metadata", "-1", "-movflags", "+faststart"),
        str(out),
    ]
    run(command, cwd=scratch, what=f"ffmpeg for {lesson.title}")


@functools.cache
def gui_application() -> QGuiApplication:
    """Return the one QGuiApplication that Qt's fonts and PDF painting need, made once."""
    # Qt needs no display for PDF output; the offscreen platform keeps the build headless.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    existing = QGuiApplication.instance()
    return existing if isinstance(existing, QGuiApplication) else QGuiApplication([])


class Sheet:
    """Draws courseware on a landscape A4 PDF whose device units are PDF points."""

    INK = QColor("#1F2A30")
    ACCENT = QColor("#1F6F5C")
    SHADE = QColor("#F2C14E")
    FOOTNOTE = QColor("#6B7B83")

    def __init__(self, painter: QPainter, page: QRectF, footer: str) -> None:
        self.painter = painter
        self.page = page
        self.footer = footer

    def font(self, points: int, *, bold: bool = False) -> QFont:
        face = QFont(FONT_FAMILY)
        face.setPointSize(points)
        face.setBold(bold)
        return face

    def frame(self, heading: str, number: int) -> None:
        """Draw the heading band and the page footer."""
        painter, page = self.painter, self.page
        painter.fillRect(QRectF(0, 0, page.width(), 70), self.ACCENT)
        painter.setFont(self.font(24, bold=True))
        painter.setPen(Qt.GlobalColor.white)
        left = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        painter.drawText(QRectF(40, 0, page.width() - 80, 70), int(left), heading)
        painter.setFont(self.font(11))
        painter.setPen(self.FOOTNOTE)
        right = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight
        painter.drawText(
            QRectF(40, page.height() - 40, page.width() - 80, 24),
            int(right),
            f"{self.footer} · 第 {number} 页",
        )

    def text(self, rect: QRectF, value: str, points: int, *, bold: bool = False) -> None:
        self.painter.setFont(self.font(points, bold=bold))
        self.painter.setPen(self.INK)
        self.painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), value)

    def fraction(self, centre: QPointF, numerator: int, denominator: int) -> None:
        """Draw a stacked fraction, as pupils write it, centred on its bar."""
        painter = self.painter
        painter.setFont(self.font(26, bold=True))
        painter.setPen(QPen(self.INK, 2))
        x, y = centre.x(), centre.y()
        centred = int(Qt.AlignmentFlag.AlignCenter)
        painter.drawText(QRectF(x - 40, y - 40, 80, 36), centred, str(numerator))
        painter.drawLine(QPointF(x - 18, y), QPointF(x + 18, y))
        painter.drawText(QRectF(x - 40, y + 4, 80, 36), centred, str(denominator))

    def brush(self, shaded: bool) -> QBrush:
        return QBrush(self.SHADE if shaded else QColor(Qt.GlobalColor.white))

    def pie(self, rect: QRectF, parts: int, shaded: int) -> None:
        """Draw a circle cut into `parts` equal sectors, the first `shaded` of them coloured."""
        self.painter.setPen(QPen(self.INK, 2))
        span = 360 * 16 // parts
        for part in range(parts):
            self.painter.setBrush(self.brush(part < shaded))
            # Qt counts angles in 1/16 degree anticlockwise from three o'clock; the cuts
            # start at twelve o'clock and go clockwise, as on a blackboard.
            self.painter.drawPie(rect, 90 * 16 - (part + 1) * span, span)

    def strip(self, rect: QRectF, parts: int, shaded: int) -> None:
        """Draw a paper strip cut into `parts` equal pieces, the first `shaded` coloured."""
        self.painter.setPen(QPen(self.INK, 2))
        step = rect.width() / parts
        for part in range(parts):
            self.painter.setBrush(self.brush(part < shaded))
            self.painter.drawRect(QRectF(rect.x() + part * step, rect.y(), step, rect.height()))

    def square(self, rect: QRectF, shaded: int) -> None:
        """Draw a square folded into quarters, the first `shaded` quarters coloured."""
        self.painter.setPen(QPen(self.INK, 2))
        half_w, half_h = rect.width() / 2, rect.height() / 2
        for part in range(4):
            self.painter.setBrush(self.brush(part < shaded))
            left = rect.x() + (part % 2) * half_w
            top = rect.y() + (part // 2) * half_h
            self.painter.drawRect(QRectF(left, top, half_w, half_h))


def render_courseware(path: Path, subject: Subject, unit: Unit, lesson: Lesson) -> None:
    """Write the 分数的初步认识 courseware: three A4 pages of hanzi and drawn fractions."""
    gui_application()
    if FONT_FAMILY not in QFontDatabase.families():
        raise DemoBuildError(f"font {FONT_FAMILY!r} is not installed (Debian: fonts-noto-cjk)")

    writer = QPdfWriter(str(path))
    writer.setTitle(f"{lesson.title} 课件")
    writer.setCreator("Kebao demo build")
    # A stable document id spares a rebuild one needless difference (Qt still stamps dates).
    name = f"{subject.package_id}/{unit.folder}/{lesson.folder}".encode()
    writer.setDocumentId(QUuid.createUuidV5(QUuid(), name))
    # 72 dpi makes one device unit one PDF point, so the layout below reads in points.
    writer.setResolution(72)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            QMarginsF(0, 0, 0, 0),
        )
    )
    painter = QPainter()
    if not painter.begin(writer):
        raise DemoBuildError(f"cannot write the PDF {path}")
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    page = QRectF(0, 0, writer.width(), writer.height())
    sheet = Sheet(painter, page, f"课包演示 · {subject.banner} · {unit.title}")
    width = page.width()
    middle = width / 2

    sheet.frame(f"{lesson.title}（课件）", 1)
    sheet.text(QRectF(0, 110, width, 50), lesson.title, 36, bold=True)
    sheet.text(QRectF(0, 165, width, 30), f"{subject.banner}　{unit.title}", 16)
    sheet.pie(QRectF(middle - 200, 240, 200, 200), 2, 1)
    sheet.fraction(QPointF(middle + 90, 340), 1, 2)
    sheet.text(QRectF(middle + 130, 320, 160, 40), "二分之一", 20)
    sheet.text(
        QRectF(0, 470, width, 40), "把一个月饼平均分成 2 份，每份是它的二分之一，写作 1/2。", 16
    )

    writer.newPage()
    sheet.frame("认识几分之一", 2)
    sheet.text(QRectF(0, 95, width, 40), "把一个物体平均分成几份，每份就是它的几分之一。", 18)
    column = width / 3
    for index, (parts, reading) in enumerate(((2, "二分之一"), (4, "四分之一"), (3, "三分之一"))):
        centre_x = column * index + column / 2
        shape = QRectF(centre_x - 80, 170, 160, 160)
        if parts == 4:
            sheet.square(shape, 1)
        else:
            sheet.pie(shape, parts, 1)
        sheet.fraction(QPointF(centre_x, 390), 1, parts)
        sheet.text(QRectF(centre_x - 80, 440, 160, 30), reading, 16)

    writer.newPage()
    sheet.frame("练一练", 3)
    sheet.text(QRectF(60, 95, width - 120, 36), "1. 涂色部分是这个图形的几分之几？", 18)
    sheet.strip(QRectF(90, 150, 240, 60), 4, 3)
    sheet.text(QRectF(340, 160, 60, 40), "=", 22)
    sheet.text(QRectF(400, 160, 80, 40), "（　）", 18)
    sheet.pie(QRectF(540, 135, 90, 90), 3, 2)
    sheet.text(QRectF(640, 160, 60, 40), "=", 22)
    sheet.text(QRectF(700, 160, 80, 40), "（　）", 18)
    sheet.text(QRectF(60, 260, width - 120, 36), "2. 比一比，在○里填上“>”或“<”。", 18)
    for slot, (left, right) in enumerate(((2, 4), (3, 2))):
        x = 200 + slot * 320
        sheet.fraction(QPointF(x, 340), 1, left)
        sheet.text(QRectF(x + 30, 318, 60, 40), "○", 24)
        sheet.fraction(QPointF(x + 120, 340), 1, right)
    sheet.text(
        QRectF(60, 420, width - 120, 60),
        "想一想：同一个月饼，平均分的份数越多，每一份就越（　　）。",
        16,
    )
    painter.end()


def build_subject(subject: Subject, dest: Path, scratch: Path) -> Path:
    """Write `subject`'s pack source into `dest/<package id>` and return that folder."""
    source = dest / subject.package_id
    source.mkdir(parents=True)
    (source / "package.toml").write_text(package_toml(subject), encoding="utf-8")
    (source / "outline.toml").write_text(outline_toml(subject), encoding="utf-8")
    # The packer parses these files; catching a malformed one here names the real culprit.
    for name in ("package.toml", "outline.toml"):
        tomllib.loads((source / name).read_text(encoding="utf-8"))

    for unit in subject.units:
        for lesson in unit.lessons:
            folder = source / unit.folder / lesson.folder
            folder.mkdir(parents=True)
            video = folder / f"{lesson.title}.mp4"
            work = scratch / subject.package_id / unit.folder / lesson.folder
            render_video(subject, unit, lesson, video, work)
            video.with_suffix(".srt").write_text(srt_text(lesson.cues), encoding="utf-8")
            if lesson.has_courseware:
                pdf = folder / f"{COURSEWARE_PREFIX}{lesson.title}.pdf"
                render_courseware(pdf, subject, unit, lesson)
    return source


def build_material(dest: Path) -> list[Path]:
    """Write every demo pack source into `dest` and return their folders.

    Sources are built aside and moved in only when all of them are complete, so a failed
    build never leaves a half-made source where the packer might pick it up.
    """
    if shutil.which("ffmpeg") is None:
        raise DemoBuildError("ffmpeg is not on PATH (Debian: apt-get install ffmpeg)")
    for subject in SUBJECTS:
        if (dest / subject.package_id).exists():
            raise DemoBuildError(
                f"{dest / subject.package_id} already exists; remove it or choose another folder"
            )
    with tempfile.TemporaryDirectory(prefix="kebao-demo-material-") as tmp:
        built = [
            build_subject(subject, Path(tmp) / "sources", Path(tmp) / "scratch")
            for subject in SUBJECTS
        ]
        dest.mkdir(parents=True, exist_ok=True)
        return [Path(shutil.move(source, dest / source.name)) for source in built]


def run(command: list[str], *, cwd: Path, what: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        last = detail[-1] if detail else "no output"
        raise DemoBuildError(f"{what} failed (exit {result.returncode}): {last}")


def pack(sources: list[Path], work: Path) -> None:
    """Sign and pack `sources` with a fresh key into app/demo/repo, and publish its .pub."""
    kebao = [sys.executable, "-m", "app.cli"]
    # A throwaway data dir keeps the build from touching the developer's own library.
    env = {**os.environ, "KEBAO_DATA_DIR": str(work / "data")}
    key = work / "demo-publisher.key"
    run(
        [*kebao, "keygen", "--out", str(key), "--name", PUBLISHER_NAME],
        cwd=REPO_ROOT,
        what="kebao keygen",
        env=env,
    )
    # Packing into a fresh folder first leaves the committed demo intact if a pack fails.
    staged = work / "repo"
    for source in sources:
        run(
            [*kebao, "pack", str(source), "--key", str(key), "--out", str(staged)],
            cwd=REPO_ROOT,
            what=f"kebao pack {source.name}",
            env=env,
        )
    repo = DEMO_DIR / "repo"
    if repo.exists():
        shutil.rmtree(repo)
    shutil.copytree(staged, repo)
    shutil.copyfile(key.with_suffix(".pub"), DEMO_DIR / "publisher.pub")


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m app.demo.build",
        description="Generate the demo lessons and pack them into app/demo/repo.",
    )
    parser.add_argument(
        "--material-only",
        metavar="DIR",
        type=Path,
        help="only write the two pack sources into DIR; do not pack",
    )
    args = parser.parse_args(argv)
    try:
        if args.material_only is not None:
            sources = build_material(args.material_only)
            for source in sources:
                print(f"{source}  {folder_size(source) / 1024:.0f} KiB")
            return 0
        with tempfile.TemporaryDirectory(prefix="kebao-demo-") as tmp:
            work = Path(tmp)
            sources = build_material(work / "material")
            pack(sources, work)
        print(f"{DEMO_DIR / 'repo'}  {folder_size(DEMO_DIR / 'repo') / 1024:.0f} KiB")
        return 0
    except DemoBuildError as error:
        print(f"demo build: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
