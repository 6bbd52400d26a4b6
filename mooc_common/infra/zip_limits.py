"""Checks of an uploaded zip archive (XLSX, DOCX, PPTX) made on its central directory,
before anything is decompressed: a few kilobytes can inflate to gigabytes (a zip bomb)."""
import io
import zipfile


class ArchiveRefused(ValueError):
    """The archive is unreadable or over one of the limits; str() says which, for a user."""


def check_zip(content, max_entries=1_000, max_total_bytes=100 * 1024 ** 2, max_ratio=100):
    """The archive's ZipFile if every declared size is within the limits.

    The declared sizes are what zipfile enforces while reading (it stops an entry that
    inflates past its declared size), so checking them bounds the work of any later parse.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ArchiveRefused("not a readable zip archive") from None
    if len(entries) > max_entries:
        raise ArchiveRefused(f"the archive holds more than {max_entries} files")
    total = 0
    for entry in entries:
        total += entry.file_size
        if total > max_total_bytes:
            raise ArchiveRefused(f"the archive inflates to more than {max_total_bytes // 1024 ** 2} MB")
        if entry.file_size > max(entry.compress_size, 1) * max_ratio and entry.file_size > 1024 ** 2:
            raise ArchiveRefused(f"a file of the archive is compressed more than {max_ratio} times")
    return archive
