"""Finding METADATA in a wheel from its tail, the way the range reader does."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from auditor.index.lazy_wheel import TAIL, _Remote, find_member


def remote_over(data: bytes) -> _Remote:
    remote = _Remote(None, "", len(data))  # type: ignore[arg-type]
    remote.spans.append((max(0, len(data) - TAIL), data[-TAIL:]))
    reads: list[tuple[int, int]] = []

    def read(start: int, length: int) -> bytes:
        reads.append((start, length))
        return data[start : start + length]

    remote.read = read  # type: ignore[method-assign]
    remote.reads = reads  # type: ignore[attr-defined]
    return remote


def wheel(entries: int, *, zip64: bool = False) -> tuple[bytes, bytes]:
    metadata = b"Metadata-Version: 2.4\nName: big\nVersion: 1.0\nRequires-Dist: dep>=1\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for i in range(entries):
            # Names whose bytes could be mistaken for the start of the target name.
            archive.writestr(f"big/kernels/k{i:06d}.dist-info-like.so", b"x" * (i % 7))
        archive.writestr("big-1.0.dist-info/licenses/METADATA", b"not me")
        info = zipfile.ZipInfo("big-1.0.dist-info/METADATA")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=zip64) as handle:
            handle.write(metadata)
        archive.writestr("big-1.0.dist-info/RECORD", b"")
    return buf.getvalue(), metadata


@pytest.mark.parametrize(("entries", "zip64"), [(3, False), (20_000, False), (70_000, True)])
def test_finds_the_top_level_metadata(entries: int, zip64: bool) -> None:
    data, metadata = wheel(entries, zip64=zip64)
    assert find_member(remote_over(data), "METADATA") == metadata


def test_missing_member_is_none() -> None:
    data, _ = wheel(10)
    assert find_member(remote_over(data), "WHEEL") is None


def test_local_header_and_data_come_in_one_read() -> None:
    data, metadata = wheel(3000)
    remote = remote_over(data)
    assert find_member(remote, "METADATA") == metadata
    reads = remote.reads  # type: ignore[attr-defined]
    # the central directory is in the tail already: one read, the local header with
    # the data behind it
    assert len(reads) == 1


def stored_zip(name: bytes, body: bytes, local_extra: int) -> bytes:
    """A one-member zip whose local extra field is longer than the central one says."""
    crc = zlib.crc32(body)
    local = struct.pack(
        "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, len(body), len(body),
        len(name), local_extra,
    ) + name + b"\0" * local_extra + body  # fmt: skip
    central = struct.pack(
        "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, crc, len(body), len(body),
        len(name), 0, 0, 0, 0, 0, 0,
    ) + name  # fmt: skip
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local), 0)
    return local + central + eocd


def test_a_local_extra_field_longer_than_the_slack_takes_a_second_read() -> None:
    body = b"Metadata-Version: 2.1\nName: odd\n"
    data = stored_zip(b"odd-1.0.dist-info/METADATA", body, local_extra=5000)
    remote = remote_over(data)
    remote.spans.clear()
    remote.spans.append((len(data) - 200, data[-200:]))  # the directory only
    assert find_member(remote, "METADATA") == body
    assert len(remote.reads) == 2  # header block, then the data itself (directory: tail)


def test_a_directory_bigger_than_the_tail_is_not_read_when_its_end_has_the_entry() -> None:
    """torch's central directory is megabytes; the .dist-info entries come last, in
    the tail already read, so only the member itself is asked for."""
    data, metadata = wheel(20_000)
    remote = remote_over(data)
    directory_size = struct.unpack_from("<I", data, data.rfind(b"PK\x05\x06") + 12)[0]
    assert directory_size > TAIL  # the case: the directory does not fit the tail
    assert find_member(remote, "METADATA") == metadata
    reads = remote.reads  # type: ignore[attr-defined]
    assert len(reads) == 1 and reads[0][1] < 4096  # the member, not the directory


def test_an_entry_outside_the_tail_is_found_by_reading_the_directory() -> None:
    """A wheel written with its .dist-info first (no tool should, some did): the end of
    the directory lacks the entry, so the whole directory is read, as before."""
    metadata = b"Metadata-Version: 2.1\nName: early\nVersion: 1.0\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("early-1.0.dist-info/METADATA", metadata)
        for i in range(20_000):
            archive.writestr(f"early/data/f{i:06d}.txt", b"")
    data = buf.getvalue()
    remote = remote_over(data)
    assert find_member(remote, "METADATA") == metadata
    reads = remote.reads  # type: ignore[attr-defined]
    assert len(reads) == 2 and reads[0][1] > TAIL  # the directory, then the member
