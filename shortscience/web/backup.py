"""A consistent copy of the live site, and its restore (`manage.py backup`, `manage.py restore`).

A backup is a folder DIR/shortscience-YYYYMMDD-HHMMSS/ (UTC): the database
(`database.sqlite3`, or `database.pgdump` in pg_dump's custom format), the uploaded media
under `media/`, and `manifest.json`: the database vendor, the latest applied migration per
app, every table's rows and every file's size and sha256.

It is written under a hidden name (`.shortscience-....partial`) and renamed when complete,
everything fsynced first: an interrupted backup never looks like one. The database is read
from one snapshot while the site keeps writing, and the media after it: a row of the
snapshot names a file that existed then, and uploads are never rewritten (their names are
their checksums), so only an image deleted in between can be missing.

A restore checks every checksum and the vendor before it changes anything, and refuses a
database that holds rows unless told to replace it. Then it starts the log of content
changes under a new epoch (`refresh_pages`): the restored database numbers its changes
again from the copy's point, and pages cached before the restore must not be served.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TextIO

from django.core.files.storage import FileSystemStorage, storages
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from shortscience.lib.progress import Progress
from shortscience.web import changes

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILE = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA = "media"
# SQLite pages copied per step of the online backup: 4 MB at the default page size, a
# progress line per step.
PAGES_PER_STEP = 1000
_CHUNK = 1 << 20
_TABLES_SQL = {
    "sqlite": (
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND substr(name, 1, 7) != 'sqlite_' ORDER BY name"
    ),
    "postgresql": (
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    ),
}


class BackupError(Exception):
    """Bad input or a failed step; the message says which, for the command to show."""


@dataclass
class Restored:
    tables: int
    rows: int
    media: str
    pending_migrations: int


def create(directory: Path, *, out: TextIO | None = None) -> Path:
    """Back up the site into a new folder of `directory` and return its path."""
    vendor = _vendor()
    started = datetime.now(UTC).replace(microsecond=0)
    name = started.strftime("shortscience-%Y%m%d-%H%M%S")
    final, partial = directory / name, directory / f".{name}.partial"
    directory.mkdir(parents=True, exist_ok=True)
    if final.exists():
        raise BackupError(f"{final} exists already: one backup per second at most.")
    partial.mkdir()
    try:
        database = partial / DATABASE_FILE[vendor]
        if vendor == "sqlite":
            tables, migrations = _dump_sqlite(database, out)
        else:
            tables, migrations = _dump_postgresql(database, out)
        files = {database.name: _describe(database)}
        media, copied = _copy_media_out(partial / MEDIA, out)
        files.update(copied)
        manifest = {
            "format": FORMAT,
            "created_at": started.isoformat(),
            "vendor": vendor,
            "database": database.name,
            "migrations": migrations,
            "media": media,
            "tables": tables,
            "files": files,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _fsync_tree(partial)
        os.rename(partial, final)
        _fsync(directory)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def restore(path: Path, *, force: bool = False, out: TextIO | None = None) -> Restored:
    """Restore the backup in `path` (its folder, or a file in it) into the configured
    database and media storage."""
    if not path.exists():
        raise BackupError(f"{path} does not exist.")
    folder = path if path.is_dir() else path.parent
    manifest = _read_manifest(folder)
    _verify(folder, manifest, out)
    vendor = _vendor()
    if manifest["vendor"] != vendor:
        raise BackupError(
            f"This backup is of a {manifest['vendor']} database and the site is configured "
            f"for {vendor}: restore it into a {manifest['vendor']} database (DATABASE_URL)."
        )
    occupied = _tables_with_rows()
    if occupied and not force:
        raise BackupError(
            f"The database is not empty ({len(occupied)} tables hold rows, e.g. "
            f"{', '.join(occupied[:3])}; `migrate` writes rows too). Restore into an empty "
            "database, or pass --force to replace what it holds."
        )
    database = folder / manifest["database"]
    # No session of ours in the way: no read transaction on SQLite, and on PostgreSQL no
    # statement prepared against tables that --force drops and makes again.
    connection.close()
    if vendor == "sqlite":
        _restore_sqlite(database, out)
    else:
        _restore_postgresql(database)
    # Counted before the new epoch, which may add the clock's row to a copy without one.
    with connection.cursor() as cursor:
        found = _read_state(cursor, vendor)[0]
    # At once, before anything else can fail: the restored log numbers its changes again
    # from the copy's point, and pages cached before the restore must not pass as fresh.
    changes.new_log()
    try:
        media = _copy_media_in(folder, manifest, out)
    except OSError as e:
        raise BackupError(
            f"The database was restored, but copying the media failed ({e}): copy "
            f"{folder / MEDIA} into the media storage by hand, or restore again."
        ) from e
    expected = manifest["tables"]
    wrong = {t: (n, found.get(t)) for t, n in expected.items() if found.get(t) != n}
    if wrong:
        listed = "; ".join(f"{t}: {n} in the backup, {m} now" for t, (n, m) in wrong.items())
        raise BackupError(f"The restored database differs from the backup: {listed}")
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return Restored(len(expected), sum(expected.values()), media, len(pending))


def _vendor() -> str:
    vendor = connection.vendor
    if vendor not in DATABASE_FILE:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    if vendor == "sqlite" and connection.is_in_memory_db():
        raise BackupError("The database is in memory: there is no file to back up or restore.")
    return vendor


def _read_state(cursor, vendor: str) -> tuple[dict[str, int], dict[str, str]]:
    """Every table's rows and the latest applied migration per app, as `cursor` sees them."""
    cursor.execute(_TABLES_SQL[vendor])
    tables = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        tables[table] = cursor.fetchone()[0]
    migrations: dict[str, str] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        migrations = dict(cursor.fetchall())  # applied last wins
    return tables, migrations


