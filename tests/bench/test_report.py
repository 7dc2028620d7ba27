"""The benchmark's pure helpers: wrk's output read, the goals checked, the table drawn."""

from http import HTTPStatus

import pytest

from bench.pages import PAGES, Page, State, cookie_header, reference_cookies, site_cookies
from bench.report import Row, WrkOutputError, check_goals, parse_wrk, ratio, render, table
from bench.run import read_config

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:45329/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    19.52ms    9.90ms 122.80ms   80.12%
    Req/Sec   171.02     20.11   210.00     71.00%
  1702 requests in 10.01s, 21.33MB read
Requests/sec:    170.05
Transfer/sec:      2.13MB
WRK_JSON {"requests": 1702, "duration_us": 10010000, "p50_us": 19500, "p90_us": 30100, \
"p99_us": 122800, "max_us": 130000, "errors": {"connect": 0, "read": 0, "write": 0, \
"status": 2, "timeout": 1}}
"""

STATE: State = {
    "size": {},
    "sessions": {"member": "m-key", "guardian": "g-key", "staff": "s-key"},
    "cookies": {
        "session": "__Host-sessionid",
        "csrf": "__Host-csrftoken",
        "consent": "cookie_consent",
        "visitor": "tomato_vid",
    },
    "values": {"consent": '"id=abc|analytics=2026"', "visitor": "f" * 32, "csrf": "c" * 32},
    "probes": {},
}


def test_wrk_output_gives_throughput_percentiles_and_errors():
    result = parse_wrk(WRK_OUTPUT)

    assert result.requests == 1702
    assert result.rps == pytest.approx(170.03, abs=0.01)
    assert result.p50_ms == pytest.approx(19.5)
    assert result.p99_ms == pytest.approx(122.8)
    assert result.errors == 3


def test_wrk_output_without_the_report_line_is_refused():
    with pytest.raises(WrkOutputError, match="WRK_JSON"):
        parse_wrk(WRK_OUTPUT.split("WRK_JSON")[0])


def test_ratio_is_to_the_mean_of_the_reference_runs_around_the_page():
    assert ratio(300, [800, 400]) == pytest.approx(0.5)
    assert ratio(300, []) == 0.0


def row(size, page, kind, *, rps_ratio=1.0, p50=10.0, errors=0):
    return Row(
        size=size,
        page=page,
        kind=kind,
        rps=100 * rps_ratio,
        ratio=rps_ratio,
        p50_ms=p50,
        p99_ms=2 * p50,
        queries=1,
        peak_rss_mib=80,
        errors=errors,
    )


def test_goals_say_which_are_met_and_which_missed():
    rows = [
        row("small", "reference (bare Django)", "reference"),
        row("small", "/", "anonymous", rps_ratio=0.39),
        row("small", "/beacon", "beacon", rps_ratio=0.85),
        row("small", "/admin/x/", "admin", rps_ratio=0.05, p50=100),
        row("small", "/me/", "member", rps_ratio=0.5, p50=20),
        row("large", "/", "anonymous", rps_ratio=0.7, p50=10),
        row("large", "/admin/x/", "admin", rps_ratio=0.01, p50=140),
        row("large", "/me/", "member", rps_ratio=0.5, p50=30),
        row("large", "/beacon", "beacon", rps_ratio=0.9, errors=4),
    ]

    check_goals(rows)

    assert [r.goal for r in rows] == [
        "-",
        "missed: 0.39x ref < 0.6x",
        "met",
        # No throughput goal for the admin, and its latency is compared at the large size.
        "-",
        "met",
        "met",
        "met",
        "missed: p50 1.50x small > 1.25x",
        "missed: 4 errors",
    ]


def test_an_admin_page_may_grow_more_than_other_pages():
    rows = [
        row("small", "/admin/x/", "admin", p50=100),
        row("large", "/admin/x/", "admin", p50=151),
    ]

    check_goals(rows)

    assert rows[1].goal == "missed: p50 1.51x small > 1.5x"


def test_the_table_is_markdown_with_every_column():
    rows = [row("small", "/", "anonymous", rps_ratio=0.39)]
    check_goals(rows)

    header, rule, line = table(rows).splitlines()

    assert [cell.strip() for cell in header.split("|")[1:-1]] == [
        "size",
        "page",
        "req/s",
        "x ref",
        "p50 ms",
        "p99 ms",
        "queries",
        "peak worker MiB",
        "goal",
    ]
    assert set(rule) <= {"|", "-", ":"}
    assert [cell.strip() for cell in line.split("|")[1:-1]] == [
        "small",
        "/",
        "39",
        "0.39",
        "10.0",
        "20.0",
        "1",
        "80",
        "missed: 0.39x ref < 0.6x",
    ]


def test_the_notes_say_what_was_raised_and_how_steady_the_reference_was():
    reference_run = {"result": {"requests": 5000, "seconds": 10.0}}
    results = {
        "machine": {"database": "sqlite"},
        "raised_rate_limits": {"beacon": {"site": "300/m/ip", "bench": "1000000/m/ip"}},
        "runs": {
            "small": {
                "reference": [reference_run, {"result": {"requests": 8000, "seconds": 10.0}}],
                "load_average_before": [1.5, 1.0, 1.0],
            }
        },
        "rows": [vars(row("small", "/", "anonymous", rps_ratio=0.39))],
    }

    *lines, blank, raised, spread, database = render(results).splitlines()

    assert lines[2].startswith("| small | / ")
    assert blank == ""
    assert raised == (
        "Raised for the bench server (one client): the beacon rate limit, 300/m/ip on the "
        "site, 1000000/m/ip here."
    )
    assert spread == "small: reference runs 500 to 800 req/s; load average before the runs 1.5."
    assert database == "Measured on sqlite: the goals are set for PostgreSQL."


def test_a_visitors_page_is_asked_for_with_the_browser_cookies_and_no_session():
    jar = site_cookies(Page("/", "visitor", "anonymous"), STATE)

    assert jar == {
        "cookie_consent": '"id=abc|analytics=2026"',
        "tomato_vid": "f" * 32,
        "__Host-csrftoken": "c" * 32,
    }


def test_a_members_page_carries_their_session():
    page = next(page for page in PAGES if page.path == "/me/")

    header = cookie_header(site_cookies(page, STATE))

    assert "__Host-sessionid=m-key" in header.split("; ")
    assert header.startswith('cookie_consent="id=abc|analytics=2026"; ')


def test_the_reference_gets_a_csrf_cookie_of_its_own_name():
    assert reference_cookies(STATE) == {"csrftoken": "c" * 32}


def test_every_page_but_the_beacon_answers_200():
    statuses = {page.path: page.status for page in PAGES}

    assert statuses.pop("/beacon?route=home") == HTTPStatus.NO_CONTENT
    assert set(statuses.values()) == {HTTPStatus.OK}


@pytest.mark.parametrize(
    ("env", "sizes"),
    [
        ({}, ("small", "large")),
        ({"BENCH_SIZES": "small"}, ("small",)),
        ({"BENCH_SIZES": "large,small"}, ("small", "large")),
    ],
)
def test_sizes_run_small_first(env, sizes):
    assert read_config(env, cores=2).sizes == sizes


def test_config_defaults_to_postgresql_redis_db_7_and_two_connections_per_worker():
    config = read_config({"BENCH_SECONDS": "3"}, cores=4)

    assert config.database_url == "postgres://root@127.0.0.1:5432/tomato_bench"
    assert config.redis_url == "redis://127.0.0.1:6379/7"
    assert (config.seconds, config.workers, config.connections) == (3, 4, 8)


@pytest.mark.parametrize(
    "env", [{"BENCH_SIZES": "huge"}, {"BENCH_SECONDS": "0"}, {"BENCH_SECONDS": "ten"}]
)
def test_config_refuses_unknown_sizes_and_bad_durations(env):
    with pytest.raises(SystemExit):
        read_config(env, cores=2)
