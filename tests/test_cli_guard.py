"""The CLI's one guard: whatever goes wrong in any command is one line and an exit code.

Internal errors (in-process and through a real process), the errors that keep their own
handling (usage, invalid profiles, Ctrl-C, closed pipes), output that cannot be encoded or
written, and Ctrl-C while the chosen command is still being imported.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import sysconfig
import time
import warnings
from pathlib import Path

import pytest

from concadvisor import ConcadvisorError, TaskProfile
from concadvisor.cli import main
from concadvisor.commands import UsageError

from conftest import ROOT, run_cli

HINT = "(set CONCADVISOR_TRACEBACK=1 for the traceback)"


def _failing_run(exc: BaseException) -> object:
    def run(args: argparse.Namespace) -> int:
        raise exc

    return run


@pytest.fixture
def schema_raises(monkeypatch: pytest.MonkeyPatch) -> object:
    """Make ``concadvisor schema`` raise the exception given to the returned function."""
    import concadvisor.commands.schema as schema

    def install(exc: BaseException) -> None:
        monkeypatch.setattr(schema, "run", _failing_run(exc))

    return install


# -- internal errors ----------------------------------------------------------------------


def test_an_internal_error_is_one_line_and_exit_2(
    schema_raises: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONCADVISOR_TRACEBACK", raising=False)
    schema_raises(RuntimeError("the model\nis broken"))  # type: ignore[operator]
    assert main(["schema"]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"concadvisor: internal error: RuntimeError: the model is broken {HINT}\n"
    )
    assert captured.out == ""


def test_the_traceback_on_request(
    schema_raises: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONCADVISOR_TRACEBACK", "1")
    schema_raises(KeyError("field"))  # type: ignore[operator]
    assert main(["schema"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert err.endswith("concadvisor: internal error: KeyError: 'field'\n")


def test_an_exception_whose_message_fails_is_still_reported(
    schema_raises: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise ValueError("no")

    monkeypatch.delenv("CONCADVISOR_TRACEBACK", raising=False)
    schema_raises(Unprintable())  # type: ignore[operator]
    assert main(["schema"]) == 2
    err = capsys.readouterr().err
    assert err == f"concadvisor: internal error: Unprintable: <message unavailable> {HINT}\n"


def test_a_base_exception_from_an_extension_is_an_internal_error(
    schema_raises: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyo3 raises PanicException, a BaseException, when a Rust extension panics."""

    class PanicException(BaseException):
        pass

    monkeypatch.delenv("CONCADVISOR_TRACEBACK", raising=False)
    schema_raises(PanicException("failed to import `datetime` C API"))  # type: ignore[operator]
    assert main(["schema"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"concadvisor: internal error: PanicException: failed to import `datetime` C API {HINT}\n"
    )


def test_an_internal_error_in_a_real_process_is_one_line() -> None:
    code = (
        "import concadvisor.commands.rules as rules\n"
        "def run(args):\n"
        "    raise AttributeError('catalogue has no attribute codes')\n"
        "rules.run = run\n"
        "from concadvisor.cli import run\n"
        "run()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "CONCADVISOR_TRACEBACK"}
    proc = subprocess.run(
        [sys.executable, "-c", code, "rules"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "concadvisor: internal error: AttributeError: catalogue has no attribute codes " + HINT
    ]


# -- errors with their own handling, unchanged --------------------------------------------


def _validation_error() -> Exception:
    try:
        TaskProfile.model_validate({"workload": "io", "tasks": 0})
    except Exception as exc:
        return exc
    raise AssertionError("tasks=0 validated")


@pytest.mark.parametrize(
    ("exc", "code", "message"),
    [
        (UsageError("--budget must be > 0"), 2, "concadvisor: error: --budget must be > 0\n"),
        (ConcadvisorError("no such target"), 2, "concadvisor: error: no such target\n"),
        (KeyboardInterrupt(), 130, "concadvisor: error: interrupted\n"),
        (BrokenPipeError(), 0, ""),
    ],
)
def test_known_errors_keep_their_exit_codes(
    schema_raises: object,
    capsys: pytest.CaptureFixture[str],
    exc: BaseException,
    code: int,
    message: str,
) -> None:
    schema_raises(exc)  # type: ignore[operator]
    assert main(["schema"]) == code
    assert capsys.readouterr().err == message


def test_an_invalid_profile_is_still_a_usage_error(
    schema_raises: object, capsys: pytest.CaptureFixture[str]
) -> None:
    schema_raises(_validation_error())  # type: ignore[operator]
    assert main(["schema"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("concadvisor: error: invalid profile: tasks: expected a value >= 1")
    assert err.count("\n") == 1


def test_argparse_exits_are_untouched(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["advise", "--tasks", "many"])
    assert exit_info.value.code == 2
    assert "invalid" in capsys.readouterr().err


# -- output that cannot be encoded or written ---------------------------------------------


def _normal_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: buffered output unless a test says otherwise."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env.setdefault("COLUMNS", "100")
    return {**env, **extra}


def test_errors_of_named_files_are_not_taken_for_the_output(tmp_path: Path) -> None:
    unreadable = tmp_path / "profile.toml"
    unreadable.mkdir()  # reading a directory fails with its name attached
    result = run_cli("advise", "--profile", str(unreadable))
    assert result.returncode == 2
    assert "cannot write the output" not in result.stderr
    assert "Traceback" not in result.stderr


# -- Ctrl-C during start-up ---------------------------------------------------------------


def _console_script() -> Path:
    return Path(sysconfig.get_path("scripts")) / "concadvisor"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
@pytest.mark.skipif(not _console_script().exists(), reason="the console script is not installed")
def test_ctrl_c_during_start_up_exits_130_without_a_traceback() -> None:
    """SIGINT at several moments of ``concadvisor advise``: while it imports the command
    (pydantic, the rules, rich), while it advises, while it prints.  Without holding Ctrl-C
    back during the command's import, a signal inside pydantic_core's initialisation was
    a Rust panic and a traceback about once in twenty runs.

    ``-X importtime`` (as PYTHONPROFILEIMPORTTIME) tells when ``cli.run`` has started: the
    first import after ``concadvisor.cli``'s own is made by it.  Before that, Python and the
    generated console script are running (~20 ms of CPU), and a Ctrl-C there is theirs."""
    interrupted = 0
    for delay in (0.0, 0.01, 0.03, 0.06, 0.1, 0.15, 0.25):
        proc = subprocess.Popen(
            [str(_console_script()), "advise", "--workload", "io", "--tasks", "10"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=_normal_env(PYTHONPROFILEIMPORTTIME="1"),
        )
        assert proc.stderr is not None
        seen: list[str] = []
        for line in proc.stderr:
            seen.append(line)
            if len(seen) > 1 and seen[-2].rstrip().endswith("| concadvisor.cli"):
                break
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        rest = proc.stderr.read()
        proc.stderr.close()
        code = proc.wait(timeout=60)
        messages = [line for line in seen + rest.splitlines() if "import time:" not in line]
        assert not any("Traceback" in line for line in messages), (delay, messages)
        # 0: it had finished; -SIGINT: the signal came while Python was shutting down
        # (handlers are reset by then), silently -- neither is a traceback.
        assert code in (0, 130, -signal.SIGINT), (delay, code, messages)
        if code == 130:
            interrupted += 1
            assert [m.strip() for m in messages] == ["concadvisor: error: interrupted"]
    assert interrupted >= 3  # the signal really arrived during start-up, several times


@pytest.mark.parametrize("args", [("rules",), ("advise", "--workload", "io")])
def test_rich_output_into_a_closed_pipe_exits_like_json_output(args: tuple[str, ...]) -> None:
    import subprocess
    import sys

    from conftest import ROOT

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        proc = subprocess.Popen(
            [sys.executable, "-m", "concadvisor", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # like `| head`, before anything is written
        stderr = proc.stderr.read().decode()
        proc.stderr.close()
        code = proc.wait(timeout=60)
    assert code == 0, stderr
    assert "Traceback" not in stderr
