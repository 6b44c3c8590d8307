"""``probe --python`` / ``--compare-python`` and the GIL as it is after the target's import.

The fast tests cover the pure parts (the GIL warning, the free-threading answer, the labels,
the sys.path a foreign interpreter gets) and the bad-input paths of the CLI through real
subprocesses.  The slow ones run real probes: under a wrapper script of this very
interpreter, and under the free-threaded 3.13t with a C extension that re-enables the GIL.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import warnings
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concadvisor.probing._runner import gil_enabler
from concadvisor.probing.api import _foreign_sys_path
from concadvisor.probing.compare import free_threading_answer
from concadvisor.probing.interpreter import PythonInfo
from concadvisor.probing.report import ComparisonSide

from conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
#: shared/ sits beside the project (the main checkout) or beside its worktrees' folder.
EXTRA_PYTHON = next(
    (
        p
        for p in (
            ROOT.parent / "shared/tools/extra-python",
            ROOT.parent.parent / "shared/tools/extra-python",
        )
        if p.exists()
    ),
    ROOT.parent / "shared/tools/extra-python",
)
HEADERS_313T = Path("/opt/extra-python/3.13t/include/python3.13t")


def _warning(message: str, category: type[Warning] = RuntimeWarning) -> warnings.WarningMessage:
    return warnings.WarningMessage(message, category, "<frozen importlib._bootstrap>", 488)


#: CPython 3.13t's exact words (checked on 3.13.15 with an extension lacking Py_mod_gil).
GIL_TEXT = (
    "The global interpreter lock (GIL) has been enabled to load module '{name}', which has "
    "not declared that it can run safely without the GIL. To override this behavior and keep "
    "the GIL disabled (at your own risk), run with PYTHON_GIL=0 or -Xgil=0."
)

module_names = st.from_regex(
    r"[A-Za-z_][A-Za-z0-9_]{0,20}(\.[A-Za-z_][A-Za-z0-9_]{0,20}){0,3}", fullmatch=True
)


@given(module_names)
def test_the_gil_enabler_is_read_from_cpythons_warning(name: str) -> None:
    caught = [_warning("something else"), _warning(GIL_TEXT.format(name=name))]
    assert gil_enabler(caught) == name


@given(st.lists(st.text(max_size=80)))
def test_no_gil_warning_means_no_enabler(messages: list[str]) -> None:
    caught = [_warning(m) for m in messages if "has been enabled to load module" not in m]
    assert gil_enabler(caught) is None


def test_the_same_words_in_another_category_are_not_the_gil() -> None:
    assert gil_enabler([_warning(GIL_TEXT.format(name="m"), UserWarning)]) is None


def _info(version: str, free: bool, gil: bool, by: str | None = None) -> PythonInfo:
    return PythonInfo(
        version=version,
        implementation="cpython",
        free_threaded=free,
        gil_enabled=gil,
        gil_enabled_by=by,
    )


def test_labels_name_the_build() -> None:
    assert _info("3.13.1", True, False).label == "3.13t"
    assert _info("3.11.9", False, True).label == "3.11"
    pypy = PythonInfo(
        version="3.10.14", implementation="pypy", free_threaded=False, gil_enabled=True
    )
    assert pypy.label == "pypy 3.10"


def _side(
    python: PythonInfo, per_task: float | None, spread: float = 0.0, fastest: str = "threads"
) -> ComparisonSide:
    return ComparisonSide(
        label=python.label,
        python=python,
        fastest=fastest if per_task is not None else None,  # type: ignore[arg-type]
        speedup=1.5 if per_task is not None else None,
        per_task_seconds=per_task,
        spread_seconds=spread,
        verdict="confirmed",
        results=[],
    )


FT = _info("3.13.1", True, False)
GIL = _info("3.11.9", False, True)


def test_free_threading_helps_when_a_task_is_clearly_faster_there() -> None:
    helps, answer = free_threading_answer(
        [_side(GIL, 2e-3, 1e-4, "processes"), _side(FT, 1e-3, 1e-4)]
    )
    assert helps is True
    assert answer.startswith("yes, 2.0x faster per task")
    assert "3.13t (threads)" in answer and "3.11 (processes)" in answer


def test_free_threading_does_not_help_when_it_is_clearly_slower() -> None:
    helps, answer = free_threading_answer([_side(GIL, 1e-3, 1e-5), _side(FT, 3e-3, 1e-5)])
    assert helps is False and answer.startswith("no, 3.0x slower")


def test_a_difference_within_the_noise_is_no_difference() -> None:
    helps, answer = free_threading_answer([_side(GIL, 1.0e-3, 2e-4), _side(FT, 1.2e-3, 1e-4)])
    assert helps is None and answer.startswith("no clear difference")


def test_a_gil_re_enabled_by_an_import_is_named() -> None:
    ft_gil = _info("3.13.1", True, True, by="gilmod")
    helps, answer = free_threading_answer([_side(GIL, 1e-3), _side(ft_gil, 1e-3)])
    assert helps is False and "'gilmod' re-enabled the GIL" in answer


def test_no_free_threaded_build_cannot_answer() -> None:
    helps, answer = free_threading_answer(
        [_side(GIL, 1e-3), _side(_info("3.14.0", False, True), 1e-3)]
    )
    assert helps is None and "neither interpreter is a free-threaded build" in answer


def test_nothing_measured_on_one_side_cannot_answer() -> None:
    helps, answer = free_threading_answer([_side(GIL, None), _side(FT, 1e-3)])
    assert helps is None and answer == "cannot tell: nothing was measured under 3.11"


def test_a_foreign_interpreter_gets_the_users_directories_only(tmp_path: Path) -> None:
    own = [p for p in sys.path if "site-packages" in p or p.startswith(sys.base_prefix)]
    kept = _foreign_sys_path([str(tmp_path), *own])
    assert kept == (str(tmp_path),)


# --- the CLI, bad input: one line, exit code 2, nothing measured -----------------------


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_python_that_does_not_exist() -> None:
    line = _one_line_error(
        run_cli("probe", "tests.probe_targets.workloads:cpu", "--python", "/no/such/python")
    )
    assert line.endswith("--python /no/such/python: no such file")


def test_python_that_is_not_executable(tmp_path: Path) -> None:
    script = tmp_path / "python"
    script.write_text("#!/bin/sh\n")
    line = _one_line_error(
        run_cli("probe", "tests.probe_targets.workloads:cpu", "--python", str(script))
    )
    assert "not executable" in line


def test_python_that_is_no_python() -> None:
    true = shutil.which("true")
    assert true is not None
    line = _one_line_error(run_cli("probe", "tests.probe_targets.workloads:cpu", "--python", true))
    assert "not a Python interpreter" in line


def test_python_without_pydantic_says_what_to_install(tmp_path: Path) -> None:
    # -S: no site-packages, so no pydantic (PYTHONPATH holds concadvisor's source only).
    wrapper = tmp_path / "bare-python"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} -S "$@"\n')
    wrapper.chmod(0o755)
    line = _one_line_error(
        run_cli("probe", "tests.probe_targets.workloads:cpu", "--python", str(wrapper))
    )
    assert "cannot import 'pydantic'" in line
    assert f"{wrapper} -m pip install" in line


def test_python_that_cannot_see_concadvisors_source_says_so(tmp_path: Path) -> None:
    # Like a chroot that does not show this checkout: PYTHONPATH emptied, no site-packages.
    wrapper = tmp_path / "blind-python"
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH= exec {sys.executable} -S "$@"\n')
    wrapper.chmod(0o755)
    line = _one_line_error(
        run_cli("probe", "tests.probe_targets.workloads:cpu", "--python", str(wrapper))
    )
    assert "cannot import concadvisor from" in line and "install concadvisor there" in line


def test_a_wrapper_whose_command_is_missing_says_so(tmp_path: Path) -> None:
    wrapper = tmp_path / "broken-python"
    wrapper.write_text('#!/bin/sh\nexec /no/such/interpreter "$@"\n')
    wrapper.chmod(0o755)
    line = _one_line_error(
        run_cli("probe", "tests.probe_targets.workloads:cpu", "--python", str(wrapper))
    )
    assert "exit code 127: a command it runs was not found" in line


def test_python_and_compare_python_together_is_a_usage_error() -> None:
    line = _one_line_error(
        run_cli(
            "probe",
            "tests.probe_targets.workloads:cpu",
            "--python",
            sys.executable,
            "--compare-python",
            sys.executable,
        )
    )
    assert "--compare-python" in line


# --- real probes -------------------------------------------------------------------------


def _wrapper(tmp_path: Path, command: str) -> Path:
    """A shell script that runs ``command`` with its arguments: any executable will do."""
    script = tmp_path / "python-wrapper"
    script.write_text(f'#!/bin/sh\nexec {command} "$@"\n')
    script.chmod(0o755)
    return script


def _json(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert result.returncode in (0, 1), result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


@pytest.mark.slow
def test_probe_under_a_wrapper_script_reports_its_python(tmp_path: Path) -> None:
    wrapper = _wrapper(tmp_path, sys.executable)
    result = run_cli(
        "probe",
        "tests.probe_targets.workloads:cpu",
        "--python",
        str(wrapper),
        "--budget",
        "4",
        "--json",
    )
    data = _json(result)
    python = data["python"]
    assert isinstance(python, dict)
    assert python["version"] == ".".join(map(str, sys.version_info[:3]))
    assert python["executable"] == str(wrapper)
    free = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    assert python["free_threaded"] is free
    profile = data["measured_profile"]
    assert isinstance(profile, dict)
    assert profile["free_threaded"] is (not python["gil_enabled"])


@pytest.mark.slow
def test_compare_python_shows_both_sides(tmp_path: Path) -> None:
    wrapper = _wrapper(tmp_path, sys.executable)
    result = run_cli(
        "probe",
        "tests.probe_targets.workloads:cpu",
        "--compare-python",
        str(wrapper),
        "--budget",
        "6",
    )
    assert result.returncode in (0, 1), result.stderr
    assert "compared: " in result.stdout
    assert "free-threaded build: " in result.stdout
    assert "each interpreter had 3 s of the budget" in result.stdout


def _python_313t() -> str:
    # gcc first: inside extra-python's chroot (3.14, 3.15) there is neither gcc nor bash.
    if shutil.which("gcc") is None or not (HEADERS_313T / "Python.h").exists():
        pytest.skip("gcc or 3.13t's headers are missing: cannot build the test extension")
    if not EXTRA_PYTHON.exists():
        pytest.skip(f"{EXTRA_PYTHON} is missing")
    listing = subprocess.run(
        [str(EXTRA_PYTHON), "--list"], capture_output=True, text=True, timeout=60
    )
    if "3.13t: ready" not in listing.stdout:
        pytest.skip("3.13t is not built here (extra-python --list)")
    venvs = [ROOT / name / "bin" / "python" for name in (".venv313t", ".ci-venv-3.13t")]
    venv = next((v for v in venvs if v.exists()), None)
    if venv is None:
        pytest.skip(f"no 3.13t venv ({', '.join(map(str, venvs))}): see shared/tools/README.md")
    return f"{EXTRA_PYTHON} 3.13t {venv}"


@pytest.mark.slow
def test_an_extension_without_py_mod_gil_re_enables_the_gil(tmp_path: Path) -> None:
    command = _python_313t()
    source = tmp_path / "gilmod.c"
    source.write_text(
        "#include <Python.h>\n"
        'static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "gilmod", NULL, -1, NULL};\n'
        "PyMODINIT_FUNC PyInit_gilmod(void) { return PyModule_Create(&def); }\n"
    )
    built = subprocess.run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            f"-I{HEADERS_313T}",
            str(source),
            "-o",
            str(tmp_path / "gilmod.cpython-313t-x86_64-linux-gnu.so"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if built.returncode != 0:
        pytest.skip(f"gcc cannot build against 3.13t's headers: {built.stderr[-200:]}")
    (tmp_path / "target.py").write_text(
        "import gilmod\n\ndef crunch(n=20000):\n    return sum(i * i for i in range(n))\n"
    )
    (tmp_path / "plain.py").write_text(
        "def crunch(n=20000):\n    return sum(i * i for i in range(n))\n"
    )
    wrapper = _wrapper(tmp_path, command)
    reports = {}
    for name in ("target", "plain"):
        result = run_cli(
            "probe",
            f"{tmp_path / name}.py:crunch",
            "--python",
            str(wrapper),
            "--budget",
            "5",
            "--json",
            timeout=120,
        )
        reports[name] = _json(result)
    enabled = reports["target"]["python"]
    assert isinstance(enabled, dict)
    assert enabled["free_threaded"] is True
    assert enabled["gil_enabled"] is True and enabled["gil_enabled_by"] == "gilmod"
    assert reports["target"]["measured_profile"]["free_threaded"] is False  # type: ignore[index]
    plain = reports["plain"]["python"]
    assert isinstance(plain, dict)
    assert plain["gil_enabled"] is False and plain["gil_enabled_by"] is None
    assert reports["plain"]["measured_profile"]["free_threaded"] is True  # type: ignore[index]


def test_compare_pythons_halves_the_budget_and_reports_both_sides() -> None:
    from concadvisor import advise
    from concadvisor.probing.compare import compare_pythons
    from concadvisor.probing.inference import infer_profile
    from concadvisor.probing.report import ProbeReport, build_report
    from test_probe_units import GIL_2CPUS, _cpu_measurements

    asked: list[tuple[float, str | None]] = []

    def run(budget: float, python: str | None) -> ProbeReport:
        asked.append((budget, python))
        free = python is not None
        # 4 ms per task here, 3 ms there: the free-threaded build is clearly faster.
        m = _cpu_measurements(0.003 if free else 0.004, 12)
        m.elapsed = 1.5
        profile = infer_profile(m, cpus=2, start_method="fork", free_threaded=free)
        info = _info("3.13.1", True, False) if free else _info("3.11.9", False, True)
        return build_report(
            m,
            profile,
            advise(profile, environment=GIL_2CPUS),
            budget=budget,
            overrides=[],
            python=info,
        )

    report = compare_pythons(run, "py313t", 6.0)
    assert asked == [(3.0, None), (3.0, "py313t")]
    assert report.budget_seconds == 6.0 and report.elapsed_seconds == 3.0
    comparison = report.model_dump(mode="json")["comparison"]
    assert [side["label"] for side in comparison["sides"]] == ["3.11", "3.13t"]
    assert comparison["budget_seconds_each"] == 3.0
    assert comparison["free_threaded_helps"] is True
    assert comparison["answer"].startswith("yes, 1.3x faster per task")
