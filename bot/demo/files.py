"""The demo's folder: the database, what a Telegram user would have received, and the log.

``FOLDER/demo.db`` (unless ``--db`` names another), ``FOLDER/archivos/`` for every photo and
document the bot sends, ``FOLDER/demo.log`` for every log line (never the terminal: the
terminal is the chat). A file is never overwritten: a document keeps the name the bot gave it
(``resumen_ssme_2026.pdf``), a photo gets one that says what it is (``resultado_cafe_huila_1.jpg``
for the manager's result, ``radar_…`` for the analyst's view of a cluster), and a name taken
already, by this run or an earlier one, gets the next number.
"""

from __future__ import annotations

import logging
import shutil
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.logs import RedactingFormatter

FILES = "archivos"
LOG = "demo.log"
DATABASE = "demo.db"


class Received:
    """Saves what the bot sends, under names that say what it is and never overwrite."""

    def __init__(self, folder: Path, clusters: Iterable[tuple[str, str]]) -> None:
        self.folder = folder
        # (name, id), longest name first: a caption naming a cluster names it whole.
        self.clusters = sorted(clusters, key=lambda c: -len(c[0]))

    def photo(self, data: bytes, caption: str, kind: str) -> Path:
        """A photo: ``{kind}_{cluster id}_{n}.jpg`` (the cluster the caption names)."""
        cluster = next((cid for name, cid in self.clusters if name in caption), None)
        suffix = ".jpg" if data.startswith(b"\xff\xd8") else ".png"
        stem = f"{kind}_{cluster}" if cluster else kind
        return self._create(data, (f"{stem}_{n}{suffix}" for n in _counting()))

    def document(self, data: bytes, filename: str | None) -> Path:
        """A document under the bot's own name, numbered from ``_2`` if taken."""
        name = Path(filename or "documento").name  # never a path of the bot's choosing
        stem, suffix = Path(name).stem, Path(name).suffix
        names = (name if n == 1 else f"{stem}_{n}{suffix}" for n in _counting())
        return self._create(data, names)

    def _create(self, data: bytes, names: Iterator[str]) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            path = self.folder / name
            try:
                with path.open("xb") as out:  # exclusive: never over an earlier file
                    out.write(data)
            except FileExistsError:
                continue
            return path
        raise AssertionError("unreachable")  # _counting never ends


def _counting() -> Iterator[int]:
    n = 1
    while True:
        yield n
        n += 1


def is_demo(folder: Path, db: Path) -> bool:
    """Whether ``db`` is a demo's to delete: none there yet, or one beside the demo's log
    (``--reset`` never deletes a database the demo did not make, e.g. ``--db data/ssme.db``)."""
    return not db.exists() or (db.parent == folder and (folder / LOG).exists())


def reset(folder: Path, db: Path) -> bool:
    """Remove what an earlier demo left (its database, files, log); False if none was there.
    Only for a folder :func:`is_demo` accepts."""
    found = False
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        if path.exists():
            path.unlink()
            found = True
    for path in (folder / LOG, folder / FILES):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        found = True
    return found


@contextmanager
def logging_to(path: Path) -> Iterator[None]:
    """Every log record (and Python warning) to ``path``, none to the terminal, for the
    demo's duration; the previous handlers are put back afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    quiet = [logging.getLogger(n) for n in ("httpx", "httpcore", "aiosqlite", "tornado.access")]
    levels = [q.level for q in quiet]
    for logger in quiet:
        logger.setLevel(logging.WARNING)
    logging.captureWarnings(True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            yield
    finally:
        logging.captureWarnings(False)
        for logger, old in zip(quiet, levels, strict=True):
            logger.setLevel(old)
        root.handlers[:] = saved
        root.setLevel(level)
        handler.close()
