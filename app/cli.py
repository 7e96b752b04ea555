"""The `kebao` command: the same engine the GUI uses, for IT staff and scripts.

Exit 0 on success; 2 on bad input, with one line on stderr saying what and where;
nothing is changed when a command fails.

    $ kebao import /media/usb --package demo.math.g3a --unit 第八单元
    $ kebao search fsdcbrs --json
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from app.paths import default_data_dir
from media import manifest as mf
from media.catalog import Catalog
from media.disk import human_size
from media.errors import Cancelled, InputInvalid, KebaoError, text
from media.library import Library
from media.packer import pack
from media.repository import FolderSource
from media.signature import PublicKey, load_private, write_keypair
from sync.journal import Journal
from sync.protocol import DEFAULT_PORT, UPLOAD_EXPIRES_S
from sync.roster import import_roster, report_rows, write_report

if TYPE_CHECKING:
    from hub.db import HubStore

EXIT_BAD_INPUT = 2
STATE_ZH = {"complete": "完整", "partial": "部分安装", "damaged": "有损坏"}


def _out(line: str = "") -> None:
    print(line, flush=True)


def _json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1), flush=True)


@contextmanager
def _progress(desc: str) -> Iterator[Callable[[int, int], None]]:
    """A byte progress bar (bytes, rate, time left) on a terminal; silent when piped."""
    bar = tqdm(
        desc=desc,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        disable=None,
        leave=False,
        dynamic_ncols=True,
    )
    lock = threading.Lock()

    def update(done: int, total: int) -> None:
        with lock:
            if bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()


def _library(args: argparse.Namespace) -> Library:
    return Library(Path(args.data_dir))


# -- commands ---------------------------------------------------------------------------


def cmd_keygen(args: argparse.Namespace) -> None:
    out = Path(args.out)
    key = write_keypair(out, args.name or out.stem)
    _out(
        text(
            f"已生成密钥：{out}（私钥，请妥善保管）和 {out.with_suffix('.pub')}（公钥，可分发）",
            f"wrote {out} (private, keep it safe) and {out.with_suffix('.pub')} (public)",
        )
    )
    _out(text(f"密钥编号：{key.key_id}", f"key id: {key.key_id}"))


def cmd_pack(args: argparse.Namespace) -> None:
    private, public = load_private(Path(args.key))
    with _progress(text("打包", "packing")) as progress:
        m, changed = pack(Path(args.src), Path(args.out), private, public, progress=progress)
    if changed:
        _out(text(f"已打包 {m.label} → {args.out}", f"packed {m.label} into {args.out}"))
    else:
        _out(
            text(
                f"{m.label} 已在 {args.out} 中，未做改动",
                f"{m.label} already in {args.out}; nothing changed",
            )
        )


def cmd_trust(args: argparse.Namespace) -> None:
    with _library(args) as lib:
        if args.action == "add":
            key = PublicKey.from_file(Path(args.keyfile))
            with lib.writing():
                added = lib.trust.add(key)
            _out(
                text(
                    f"{'已信任' if added else '早已信任'}发布者“{key.name}”（{key.key_id}）",
                    f"{'now trusting' if added else 'already trusted'} “{key.name}” ({key.key_id})",
                )
            )
        elif args.action == "remove":
            with lib.writing():
                key = lib.trust.remove(args.key)
            _out(
                text(
                    f"已不再信任“{key.name}”（{key.key_id}）",
                    f"no longer trusting “{key.name}” ({key.key_id})",
                )
            )
        else:
            keys = lib.trust.keys()
            if args.json:
                _json([{"key_id": k.key_id, "name": k.name} for k in keys])
            for k in [] if args.json else keys:
                _out(f"{k.key_id}  {k.name}")


def cmd_import(args: argparse.Namespace) -> None:
    with _library(args) as lib:
        if "://" in args.source:  # a repository on the hub, a county mirror or a LAN peer
            from sync.client import hub_url
            from sync.download import HttpSource

            source: FolderSource | HttpSource = HttpSource(
                hub_url(args.source), lib.data_dir / "downloads"
            )
        else:
            source = FolderSource.find(Path(args.source))
        with _progress(text("导入", "importing")) as progress:
            report = lib.import_from(
                source,
                package_ids=args.package or None,
                unit_names=args.unit or None,
                allow_unsigned=args.allow_unsigned,
                progress=progress,
            )
        if not isinstance(source, FolderSource):
            from sync.download import clean_downloads

            clean_downloads(lib.data_dir / "downloads", lambda sha: lib.store.path(sha).exists())
        for label, units in report.installed:
            _out(
                text(f"已导入 {label}：{'、'.join(units)}", f"imported {label}: {', '.join(units)}")
            )
        for label in report.up_to_date:
            _out(text(f"{label} 已是最新，无需导入", f"{label} is up to date"))
        _out(
            text(
                f"共复制 {human_size(report.bytes_copied)}",
                f"copied {human_size(report.bytes_copied)}",
            )
        )


def cmd_export(args: argparse.Namespace) -> None:
    with _library(args) as lib:
        with _progress(text("导出", "exporting")) as progress:
            labels = lib.export(args.ids, Path(args.to), progress=progress)
        _out(
            text(
                f"已导出并校验：{'、'.join(labels)} → {args.to}",
                f"exported and verified {', '.join(labels)} to {args.to}",
            )
        )


def _package_dict(p) -> dict:
    d = asdict(p)
    d["state"] = p.state
    return d


def cmd_list(args: argparse.Namespace) -> None:
    with _library(args) as lib:
        packages = lib.catalog.packages()
        if args.json:
            _json(
                [
                    {**_package_dict(p), "units": [asdict(u) for u in lib.catalog.units(p.id)]}
                    for p in packages
                ]
            )
            return
        if not packages:
            _out(text("还没有安装任何资源包。", "no packages installed."))
        for p in packages:
            tags = " ".join(p.tags.get(k, "") for k in mf.TAG_KEYS if p.tags.get(k))
            _out(
                f"{p.id}  {p.title}  {p.version}  [{tags}]  {STATE_ZH[p.state]}  "
                f"{p.units_installed}/{p.units_total} 单元  {p.lessons} 课  {human_size(p.bytes_installed)}"
            )


def cmd_search(args: argparse.Namespace) -> None:
    with _library(args) as lib:
        hits = lib.catalog.search(args.query, limit=args.limit)
    if args.json:
        _json([asdict(h) for h in hits])
        return
    for h in hits:
        where = f"{h.package_title} › {h.unit_title}"
        item = h.title if h.resource_id is None else f"{h.lesson_title} › {h.title}"
        _out(f"{item}    （{where}）")
    if not hits:
        _out(text("没有找到。", "nothing found."))


def cmd_verify(args: argparse.Namespace) -> int:
    with _library(args) as lib:
        with _progress(text("校验", "verifying")) as progress:
            report = lib.verify(repair=args.repair, progress=progress)
        if args.json:
            _json(asdict(report))
        else:
            _out(
                text(
                    f"已校验 {report.blobs_checked} 个文件（{human_size(report.bytes_checked)}）",
                    f"checked {report.blobs_checked} files ({human_size(report.bytes_checked)})",
                )
            )
            for p in report.problems:
                _out(
                    text(
                        f"损坏：{p.sha256[:12]}… {p.problem}（{'、'.join(p.users)}）",
                        f"damaged: {p.sha256[:12]}… {p.problem} ({', '.join(p.users)})",
                    )
                )
            if report.orphans:
                _out(
                    text(
                        f"未被任何资源包使用的文件：{report.orphans} 个（{human_size(report.orphan_bytes)}）"
                        + ("，已删除" if args.repair else "，可用 --repair 删除"),
                        f"unused files: {report.orphans} ({human_size(report.orphan_bytes)})",
                    )
                )
            if report.problems and args.repair:
                _out(
                    text(
                        "损坏的文件已隔离，相关单元已标记为损坏；重新导入这些资源包即可修复。",
                        "damaged files quarantined; re-import the packages named above to repair.",
                    )
                )
            elif not report.problems:
                _out(text("一切正常。", "all good."))
        return 1 if report.problems and not args.repair else 0


def cmd_remove(args: argparse.Namespace) -> None:
    with _library(args) as lib:
        label = lib.remove(args.id)
    _out(text(f"已删除 {label}", f"removed {label}"))


def cmd_status(args: argparse.Namespace) -> None:
    with _library(args) as lib:
        status = lib.status()
    if args.json:
        from app.settings import Settings

        with _journal(args) as journal:
            state = journal.sync_state()
        settings = Settings.load(Path(args.data_dir))
        status["school"] = {
            "name": state.school_name,
            "hub_url": state.hub_url,
            "enrolled": state.enrolled,
            "enrolment_pending": bool(settings.enrolment_code) and not state.enrolled,
        }
        status["subscriptions"] = settings.subscriptions
        _json(status)
        return
    _out(text(f"数据文件夹：{status['data_dir']}", f"data folder: {status['data_dir']}"))
    _out(
        text(
            f"资源包：{status['packages']} 个（完整 {status['complete']}，部分 {status['partial']}，"
            f"损坏 {status['damaged']}），{status['lessons']} 课，{status['resources']} 个资源",
            f"packages: {status['packages']} ({status['complete']} complete, {status['partial']} partial, "
            f"{status['damaged']} damaged), {status['lessons']} lessons, {status['resources']} resources",
        )
    )
    _out(
        text(
            f"已用空间：{human_size(status['bytes_used'])}，剩余空间：{human_size(status['bytes_free'])}",
            f"used: {human_size(status['bytes_used'])}, free: {human_size(status['bytes_free'])}",
        )
    )


def _journal(args: argparse.Namespace) -> Journal:
    return Journal(Path(args.data_dir))


def cmd_enrol(args: argparse.Namespace) -> None:
    from sync.client import enrol  # requests: only for the commands that talk to a hub

    with _journal(args) as journal:
        enrolled = enrol(journal, args.hub, args.code, args.name or socket.gethostname())
    _say_enrolled(enrolled.school_name, journal.device_id)


def _say_enrolled(school_name: str, device_id: str) -> None:
    _out(
        text(
            f"已登记到同步中心：{school_name}（本机编号 {device_id}）",
            f"enrolled with the hub: {school_name} (device {device_id})",
        )
    )


def cmd_sync(args: argparse.Namespace) -> None:
    if args.via:
        from sync.usb import describe, exchange

        with _journal(args) as journal:
            report = exchange(journal, Path(args.via))
        if args.json:
            _json(asdict(report))
        else:
            _out(describe(report))
        return

    from datetime import datetime

    from app.installation import enrol_pending
    from app.settings import Settings
    from sync.peers import ROUND_DISCOVERY_S, find_peers, lan_peers, normalise
    from sync.policy import EVERYTHING, Conditions, Policy, decide
    from sync.round import run_recorded
    from sync.throttle import Throttle

    settings = Settings.load(Path(args.data_dir))
    typed = [*settings.peers, *(normalise(p) for p in args.peer or [])]
    # The flag says so for this run; without it, 设置's choice ("auto": cannot tell here).
    metered = args.metered or settings.metered == "yes"
    now = datetime.now()
    decision = decide(
        Policy.from_dict(settings.bandwidth),
        Conditions(now=now, metered=metered, pending=EVERYTHING),
    )

    def peers() -> list[str]:
        found = [] if args.no_discover else find_peers(ROUND_DISCOVERY_S)
        return lan_peers(typed, found)

    if args.now:  # the technician is here, on the school's line: everything, full speed
        allowed, rate = EVERYTHING, None
    else:
        allowed, rate = decision.allowed, decision.rate
    with _journal(args) as journal, _library(args) as library:
        enrolled = enrol_pending(journal, Path(args.data_dir))  # left by a USB kit
        if enrolled is not None and not args.json:
            _say_enrolled(enrolled.school_name, journal.device_id)
        report = run_recorded(
            journal,
            library,
            subscriptions=settings.subscriptions,
            allowed=lambda c: c in allowed,
            peers=peers,
            pace=Throttle(rate),
        )
    if args.json:
        doc = asdict(report)
        doc["waiting"] = [c.value for c in report.waiting]
        doc["reason"] = decision.reason if report.waiting else ""
        _json(doc)
        return
    for line in report.sentences():
        _out(line)
    if report.waiting:
        _out(decision.reason)


def cmd_subscribe(args: argparse.Namespace) -> None:
    from app.settings import PACKAGE_ID, Settings

    data_dir = Path(args.data_dir)
    settings = Settings.load(data_dir)
    if args.action in ("add", "remove"):
        for pid in args.ids:
            if not PACKAGE_ID.fullmatch(pid):
                raise InputInvalid(where=pid, problem=text("不是资源包编号", "not a package id"))
        if args.action == "add":  # new ones download after those already subscribed
            settings.subscriptions += args.ids
        else:
            settings.subscriptions = [p for p in settings.subscriptions if p not in args.ids]
        settings.save(data_dir)
    if args.json:
        _json(settings.subscriptions)
        return
    if not settings.subscriptions:
        _out(text("还没有订阅资源包。", "no subscriptions."))
    for pid in settings.subscriptions:
        _out(pid)


def cmd_upload(args: argparse.Namespace) -> None:
    from sync.upload import queue

    entry = queue(Path(args.data_dir), Path(args.file), kind=args.kind, title=args.title or "")
    _out(
        text(
            f"已加入上传队列：{entry.title}（{human_size(entry.size)}），下次同步时上传",
            f"queued for upload: {entry.title} ({human_size(entry.size)}), sent on the next sync",
        )
    )


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from sync.peers import announce, own_addresses
    from sync.share import bind, share_app

    data_dir = Path(args.data_dir)
    if not (data_dir / "catalog.db").is_file():
        raise InputInvalid(
            where=str(data_dir), problem=text("这里没有课包数据", "no Kebao data here")
        )
    sock = bind(args.host, args.port)
    app = share_app(data_dir)
    # The address the other PCs type: this PC's LAN address when serving on all of them.
    host = args.host if args.host != "0.0.0.0" else (own_addresses() or ["127.0.0.1"])[0]  # noqa: S104
    server = uvicorn.Server(
        uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2
        )
    )
    if args.stop_with_parent:  # the window's child: a crashed window must not leave it behind
        threading.Thread(target=_exit_at_eof, args=(server,), daemon=True).start()
    _out(
        text(
            f"正在本校局域网共享资源包：http://{host}:{args.port}（按 Ctrl+C 停止）",
            f"sharing packages on the LAN at http://{host}:{args.port} (Ctrl+C stops)",
        )
    )
    with announce(args.port) if args.announce else nullcontext(True) as announced:
        if not announced:
            _out(
                text(
                    "无法在局域网广播（mDNS）：其他电脑需要输入上面的地址",
                    "could not announce on the LAN (mDNS): other PCs must type the address above",
                )
            )
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()


def _exit_at_eof(server: object) -> None:
    """Stop `server` when stdin closes: the parent that holds its other end has gone."""
    sys.stdin.buffer.read()
    server.should_exit = True  # type: ignore[attr-defined]


def cmd_peers(args: argparse.Namespace) -> None:
    from sync.peers import find_peers

    urls = find_peers(args.wait)
    if args.json:
        _json(urls)
        return
    if not urls:
        _out(text("局域网里没有找到共享资源包的电脑。", "no PC on the LAN shares packages."))
    for url in urls:
        _out(url)


def cmd_learners(args: argparse.Namespace) -> None:
    with _journal(args) as journal:
        if args.action == "import":
            result = import_roster(journal, Path(args.file))
            _out(
                text(
                    f"已导入名单 {args.file}：新增 {result.added} 人，更新 {result.updated} 人，"
                    f"{result.unchanged} 人无变化",
                    f"imported {args.file}: {result.added} added, {result.updated} updated, "
                    f"{result.unchanged} unchanged",
                )
            )
            return
        learners = journal.learners(args.class_, include_archived=args.all)
    if args.json:
        _json([asdict(x) for x in learners])
        return
    if not learners:
        _out(text("还没有学生。", "no learners."))
    for x in learners:
        marks = [
            text("教师", "teacher") if x.teacher else "",
            text("有密码", "PIN") if x.has_pin else "",
            text("已停用", "archived") if x.archived else "",
        ]
        _out("  ".join([x.class_name, x.name, *filter(None, marks)]))


def cmd_report(args: argparse.Namespace) -> None:
    with _journal(args) as journal:
        catalog = Catalog(journal.path.parent / "catalog.db")
        try:
            rows = report_rows(journal, catalog, args.class_)
        finally:
            catalog.close()
    write_report(rows, Path(args.csv))
    _out(text(f"已写出 {len(rows)} 行 → {args.csv}", f"wrote {len(rows)} rows to {args.csv}"))
    if not rows:
        _out(
            text("还没有学习记录，报告只有表头。", "no progress recorded yet; the report is empty.")
        )


def _hub_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir() / "hub"


def cmd_hub(args: argparse.Namespace) -> None:
    """The county's sync hub: serve it, add a school (or renew its code), list schools."""
    from hub.db import HubStore
    from hub.server import serve
    from sync.protocol import show_code

    data_dir = _hub_dir(args)
    if args.action == "serve":
        serve(
            data_dir,
            args.db,
            Path(args.repo) if args.repo else None,
            args.host,
            args.port,
            announce=lambda url: _out(
                text(
                    f"课包同步中心：{url}（按 Ctrl+C 停止）", f"Kebao hub: {url} (Ctrl+C stops it)"
                )
            ),
            upload_expires_s=args.upload_expires_s,
        )
        return
    store = HubStore.open(data_dir, args.db)
    try:
        if args.action in ("import", "export"):
            _hub_drive(args, store, data_dir)
            return
        if args.action == "add-school":
            school_id, code = store.add_school(args.name)
            _out(text(f"学校编号：{school_id}", f"school id: {school_id}"))
            _out(text(f"登记码：{show_code(code)}", f"enrolment code: {show_code(code)}"))
            return
        schools = store.schools()
    finally:
        store.close()
    if args.json:
        _json([asdict(s) for s in schools])
        return
    if not schools:
        _out(text("还没有学校；用 kebao hub add-school 名称 添加。", "no schools yet."))
    for s in schools:
        _out(
            text(
                f"{s.id}  {s.name}  {s.devices} 台设备  {s.events} 条记录",
                f"{s.id}  {s.name}  {s.devices} devices  {s.events} events",
            )
        )


