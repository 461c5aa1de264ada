"""Read replicas and a PgBouncer pooler, proven on this machine (issue 18).

    .venv/bin/python bench/replicas.py

Run as root on a machine whose PostgreSQL (Debian's cluster, trust authentication) listens on
127.0.0.1:5432, with Debian's pgbouncer installed. The script:

1. creates a scratch database, ss_replica_demo, on the primary, migrates it and loads the
   demo library (`load_demo --password demo`);
2. starts a streaming replica of the whole cluster on 127.0.0.1:5433 (pg_basebackup into a
   temporary directory; the primary's pg_hba.conf gets a `replication` line if it has none,
   said so on the way, and loses it again at the end) and waits until it has replayed the
   primary's current WAL;
3. starts PgBouncer on 127.0.0.1:6432 in transaction mode, in front of the primary;
4. serves the site with gunicorn on 127.0.0.1:8797: DATABASE_URL through PgBouncer with
   `?pool_mode=transaction` (the setting the README names for a pooler in transaction mode),
   DATABASE_REPLICA_URLS naming the replica, REPLICA_MAX_LAG_SECONDS=5 (see b and e), the
   page cache off so that every page reads the database;

and checks, each printed PASS or FAIL with its numbers (exit status 1 on any FAIL):

a. anonymous pages read the replica: over some 50 GETs, the replica's pg_stat_database row
   for ss_replica_demo grows and the primary's hardly does;
b. read-your-writes: with the replica's replay paused (so it lags for as long as the check
   takes), the demo member ada logs in through the login form and posts a comment through a
   summary's comment form, and her next GET of the summary's page shows the comment; an
   anonymous GET of the same page does not (it reads the lagging replica), and does within
   a few seconds of the replay resuming. The replay is paused right after a commit the
   replica has replayed, and the site measures lag from the last replayed commit: this part
   takes well under REPLICA_MAX_LAG_SECONDS, so the replica is still read from;
c. the pooler carried the site's traffic to the primary (PgBouncer's SHOW STATS grew) in
   transaction mode (SHOW CONFIG, SHOW POOLS);
d. /healthz?full=1 answers 200 and names the replica with its lag (a WARN, not a FAIL,
   while it does not);
e. the lag guard: with the replay paused for longer than REPLICA_MAX_LAG_SECONDS and a new
   comment posted meanwhile, anonymous GETs show it (they read the primary), the replica
   lacks it, and /healthz?full=1 says the replica is too far behind.

`--without-replicas` serves the site without DATABASE_REPLICA_URLS, a control in which
checks a and b (the anonymous read while paused) and e must fail.

Everything it started is stopped at the end, Ctrl-C included: gunicorn, PgBouncer, the
replica, the temporary directory, the scratch database and the pg_hba.conf line.

The replica is a copy of the whole cluster (pg_basebackup copies every database), so step 2
takes longer the larger the primary's other databases are.

PostgreSQL 15 counts a backend's reads in pg_stat_database when it flushes its statistics:
at a transaction's end if the last flush was over a second ago, else after 10 s idle. So each
reading of the counters waits STATS_SETTLE seconds after the traffic it measures.
"""

from __future__ import annotations

import argparse
import html.parser
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent

DB = "ss_replica_demo"
PRIMARY_PORT = 5432
REPLICA_PORT = 5433
BOUNCER_PORT = 6432
SITE_PORT = 8797
SITE = f"http://127.0.0.1:{SITE_PORT}"
PASSWORD = "demo"
MEMBER = "ada"
# The site's REPLICA_MAX_LAG_SECONDS here (default 1 s): check b's paused replay must stay
# within it for a second or two, deterministically, and check e goes past it.
LAG_GUARD = 5.0
# PostgreSQL 15's PGSTAT_IDLE_INTERVAL (10 s) and a margin: see the module docstring.
STATS_SETTLE = 11.0
# Settings a hot standby must have at least as high as its primary, or it will not start.
STANDBY_AT_LEAST = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
HBA_LINE = "host replication postgres 127.0.0.1/32 trust"
HBA_BLOCK = (
    f"\n# Added by bench/replicas.py while it runs; it removes these two lines.\n{HBA_LINE}\n"
)

