"""``make bench``: seed a database, serve it with gunicorn, drive each page with wrk.

For each size in ``BENCH_SIZES`` (default ``small large``):

1. make a new database at ``DATABASE_URL`` (default
   ``postgres://root@127.0.0.1:5432/tomato_bench``; it is dropped first, so its name
   must contain "bench"), migrate it and seed it (``manage.py bench_seed``), which also
   empties the cache at ``REDIS_URL`` (default ``redis://127.0.0.1:6379/7``);
2. count each page's queries in process (``bench.inprocess``);
3. serve the site (``bench.settings``: production settings, the beacon's per-client
   rate limit raised) and the reference page (``bench.reference``) with gunicorn, one
   worker per core, and drive them in turn with wrk, one thread and two connections per
   worker: reference, page, reference, page, ..., reference, each run ``BENCH_WARMUP``
   seconds (default 2) unmeasured, then ``BENCH_SECONDS`` (default 10) measured, while
   the workers' resident memory is sampled from /proc.

Then it prints one table (each page's throughput as a share of the reference runs just
before and after it, the goals met or missed) and writes it to ``bench/results.json``.
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import fmean
from types import TracebackType
from typing import IO, Self

from bench.inprocess import cookie_for, load_state
from bench.pages import PAGES, REFERENCE, Page, State
from bench.report import Row, WrkResult, check_goals, parse_wrk, ratio, render
from tomato.config import parse_database_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
WRK_SCRIPT = ROOT / "bench" / "wrk_report.lua"
DEFAULT_DATABASE_URL = "postgres://root@127.0.0.1:5432/tomato_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
SIZES = ("small", "large")
READY_TIMEOUT = 60.0
SAMPLE_INTERVAL = 0.2
MIB = 1024 * 1024


@dataclass(frozen=True)
class Config:
    database_url: str
    redis_url: str
    sizes: tuple[str, ...]
    seconds: int
    warmup: int
    workers: int
    connections: int
    secret_key: str


def positive(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1, not {raw!r}.")
    return int(raw)


def read_config(env: Mapping[str, str], *, cores: int) -> Config:
    """The run's settings from the environment (empty values take the defaults)."""
    words = env.get("BENCH_SIZES", "").replace(",", " ").split() or list(SIZES)
    unknown = sorted(set(words) - set(SIZES))
    if unknown:
        raise SystemExit(f"BENCH_SIZES takes {' and '.join(SIZES)}, not {', '.join(unknown)}.")
    workers = positive(env, "BENCH_WORKERS", cores)
    return Config(
        database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
        redis_url=env.get("REDIS_URL", "").strip() or DEFAULT_REDIS_URL,
        # Small first: the large size's latencies are compared with the small size's.
        sizes=tuple(size for size in SIZES if size in words),
        seconds=positive(env, "BENCH_SECONDS", 10),
        warmup=positive(env, "BENCH_WARMUP", 2),
        workers=workers,
        connections=positive(env, "BENCH_CONNECTIONS", 2 * workers),
        secret_key=env.get("SECRET_KEY", "").strip() or secrets.token_urlsafe(64),
    )


# --- The database --------------------------------------------------------------------


def recreate_database(url: str) -> str:
    """Drop and create the bench's database; its vendor ("postgresql" or "sqlite")."""
    config = parse_database_url(url, base_dir=ROOT)
    name = str(config["NAME"])
    if "bench" not in Path(name).name:
        raise SystemExit(
            f"make bench drops and re-creates its database, and {name!r} does not look like "
            "one made for it: give DATABASE_URL a database whose name contains 'bench'."
        )
    if config["ENGINE"].endswith("sqlite3"):
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
        return "sqlite"
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_conninfo(url), autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return "postgresql"


def maintenance_conninfo(url: str) -> str:
    """A connection string for the server's ``postgres`` database."""
    from psycopg.conninfo import make_conninfo

    config = parse_database_url(url, base_dir=ROOT)
    params = {
        "dbname": "postgres",
        "host": config.get("HOST", ""),
        "port": config.get("PORT", ""),
        "user": config.get("USER", ""),
        "password": config.get("PASSWORD", ""),
    }
    return make_conninfo(**{key: value for key, value in params.items() if value})


