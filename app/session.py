"""Who is using Kebao now: a student on their own profile, the teacher, or nobody yet.

A student picks their profile (their PIN only if they have one). Teacher mode opens
with the PIN of any teacher in the roster; while no teacher has a PIN, it is open to
anyone, so a new install can be set up without a password nobody knows yet (the 学生
page then offers to set one). Playing records progress for `current_learner`.

    >>> session = Session(journal)
    >>> session.switch_to(ming.id)
    True
    >>> session.enter_teacher_mode("2468")
    True
"""

from __future__ import annotations

from collections.abc import Callable

from app.qt import QCoreApplication, QObject, Signal
from app.tasks import Background
from media.errors import NotFound, text
from sync.journal import Journal, Learner


def wrong_pin_sentence() -> str:
    return QCoreApplication.translate("Session", "That PIN is not right. Please try again.")


class Session(QObject):
    """`changed` fires whenever the learner or teacher mode changes."""

    changed = Signal()

    def __init__(self, journal: Journal, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.journal = journal
        self.current_learner: Learner | None = None  # in teacher mode: the teacher, if known
        self.teacher_mode = False

    @property
    def learner_id(self) -> str | None:
        return self.current_learner.id if self.current_learner else None

    def switch_to(self, learner_id: str, pin: str = "") -> bool:
        """Use a learner's profile; False if they have a PIN and `pin` is not it.

        Leaves teacher mode: the PC is now the student's.
        """
        learner = self.journal.learner(learner_id)
        if learner is None or learner.archived:
            raise NotFound(what=text("学生", "learner"), name=learner_id)
        if learner.has_pin and not self.journal.verify_pin(learner_id, pin):
            return False
        self._set(learner, teacher_mode=False)
        return True

    def teacher_pin_set(self) -> bool:
        """Whether teacher mode is closed by a PIN (some teacher in the roster has one)."""
        return any(x.teacher and x.has_pin for x in self.journal.learners())

    def enter_teacher_mode(self, pin: str = "") -> bool:
        """Enter teacher mode if `pin` is a teacher's PIN, or if no teacher has one yet.

        Each teacher's PIN tried costs ~15 ms of hashing: from the GUI thread use
        `request_teacher_mode`.
        """
        ok, teacher = self._teacher_for(pin)
        if ok:
            self._set(teacher, teacher_mode=True)
        return ok

    def request_teacher_mode(self, pin: str, done: Callable[[str | None], None]) -> None:
        """`enter_teacher_mode` with the PINs checked in the background.

        `done` runs on the GUI thread with None once teacher mode is on, or with a
        sentence for a person saying why not.
        """

        def checked(result: tuple[bool, Learner | None]) -> None:
            ok, teacher = result
            if ok:
                self._set(teacher, teacher_mode=True)
            done(None if ok else wrong_pin_sentence())

        Background(lambda _job: self._teacher_for(pin)).on_success(checked).on_failure(done).start()

    def leave_teacher_mode(self) -> None:
        """Back to nobody: the next person picks their profile."""
        if self.teacher_mode:
            self.sign_out()

    def sign_out(self) -> None:
        if self.current_learner is not None or self.teacher_mode:
            self._set(None, teacher_mode=False)

    def refresh(self) -> None:
        """Re-read the current learner after the roster changed; an archived one signs out."""
        if self.current_learner is None:
            return
        learner = self.journal.learner(self.current_learner.id)
        if learner is None or learner.archived:
            self.sign_out()
        elif learner != self.current_learner:
            self._set(learner, teacher_mode=self.teacher_mode)

    def _teacher_for(self, pin: str) -> tuple[bool, Learner | None]:
        """(may enter, whose PIN it was); reads only, so any thread may call it."""
        guarded = [x for x in self.journal.learners() if x.teacher and x.has_pin]
        if not guarded:
            return True, None
        for teacher in guarded:
            if self.journal.verify_pin(teacher.id, pin):
                return True, teacher
        return False, None

    def _set(self, learner: Learner | None, *, teacher_mode: bool) -> None:
        self.current_learner = learner
        self.teacher_mode = teacher_mode
        self.changed.emit()