PGBOUNCER_INI = """\
[databases]
{db} = host=127.0.0.1 port={primary_port} dbname={db}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir = {dir}
auth_type = trust
auth_file = {dir}/userlist.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 200
default_pool_size = 10
logfile = {dir}/pgbouncer.log
pidfile = {dir}/pgbouncer.pid
"""

REPLICA_CONF = """\
port = {port}
listen_addresses = '127.0.0.1'
unix_socket_directories = '{dir}'
hot_standby = on
shared_buffers = 32MB
logging_collector = off
{at_least}
"""

REPLICA_HBA = """\
local all all trust
host all all 127.0.0.1/32 trust
"""

STARTED = time.monotonic()
results: list[tuple[str, str, str]] = []


def say(text: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {text}", flush=True)


class step:
    """Print a step's name, then how long it took."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.start = time.monotonic()
        say(f"{self.name} ...")
        return self

    def __exit__(self, kind, value, tb):
        outcome = "done" if kind is None else f"failed ({kind.__name__})"
        say(f"  {outcome} in {time.monotonic() - self.start:.1f}s")
        return False


def record(outcome: str, name: str, detail: str) -> None:
    results.append((outcome, name, detail))
    print(f"  {outcome:4}  {name}: {detail}", flush=True)


# --- processes -------------------------------------------------------------------------


def as_postgres(cwd: Path) -> dict:
    """subprocess keyword arguments that run a child as the postgres OS user (PostgreSQL's
    programs and pgbouncer refuse to run as root)."""
    entry = pwd.getpwnam("postgres")
    return {
        "user": entry.pw_uid,
        "group": entry.pw_gid,
        "extra_groups": [],
        "cwd": cwd,
        "env": {**os.environ, "HOME": entry.pw_dir, "USER": "postgres", "LOGNAME": "postgres"},
    }


def run(command: list[str], **kwargs) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)} exited with {done.returncode}:\n{done.stdout}{done.stderr}"
        )
    return done.stdout


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def wait_for(what: str, test, timeout: float, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = test()
        except (OSError, psycopg.Error, requests.RequestException):
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what} after {timeout:.0f}s")
        time.sleep(every)


def stop_process(process: subprocess.Popen | None, *, group: bool = False) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        if group:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        if group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait()
    except ProcessLookupError:
        pass


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def report_log(path: Path) -> None:
    """Print a log's errors and warnings, if any (the logs go with the temporary directory)."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return
    bad = [
        line
        for line in lines
        if re.search(r"\b(ERROR|FATAL|PANIC|WARNING|Traceback)\b", line)
        # pg_ctl's fast stop, and PgBouncer's own shutdown notice, are not problems.
        and "terminating connection due to administrator command" not in line
    ]
    say(f"  {path.name}: {len(bad)} error/warning line(s) of {len(lines)}")
    for line in bad[:20]:
        print(f"    {line}", flush=True)


# --- PostgreSQL --------------------------------------------------------------------------


def connect(port: int, dbname: str = "postgres", **kwargs) -> psycopg.Connection:
    return psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", dbname=dbname, autocommit=True, **kwargs
    )


def one(port: int, sql: str, params=None, dbname: str = "postgres"):
    with connect(port, dbname) as conn:
        row = conn.execute(sql, params).fetchone()
    return None if row is None else (row[0] if len(row) == 1 else row)


def replication_allowed() -> bool:
    """Whether the primary lets postgres@127.0.0.1 open a physical replication connection."""
    try:
        psycopg.connect(
            host="127.0.0.1", port=PRIMARY_PORT, user="postgres", replication="true"
        ).close()
    except psycopg.OperationalError as e:
        if "pg_hba.conf" in str(e):
            return False
        raise
    return True


def allow_replication() -> None:
    """Make sure pg_basebackup may connect (restore_hba() undoes what this does)."""
    if replication_allowed():
        say("  the primary's pg_hba.conf allows replication connections from 127.0.0.1")
        return
    hba = Path(one(PRIMARY_PORT, "SHOW hba_file"))
    say(
        f"  {hba} has no line letting postgres@127.0.0.1 replicate; appending "
        f"'{HBA_LINE}' and reloading (removed at the end)"
    )
    with hba.open("a") as f:
        f.write(HBA_BLOCK)
    one(PRIMARY_PORT, "SELECT pg_reload_conf()")
    wait_for("the reloaded pg_hba.conf", replication_allowed, 10)