def postgresql_version(url: str) -> str:
    import psycopg

    with psycopg.connect(maintenance_conninfo(url)) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else ""


# --- Processes -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def manage(env: Mapping[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def status_of(port: int, path: str, cookie: str = "") -> int:
    """The status of one GET (no redirect followed); 0 when nothing answers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        return connection.getresponse().status
    except OSError:
        return 0
    finally:
        connection.close()


def children_of(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (gunicorn's workers, for its master)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # "pid (name) state ppid ...": the name may hold spaces, so split after it.
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 1 and int(fields[1]) == parent:
            found.append(int(entry))
    return found


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Server:
    """gunicorn with the project's gunicorn.conf.py, in a process group of its own."""

    def __init__(
        self,
        *,
        name: str,
        wsgi: str,
        env: Mapping[str, str],
        workers: int,
        log: Path,
        ready_path: str,
    ) -> None:
        self.name, self.wsgi, self.env, self.workers = name, wsgi, env, workers
        self.log, self.ready_path = log, ready_path
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_file: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self.log_file = self.log.open("ab")
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            self.wsgi,
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=dict(self.env),
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + READY_TIMEOUT
        while status_of(self.port, self.ready_path) != http.client.OK:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"The {self.name} server did not start: see {self.log}.")
            time.sleep(0.2)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.log_file is not None:
            self.log_file.close()

    def workers_rss(self) -> int:
        """The largest resident memory of one worker now, in bytes."""
        if self.process is None:
            return 0
        return max((rss_bytes(pid) for pid in children_of(self.process.pid)), default=0)


class PeakRss(threading.Thread):
    """Samples the server's workers while a run lasts; ``peak`` is the most one held."""

    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.peak = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.peak = max(self.peak, self.server.workers_rss())
            self.stopping.wait(SAMPLE_INTERVAL)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.join()


@dataclass(frozen=True)
class Run:
    """One page driven by wrk: its numbers, and the peak worker memory meanwhile."""

    path: str
    result: WrkResult
    peak_rss_mib: float


def wrk(url: str, cookie: str, *, seconds: int, connections: int) -> WrkResult:
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_SCRIPT),
        "-H",
        f"Cookie: {cookie}",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


def drive(server: Server, page: Page, state: State, config: Config) -> Run:
    cookie = cookie_for(page, state)
    status = status_of(server.port, page.path, cookie)
    if status != page.status:
        raise SystemExit(
            f"{server.name} {page.path} answers {status}, not {page.status.value}: "
            "the bench would measure the wrong page."
        )
    with PeakRss(server) as memory:
        wrk(server.url + page.path, cookie, seconds=config.warmup, connections=config.connections)
        result = wrk(
            server.url + page.path, cookie, seconds=config.seconds, connections=config.connections
        )
    print(
        f"  {server.name:9} {page.path:32} {result.rps:8.0f} req/s  p50 {result.p50_ms:6.1f} ms"
        f"  p99 {result.p99_ms:6.1f} ms" + (f"  {result.errors} errors" if result.errors else ""),
        flush=True,
    )
    return Run(page.path, result, memory.peak / MIB)


