"""Read one file out of a remote wheel with HTTP range requests.

Why: some indexes and mirrors do not serve PEP 658 ``.metadata`` files, and a wheel can
be hundreds of megabytes (torch, vllm). A zip keeps its directory at the end, so the
METADATA file is reachable in two or three small ranged reads, the way pip's and uv's
"lazy wheel" do it.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import requests

from auditor.http import DEFAULT_TIMEOUT

TAIL = 128 * 1024


class RangeFile(io.RawIOBase):
    """A seekable, read-only view of a remote file, fetched in ranges and kept in blocks."""

    def __init__(self, session: requests.Session, url: str, size: int, **kw: Any) -> None:
        self.session = session
        self.url = url
        self.size = size
        self.kw = kw
        self.pos = 0
        self.chunks: dict[int, bytes] = {}
        self.requests = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def read(self, size: int = -1) -> bytes:
        end = self.size if size < 0 else min(self.size, self.pos + size)
        if self.pos >= end:
            return b""
        data = self._span(self.pos, end)
        self.pos = end
        return data

    def _span(self, start: int, end: int) -> bytes:
        for cstart, chunk in self.chunks.items():
            if cstart <= start and end <= cstart + len(chunk):
                return chunk[start - cstart : end - cstart]
        data = self._fetch(start, max(end, min(self.size, start + 64 * 1024)))
        self.chunks[start] = data
        return data[: end - start]

    def _fetch(self, start: int, end: int) -> bytes:
        self.requests += 1
        resp = self.session.get(
            self.url,
            headers={"Range": f"bytes={start}-{end - 1}"},
            timeout=DEFAULT_TIMEOUT,
            **self.kw,
        )
        if resp.status_code != 206:
            raise OSError(f"range request not honoured (HTTP {resp.status_code})")
        return resp.content


def read_wheel_member(session: requests.Session, url: str, suffix: str, **kw: Any) -> str | None:
    """The text of the first top-level ``*.dist-info/<suffix>`` in a remote wheel.

    The first request asks for the tail (a suffix range), which also tells the size, so
    a small wheel costs one request and a large one two or three.
    """
    resp = session.get(url, headers={"Range": f"bytes=-{TAIL}"}, timeout=DEFAULT_TIMEOUT, **kw)
    if resp.status_code == 200:
        data = resp.content  # the server ignored the range: we have the whole wheel
        size = len(data)
        tail_start = 0
    elif resp.status_code == 206:
        total = resp.headers.get("Content-Range", "").rpartition("/")[2]
        if not total.isdigit():
            return None
        size = int(total)
        data = resp.content
        tail_start = size - len(data)
    else:
        return None
    remote = RangeFile(session, resp.url, size, **kw)
    remote.chunks[tail_start] = data
    try:
        with zipfile.ZipFile(remote) as archive:
            for entry in archive.namelist():
                if entry.endswith(f".dist-info/{suffix}") and entry.count("/") == 1:
                    return archive.read(entry).decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return None