def restore_hba() -> None:
    """Remove the lines allow_replication() added, if it added them."""
    hba = Path(one(PRIMARY_PORT, "SHOW hba_file"))
    text = hba.read_text()
    if HBA_BLOCK in text:
        hba.write_text(text.replace(HBA_BLOCK, "", 1))
        one(PRIMARY_PORT, "SELECT pg_reload_conf()")
        say(f"  removed the replication line from {hba} and reloaded")


def pg_bin() -> Path:
    major = int(one(PRIMARY_PORT, "SHOW server_version_num")) // 10000
    return Path(f"/usr/lib/postgresql/{major}/bin")


def start_replica(tmp: Path, bindir: Path, data: Path) -> None:
    run(
        [
            str(bindir / "pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(PRIMARY_PORT), "-U", "postgres"),
            *("-D", str(data), "-R", "-X", "stream", "-c", "fast"),
        ],
        **as_postgres(tmp),
    )
    # Debian keeps postgresql.conf and pg_hba.conf in /etc: the copy has neither.
    with connect(PRIMARY_PORT) as conn:
        at_least = "\n".join(
            f"{name} = {conn.execute(f'SHOW {name}').fetchone()[0]}" for name in STANDBY_AT_LEAST
        )
    (data / "postgresql.conf").write_text(
        REPLICA_CONF.format(port=REPLICA_PORT, dir=tmp, at_least=at_least)
    )
    (data / "pg_hba.conf").write_text(REPLICA_HBA)
    (data / "pg_ident.conf").write_text("")
    uid = pwd.getpwnam("postgres").pw_uid
    for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
        os.chown(data / name, uid, -1)
        (data / name).chmod(0o600)
    run(
        [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "replica.log"), "-w", "start"],
        **as_postgres(tmp),
    )


def stop_replica(tmp: Path, bindir: Path, data: Path) -> None:
    if not (data / "postmaster.pid").exists():
        return
    subprocess.run(
        [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
        capture_output=True,
        check=False,
        **as_postgres(tmp),
    )


def replayed(lsn: str) -> bool:
    with connect(REPLICA_PORT) as conn:
        in_recovery, behind = conn.execute(
            "SELECT pg_is_in_recovery(), pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn())", [lsn]
        ).fetchone()
    return in_recovery and behind <= 0


def wait_replayed(timeout: float = 30) -> None:
    lsn = one(PRIMARY_PORT, "SELECT pg_current_wal_lsn()::text")
    wait_for(f"the replica to replay {lsn}", lambda: replayed(lsn), timeout)


def db_counters(port: int) -> dict[str, int]:
    """The database's row of pg_stat_database, read from a connection to another database
    so that the reading itself does not count."""
    with connect(port) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT xact_commit, tup_returned, tup_fetched FROM pg_stat_database"
            " WHERE datname = %s",
            [DB],
        ).fetchone()
    return {"xacts": row[0], "rows": row[1] + row[2]}


# --- PgBouncer ---------------------------------------------------------------------------


def start_pgbouncer(tmp: Path) -> subprocess.Popen:
    (tmp / "userlist.txt").write_text('"postgres" ""\n')
    # No ignore_startup_parameters: psycopg sends none that PgBouncer refuses (a JDBC
    # client would need extra_float_digits), and Django sets the time zone with SET, which
    # PgBouncer tracks per client.
    (tmp / "pgbouncer.ini").write_text(
        PGBOUNCER_INI.format(db=DB, primary_port=PRIMARY_PORT, port=BOUNCER_PORT, dir=tmp)
    )
    uid = pwd.getpwnam("postgres").pw_uid
    for name in ("userlist.txt", "pgbouncer.ini"):
        os.chown(tmp / name, uid, -1)
    return subprocess.Popen(
        ["/usr/sbin/pgbouncer", str(tmp / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        **as_postgres(tmp),
    )


def bouncer(command: str) -> list[dict[str, str]]:
    """A SHOW command on PgBouncer's admin console (which speaks the simple protocol only:
    hence the client-side cursor)."""
    with psycopg.connect(
        host="127.0.0.1",
        port=BOUNCER_PORT,
        user="postgres",
        dbname="pgbouncer",
        autocommit=True,
        cursor_factory=psycopg.ClientCursor,
    ) as conn:
        cursor = conn.execute(command)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, map(str, row), strict=True)) for row in cursor.fetchall()]