def inprocess_queries(env: Mapping[str, str], state_file: Path, *extra: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.inprocess", "queries", str(state_file), *extra],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    found: dict[str, object] = json.loads(done.stdout)
    return found


def rows_of(
    size: str,
    reference_runs: Sequence[Run],
    page_runs: Sequence[Run],
    site_queries: Mapping[str, int],
    reference_queries: Mapping[str, int],
) -> list[Row]:
    """The table's rows for one size: the reference's average, then each page."""
    rows = [
        Row(
            size=size,
            page="reference (bare Django)",
            kind="reference",
            rps=fmean(run.result.rps for run in reference_runs),
            ratio=1.0,
            p50_ms=fmean(run.result.p50_ms for run in reference_runs),
            p99_ms=fmean(run.result.p99_ms for run in reference_runs),
            queries=reference_queries.get(REFERENCE.path),
            peak_rss_mib=max(run.peak_rss_mib for run in reference_runs),
            errors=sum(run.result.errors for run in reference_runs),
        )
    ]
    for index, (page, run) in enumerate(zip(PAGES, page_runs, strict=True)):
        around = [reference_runs[index].result.rps, reference_runs[index + 1].result.rps]
        rows.append(
            Row(
                size=size,
                page=page.path,
                kind=page.kind,
                rps=run.result.rps,
                ratio=ratio(run.result.rps, around),
                p50_ms=run.result.p50_ms,
                p99_ms=run.result.p99_ms,
                queries=site_queries.get(page.path),
                peak_rss_mib=run.peak_rss_mib,
                errors=run.result.errors,
            )
        )
    return rows


def machine(config: Config, vendor: str) -> dict[str, object]:
    meminfo = Path("/proc/meminfo").read_text().split()
    cpu = next(
        (
            line.partition(":")[2].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    import django

    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gib": round(int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": vendor,
        "postgresql": postgresql_version(config.database_url) if vendor == "postgresql" else "",
    }


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing wrk (Debian's package)", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
        return
    raise SystemExit("make bench needs wrk: apt-get install wrk (as root).")


def main() -> None:
    config = read_config(os.environ, cores=len(os.sched_getaffinity(0)))
    ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="tomato-bench-"))
    print(f"Logs and session state in {workdir}", flush=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": config.secret_key,
        "DATABASE_URL": config.database_url,
        "REDIS_URL": config.redis_url,
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "SITE_URL": "http://localhost",
        "SECURE_SSL_REDIRECT": "0",
    }
    reference_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.reference.settings"}
    rows: list[Row] = []
    runs: dict[str, dict[str, object]] = {}
    raised: object = {}
    vendor = ""
    load: dict[str, list[float]] = {}
    for number, size in enumerate(config.sizes):
        print(f"\n== {size} ==", flush=True)
        vendor = recreate_database(config.database_url)
        manage(env, "migrate", "--no-input", "-v", "0")
        if number == 0:
            manage(env, "collectstatic", "--no-input", "-v", "0")
        state_file = workdir / f"{size}.json"
        manage(env, "bench_seed", "--size", size, "--state-file", str(state_file),
               "--i-know-this-writes")  # fmt: skip
        state = load_state(state_file)
        site_counts = inprocess_queries(env, state_file)
        reference_counts = inprocess_queries(reference_env, state_file, "--reference")
        raised = site_counts["raised_rate_limits"]
        load[size] = list(os.getloadavg())
        site = Server(
            name="site",
            wsgi="tomato.wsgi",
            env=env,
            workers=config.workers,
            log=workdir / f"site-{size}.log",
            ready_path="/healthz",
        )
        reference = Server(
            name="reference",
            wsgi="bench.reference.wsgi",
            env=reference_env,
            workers=config.workers,
            log=workdir / f"reference-{size}.log",
            ready_path=REFERENCE.path,
        )
        with site, reference:
            reference_runs = [drive(reference, REFERENCE, state, config)]
            page_runs = []
            for page in PAGES:
                page_runs.append(drive(site, page, state, config))
                reference_runs.append(drive(reference, REFERENCE, state, config))
        rows += rows_of(
            size,
            reference_runs,
            page_runs,
            _counts(site_counts["queries"]),
            _counts(reference_counts["queries"]),
        )
        runs[size] = {
            "reference": [asdict(run) for run in reference_runs],
            "pages": [asdict(run) for run in page_runs],
            "load_average_before": load[size],
        }
    check_goals(rows)
    results = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(config, vendor),
        "settings": {
            "sizes": list(config.sizes),
            "seconds": config.seconds,
            "warmup_seconds": config.warmup,
            "gunicorn_workers": config.workers,
            "wrk": {"threads": 1, "connections": config.connections},
        },
        "raised_rate_limits": raised,
        "rows": [asdict(row) for row in rows],
        "runs": runs,
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n{render(results)}\nWritten to {RESULTS.relative_to(ROOT)}.")


def _counts(found: object) -> dict[str, int]:
    return (
        {str(path): int(count) for path, count in dict(found).items()}
        if isinstance(found, dict)
        else {}
    )


if __name__ == "__main__":
    main()
