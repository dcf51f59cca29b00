"""A bounded load test: gunicorn on 127.0.0.1, simulated committee, organiser and staff users (`make loadtest`).

    .venv/bin/python bench/loadtest.py [--users 50] [--duration 60] [--workers 4] [--scale medium]

Prepares a database at --scale with `generate_data` (SQLite: cached in /tmp/crm-load-<scale>.sqlite3;
PostgreSQL: the DATABASE_URL, created if missing), creates the load-test accounts, starts gunicorn
(gthread workers) on --port, and runs --users threads for --duration seconds. Each account signs in
once through the login form (CSRF token; stdlib urllib only) before the clock starts; every thread gets
its own cookie jar holding a copy of its account's session, and then acts as:

- committee: the dashboard tabs and the organisation, contact and pledge lists with random filters/pages;
- organiser: the quick log (GET /log/, POST with a unique "load-<run>-<n>" summary; every other one
  with a follow-up whose title carries the same marker);
- staff: a filtered CSV export of contacts, read to the end.

Afterwards every marker of a successful POST must be in the database (interactions and follow-ups):
anything missing is a lost write. Errors are non-2xx/3xx responses, quick-log forms sent back with
errors, and exceptions (timeouts, refused connections). Prints a summary, writes
bench/results/<db>/loadtest.json and refreshes bench/RESULTS.md. Exit status 1 if errors or lost writes.
"""

import argparse
import datetime as dt
import html
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine_description, machine_line, percentile, setup_django  # noqa: E402

PASSWORD = "load-test-password-1"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')
DASHBOARDS = ["/dashboard/", "/dashboard/in-kind/", "/dashboard/partners/", "/dashboard/activity/"]
ROLES = ["sponsor", "supplier", "training_provider", "public_body"]
STAGES = ["prospect", "approached", "in_discussion", "verbal", "confirmed", "invoiced", "paid"]
SEARCH = ["a", "e", "ltd", "group", "an", "in"]


# --------------------------------------------------------------------------- database preparation


def db_kind():
    url = os.environ.get("DATABASE_URL", "")
    return "postgres" if url.startswith(("postgres://", "postgresql://")) else "sqlite"


def ensure_pg_database(url):
    """with-postgres.sh names a database that does not exist yet: create it."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}")


def prepare_data(scale, seed):
    """Generate `scale` data unless the database already holds it (quick-logs only add interactions)."""
    from django.apps import apps
    from django.core.management import call_command

    from demodata.synthetic import sizes_for

    labels = {"organisations": "crm.Organisation", "contacts": "crm.Contact", "pledges": "sponsors.Pledge"}
    wanted = sizes_for(scale)
    have = {key: apps.get_model(label).objects.count() for key, label in labels.items()}
    if all(have[key] == wanted[key] for key in labels):
        print(f"Reusing {scale} data: {have}")
        return
    print(f"Generating {scale} data (have {have})…", flush=True)
    started = time.perf_counter()
    call_command("generate_data", scale=scale, seed=seed, clear=True, quiet_steps=True, verbosity=0)
    print(f"  generated in {time.perf_counter() - started:.1f} s")


def prepare_users(committee_accounts):
    """Load-test accounts with a known password: committee x N, one organiser, one staff member."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from crm.roles import COMMITTEE, ORGANISER, STAFF, sync_roles

    sync_roles()
    User = get_user_model()
    accounts = {"committee": [], "organiser": [], "staff": []}
    wanted = [(f"load-committee-{n}", COMMITTEE, "committee") for n in range(1, committee_accounts + 1)]
    wanted += [("load-organiser", ORGANISER, "organiser"), ("load-staff", STAFF, "staff")]
    for username, group, role in wanted:
        user, _ = User.objects.get_or_create(username=username, defaults={"first_name": "Load", "last_name": role})
        user.set_password(PASSWORD)
        user.is_active = True
        user.save()
        user.groups.set([Group.objects.get(name=group)])
        accounts[role].append((username, user.pk))
    return accounts