def bouncer_stats() -> dict[str, int]:
    for row in bouncer("SHOW STATS"):
        if row["database"] == DB:
            return {"xacts": int(row["total_xact_count"]), "queries": int(row["total_query_count"])}
    return {"xacts": 0, "queries": 0}


# --- the site ----------------------------------------------------------------------------


def site_env(tmp: Path, *, replicas: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SITE_ROOT": SITE,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp / "static"),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{BOUNCER_PORT}/{DB}?pool_mode=transaction",
        "DATABASE_REPLICA_URLS": f"postgres://postgres@127.0.0.1:{REPLICA_PORT}/{DB}",
        "CACHE_URL": "locmem://",
        "PAGE_CACHE_SECONDS": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "REPLICA_MAX_LAG_SECONDS": str(LAG_GUARD),
    }
    if not replicas:
        del env["DATABASE_REPLICA_URLS"]
    return env


def manage(*args: str, env: dict[str, str]) -> str:
    return run([sys.executable, "manage.py", *args], cwd=ROOT, env=env)


def start_site(tmp: Path, env: dict[str, str], workers: int) -> subprocess.Popen:
    log = (tmp / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "shortscience.wsgi",
            *("--bind", f"127.0.0.1:{SITE_PORT}", "--workers", str(workers)),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()  # the child has its own copy
    return process


def wait_started(name: str, process: subprocess.Popen, log: Path, ready, timeout: float):
    """Wait until `ready()`, or stop with the log's last lines if the process exits first."""

    def up() -> bool:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited ({process.returncode}):\n{tail(log)}")
        return ready()

    wait_for(name, up, timeout)


class Forms(html.parser.HTMLParser):
    """The forms of a page: each its action and its named inputs' values."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": {}})
        elif tag in ("input", "textarea") and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""


def forms_of(page: str) -> list[dict]:
    parser = Forms()
    parser.feed(page)
    return parser.forms


def form_with(page: str, field: str, action: str = "") -> dict:
    for form in forms_of(page):
        if field in form["fields"] and action in form["action"]:
            return form
    raise SystemExit(f"no form with a {field!r} field (action containing {action!r})")


def pages_to_read() -> tuple[list[str], str]:
    """Some pages an anonymous visitor reads (home, summaries, papers, searches), and one
    summary's page for the comment, from the API's summary feed."""
    feed = requests.get(f"{SITE}/api/v1/summaries", timeout=10)
    feed.raise_for_status()
    shown = [row["summary"] for row in feed.json()["data"] if row["summary"]]
    if not shown:
        raise SystemExit("the demo library has no public summary")
    summaries = [urlsplit(s["permalink"]).path for s in shown[:4]]
    papers = [urlsplit(s["paper"]["url"]).path for s in shown[:4]]
    searches = ["/search?q=attention", "/search?q=learning+neural"]
    return ["/", *summaries, *papers, *searches], summaries[0]


def log_in(session: requests.Session) -> None:
    url = f"{SITE}/accounts/login/"
    page = session.get(url, timeout=10)
    form = form_with(page.text, "login")
    fields = {**form["fields"], "login": MEMBER, "password": PASSWORD}
    fields.pop("remember", None)
    answer = session.post(
        urljoin(url, form["action"] or url),
        data=fields,
        headers={"Referer": url},
        allow_redirects=False,
        timeout=10,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise SystemExit(f"logging in as {MEMBER} failed: {answer.status_code}")


def post_comment(session: requests.Session, page_path: str, text: str) -> requests.Response:
    url = f"{SITE}{page_path}"
    page = session.get(url, timeout=10)
    page.raise_for_status()
    form = form_with(page.text, "body", "/comments")
    return session.post(
        urljoin(url, form["action"]),
        data={**form["fields"], "body": text},
        headers={"Referer": url},
        allow_redirects=False,
        timeout=10,
    )


# --- the checks --------------------------------------------------------------------------


def check_reads(pages: list[str], requests_wanted: int) -> None:
    anonymous = requests.Session()
    time.sleep(STATS_SETTLE)
    replica_before, primary_before = db_counters(REPLICA_PORT), db_counters(PRIMARY_PORT)
    sent = 0
    while sent < requests_wanted:
        for path in pages:
            answer = anonymous.get(f"{SITE}{path}", timeout=30)
            if answer.status_code != 200:
                raise SystemExit(f"GET {path}: {answer.status_code}")
            sent += 1
    time.sleep(STATS_SETTLE)
    replica_after, primary_after = db_counters(REPLICA_PORT), db_counters(PRIMARY_PORT)
    on = {k: replica_after[k] - replica_before[k] for k in replica_after}
    off = {k: primary_after[k] - primary_before[k] for k in primary_after}
    share = on["rows"] / max(on["rows"] + off["rows"], 1)
    # Every page reads the database (the page cache is off): at least one transaction each
    # on the replica, and most rows read there. The primary may still see a little (what
    # the router sends it on purpose); 90% leaves room for that and none for pages read
    # from the primary, which would move the share towards 0%.
    ok = on["xacts"] >= sent and share >= 0.9
    record(
        "PASS" if ok else "FAIL",
        "a. anonymous reads go to the replica",
        f"{sent} GETs of {len(pages)} pages; replica +{on['xacts']} transactions "
        f"+{on['rows']} rows, primary +{off['xacts']} transactions +{off['rows']} rows; "
        f"replica's share of rows read {share:.0%} (needs >= 90%, and >= {sent} transactions)",
    )


def commit_and_replay() -> float:
    """Commit a transaction on the primary and wait until the replica has replayed it. The
    site measures a replica's lag, once its replay is behind, from the last commit it
    replayed: this one, at the monotonic time returned."""
    one(PRIMARY_PORT, "SELECT pg_current_xact_id()")
    committed = time.monotonic()
    wait_replayed()
    return committed


@contextmanager
def replay_paused():
    one(REPLICA_PORT, "SELECT pg_wal_replay_pause()")
    try:
        wait_for(
            "the replica's replay to pause",
            lambda: one(REPLICA_PORT, "SELECT pg_get_wal_replay_pause_state()") == "paused",
            10,
        )
        yield
    finally:
        one(REPLICA_PORT, "SELECT pg_wal_replay_resume()")


def on_replica(word: str) -> int:
    """Comments containing `word` on the replica, asked directly."""
    return one(
        REPLICA_PORT, "SELECT count(*) FROM community_comment WHERE body LIKE %s", [f"%{word}%"], DB
    )


def bytes_behind() -> int:
    return one(
        PRIMARY_PORT,
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication",
    )


def new_word() -> str:
    return f"replicacheck{secrets.token_hex(5)}"


def post_word(member: requests.Session, page_path: str, text: str, word: str):
    """The member's comment carrying `word`, posted through the site's form (a redirect)."""
    posted = post_comment(member, page_path, f"{text}: {word}.")
    if posted.status_code != 302:
        raise SystemExit(f"posting the comment: {posted.status_code}\n{posted.text[:500]}")
    return posted


def check_read_your_writes(member: requests.Session, page_path: str) -> None:
    anonymous = requests.Session()
    word = new_word()
    committed = commit_and_replay()
    with replay_paused():
        posted = post_word(member, page_path, "Checking the replicas", word)
        thread = urljoin(f"{SITE}{page_path}", posted.headers["Location"]).split("#")[0]
        start = time.monotonic()
        own = member.get(thread, timeout=10)
        own_ms = (time.monotonic() - start) * 1000
        theirs = anonymous.get(thread, timeout=10)
        lagging = time.monotonic() - committed
        behind, missing = bytes_behind(), on_replica(word) == 0
        record(
            "PASS" if own.status_code == 200 and word in own.text else "FAIL",
            "b. a member reads her own write at once",
            f"{MEMBER}'s GET {urlsplit(thread).path} {own_ms:.0f} ms after the post "
            f"({own.status_code}) {'shows' if word in own.text else 'does NOT show'} her "
            f"comment; the replica's replay paused, {behind} bytes behind, "
            f"{'without' if missing else 'WITH'} the comment",
        )
        # Within the site's lag guard the lagging replica is still read from; past it, the
        # primary is (check e): this converse holds only while the guard is not reached.
        within = lagging < LAG_GUARD
        record(
            "PASS" if theirs.status_code == 200 and word not in theirs.text and within else "FAIL",
            "b. an anonymous read meanwhile comes from the lagging replica",
            f"anonymous GET ({theirs.status_code}) "
            + (
                "shows the comment: not read from the replica"
                if word in theirs.text
                else "does not show the comment"
            )
            + f", {lagging:.1f}s after the replica's last replayed commit"
            + ("" if within else f" (over the {LAG_GUARD:.0f}s guard: inconclusive)"),
        )
    resumed = time.monotonic()
    try:
        wait_for(
            "the comment on the replica",
            lambda: on_replica(word) and word in anonymous.get(thread, timeout=10).text,
            10,
            every=0.1,
        )
        seen = f"shows the comment {time.monotonic() - resumed:.1f}s after the replay resumed"
        ok = True
    except SystemExit:
        seen, ok = "does not show the comment 10s after the replay resumed", False
    record("PASS" if ok else "FAIL", "b. the replica catches up", f"anonymous GET {seen}")


def check_lag_guard(member: requests.Session, page_path: str) -> None:
    """A replica further behind than REPLICA_MAX_LAG_SECONDS is not read from."""
    anonymous = requests.Session()
    word = new_word()
    committed = commit_and_replay()
    with replay_paused():
        post_word(member, page_path, "Checking the lag guard", word)
        # Past the guard, and past the second for which each process trusts its last look.
        time.sleep(max(0.0, committed + LAG_GUARD + 1.5 - time.monotonic()))
        lagging = time.monotonic() - committed
        # Each worker process decides for itself: ask often enough to reach both.
        shown = [word in anonymous.get(f"{SITE}{page_path}", timeout=10).text for _ in range(6)]
        missing = on_replica(word) == 0
        health = requests.get(f"{SITE}/healthz?full=1", timeout=30)
        replicas = health.json().get("checks", {}).get("replicas", {})
        record(
            # The site must know its replica is behind, too: without a replica configured
            # the GETs would show the comment all the same.
            "PASS" if all(shown) and missing and replicas.get("ok") is False else "FAIL",
            "e. a replica past the lag guard is not read from",
            f"replay paused {lagging:.1f}s after the last replayed commit (guard "
            f"{LAG_GUARD:.0f}s): {sum(shown)} of {len(shown)} anonymous GETs show the new "
            f"comment, which the replica {'lacks' if missing else 'HAS'}; /healthz?full=1 "
            f"{health.status_code}, replicas: {replicas or 'not reported'}",
        )


def check_pooler(before: dict[str, int]) -> None:
    after = bouncer_stats()
    config = {row["key"]: row["value"] for row in bouncer("SHOW CONFIG")}
    pools = [row for row in bouncer("SHOW POOLS") if row["database"] == DB]
    modes = {row.get("pool_mode", config.get("pool_mode")) for row in pools}
    grown = {k: after[k] - before[k] for k in after}
    ok = grown["xacts"] > 0 and grown["queries"] > 0 and modes == {"transaction"}
    record(
        "PASS" if ok else "FAIL",
        "c. the site's primary traffic goes through PgBouncer in transaction mode",
        f"SHOW STATS for {DB}: +{grown['xacts']} transactions, +{grown['queries']} queries; "
        f"pool_mode {config.get('pool_mode')} (config), {', '.join(sorted(modes)) or 'no pool'} "
        f"(pools)",
    )


def check_health() -> None:
    answer = requests.get(f"{SITE}/healthz?full=1", timeout=30)
    try:
        body = answer.json()
    except ValueError:
        body = answer.text
    print(json.dumps(body, indent=2), flush=True)
    record(
        "PASS" if answer.status_code == 200 else "FAIL",
        "d. /healthz?full=1",
        f"{answer.status_code}",
    )
    # The replica by its alias (replica1) and its lag, under whichever check names it.
    parts = body.get("checks", {}) if isinstance(body, dict) else {}
    named = {
        name: part
        for name, part in parts.items()
        if "replica" in name.lower() and "lag" in json.dumps(part).lower()
    }
    record(
        "PASS" if named else "WARN",
        "d. /healthz?full=1 reports the replica and its lag",
        json.dumps(named) if named else "no check names a replica with its lag (yet)",
    )


# --- main --------------------------------------------------------------------------------


def interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="anonymous GETs for check a")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--without-replicas",
        action="store_true",
        help="serve the site without DATABASE_REPLICA_URLS, to see checks a and b fail",
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: PostgreSQL's programs are run as the postgres user")
    for port in (REPLICA_PORT, BOUNCER_PORT, SITE_PORT):
        if not port_free(port):
            raise SystemExit(f"127.0.0.1:{port} is in use (a run that did not end?)")

    # Teardown runs on Ctrl-C and on SIGTERM (SIGINT too when started in the background,
    # where the shell has it ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupt)
    tmp = Path(tempfile.mkdtemp(prefix="ss-replicas-"))
    os.chown(tmp, pwd.getpwnam("postgres").pw_uid, -1)
    pgbouncer = site = None
    replica_data = tmp / "replica"
    created = False
    bindir = pg_bin()
    try:
        with step(f"1. database {DB} on the primary: migrate, load_demo"):
            created = True  # dropped at the end, even if what follows fails
            with connect(PRIMARY_PORT) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {DB}")
            direct = {
                **os.environ,
                "DEBUG": "1",
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PRIMARY_PORT}/{DB}",
            }
            manage("migrate", "--verbosity", "0", env=direct)
            manage("load_demo", "--password", PASSWORD, env=direct)
            # Settled statistics and visibility maps: no autovacuum in the measurement.
            with connect(PRIMARY_PORT, DB) as conn:
                conn.execute("VACUUM ANALYZE")

        with step(f"2. streaming replica on 127.0.0.1:{REPLICA_PORT}"):
            allow_replication()
            start_replica(tmp, bindir, replica_data)
            wait_replayed()
            say(
                f"  in recovery: {one(REPLICA_PORT, 'SELECT pg_is_in_recovery()')}, "
                f"streaming: {one(PRIMARY_PORT, 'SELECT count(*) FROM pg_stat_replication')} "
                f"sender(s) on the primary"
            )

        with step(f"3. PgBouncer on 127.0.0.1:{BOUNCER_PORT}, transaction mode"):
            pgbouncer = start_pgbouncer(tmp)
            wait_started(
                "pgbouncer",
                pgbouncer,
                tmp / "pgbouncer.log",
                lambda: not port_free(BOUNCER_PORT),
                10,
            )
            say(f"  {run(['/usr/sbin/pgbouncer', '--version']).splitlines()[0]}")
            stats_before = bouncer_stats()

        env = site_env(tmp, replicas=not args.without_replicas)
        with step(f"4. the site under gunicorn ({args.workers} workers) on {SITE}"):
            manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
            site = start_site(tmp, env, args.workers)
            wait_started(
                "gunicorn",
                site,
                tmp / "gunicorn.log",
                lambda: requests.get(f"{SITE}/healthz", timeout=2).status_code == 200,
                30,
            )
            for name in ("DATABASE_URL", "DATABASE_REPLICA_URLS", "REPLICA_MAX_LAG_SECONDS"):
                say(f"  {name}={env.get(name, '(not set)')}")
            pages, comment_page = pages_to_read()
            for path in pages:  # each page once, to warm the workers
                requests.get(f"{SITE}{path}", timeout=30).raise_for_status()

        with step("5a. anonymous reads"):
            check_reads(pages, args.requests)
        with step(f"5b. read-your-writes (logged in as {MEMBER})"):
            member = requests.Session()
            log_in(member)
            check_read_your_writes(member, comment_page)
        with step("5c. the pooler"):
            check_pooler(stats_before)
        with step("5d. health"):
            wait_replayed()
            check_health()
        with step(f"5e. the lag guard (REPLICA_MAX_LAG_SECONDS={LAG_GUARD:g})"):
            check_lag_guard(member, comment_page)
    except KeyboardInterrupt:
        say("interrupted")
        record("FAIL", "run", "interrupted")
    except SystemExit as e:
        say(f"stopped: {e}")
        record("FAIL", "run", str(e).splitlines()[0] if str(e) else "stopped")
        if site is not None:
            print(tail(tmp / "gunicorn.log"), flush=True)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        with step("6. teardown"):
            stop_process(site, group=True)
            stop_process(pgbouncer)
            for log in ("gunicorn.log", "pgbouncer.log", "replica.log"):
                report_log(tmp / log)
            stop_replica(tmp, bindir, replica_data)
            if created:
                with connect(PRIMARY_PORT) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
            restore_hba()
            shutil.rmtree(tmp, ignore_errors=True)
    failed = [r for r in results if r[0] == "FAIL"]
    say(
        f"{len(results) - len(failed)} of {len(results)} checks passed or warned"
        + (f"; FAILED: {', '.join(r[1] for r in failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
