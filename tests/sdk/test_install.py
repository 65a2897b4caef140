"""`pip install ./sdk/python` works with no package index, and the installed package runs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SDK = Path(__file__).resolve().parents[2] / "sdk" / "python"


def test_pip_install_offline_into_a_venv(tmp_path, server):
    venv = tmp_path / "venv"
    r = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        pytest.skip(f"python3 -m venv unavailable: {r.stderr.strip()[-200:]}")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    build_copy = tmp_path / "src"  # pip may write build files in the tree: keep the repo clean
    subprocess.run(["cp", "-r", str(SDK), str(build_copy)], check=True)
    r = subprocess.run([str(venv / "bin" / "pip"), "install", str(build_copy)], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    code = ("import strata, strata.kv as k; assert '/venv/' in strata.__file__, strata.__file__; "
            "print(type(k.KV.list_kv()).__name__)")
    r = subprocess.run([str(venv / "bin" / "python"), "-c", code], env={**env, **server.env()} | {"PYTHONPATH": ""},
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == "list", r.stdout + r.stderr