def sample_ids():
    from crm.models import Contact, Organisation

    contacts = list(Contact.objects.filter(organisation__isnull=False).order_by("?").values_list("pk", flat=True)[:500])
    organisations = list(Organisation.objects.order_by("?").values_list("pk", flat=True)[:200])
    return contacts, organisations


# --------------------------------------------------------------------------- gunicorn


def start_gunicorn(args, log_path):
    env = os.environ.copy()
    env.update(
        {"DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost", "HTTPS": "0", "PYTHONWARNINGS": "ignore::UserWarning"}
    )  # whitenoise: "No directory at staticfiles/"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [
        str(gunicorn),
        "crm.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--timeout",
        "120",
        "--graceful-timeout",
        "10",
        "--error-logfile",
        str(log_path),
        "--log-level",
        "warning",
    ]
    print(f"$ {' '.join(cmd)}", flush=True)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{args.port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as response:
                if response.status == 200:
                    return proc, base
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    stop_gunicorn(proc)
    raise SystemExit(f"gunicorn did not answer on {base} within 60 s; see {log_path}")


def stop_gunicorn(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --------------------------------------------------------------------------- simulated users


class KeepEveryResponse(urllib.request.HTTPErrorProcessor):
    """Hand back 3xx/4xx/5xx responses as they are: no redirects followed, no exceptions."""

    def http_response(self, request, response):
        return response

    https_response = http_response


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples = {}  # kind -> [ms]
        self.errors = []
        self.posted = []  # markers of quick-log POSTs that redirected (saved)
        self.followups = []  # markers of those that carried a follow-up
        self.timeline = []  # (started, ended, status or None, exception name): wall-clock seconds

    def add(self, kind, ms, error=None):
        with self.lock:
            self.samples.setdefault(kind, []).append(ms)
            if error:
                self.errors.append({"kind": kind, **error})


class SimUser(threading.Thread):
    def __init__(self, n, role, account, base, recorder, think, ids, rng_seed, cookies=None):
        super().__init__(name=f"{role}-{n}", daemon=True)
        self.role, self.username, self.user_pk = role, account[0], account[1]
        self.base, self.rec, self.think = base, recorder, think
        self.stop_at = None
        self.contacts, self.organisations = ids
        self.rng = random.Random(rng_seed)
        self.jar = CookieJar()
        for cookie in cookies or ():  # the signed-in session of this account, copied into this user's jar
            self.jar.set_cookie(cookie)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), KeepEveryResponse())
        self.n = n

    def request(self, kind, path, data=None):
        """One request; returns (status, body) or (None, b"") after an exception. Everything is recorded."""
        url = self.base + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, headers={"Referer": self.base + "/"})
        started = time.perf_counter()
        wall = time.time()
        try:
            with self.opener.open(req, timeout=120) as response:
                content = response.read()
                status = response.status
        except Exception as exc:  # timeouts, resets: every one is an error
            with self.rec.lock:
                self.rec.timeline.append((wall, time.time(), None, f"{kind}: {exc.__class__.__name__}"))
            self.rec.add(
                kind,
                (time.perf_counter() - started) * 1000,
                {"url": path, "status": None, "detail": f"{exc.__class__.__name__}: {exc}"},
            )
            return None, b""
        ms = (time.perf_counter() - started) * 1000
        with self.rec.lock:
            self.rec.timeline.append((wall, time.time(), status, ""))
        error = None
        if not 200 <= status < 400:
            error = {"url": path, "status": status, "detail": content[:300].decode("utf-8", "replace")}
        self.rec.add(kind, ms, error)
        return status, content

    def csrf(self, content):
        match = CSRF_RE.search(content.decode("utf-8", "replace"))
        return html.unescape(match.group(1)) if match else ""

    def login(self):
        status, content = self.request("login_get", "/accounts/login/")
        token = self.csrf(content)
        status, content = self.request(
            "login_post",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": self.username, "password": PASSWORD},
        )
        if status != 302:
            self.rec.add(
                "login_post",
                0,
                {
                    "url": "/accounts/login/",
                    "status": status,
                    "detail": "login did not redirect (wrong password or CSRF?)",
                },
            )
            return False
        return True

    def run(self):
        action = {"committee": self.browse, "organiser": self.quick_log, "staff": self.export}[self.role]
        time.sleep(self.rng.uniform(0, 2 * self.think))  # spread the first requests
        while time.time() < self.stop_at:
            action()
            time.sleep(self.rng.uniform(0, 2 * self.think))

    # committee ---------------------------------------------------------------------------------------
    def browse(self):
        rng = self.rng
        choice = rng.random()
        if choice < 0.4:
            self.request("dashboard", rng.choice(DASHBOARDS))
        elif choice < 0.6:
            params = rng.choice(
                [
                    {"page": rng.randint(1, 10)},
                    {"role": rng.choice(ROLES)},
                    {"q": rng.choice(SEARCH)},
                    {"role": rng.choice(ROLES), "sort": "name"},
                ]
            )
            self.request("list_organisations", "/organisations/?" + urllib.parse.urlencode(params))
        elif choice < 0.8:
            params = rng.choice(
                [
                    {"page": rng.randint(1, 10)},
                    {"q": rng.choice(SEARCH)},
                    {"role": rng.choice(ROLES)},
                    {"sort": "-organisation"},
                ]
            )
            self.request("list_contacts", "/contacts/?" + urllib.parse.urlencode(params))
        else:
            params = rng.choice([{"page": rng.randint(1, 5)}, {"stage": rng.choice(STAGES)}, {"q": rng.choice(SEARCH)}])
            self.request("list_pledges", "/pledges/?" + urllib.parse.urlencode(params))

    # organiser ---------------------------------------------------------------------------------------
    def quick_log(self):
        status, content = self.request("quicklog_get", "/log/")
        if status != 200:
            return
        marker = f"{self.rec.run_id}-{self.n}-{uuid.uuid4().hex[:12]}"
        now = dt.datetime.now().replace(second=0, microsecond=0)
        data = {
            "csrfmiddlewaretoken": self.csrf(content),
            "kind": self.rng.choice(["call", "email", "meeting", "note"]),
            "contact": self.rng.choice(self.contacts),
            "organisation": "",
            "summary": f"{marker} load-test call",
            "occurred_at": now.strftime("%Y-%m-%dT%H:%M"),
            "direction": "outbound",
            "outcome": "",
            "followup_assignee": self.user_pk,
        }
        with_followup = self.rng.random() < 0.5
        if with_followup:
            data["followup_due"] = (now.date() + dt.timedelta(days=self.rng.randint(1, 30))).isoformat()
            data["followup_title"] = f"{marker} follow up"
        status, content = self.request("quicklog_post", "/log/", data)
        if status == 302:
            with self.rec.lock:
                self.rec.posted.append(marker)
                if with_followup:
                    self.rec.followups.append(marker)
        elif status == 200:  # the form came back: a validation error is an error here
            errors = re.findall(r'class="invalid-feedback[^"]*"[^>]*>\s*([^<]+)', content.decode("utf-8", "replace"))
            self.rec.add(
                "quicklog_post_rejected",
                0,
                {"url": "/log/", "status": 200, "detail": "form rejected: " + "; ".join(errors[:3])},
            )

    # staff -------------------------------------------------------------------------------------------
    def export(self):
        params = self.rng.choice(
            [
                {"role": self.rng.choice(ROLES)},
                {"q": self.rng.choice(SEARCH)},
                {"role": self.rng.choice(ROLES), "q": self.rng.choice(SEARCH)},
            ]
        )
        self.request("export_csv", "/exports/contacts/?" + urllib.parse.urlencode({"format": "csv", **params}))
        if self.rng.random() < 0.5:
            self.request("list_contacts", "/contacts/?" + urllib.parse.urlencode(params))


