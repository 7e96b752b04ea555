"""The local trust store: publisher public keys this library accepts signatures from.

One file per key, `<data>/trust/<key_id>.pub`, in the same format `kebao keygen` writes,
so an IT technician can see and copy them.

    >>> store = TrustStore(data_dir / "trust")
    >>> store.add(PublicKey.from_bytes(Path("县教育局.pub").read_bytes(), "县教育局.pub"))
"""

from __future__ import annotations

from pathlib import Path

from media.disk import write_atomic
from media.errors import InputInvalid, NotFound
from media.signature import PublicKey


class TrustStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def add(self, key: PublicKey) -> bool:
        """Trust `key`; False when it was trusted already."""
        path = self.folder / f"{key.key_id}.pub"
        if path.exists():
            return False
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, key.to_bytes())
        return True

    def keys(self) -> list[PublicKey]:
        if not self.folder.is_dir():
            return []
        found = []
        for path in sorted(self.folder.glob("*.pub")):
            try:
                found.append(PublicKey.from_bytes(path.read_bytes(), str(path)))
            except InputInvalid:
                continue  # a damaged key file trusts nothing
        return found

    def get(self, key_id: str) -> PublicKey | None:
        path = self.folder / f"{key_id}.pub"
        if not path.is_file():
            return None
        try:
            key = PublicKey.from_bytes(path.read_bytes(), str(path))
        except InputInvalid:
            return None
        return key if key.key_id == key_id else None

    def remove(self, key_id_or_name: str) -> PublicKey:
        """Forget a key, named by its id or its publisher name."""
        matches = [k for k in self.keys() if key_id_or_name in (k.key_id, k.name)]
        if not matches:
            raise NotFound(what="受信任的发布者", name=key_id_or_name)
        if len(matches) > 1:
            raise InputInvalid(where=key_id_or_name, problem="有多个同名的发布者，请用密钥编号指定")
        (self.folder / f"{matches[0].key_id}.pub").unlink()
        return matches[0]
