"""deploy/systemd/: the web server, the worker and a timer for every scheduled command, sandboxed."""

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import get_commands

PROJECT_DIR = Path(__file__).resolve().parents[1]
SYSTEMD = PROJECT_DIR / "deploy" / "systemd"
COMMON = SYSTEMD / "prolo-.service.d" / "common.conf"

# Every job the site needs run on a schedule, and when (systemd's OnCalendar).
SCHEDULE = {
    "prolo-send-appointment-notifications.timer": ("send_appointment_notifications", "*:0/5"),
    "prolo-purge-appointment-requests.timer": ("purge_appointment_requests", "*-*-* 03:30"),
    "prolo-clearsessions.timer": ("clearsessions", "*-*-* 04:00"),
    "prolo-prune-db-task-results.timer": ("prune_db_task_results", "*-*-* 03:45"),
    "prolo-articles-review-due.timer": ("articles_review_due", "Mon *-*-* 07:00"),
    "prolo-backup.timer": ("dbbackup", "*-*-* 02:15"),
}


def unit(path):
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",), strict=True)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string(path.read_text())
    return parser


def service_for(timer):
    """The service a timer starts, and the management command that service runs."""
    name = unit(SYSTEMD / timer)["Timer"]["Unit"]
    template, _, instance = name.removesuffix(".service").partition("@")
    service = unit(SYSTEMD / (f"{template}@.service" if instance else name))
    command = service["Service"]["ExecStart"].replace("%i", instance)
    return name, command


def test_every_unit_parses_and_every_service_gets_the_shared_sandbox():
    units = sorted(SYSTEMD.glob("*.service")) + sorted(SYSTEMD.glob("*.timer"))
    assert {path.name for path in units} >= {"prolo-web.service", "prolo-worker.service", *SCHEDULE}

    for path in units:
        parsed = unit(path)
        assert "Unit" in parsed and parsed["Unit"]["Description"], path.name
        # The drop-in in prolo-.service.d applies to units named prolo-*.
        assert path.name.startswith("prolo-"), path.name

    sandbox = unit(COMMON)["Service"]
    assert sandbox["User"] == "prolo"
    assert sandbox["EnvironmentFile"] == "/etc/prolo/prolo.env"
    assert sandbox["ProtectSystem"] == "strict"
    for switch in ("NoNewPrivileges", "PrivateTmp", "ProtectHome", "PrivateDevices", "RestrictSUIDSGID"):
        assert sandbox[switch] == "yes", switch
    assert sandbox["CapabilityBoundingSet"] == ""


def test_the_web_server_and_the_worker_run_the_right_commands():
    web = unit(SYSTEMD / "prolo-web.service")["Service"]
    worker = unit(SYSTEMD / "prolo-worker.service")["Service"]

    assert web["ExecStart"].endswith("gunicorn prolo_site.wsgi --config prolo_site/gunicorn.conf.py")
    assert web["Type"] == "notify"  # gunicorn tells systemd when it serves
    assert worker["ExecStart"].endswith("manage.py db_worker")
    assert web["Restart"] == worker["Restart"] == "always"


@pytest.mark.parametrize("timer", SCHEDULE)
def test_each_scheduled_command_has_a_timer_that_runs_a_real_command(timer):
    command, calendar = SCHEDULE[timer]
    _, exec_start = service_for(timer)

    assert unit(SYSTEMD / timer)["Timer"]["OnCalendar"] == calendar
    assert exec_start.split()[:3] == ["/srv/prolo/.venv/bin/python", "manage.py", command]
    assert command in get_commands()


def test_the_worker_command_exists_once_django_tasks_is_installed():
    if "db_worker" not in get_commands():
        pytest.skip("django-tasks (manage.py db_worker) is not installed in this tree yet")
    assert unit(SYSTEMD / "prolo-worker.service")["Service"]["ExecStart"].endswith("manage.py db_worker")


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    # The units as installed, but pointing at this checkout so their programs exist.
    shutil.copytree(SYSTEMD, tmp_path, dirs_exist_ok=True)
    for path in [*tmp_path.glob("*.service"), *tmp_path.glob("*/*.conf")]:
        path.write_text(path.read_text().replace("/srv/prolo/", f"{PROJECT_DIR}/"))
    units = [str(path) for path in sorted(tmp_path.glob("*.service")) + sorted(tmp_path.glob("*.timer"))]
    units = [name for name in units if not name.endswith("@.service")]  # a template: its instances instead
    units += sorted({str(tmp_path / service_for(timer)[0]) for timer in SCHEDULE} - set(units))

    result = subprocess.run(
        [analyze, "verify", "--man=no", *units],
        env={"SYSTEMD_UNIT_PATH": f"{tmp_path}:", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    # Unknown keys are only warnings to systemd; here any complaint fails.
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
