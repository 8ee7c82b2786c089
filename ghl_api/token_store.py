"""A file that keeps the current OAuth token pair, safe for several processes.

HighLevel refresh tokens are single-use: redeeming one invalidates it, so the new pair
must be on disk before it is used, or a crash loses the only valid token. Writes are
atomic (temp file, fsync, rename, fsync of the directory) and every read-redeem-write
cycle runs under an exclusive ``flock`` on a sidecar lock file, so two processes (a tap
and a target, or two scheduled runs) never redeem the same refresh token twice.

Two more guards keep the single-use token from being burned for nothing: ``check`` proves
at start-up, before any request, that the store can be read and its directory written
(a read-only directory used to be found only after HighLevel had spent the token), and
an intent (``pending_refresh``) is written before each redemption, so a run that died
between HighLevel spending a token and the new pair reaching the disk is recognised and
named instead of surfacing later as a bare ``invalid_grant``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ghl_api.errors import TokenStoreError

STORE_VERSION = 1

logger = logging.getLogger("ghl_api.token_store")


def fingerprint(secret: str) -> str:
    """A short, non-reversible tag of a secret, to compare tokens without storing copies."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


@dataclass
class TokenSet:
    """One OAuth token pair as HighLevel issued it."""

    refresh_token: str
    access_token: str | None = None
    expires_at: float | None = None  # epoch seconds
    refresh_after: float | None = None  # epoch seconds; a margin before expires_at
    scope: str | None = None
    location_id: str | None = None
    user_type: str | None = None
    #: Fingerprint of the configured refresh_token this chain started from. A config
    #: token with another fingerprint is a new authorization and replaces the chain.
    seeded_from: str | None = None
    #: Fingerprint of ``refresh_token`` while it is being redeemed, and when that began:
    #: written (durably) before the redemption, cleared by the write of the new pair.
    pending_refresh: str | None = None
    pending_since: float | None = None
    extra: dict = field(default_factory=dict)

    def interrupted(self) -> bool:
        """True when a redemption of this refresh token began and its result was not saved."""
        return self.pending_refresh is not None and self.pending_refresh == fingerprint(
            self.refresh_token
        )


class TokenStore:
    """The token file at ``path`` plus its lock file ``path + '.lock'``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the exclusive lock; blocks while another process refreshes."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise TokenStoreError(
                self.path, f"cannot have its lock file created ({exc.strerror})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._sweep_leftovers()
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _sweep_leftovers(self) -> None:
        """Delete temp files of writes a killed process left (they hold token copies).

        Only called under the lock, when no write of this store can be in progress.
        """
        for leftover in self.path.parent.glob(f".{self.path.name}.*"):
            with contextlib.suppress(OSError):
                leftover.unlink()

    def read(self) -> TokenSet | None:
        """Return the stored pair, None if there is no store yet; raise if it is corrupt."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TokenStoreError(self.path, f"cannot be read ({exc.strerror})") from None
        hint = (
            "fix or delete the file, then set `refresh_token` to a refresh token HighLevel "
            "has not redeemed yet (re-authorize the app if the last one was lost)"
        )
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise TokenStoreError(
                self.path, f"is corrupt (not JSON: {exc.msg} at line {exc.lineno}); " + hint
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("refresh_token"), str):
            raise TokenStoreError(self.path, "is corrupt (no `refresh_token` string); " + hint)
        known = {k: data.get(k) for k in TokenSet.__dataclass_fields__ if k != "extra"}
        return TokenSet(**known)

    def write(self, tokens: TokenSet) -> None:
        """Replace the store atomically, then make it durable before returning.

        The rename comes before the fsyncs on purpose: a process killed (kill -9, the OOM
        killer) between HighLevel spending a token and this rename loses the chain, and
        the fsyncs take milliseconds while the rename takes microseconds, so renaming first
        shrinks that window by an order of magnitude (measured, docs/reliability.md). The
        fsyncs of the same inode and of the directory follow at once, before the caller
        does anything else; on ext4 (``auto_da_alloc``) a replace-by-rename is flushed
        with its data, so a power cut in between leaves the old store or the new one.
        """
        payload = {"version": STORE_VERSION, **asdict(tokens)}
        payload.pop("extra", None)
        text = json.dumps(payload, indent=2).encode()
        directory = self.path.parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=directory)
            try:
                os.write(fd, text)
                os.replace(tmp, self.path)  # mkstemp made it 0600: private from the start
            except BaseException:
                os.close(fd)
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            raise TokenStoreError(
                self.path,
                f"cannot be written ({exc.strerror}); the rotated refresh token was NOT saved",
            ) from None

    def check(self) -> None:
        """Raise ``TokenStoreError`` unless the store can be read and written; no request yet.

        Run at start-up, because the first write happens only after HighLevel has spent
        the refresh token: a directory found read-only then has already cost the chain.
        The directory is probed by creating (and removing) a file, which also catches
        read-only mounts and ACLs that permission bits do not show. A store left by a run
        that died inside the refresh window is named here (a warning: the token may still
        be good if HighLevel never received the redemption).
        """
        if self.path.is_dir():
            raise TokenStoreError(self.path, "is a directory: set a file path")
        directory = self.path.parent
        while not directory.exists() and directory != directory.parent:
            directory = directory.parent
        fix = (
            "make it writable for the user running the connector, or point "
            "`token_store_path` at a writable directory (moving the store file with it); "
            "nothing was sent and the refresh token was not used"
        )
        try:
            fd, probe = tempfile.mkstemp(prefix=f".{self.path.name}-probe-", dir=directory)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise TokenStoreError(
                self.path, f"is in a directory that cannot be written ({exc.strerror}): {fix}"
            ) from None
        for existing in (self.path, self.lock_path):
            try:
                with open(existing, "r+b"):
                    pass
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise TokenStoreError(
                    self.path,
                    f"{'' if existing == self.path else 'has a lock file that '}cannot be read "
                    f"and written ({exc.strerror}): {fix}",
                ) from None
        if not self.path.exists():
            return
        with self.locked():  # consistent with a refresh in progress; sweeps leftovers
            stored = self.read()
        if stored is not None and stored.interrupted():
            logger.warning(
                "The last token refresh with the token store %s did not finish: a run stopped "
                "after starting to redeem its refresh token (at %s) and before saving the new "
                "pair. Trying that token again; if HighLevel had already used it, this run "
                "stops with invalid_grant and says how to recover.",
                self.path,
                _when(stored.pending_since),
            )


def _when(epoch_s: float | None) -> str:
    if epoch_s is None:
        return "an unknown time"
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_s))