def _tables_with_rows() -> list[str]:
    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute(_TABLES_SQL[vendor])
        names = [name for (name,) in cursor.fetchall()]
        found = []
        for name in names:
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(name)} LIMIT 1")
            if cursor.fetchone():
                found.append(name)
    return found


# SQLite ---------------------------------------------------------------------------------


def _dump_sqlite(target: Path, out: TextIO | None) -> tuple[dict, dict]:
    source = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, timeout=20)
    copy = sqlite3.connect(target)
    try:
        # The copy is taken in steps, from one read transaction held open across them: in
        # WAL mode it sees one snapshot and blocks no writer. Without it the backup API
        # restarts whenever another process writes between steps, and a busy site could
        # keep it from ever finishing. The cost: the WAL cannot be checkpointed past the
        # snapshot until the copy ends.
        source.execute("BEGIN")
        source.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        source.backup(copy, pages=PAGES_PER_STEP, progress=_pages_progress(out))
        source.execute("COMMIT")
        # One self-contained file: the copy's header says WAL, like the site's, which would
        # make whoever opens it write -wal and -shm files beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        # The manifest describes the copy itself, not the live database that moved on.
        return _read_state(copy.cursor(), "sqlite")
    finally:
        copy.close()
        source.close()


def _restore_sqlite(copy: Path, out: TextIO | None) -> None:
    source = sqlite3.connect(copy.resolve().as_uri() + "?mode=ro", uri=True)
    # The backup API replaces the whole target, under its locks: app servers that still
    # have it open wait (timeout) rather than read a half-written file.
    target = sqlite3.connect(connection.settings_dict["NAME"], timeout=20)
    try:
        source.backup(target, pages=PAGES_PER_STEP, progress=_pages_progress(out))
    finally:
        target.close()
        source.close()


def _pages_progress(out: TextIO | None):
    progress = Progress(None, "database pages ", out=out)

    def step(status: int, remaining: int, total: int) -> None:
        progress.total = total
        progress.advance(total - remaining - progress.count)
        if not remaining:
            progress.finish()

    return step


# PostgreSQL -----------------------------------------------------------------------------


def _dump_postgresql(target: Path, out: TextIO | None) -> tuple[dict, dict]:
    # pg_dump reads the snapshot this transaction exports: the rows counted here are the
    # rows dumped, however the site writes meanwhile.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        state = _read_state(cursor, "postgresql")
        _run(
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot}",
            f"--file={target}",
            watch=target,
            out=out,
        )
    return state


def _restore_postgresql(dump: Path) -> None:
    # --clean drops what the dump holds before creating it again (--force on a site with
    # data); in one transaction, so that a failure (a table of newer code referring to one
    # of the dump's) leaves the database as it was.
    _run(
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        f"--dbname={connection.settings_dict['NAME']}",
        str(dump),
    )


def _pg_environment() -> dict[str, str]:
    """The connection's parameters as libpq's variables: the password never appears on a
    command line, where any user of the machine could read it."""
    db = connection.settings_dict
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        if db.get("OPTIONS", {}).get(option):
            env[f"PG{option.upper()}"] = str(db["OPTIONS"][option])
    return env


