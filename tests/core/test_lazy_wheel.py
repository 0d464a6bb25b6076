"""Finding METADATA in a wheel from its tail, the way the range reader does."""

from __future__ import annotations

import io
import zipfile

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