def split_users(total, committee_share, organiser_share):
    organisers = max(1, round(total * organiser_share))
    committee = max(1, round(total * committee_share))
    staff = max(1, total - organisers - committee)
    committee = total - organisers - staff
    return committee, organisers, staff


# --------------------------------------------------------------------------- verification and report


def verify(recorder):
    """Every saved marker must be in the database: lost writes are markers that are not."""
    from django.db import connection

    from crm.models import FollowUp, Interaction

    connection.close()  # a fresh connection sees everything the workers committed
    prefix = recorder.run_id
    summaries = list(Interaction.objects.filter(summary__startswith=prefix).values_list("summary", flat=True))
    found = {s.split(" ", 1)[0] for s in summaries}
    found_followups = {
        t.split(" ", 1)[0] for t in FollowUp.objects.filter(title__startswith=prefix).values_list("title", flat=True)
    }
    lost = sorted(set(recorder.posted) - found)
    lost_followups = sorted(set(recorder.followups) - found_followups)
    return {
        "interactions_posted": len(recorder.posted),
        "interactions_found": len(found & set(recorder.posted)),
        "followups_posted": len(recorder.followups),
        "followups_found": len(found_followups & set(recorder.followups)),
        "lost_writes": len(lost) + len(lost_followups),
        "duplicated_writes": len(summaries) - len(found),
        "lost_markers": (lost + lost_followups)[:20],
    }


