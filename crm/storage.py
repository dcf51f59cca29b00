"""Where uploaded and received files are kept (MEDIA_ROOT)."""

import contextlib
import os

from django.core.files.storage import FileSystemStorage


class MediaStorage(FileSystemStorage):
    """Django's file storage, less the partial file a failed write leaves behind.

    When the disk fills up half-way through a file, FileSystemStorage raises and keeps what it
    wrote; the caller never learns the name, so nothing would ever delete it. A file is only
    ever on disk beside the row that points at it.
    """

    def _save(self, name, content):
        path = self.path(name)
        existed = os.path.exists(path)
        try:
            return super()._save(name, content)  # type: ignore[misc]  # private in the stubs, public in Django
        except OSError:
            if not existed:
                with contextlib.suppress(OSError):
                    os.remove(path)
            raise
