"""Publisher keys and detached Ed25519 signatures over manifest bytes.

Private key: PKCS#8 PEM (any OpenSSL reads it), written with mode 0600.
Public key (`NAME.pub`) and signature (`<version>.sig`) are small JSON files, so a
person can read who published what:

    {"kebao_public_key": 1, "algorithm": "ed25519", "name": "某县教育局", "key": "<base64>"}
    {"kebao_signature": 1, "algorithm": "ed25519", "key_id": "<16 hex>", "signature": "<base64>"}

    >>> private, public = generate("某县教育局")
    >>> sig = sign(private, b"manifest bytes", public.key_id)
    >>> verify(public, b"manifest bytes", parse_signature(sig, "x"))
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from media.errors import InputInvalid, SignatureInvalid
from media.manifest import KEY_ID_RE, load_json, valid_title

MAX_KEY_FILE = 4096


@dataclass(frozen=True)
class PublicKey:
    name: str
    raw: bytes

    @property
    def key_id(self) -> str:
        """First 16 hex digits of SHA-256 over the raw key: short enough to read aloud."""
        return hashlib.sha256(self.raw).hexdigest()[:16]

    def to_bytes(self) -> bytes:
        doc = {
            "kebao_public_key": 1,
            "algorithm": "ed25519",
            "name": self.name,
            "key": base64.b64encode(self.raw).decode("ascii"),
        }
        return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    @classmethod
    def from_file(cls, path: Path) -> PublicKey:
        """Read a `.pub` file; InputInvalid (one sentence) when it is missing or not one."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputInvalid(where=str(path), problem="文件不存在") from None
        except OSError as e:
            raise InputInvalid(where=str(path), problem=f"无法读取：{e.strerror or e}") from None
        return cls.from_bytes(data, str(path))

    @classmethod
    def from_bytes(cls, data: bytes, where: str) -> PublicKey:
        if data.lstrip().startswith(b"-----BEGIN") and b"PRIVATE KEY" in data[:100]:
            raise InputInvalid(where=where, problem="这是私钥，请改用同名的 .pub 公钥文件")
        doc = load_json(data, where, MAX_KEY_FILE, InputInvalid)
        if not isinstance(doc, dict) or doc.get("kebao_public_key") != 1:
            raise InputInvalid(where=where, problem="不是课包发布者公钥文件")
        if doc.get("algorithm") != "ed25519":
            raise InputInvalid(where=where, problem=f"不支持的算法 {doc.get('algorithm')!r:.20}")
        if not valid_title(doc.get("name")):
            raise InputInvalid(where=where, problem="公钥名称无效")
        raw = _b64(doc.get("key"), 32)
        if raw is None:
            raise InputInvalid(where=where, problem="公钥数据无效")
        return cls(doc["name"], raw)


def _b64(value: object, length: int) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == length else None


def generate(name: str) -> tuple[Ed25519PrivateKey, PublicKey]:
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return private, PublicKey(name, raw)


def write_keypair(out: Path, name: str) -> PublicKey:
    """Write `out` (private, 0600) and `out` with suffix .pub; refuse to overwrite."""
    if not valid_title(name):
        raise InputInvalid(where=str(out), problem="发布者名称无效")
    private, public = generate(name)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    pub_path = out.with_suffix(".pub")
    for p in (out, pub_path):
        if p.exists():
            raise InputInvalid(where=str(p), problem="文件已存在，不会覆盖")
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    pub_path.write_bytes(public.to_bytes())
    return public


def load_private(path: Path) -> tuple[Ed25519PrivateKey, PublicKey]:
    """Read a private key file and derive its public key (the name is the file's stem)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputInvalid(where=str(path), problem=f"无法读取私钥：{e.strerror}") from None
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise InputInvalid(where=str(path), problem="不是有效的私钥文件（PEM）") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise InputInvalid(where=str(path), problem="私钥不是 Ed25519 密钥")
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    name = path.stem
    pub_path = path.with_suffix(".pub")
    if pub_path.is_file():
        public = PublicKey.from_bytes(pub_path.read_bytes(), str(pub_path))
        if public.raw == raw:
            name = public.name
    return private, PublicKey(name, raw)


def sign(private: Ed25519PrivateKey, data: bytes, key_id: str) -> bytes:
    doc = {
        "kebao_signature": 1,
        "algorithm": "ed25519",
        "key_id": key_id,
        "signature": base64.b64encode(private.sign(data)).decode("ascii"),
    }
    return (json.dumps(doc, indent=1) + "\n").encode("ascii")


@dataclass(frozen=True)
class Signature:
    key_id: str
    raw: bytes


def parse_signature(data: bytes, package: str) -> Signature:
    doc = load_json(data, package, MAX_KEY_FILE, SignatureInvalid)
    if not isinstance(doc, dict) or doc.get("kebao_signature") != 1:
        raise SignatureInvalid(package=package, problem="签名文件格式不对")
    if doc.get("algorithm") != "ed25519":
        raise SignatureInvalid(package=package, problem="不支持的签名算法")
    key_id = doc.get("key_id")
    raw = _b64(doc.get("signature"), 64)
    if not isinstance(key_id, str) or not KEY_ID_RE.match(key_id) or raw is None:
        raise SignatureInvalid(package=package, problem="签名文件内容无效")
    return Signature(key_id, raw)


def verify(public: PublicKey, data: bytes, signature: Signature) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public.raw).verify(signature.raw, data)
    except InvalidSignature:
        return False
    return True