def scan_log(log_path):
    try:
        text = Path(log_path).read_text(errors="replace")
    except OSError:
        return {"database_is_locked": 0, "tracebacks": 0, "excerpt": ""}
    tracebacks = text.count("Traceback (most recent call last)")
    excerpt = ""
    if tracebacks:
        start = text.find("Traceback (most recent call last)")
        excerpt = text[start : start + 3000]
    return {"database_is_locked": text.count("database is locked"), "tracebacks": tracebacks, "excerpt": excerpt}


# --------------------------------------------------------------------------- faults (make faults)


def pg_ctl(*args):
    """pg_ctl on the throwaway server scripts/with-postgres.sh started (as postgres when root)."""
    command = [os.path.join(os.environ["PGBIN_TEST"], "pg_ctl"), "-D", os.environ["PGDATA_TEST"], *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def inject(args, gunicorn, marks, log_path):
    """The fault, at --fault-at seconds into the load: PostgreSQL stopped (immediate mode, as a
    crash) for --outage seconds then started; or gunicorn's master sent SIGTERM, then a new one."""
    time.sleep(args.fault_at)
    marks["injected"] = time.time()
    if args.fault == "postgres-outage":
        pg_ctl("stop", "-m", "immediate", "-w")
        time.sleep(args.outage)
        pg_ctl("start", "-w", "-l", os.environ["PGLOG_TEST"], "-o", os.environ["PGOPTIONS_TEST"])
    else:
        old = gunicorn[0]
        os.kill(old.pid, signal.SIGTERM)  # the master: workers finish what they are doing, then exit
        old.wait(timeout=60)
        marks["stopped"] = time.time()
        gunicorn[0], _ = start_gunicorn(args, log_path.with_suffix(".after.log"))
    marks["restored"] = time.time()


def fault_outcome(args, recorder, marks, check):
    """What the fault did to the requests and writes, and whether the CRM came through it."""
    injected, restored = marks["injected"], marks["restored"]
    ok = [(s, e, st) for s, e, st, _ in recorder.timeline if st is not None and st < 500]
    during = [t for t in recorder.timeline if t[0] < restored and t[1] > injected]
    after = [t for t in recorder.timeline if t[0] >= restored + args.recovery_limit]
    firsts = [e for s, e, st in ok if s >= restored]
    outcome = {
        "fault": args.fault,
        "requests": len(recorder.timeline),
        "during_fault": len(during),
        "served_503": sum(1 for t in during if t[2] == 503),
        "server_errors": sum(1 for t in recorder.timeline if t[2] is not None and t[2] >= 500 and t[2] != 503),
        "failed_after_recovery": sum(1 for t in after if t[2] is None or t[2] >= 500),
        "recovered_in_s": round(min(firsts) - restored, 2) if firsts else None,
        "lost_writes": check["lost_writes"],
        "duplicated_writes": check["duplicated_writes"],
    }
    if args.fault == "postgres-outage":
        outcome["outage_s"] = round(restored - injected, 1)
        # An export streams its rows: once its 200 has gone out, a database that stops can only cut it.
        exceptions = [t[3] for t in recorder.timeline if t[2] is None]
        outcome["exceptions"] = len(exceptions)
        outcome["exception_kinds"] = sorted(set(exceptions))
        outcome["streams_cut"] = sum(1 for e in exceptions if e.startswith("export_csv:"))
        passed = (
            outcome["server_errors"] == 0
            and outcome["exceptions"] == outcome["streams_cut"]
            and outcome["failed_after_recovery"] == 0
            and outcome["recovered_in_s"] is not None
            and outcome["recovered_in_s"] <= args.recovery_limit
        )
    else:
        in_flight = [t for t in recorder.timeline if t[0] < injected < t[1]]
        outcome["in_flight_at_sigterm"] = len(in_flight)
        outcome["in_flight_cut"] = sum(1 for t in in_flight if t[2] is None)
        outcome["refused_while_restarting"] = sum(
            1 for t in recorder.timeline if t[2] is None and marks["stopped"] - 1 <= t[0] <= restored
        )
        outcome["restart_gap_s"] = round(restored - marks["stopped"], 1)
        passed = (
            outcome["in_flight_cut"] == 0 and outcome["server_errors"] == 0 and outcome["failed_after_recovery"] == 0
        )
    outcome["passed"] = passed and not check["lost_writes"] and not check["duplicated_writes"]
    return outcome


def summarise(recorder, elapsed):
    kinds = {}
    for kind, values in sorted(recorder.samples.items()):
        if kind == "quicklog_post_rejected":
            continue
        kinds[kind] = {
            "count": len(values),
            "median_ms": round(percentile(values, 50), 1),
            "p95_ms": round(percentile(values, 95), 1),
            "max_ms": round(max(values), 1),
            "errors": sum(1 for e in recorder.errors if e["kind"] == kind),
        }
    total = sum(
        len(v) for k, v in recorder.samples.items() if k not in ("quicklog_post_rejected", "login_get", "login_post")
    )
    return total, kinds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--scale", default="medium", choices=["tiny", "small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a user's actions (s)")
    parser.add_argument("--committee-share", type=float, default=0.7)
    parser.add_argument("--organiser-share", type=float, default=0.2)
    parser.add_argument("--committee-accounts", type=int, default=5)
    parser.add_argument("--no-report", action="store_true", help="do not refresh bench/RESULTS.md")
    parser.add_argument(
        "--fault",
        choices=["postgres-outage", "sigterm"],
        help="inject a fault under the load (make faults): PostgreSQL stopped (needs scripts/with-postgres.sh), "
        "or gunicorn sent SIGTERM and started again; writes bench/results/<db>/loadtest-<fault>.json",
    )
    parser.add_argument("--fault-at", type=float, default=10, help="seconds into the load")
    parser.add_argument("--outage", type=float, default=10, help="seconds PostgreSQL stays stopped")
    parser.add_argument("--recovery-limit", type=float, default=5, help="seconds after the restart to succeed again")
    args = parser.parse_args(argv)

    kind = db_kind()
    if kind == "postgres":
        ensure_pg_database(os.environ["DATABASE_URL"])
        setup_django()
    else:
        db_path = Path(f"/tmp/crm-load-{args.scale}.sqlite3")
        setup_django(db_path)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"  # gunicorn inherits it
    prepare_data(args.scale, args.seed)
    accounts = prepare_users(args.committee_accounts)
    ids = sample_ids()
    from django.db import connection, connections

    db_label = connection.settings_dict["NAME"]
    machine = machine_description()
    connections.close_all()

    log_path = Path(f"/tmp/crm-loadtest-gunicorn-{kind}.log")
    log_path.unlink(missing_ok=True)
    proc, base = start_gunicorn(args, log_path)
    gunicorn, marks = [proc], {}
    recorder = Recorder()
    recorder.run_id = f"load-{uuid.uuid4().hex[:8]}"
    committee, organisers, staff = split_users(args.users, args.committee_share, args.organiser_share)
    print(
        f"{args.users} users ({committee} committee, {organisers} organiser, {staff} staff) for "
        f"{args.duration:.0f} s against {base} ({kind}: {db_label}); run {recorder.run_id}",
        flush=True,
    )
    try:
        # Each account signs in once through the login form (GET for the CSRF token, POST); its
        # simulated users share that session. Password hashing is deliberately slow (PBKDF2), so 50
        # logins at once would only measure the hasher: they happen before the clock starts.
        sessions = {}
        for role, role_accounts in accounts.items():
            for account in role_accounts:
                user = SimUser(0, role, account, base, recorder, args.think, ids, rng_seed=0)
                if not user.login():
                    raise SystemExit(f"could not sign in as {account[0]}: {recorder.errors[-1:]}")
                sessions[account[0]] = list(user.jar)
        print(f"Signed in {len(sessions)} accounts through the login form", flush=True)
        threads = []
        plan = [("committee", committee), ("organiser", organisers), ("staff", staff)]
        n = 0
        for role, count in plan:
            for i in range(count):
                n += 1
                account = accounts[role][i % len(accounts[role])]
                threads.append(
                    SimUser(
                        n,
                        role,
                        account,
                        base,
                        recorder,
                        args.think,
                        ids,
                        rng_seed=args.seed * 1000 + n,
                        cookies=sessions[account[0]],
                    )
                )
        started = time.time()
        stop_at = started + args.duration
        for thread in threads:
            thread.stop_at = stop_at
        for thread in threads:
            thread.start()
        fault = None
        if args.fault:
            fault = threading.Thread(target=inject, args=(args, gunicorn, marks, log_path), daemon=True)
            fault.start()
        for thread in threads:
            thread.join(timeout=max(1, stop_at - time.time()) + 180)
        if fault:
            fault.join(timeout=120)
        elapsed = time.time() - started
    finally:
        stop_gunicorn(gunicorn[0])

    total, kinds = summarise(recorder, elapsed)
    check = verify(recorder)
    log = scan_log(log_path)
    errors = len(recorder.errors)
    rps = total / elapsed if elapsed else 0
    result = {
        "db": kind,
        "database": db_label,
        "scale": args.scale,
        "users": args.users,
        "mix": {"committee": committee, "organiser": organisers, "staff": staff},
        "duration_s": args.duration,
        "elapsed_s": round(elapsed, 1),
        "workers": args.workers,
        "worker_class": args.worker_class,
        "threads": args.threads,
        "think_s": args.think,
        "requests": total,
        "rps": round(rps, 1),
        "kinds": kinds,
        "errors": errors,
        "error_samples": recorder.errors[:20],
        **check,
        "gunicorn_log": {**log, "path": str(log_path)},
        "run_id": recorder.run_id,
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": machine,
        "machine_line": machine_line(machine),
    }
    if args.fault:
        outcome = {**fault_outcome(args, recorder, marks, check), "users": args.users, "duration_s": args.duration}
        out = ROOT / "bench" / "results" / kind / f"loadtest-{args.fault}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(outcome, indent=2) + "\n")
        print(json.dumps(outcome, indent=2))
        return 0 if outcome["passed"] else 1
    out = ROOT / "bench" / "results" / kind / "loadtest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")

    print(f"\n{'kind':<20} {'requests':>8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'errors':>6}")
    for name, stats in kinds.items():
        print(
            f"{name:<20} {stats['count']:>8} {stats['median_ms']:>10} {stats['p95_ms']:>8} "
            f"{stats['max_ms']:>8} {stats['errors']:>6}"
        )
    print(f"\n{total} requests in {elapsed:.1f} s = {rps:.1f} requests/s; errors: {errors}")
    for error in recorder.errors[:5]:
        print(f"  error {error}")
    print(
        f"quick-log POSTs saved: {check['interactions_posted']} (in the database: {check['interactions_found']}); "
        f"follow-ups: {check['followups_posted']} (in the database: {check['followups_found']}); "
        f"lost writes: {check['lost_writes']}"
    )
    print(f"gunicorn log {log_path}: {log['tracebacks']} tracebacks, {log['database_is_locked']} 'database is locked'")
    if log["excerpt"]:
        print(log["excerpt"][:1500])
    print(f"{machine_line(machine)}\nWrote {out.relative_to(ROOT)}")
    if not args.no_report:
        from bench.run_all import write_results_md

        write_results_md()
    return 1 if errors or check["lost_writes"] or log["database_is_locked"] else 0


if __name__ == "__main__":
    sys.exit(main())
