"""What `kebao usb-kit apply KIT` does to a data folder once a kit's installer has put the
program on the PC (install.sh and the Windows installer both run it), and the pending
enrolment it leaves for `kebao sync` and the scheduler.

Everything is checked before anything changes: the kit's own files against SHA256SUMS,
`school.json` as strictly as the technician's file, then the system and the disk. Then,
in order: the school's publishers trusted, its bandwidth rules and subscriptions in
settings, its hub and school remembered (enrolment waits for the network), the kit's
packages imported, and the county's data in `kebao-sync/` taken in. Running it again
changes nothing more; an upgrade keeps the school's data (imports never downgrade,
the journal only grows).

    >>> report = apply_kit(Path("/media/U盘"), data_dir, stage=bars)
    >>> report.done
    ['已信任发布者“某县教育局”', '已导入 数学 三年级上册 (2024.09)', …]
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

from app.demo import MARKER as DEMO_MARKER
from app.settings import Settings
from installer import checksums, host
from installer.kit import MANIFEST, REPO, SCHOOL, KitInvalid, Stage, read_manifest
from installer.school import SchoolConfig, from_json, read_toml
from media.disk import free_bytes
from media.errors import KebaoError, text
from media.library import Library
from media.player import libvlc_version
from media.repository import INDEX, FolderSource
from sync.client import Enrolled, enrol, hub_url
from sync.journal import Journal
from sync.policy import Policy
from sync.usb import take_in


class CannotApply(KebaoError):
    zh = "{reasons}。本机没有任何改动"
    en = "{reasons}. Nothing was changed on this PC"


@dataclass
class ApplyReport:
    done: list[str] = field(default_factory=list)  # what changed, one sentence each
    notices: list[str] = field(default_factory=list)  # what is missing but did not stop it


def check_bandwidth(raw: dict) -> dict:
    """A school configuration's [bandwidth], strictly, as settings store it."""
    return Policy.parse(raw).to_dict()


def read_school_config(path: Path) -> SchoolConfig:
    """The technician's TOML file (`--school-config`), checked strictly."""
    return read_toml(path, check_bandwidth)


def kit_school(kit: Path) -> SchoolConfig | None:
    """The kit's `school.json`, or None when the kit has none."""
    path = kit / SCHOOL
    if not path.is_file():
        return None
    return from_json(path.read_bytes(), str(path), check_bandwidth)


def _check_kit(kit: Path) -> SchoolConfig | None:
    read_manifest(kit)
    sums = checksums.check(kit, only=lambda rel: rel in (MANIFEST, SCHOOL))
    if not sums.ok:
        raise KitInvalid(where=str(kit), problem="；".join(sums.sentences()))
    return kit_school(kit)


def apply_kit(kit: Path, data_dir: Path, *, stage: Stage) -> ApplyReport:
    """Apply the kit at `kit` to `data_dir`; CannotApply (every reason) before any change."""
    school = _check_kit(kit)
    repo = FolderSource(kit / REPO) if (kit / REPO / INDEX).is_file() else None
    report = ApplyReport()
    with Library(data_dir) as library, Journal(data_dir) as journal:
        reasons = [host.too_old()]
        needed = host.content_bytes_needed(repo, library.store) if repo is not None else 0
        if needed:
            free = free_bytes(data_dir) - library.reserve
            reasons.append(host.too_little_disk(needed, free, str(data_dir)))
        if any(reasons):
            raise CannotApply(reasons="；".join(filter(None, reasons)))
        notice = host.player_notice(libvlc_version())
        report.notices += [notice] if notice else []
        if school is not None:
            _apply_school(school, library, journal, data_dir, report)
        if repo is not None:
            progress = stage(text("导入资源包", "importing")) if needed else None
            imported = library.import_from(repo, progress=progress)
            for label, _units in imported.installed:
                report.done.append(text(f"已导入 {label}", f"imported {label}"))
            # The county's packages are this PC's library: no demo lessons beside them.
            if not (data_dir / DEMO_MARKER).exists():
                (data_dir / DEMO_MARKER).write_text("1\n", encoding="utf-8")
        taken = take_in(journal, kit)
        if taken.applied:
            report.done.append(
                text(
                    f"已从U盘读入县里带来的 {taken.applied} 条学习记录",
                    f"took in {taken.applied} events from the county",
                )
            )
        report.notices += [
            text(f"已损坏，已跳过：{p}", f"damaged, skipped: {p}") for p in taken.damaged
        ]
    return report


def _apply_school(
    school: SchoolConfig, library: Library, journal: Journal, data_dir: Path, report: ApplyReport
) -> None:
    with library.writing():
        for key in school.publishers:
            if library.trust.add(key):
                report.done.append(
                    text(
                        f"已信任发布者“{key.name}”（{key.key_id}）",
                        f"now trusting “{key.name}” ({key.key_id})",
                    )
                )
    settings = Settings.load(data_dir)
    before = (settings.bandwidth, list(settings.subscriptions), settings.enrolment_code)
    if school.bandwidth is not None:
        settings.bandwidth = school.bandwidth
    settings.subscriptions += [p for p in school.subscriptions if p not in settings.subscriptions]
    if school.hub is not None:
        _remember_hub(school, journal, settings, report)
    if (settings.bandwidth, settings.subscriptions, settings.enrolment_code) != before:
        settings.save(data_dir)
        report.done.append(text("已写入学校的带宽规则、订阅和登记信息", "school settings written"))


def _remember_hub(
    school: SchoolConfig, journal: Journal, settings: Settings, report: ApplyReport
) -> None:
    """The hub and school for USB sync now, and the enrolment for when the hub answers."""
    assert school.hub is not None
    state = journal.sync_state()
    url = hub_url(school.hub.url)
    if state.enrolled:
        if state.school_id != school.hub.school_id:
            report.notices.append(
                text(
                    f"本机已登记到“{state.school_name}”，与U盘的学校配置不同，登记没有改动",
                    f"already enrolled with “{state.school_name}”; enrolment left as it is",
                )
            )
        return
    if (state.hub_url, state.school_id, state.school_name) != (
        url,
        school.hub.school_id,
        school.name,
    ):
        journal.update_sync_state(
            hub_url=url, school_id=school.hub.school_id, school_name=school.name
        )
    settings.enrolment_code = school.hub.enrolment_code


def enrol_pending(journal: Journal, data_dir: Path) -> Enrolled | None:
    """The enrolment a USB kit left (`Settings.enrolment_code` with the journal's hub_url),
    done now if this PC is not enrolled; None when there is none. Raises what `enrol`
    raises (HubUnreachable: try again later) and keeps the code until it succeeds."""
    state = journal.sync_state()
    settings = Settings.load(data_dir)
    if state.enrolled or not settings.enrolment_code or not state.hub_url:
        return None
    enrolled = enrol(journal, state.hub_url, settings.enrolment_code, socket.gethostname())
    settings = Settings.load(data_dir)
    settings.enrolment_code = ""
    settings.save(data_dir)
    return enrolled