def _hub_drive(args: argparse.Namespace, store: HubStore, data_dir: Path) -> None:
    """kebao hub import/export DIR: the schools without internet, by USB drive."""
    from hub.usb import export_drive, import_drive, remove_taken_files

    drive = Path(args.drive)
    if args.action == "import":
        report = import_drive(store, drive, data_dir / "uploads")
        remove_taken_files(drive, store)
        _out(
            text(
                f"已从U盘导入 {report.stored} 条新记录（{report.duplicates} 条已有），"
                f"{report.files} 个文件",
                f"imported {report.stored} new events ({report.duplicates} already here), "
                f"{report.files} files",
            )
        )
    else:
        report = export_drive(store, drive)
        _out(text(f"已为各校写入 {report.written} 条记录", f"wrote {report.written} events"))
    for line in report.skipped:
        _out(text(f"已跳过：{line}", f"skipped: {line}"))


@contextmanager
def _stages() -> Iterator[Callable[[str], Callable[[int, int], None]]]:
    """`stage(name)` for a long job: prints the step, returns a progress bar's update for
    it (bytes when the step counts bytes, else steps); one bar at a time."""
    bars: list[tqdm] = []
    lock = threading.Lock()

    def stage(name: str) -> Callable[[int, int], None]:
        with lock:
            if bars:
                bars.pop().close()
            _out(name)
            bar = tqdm(desc=name, disable=None, leave=False, dynamic_ncols=True)
            bars.append(bar)

        def update(done: int, total: int) -> None:
            with lock:
                if bar.total != total:
                    if total > 10_000:  # bytes, not steps
                        bar.unit, bar.unit_scale, bar.unit_divisor = "B", True, 1024
                    bar.total = total
                bar.update(done - bar.n)

        return update

    try:
        yield stage
    finally:
        for bar in bars:
            bar.close()


