"""What a document file may be: PDF, JPG, PNG or OFD, at most 20 MB, told by its content.

The name the user gave is never trusted: the kind comes from the file's first bytes (an
OFD is a zip archive holding ``OFD.xml``), the stored name is generated, and HTML or SVG
is refused whatever it is called. Pure functions over a file object, no database.
"""

import re
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    name: str
    content_type: str
    extension: str
    inline: bool  # previewed in the browser; otherwise downloaded


PDF = FileKind("pdf", "application/pdf", ".pdf", True)
JPEG = FileKind("jpeg", "image/jpeg", ".jpg", True)
PNG = FileKind("png", "image/png", ".png", True)
OFD = FileKind("ofd", "application/ofd", ".ofd", False)
KINDS = {kind.content_type: kind for kind in (PDF, JPEG, PNG, OFD)}

# A name with a path, a parent reference or control characters is refused outright.
UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f]|\.\.")


def refuse(message: str):
    raise ValidationError({"file": message})


def check(upload) -> FileKind:
    """The kind of ``upload`` (a Django File), or a ValidationError keyed ``file``."""
    name = upload.name or ""
    if not name or UNSAFE_NAME.search(name):
        refuse(_("文件名不合规（不能包含路径或特殊字符），请重命名后再上传。"))
    size = upload.size
    if not size:
        refuse(_("文件为空。"))
    if size > MAX_BYTES:
        refuse(_("文件不能超过 20 MB。"))
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04") and _is_ofd(upload):
        return OFD
    refuse(_("只能上传 PDF、JPG、PNG 或 OFD 文件（按文件内容判断，不按扩展名）。"))


def _is_ofd(upload) -> bool:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = {n.lower() for n in archive.namelist()}
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    return "ofd.xml" in names


def display_name(name: str) -> str:
    """The name shown and offered on download: the user's, cut to fit."""
    return name.strip()[-200:]


def store(upload, *, folder: str) -> tuple[FileKind, str, str]:
    """Check ``upload`` and save it through the storage API under a generated name in
    ``folder``: its kind, the stored name and its SHA-256. Nothing is saved when refused;
    a caller whose own write then fails deletes the stored name (:func:`discard`)."""
    import hashlib
    import uuid

    from django.core.files.storage import default_storage

    kind = check(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = default_storage.save(f"{folder}/{uuid.uuid4().hex}{kind.extension}", upload)
    return kind, name, digest.hexdigest()


def discard(*names: str) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)
