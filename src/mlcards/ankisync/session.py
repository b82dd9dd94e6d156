"""The server session: where the server is, who logs in, and the host key it hands back.

The password is sent to the server once, to get a host key, and never written anywhere. The host
key (which, like a session cookie, lets a client sync without the password) is kept in
`hostkey.json` in the endpoint folder, mode 0600, with the server and user it belongs to: a
changed server or user in the settings means logging in again.
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from mlcards.ankisync.faults import SyncFailed
from mlcards.config import SyncSettings

if TYPE_CHECKING:
    from anki.collection import Collection as AnkiCollection
    from anki.sync import SyncAuth

HOST_KEY_NAME = "hostkey.json"
_HOW_TO_SET = (
    'set it in config.toml under [sync] (url = "http://host:8080/", user = "..."), '
    "or in MLCARDS_SYNC_URL / MLCARDS_SYNC_USER / MLCARDS_SYNC_PASSWORD"
)


@dataclass(frozen=True)
class Target:
    url: str  # with a trailing slash, as Anki's backend joins paths onto it
    user: str
    password: str | None


def sync_target(settings: SyncSettings) -> Target:
    """The server and user from the settings, checked."""
    if not settings.url:
        raise SyncFailed(f"no sync server is set; {_HOW_TO_SET}")
    parts = urlsplit(settings.url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SyncFailed(f"the sync server address '{settings.url}' is not an http:// or https:// URL; {_HOW_TO_SET}")
    if not settings.user:
        raise SyncFailed(f"no sync user is set; {_HOW_TO_SET}")
    url = settings.url if settings.url.endswith("/") else settings.url + "/"
    return Target(url, settings.user, settings.password)


def stored_host_key(folder: Path, target: Target) -> str | None:
    """The host key saved for this server and user, if any."""
    try:
        saved = json.loads((folder / HOST_KEY_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or saved.get("url") != target.url or saved.get("user") != target.user:
        return None
    host_key = saved.get("hkey")
    return host_key if isinstance(host_key, str) and host_key else None


def save_host_key(folder: Path, target: Target, host_key: str) -> None:
    """Written to a new file created with mode 0600 and renamed into place: never readable by others,
    never half-written."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{HOST_KEY_NAME}.", dir=folder)  # mkstemp creates 0600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump({"url": target.url, "user": target.user, "hkey": host_key}, out)
        os.replace(temporary, folder / HOST_KEY_NAME)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def forget_host_key(folder: Path) -> None:
    (folder / HOST_KEY_NAME).unlink(missing_ok=True)


def login(collection: AnkiCollection, folder: Path, target: Target) -> SyncAuth:
    """A host key from the server in exchange for the password (which is not kept)."""
    if not target.password:
        raise SyncFailed(
            f"mlcards has no host key for {target.user} at {target.url} yet, so it needs the password once: "
            "set MLCARDS_SYNC_PASSWORD (or [sync] password in config.toml) and run mlcards sync again"
        )
    auth = collection.sync_login(target.user, target.password, target.url)
    save_host_key(folder, target, auth.hkey)
    return auth


def authenticate(collection: AnkiCollection, folder: Path, target: Target) -> tuple[SyncAuth, bool]:
    """The saved host key, else a login; and whether it came from the file (and may be stale)."""
    from anki.sync import SyncAuth

    host_key = stored_host_key(folder, target)
    if host_key is not None:
        return SyncAuth(hkey=host_key, endpoint=target.url), True
    return login(collection, folder, target), False


def server_answers(target: Target, timeout_seconds: float) -> bool:
    """Whether anything answers HTTP at the server's address now. After a sync broke off, this tells a
    connection cut (the server answers) from a server that stopped or cannot be reached."""
    try:
        urllib.request.urlopen(target.url, timeout=timeout_seconds).close()
    except urllib.error.HTTPError:
        return True  # an HTTP status is an answer (Anki's server has no page at its root)
    except (OSError, ValueError):
        return False
    return True