def _run(tool: str, *args: str, watch: Path | None = None, out: TextIO | None = None) -> None:
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"{tool} is not installed: it comes with PostgreSQL's client tools.")
    progress = Progress(None, "database bytes ", out=out) if watch else None
    with tempfile.TemporaryFile(mode="w+") as errors:
        # Arguments are ours, no shell: S603 is about untrusted input.
        process = subprocess.Popen(  # noqa: S603
            [executable, *args], env=_pg_environment(), stdout=subprocess.DEVNULL, stderr=errors
        )
        while True:
            try:
                code = process.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if progress and watch and watch.exists():
                    progress.advance(watch.stat().st_size - progress.count)
        if progress:
            progress.finish()
        if code:
            errors.seek(0)
            raise BackupError(f"{tool} failed (exit status {code}):\n{errors.read()[-4000:]}")


# Media and files ------------------------------------------------------------------------


def _media_storage() -> FileSystemStorage | None:
    storage = storages["default"]
    return storage if isinstance(storage, FileSystemStorage) else None


def _copy_media_out(target: Path, out: TextIO | None) -> tuple[str, dict[str, dict]]:
    storage = _media_storage()
    if storage is None:
        kind = type(storages["default"]).__name__
        return f"skipped: the media storage is {kind}, back it up with its own tools", {}
    root = Path(storage.location)
    paths = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
    progress = Progress(len(paths), "media files ", out=out)
    files = {}
    for path in paths:
        relative = path.relative_to(root).as_posix()
        files[f"{MEDIA}/{relative}"] = _copy(path, target / relative)
        progress.advance()
    progress.finish()
    return "copied", files


def _copy_media_in(folder: Path, manifest: dict, out: TextIO | None) -> str:
    names = [name for name in manifest["files"] if name.startswith(f"{MEDIA}/")]
    if not names:
        return manifest["media"]
    storage = _media_storage()
    if storage is None:
        return f"not copied: the media storage is not the file system, copy {folder / MEDIA}"
    root = Path(storage.location)
    progress = Progress(len(names), "media files ", out=out)
    inside = root.resolve()
    for name in names:
        target = root / name.removeprefix(f"{MEDIA}/")
        if not target.resolve().is_relative_to(inside):  # _verify refused these already
            raise BackupError(f"{name} would be written outside {root}")
        _copy(folder / name, target)
        progress.advance()
    progress.finish()
    return f"copied into {root}"


def _read_manifest(folder: Path) -> dict:
    if folder.name.endswith(".partial"):
        raise BackupError(f"{folder} is an interrupted backup: take another.")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder} holds no {MANIFEST}: not a backup.") from None
    except (OSError, ValueError) as e:
        raise BackupError(f"{folder / MANIFEST} cannot be read: {e}") from None
    keys = ("vendor", "database", "media", "tables", "files")
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not all(key in manifest for key in keys)
    ):
        raise BackupError(f"{folder / MANIFEST} is not a backup manifest of format {FORMAT}.")
    return manifest


def _verify(folder: Path, manifest: dict, out: TextIO | None) -> None:
    """Every file the manifest lists, with its size and checksum, inside the folder."""
    inside = folder.resolve()
    progress = Progress(len(manifest["files"]), "checksums ", out=out)
    wrong = []
    for name, expected in manifest["files"].items():
        path = (folder / name).resolve()
        # A name climbing out (`media/../x`), or one whose rest is absolute (`media//etc/x`,
        # which `root / rest` would take as it is), could make the media's copy write
        # outside MEDIA_ROOT: only plain relative names, in normal form, inside the folder.
        if (
            ".." in PurePosixPath(name).parts
            or PurePosixPath(name).as_posix() != name
            or PurePosixPath(name).is_absolute()
            or not path.is_relative_to(inside)
        ):
            wrong.append(f"{name} is not a file of the backup")
        elif not path.is_file():
            wrong.append(f"{name} is missing")
        elif _describe(path) != expected:
            wrong.append(f"{name} does not match its checksum")
        progress.advance()
    progress.finish()
    if manifest.get("database") not in manifest["files"]:
        wrong.append("the manifest lists no database file")
    if wrong:
        raise BackupError(
            f"The backup in {folder} is damaged, nothing was restored: " + "; ".join(wrong[:5])
        )


def _copy(source: Path, target: Path) -> dict:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def _describe(path: Path) -> dict:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Every file and folder under `root` on disk, before the rename makes it a backup."""
    for folder, _, names in os.walk(root):
        for name in names:
            _fsync(Path(folder, name))
        _fsync(Path(folder))
