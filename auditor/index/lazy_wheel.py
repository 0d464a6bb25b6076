"""Read one file out of a remote wheel with HTTP range requests.

Why: some indexes and mirrors do not serve PEP 658 ``.metadata`` files, and a wheel can
be hundreds of megabytes (torch, vllm). A zip keeps its directory at the end, so the
METADATA file is reachable in one to three small ranged reads, the way pip's and uv's
"lazy wheel" do it.

Why not ``zipfile``: it builds an object for every entry of the central directory, and
GPU wheels hold tens of thousands; we look up one name with a byte search instead.
"""

from __future__ import annotations

import struct
import zlib
from typing import TYPE_CHECKING, Any

from auditor.index.http_defaults import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from auditor.index.http import Getter

TAIL = 256 * 1024
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_CENTRAL = b"PK\x01\x02"


class _Remote:
    """Bytes of a remote file, fetched by range and remembered by span."""

    def __init__(self, session: Getter, url: str, size: int, **kw: Any) -> None:
        self.session = session
        self.url = url
        self.size = size
        self.kw = kw
        self.spans: list[tuple[int, bytes]] = []

    def read(self, start: int, length: int) -> bytes:
        end = start + length
        for begin, data in self.spans:
            if begin <= start and end <= begin + len(data):
                return data[start - begin : end - begin]
        resp = self.session.get(
            self.url,
            headers={"Range": f"bytes={start}-{end - 1}"},
            timeout=DEFAULT_TIMEOUT,
            **self.kw,
        )
        if resp.status_code != 206 or len(resp.content) != length:
            raise OSError(f"range request not honoured (HTTP {resp.status_code})")
        self.spans.append((start, resp.content))
        return resp.content


def read_wheel_member(session: Getter, url: str, suffix: str, **kw: Any) -> str | None:
    """The text of the top-level ``*.dist-info/<suffix>`` in a remote wheel, or None.

    The first request asks for the tail (a suffix range), which also tells the size.
    """
    resp = session.get(url, headers={"Range": f"bytes=-{TAIL}"}, timeout=DEFAULT_TIMEOUT, **kw)
    if resp.status_code == 200:
        size = len(resp.content)  # the server ignored the range: we have the whole wheel
    elif resp.status_code == 206:
        total = resp.headers.get("Content-Range", "").rpartition("/")[2]
        if not total.isdigit():
            return None
        size = int(total)
    else:
        return None
    remote = _Remote(session, resp.url, size, **kw)
    remote.spans.append((size - len(resp.content), resp.content))
    try:
        data = find_member(remote, suffix)
    except (OSError, struct.error, zlib.error, ValueError):
        return None
    return None if data is None else data.decode("utf-8", "replace")


def find_member(remote: _Remote, suffix: str) -> bytes | None:
    """Locate and inflate one member through the end-of-directory records."""
    _, tail = remote.spans[0]
    eocd = tail.rfind(_EOCD)
    if eocd < 0:
        raise ValueError("no end of central directory record")
    cd_size, cd_offset = struct.unpack_from("<II", tail, eocd + 12)
    if cd_offset == 0xFFFFFFFF or cd_size == 0xFFFFFFFF:
        loc = tail.rfind(_ZIP64_LOCATOR, 0, eocd)
        if loc < 0:
            raise ValueError("zip64 archive without a locator")
        (rec_offset,) = struct.unpack_from("<Q", tail, loc + 8)
        record = remote.read(rec_offset, 56)
        cd_size, cd_offset = struct.unpack_from("<QQ", record, 40)
    needle = b".dist-info/" + suffix.encode()
    # The directory's end is in the tail already, and a wheel's .dist-info entries come
    # last: look there first. torch's directory is megabytes; reading it whole cost a
    # request of 1-4 MB for each big wheel on the resolver's path.
    begin = remote.size - len(tail)
    held = tail[max(0, cd_offset - begin) : max(0, cd_offset + cd_size - begin)]
    found = _search(remote, held, needle) if held else None
    if found is not None or len(held) == cd_size:  # found, or the whole directory is held
        return found
    return _search(remote, remote.read(cd_offset, cd_size), needle)


def _search(remote: _Remote, directory: bytes, needle: bytes) -> bytes | None:
    """The member whose central entry in ``directory`` (all or the end of the central
    directory) names ``*.dist-info/<needle>`` at the top level, inflated; else None."""
    pos = directory.find(needle)
    while pos >= 0:
        end = pos + len(needle)
        # The entry's header is the nearest "PK\1\2" before the name whose recorded name
        # length ends exactly here; check a few in case the bytes occur inside a field.
        header = directory.rfind(_CENTRAL, 0, pos)
        for _ in range(4):
            if header < 0:
                break
            (name_len,) = struct.unpack_from("<H", directory, header + 28)
            name = directory[header + 46 : header + 46 + name_len]
            if header + 46 + name_len == end and name.count(b"/") == 1:
                return _inflate(remote, directory, header)
            header = directory.rfind(_CENTRAL, 0, header)
        pos = directory.find(needle, end)
    return None


def _inflate(remote: _Remote, directory: bytes, header: int) -> bytes:
    (method,) = struct.unpack_from("<H", directory, header + 10)
    (comp_size,) = struct.unpack_from("<I", directory, header + 20)
    name_len, extra_len = struct.unpack_from("<HH", directory, header + 28)
    (local_offset,) = struct.unpack_from("<I", directory, header + 42)
    if 0xFFFFFFFF in (comp_size, local_offset):
        comp_size, local_offset = _zip64_extra(
            directory[header + 46 + name_len : header + 46 + name_len + extra_len],
            comp_size,
            local_offset,
            directory,
            header,
        )
    # One read for the local header and the data behind it: the local name is the
    # central one and its extra field is rarely longer, so a little slack covers both
    # (a second request only when it does not).
    want = min(30 + name_len + extra_len + comp_size + 1024, remote.size - local_offset)
    block = remote.read(local_offset, want)
    if block[:4] != b"PK\x03\x04":
        raise ValueError("bad local header")
    lname, lextra = struct.unpack_from("<HH", block, 26)
    start = 30 + lname + lextra
    if start + comp_size <= len(block):
        payload = block[start : start + comp_size]
    else:
        payload = remote.read(local_offset + start, comp_size)
    if method == 0:
        return payload
    if method == 8:
        return zlib.decompress(payload, -15)
    raise ValueError(f"unsupported compression method {method}")


def _zip64_extra(
    extra: bytes, comp_size: int, offset: int, directory: bytes, header: int
) -> tuple[int, int]:
    (uncomp,) = struct.unpack_from("<I", directory, header + 24)
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 1:
            fields = extra[pos + 4 : pos + 4 + length]
            values = list(struct.unpack_from(f"<{len(fields) // 8}Q", fields))
            if uncomp == 0xFFFFFFFF:
                values.pop(0)
            if comp_size == 0xFFFFFFFF:
                comp_size = values.pop(0)
            if offset == 0xFFFFFFFF:
                offset = values.pop(0)
            break
        pos += 4 + length
    return comp_size, offset