def cmd_usb_kit(args: argparse.Namespace) -> int:
    """The technician's USB kit: build it, verify it, apply it to this PC's data."""
    from app.installation import apply_kit, kit_school, read_school_config
    from installer import checksums
    from installer.kit import build

    if args.action == "runtime":
        from installer import runtime

        runtime.require()  # one sentence before any step is shown
        with _stages() as stage:
            path = runtime.build(progress=stage(text("构建自带的 Python", "building Python")))
        _out(text(f"已备好：{path}", f"ready: {path}"))
        return 0
    kit = Path(args.kit)
    if args.action == "verify":
        with _progress(text("校验", "verifying")) as progress:
            report = checksums.check(kit, progress=progress)
        _out(text(f"已校验 {report.checked} 个文件", f"checked {report.checked} files"))
        for line in report.sentences():
            _out(line)
        if report.ok:
            _out(text("U盘完好。", "the kit is intact."))
            return 0
        print(
            text(
                "kebao: U盘上有文件损坏、缺失或多出，请重新制作（见上）",
                "kebao: the kit has damaged, missing or extra files (listed above)",
            ),
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    if args.action == "apply":
        with _stages() as stage:
            applied = apply_kit(kit, Path(args.data_dir), stage=stage)
        for line in applied.notices:
            _out(text(f"注意：{line}", f"note: {line}"))
        for line in applied.done or [
            text("没有需要改动的，本机已是U盘上的配置和内容。", "nothing to change.")
        ]:
            _out(line)
        return 0
    school = read_school_config(Path(args.school_config)) if args.school_config else kit_school(kit)
    library = _library(args) if args.packages else None
    try:
        with _stages() as stage:
            built = build(
                kit,
                platforms=list(dict.fromkeys(args.platform)),
                library=library,
                package_ids=args.packages or [],
                school=school,
                stage=stage,
            )
    finally:
        if library is not None:
            library.close()
    _out(
        text(
            f"安装U盘已制作并校验：{kit}（{built.files} 个文件，{human_size(built.bytes)}）",
            f"kit built and verified at {kit} ({built.files} files, {human_size(built.bytes)})",
        )
    )
    for name, path in built.platforms.items():
        _out(f"  {name}: {path}")
    for label in built.packages:
        _out(text(f"  资源包：{label}", f"  package: {label}"))
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    """No sub-command: open the window (the demo library on first run)."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    ):
        raise InputInvalid(
            where="kebao",
            problem=text(
                "没有图形桌面，无法打开窗口；命令行用法见 kebao --help",
                "no graphical desktop to open the window on; see kebao --help",
            ),
        )
    from app.main import run

    return run(Path(args.data_dir))


# -- parser -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        default=str(default_data_dir()),
        help="数据文件夹（默认：系统用户数据目录；环境变量 KEBAO_DATA_DIR）",
    )
    parser = argparse.ArgumentParser(
        prog="kebao", parents=[common], description="课包：离线课程资源库（不带参数时打开程序）"
    )
    sub = parser.add_subparsers(dest="command", metavar="命令")

    def add(name: str, helptext: str, func: Callable) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=helptext, description=helptext)
        p.set_defaults(func=func)
        return p

    p = add("keygen", "生成发布者密钥对（NAME.key 私钥、NAME.pub 公钥）", cmd_keygen)
    p.add_argument("--out", required=True, metavar="NAME.key")
    p.add_argument("--name", help="发布者名称（默认取文件名）")

    p = add("pack", "把课程文件夹打包签名，放入资源库", cmd_pack)
    p.add_argument("src", metavar="SRC")
    p.add_argument("--key", required=True, metavar="NAME.key")
    p.add_argument("--out", required=True, metavar="REPO")

    p = add("trust", "管理受信任的发布者公钥", cmd_trust)
    tsub = p.add_subparsers(dest="action", required=True, metavar="add|list|remove")
    t = tsub.add_parser("add", parents=[common], help="信任一个发布者公钥文件")
    t.add_argument("keyfile", metavar="FILE.pub")
    t = tsub.add_parser("list", parents=[common], help="列出受信任的发布者")
    t.add_argument("--json", action="store_true")
    t = tsub.add_parser("remove", parents=[common], help="不再信任某发布者（密钥编号或名称）")
    t.add_argument("key", metavar="KEY_ID|NAME")

    p = add("import", "从文件夹或U盘导入资源包（校验签名与内容）", cmd_import)
    p.add_argument("source", metavar="SOURCE")
    p.add_argument("--package", action="append", metavar="ID", help="只导入这个资源包（可重复）")
    p.add_argument(
        "--unit", action="append", metavar="NAME", help="只导入这个单元（名称或序号，可重复）"
    )
    p.add_argument("--allow-unsigned", action="store_true", help="允许导入没有签名的资源包")

    p = add("export", "把已安装的资源包导出为资源库（如U盘），并读回校验", cmd_export)
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--to", required=True, metavar="DIR")

    p = add("list", "列出已安装的资源包", cmd_list)
    p.add_argument("--json", action="store_true")

    p = add("search", "按汉字或拼音（全拼、首字母）搜索课与资源", cmd_search)
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")

    p = add("verify", "重新校验所有已安装文件", cmd_verify)
    p.add_argument(
        "--repair", action="store_true", help="隔离损坏文件，标记受影响的单元，删除无用文件"
    )
    p.add_argument("--json", action="store_true")

    p = add("remove", "删除一个资源包及其不再被使用的文件", cmd_remove)
    p.add_argument("id", metavar="ID")

    p = add("status", "资源包数量、占用空间与剩余空间", cmd_status)
    p.add_argument("--json", action="store_true")

    p = add("learners", "学生名单：从 CSV 导入、列出", cmd_learners)
    lsub = p.add_subparsers(dest="action", required=True, metavar="import|list")
    t = lsub.add_parser(
        "import",
        parents=[common],
        help="从 CSV 导入名单（姓名、班级，可选密码；UTF-8 或 GBK；重复导入不会重复添加）",
    )
    t.add_argument("file", metavar="FILE.csv")
    t = lsub.add_parser("list", parents=[common], help="列出学生")
    t.add_argument("--class", dest="class_", metavar="NAME", help="只列这个班级")
    t.add_argument("--all", action="store_true", help="也列出已停用的学生")
    t.add_argument("--json", action="store_true")

    p = add("enrol", "把本机登记到县同步中心（需要学校的登记码）", cmd_enrol)
    p.add_argument(
        "--hub", required=True, metavar="URL", help="同步中心网址，如 hub.example.cn:8470"
    )
    p.add_argument("--code", required=True, metavar="CODE", help="学校登记码，如 7K4Q-M2XD-9HPA")
    p.add_argument("--name", metavar="NAME", help="本机名称（默认取计算机名）")

    p = add("sync", "与同步中心交换学习记录（连不上时退出码为 3，下次接着同步）", cmd_sync)
    p.add_argument("--via", metavar="DIR", help="没有网络时：经U盘交换（DIR 为U盘根目录）")
    p.add_argument(
        "--now", action="store_true", help="不管时间段和限速，立即传完（技术人员在现场时）"
    )
    p.add_argument(
        "--metered",
        action="store_true",
        help="按流量计费的网络：只同步学习记录（不加时按“设置”中的选择）",
    )
    p.add_argument(
        "--peer",
        action="append",
        metavar="URL",
        help="先从本校这台共享电脑下载资源包，如 192.168.1.20（可重复；另加“设置”中的地址）",
    )
    p.add_argument(
        "--no-discover", action="store_true", help="不在局域网查找共享电脑（mDNS），只用输入的地址"
    )
    p.add_argument("--json", action="store_true")

    p = add("subscribe", "订阅资源包：同步时自动下载它们的新版本", cmd_subscribe)
    ssub = p.add_subparsers(dest="action", required=True, metavar="add|remove|list")
    t = ssub.add_parser("add", parents=[common], help="订阅资源包（可多个）")
    t.add_argument("ids", nargs="+", metavar="ID")
    t.add_argument("--json", action="store_true")
    t = ssub.add_parser("remove", parents=[common], help="取消订阅")
    t.add_argument("ids", nargs="+", metavar="ID")
    t.add_argument("--json", action="store_true")
    t = ssub.add_parser("list", parents=[common], help="列出订阅")
    t.add_argument("--json", action="store_true")

    p = add("upload", "把文件（如专递课堂录像）加入上传队列，同步时断点续传到同步中心", cmd_upload)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--kind", choices=("recording", "file"), default="recording")
    p.add_argument("--title", metavar="TITLE", help="标题（默认取文件名）")

    p = add("serve", "在本校局域网共享本机的资源包（只读），其他电脑可从这里导入", cmd_serve)
    # All interfaces on purpose: the point is that the other PCs of the school reach it.
    p.add_argument("--host", default="0.0.0.0", help="监听地址（默认所有网卡）")  # noqa: S104
    p.add_argument("--port", type=int, default=8471)
    p.add_argument(
        "--no-announce", dest="announce", action="store_false", help="不在局域网广播（mDNS）"
    )
    p.add_argument("--stop-with-parent", action="store_true", help=argparse.SUPPRESS)

    p = add("peers", "查找局域网里共享资源包的电脑", cmd_peers)
    p.add_argument("--wait", type=float, default=3.0, metavar="SECONDS")
    p.add_argument("--json", action="store_true")

    p = add("report", "学习报告：每个学生每个资源的观看进度（Excel 可直接打开的 CSV）", cmd_report)
    p.add_argument("--class", dest="class_", metavar="NAME", help="只报告这个班级")
    p.add_argument("--csv", required=True, metavar="FILE", help="写入的 CSV 文件")

    p = add("usb-kit", "技术人员的安装U盘：制作、检查、在本机应用", cmd_usb_kit)
    ksub = p.add_subparsers(dest="action", required=True, metavar="build|verify|apply|runtime")
    t = ksub.add_parser(
        "build",
        parents=[common],
        help="制作（或更新）安装U盘：安装程序、资源包、学校配置、校验值",
    )
    t.add_argument("kit", metavar="DIR", help="U盘（或其中的文件夹）")
    t.add_argument(
        "--platform",
        action="append",
        default=[],
        choices=("win_amd64", "linux_x86_64"),
        help="要放的安装程序（可重复；不写则只放资源包和学校配置）",
    )
    t.add_argument(
        "--packages", nargs="+", metavar="ID", help="放进U盘的资源包（从本机数据文件夹导出）"
    )
    t.add_argument(
        "--school-config", metavar="FILE", help="学校配置文件（TOML，见 docs/install.md）"
    )
    t = ksub.add_parser("verify", parents=[common], help="按 SHA256SUMS 检查U盘，列出损坏的文件")
    t.add_argument("kit", metavar="DIR")
    t = ksub.add_parser(
        "apply",
        parents=[common],
        help="把U盘上的学校配置、资源包和县里的数据用到本机（安装程序会自动运行）",
    )
    t.add_argument("kit", metavar="DIR")
    ksub.add_parser(
        "runtime",
        parents=[common],
        help="构建 Linux 安装文件自带的 Python（需要 root，约 6 分钟，只需一次；build 会自动做）",
    )

    p = sub.add_parser("hub", help="县同步中心：运行服务、添加学校", description="县同步中心")
    hsub = p.add_subparsers(
        dest="action", required=True, metavar="serve|add-school|schools|import|export"
    )
    hub_common = argparse.ArgumentParser(add_help=False)
    hub_common.add_argument(
        "--data-dir", default=None, help="同步中心的数据文件夹（默认：用户数据目录下的 hub）"
    )
    hub_common.add_argument(
        "--db",
        default=os.environ.get("KEBAO_HUB_DB"),
        metavar="URL",
        help="数据库（默认：数据文件夹中的 SQLite；或 postgresql+psycopg://…；环境变量 KEBAO_HUB_DB）",
    )
    t = hsub.add_parser("serve", parents=[hub_common], help="运行同步中心")
    t.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1；全部：0.0.0.0）")
    t.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"端口（默认 {DEFAULT_PORT}）")
    t.add_argument("--repo", metavar="DIR", help="以 /repo/ 提供的资源库文件夹")
    t.add_argument(
        "--upload-expires-s",
        type=int,
        default=int(os.environ.get("KEBAO_HUB_UPLOAD_EXPIRES_S", UPLOAD_EXPIRES_S)),
        help=argparse.SUPPRESS,
    )
    t.set_defaults(func=cmd_hub)
    t = hsub.add_parser(
        "add-school", parents=[hub_common], help="添加学校并显示登记码（已有的学校：换一个新码）"
    )
    t.add_argument("name", metavar="NAME")
    t.set_defaults(func=cmd_hub)
    t = hsub.add_parser("schools", parents=[hub_common], help="列出学校")
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=cmd_hub)
    t = hsub.add_parser("import", parents=[hub_common], help="导入学校经U盘带回的记录和文件")
    t.add_argument("drive", metavar="DIR")
    t.set_defaults(func=cmd_hub)
    t = hsub.add_parser("export", parents=[hub_common], help="把各校的记录写到U盘，带回学校")
    t.add_argument("drive", metavar="DIR")
    t.set_defaults(func=cmd_hub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func = getattr(args, "func", cmd_open)
    try:
        return func(args) or 0
    except Cancelled:
        print(text("kebao：已取消", "kebao: cancelled"), file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(
            text("kebao：已中断，未做任何改动", "kebao: interrupted; nothing was changed"),
            file=sys.stderr,
        )
        return 130
    except KebaoError as e:
        print(f"kebao: {e}", file=sys.stderr)
        return e.exit_code
    except OSError as e:
        where = e.filename or ""
        print(
            text(f"kebao: 文件操作失败：{where} {e.strerror}", f"kebao: {where}: {e.strerror}"),
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
