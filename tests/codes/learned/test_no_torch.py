"""PyTorch is optional: importing codedcomp and its CLI never imports it, and without it the
learned commands say in one line how to install it."""

from __future__ import annotations

import subprocess
import sys


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_import_and_help_do_not_import_torch() -> None:
    res = _python(
        "import sys\n"
        "import codedcomp, codedcomp.cli, codedcomp.experiments\n"
        "import codedcomp.codes.learned, codedcomp.cli.learned\n"
        "import codedcomp.codes.learned.data, codedcomp.codes.learned.baseline\n"
        "from typer.testing import CliRunner\n"
        "from codedcomp.cli import app\n"
        "from codedcomp.cli.learned import register\n"
        "import typer\n"
        "sub = typer.Typer()\n"
        "sub.callback()(lambda: None)\n"
        "register(sub)\n"
        "for a, args in ((app, ['--help']), (sub, ['learned', '--help']),\n"
        "                (sub, ['learned', 'train', '--help'])):\n"
        "    r = CliRunner().invoke(a, args)\n"
        "    assert r.exit_code == 0, r.output\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "print('ok')\n"
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().endswith("ok")


BLOCK_TORCH = (  # a finder that makes `import torch` fail as if it were not installed
    "import sys\n"
    "class _NoTorch:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'torch' or name.startswith('torch.'):\n"
    "            raise ModuleNotFoundError(\"No module named 'torch'\")\n"
    "sys.meta_path.insert(0, _NoTorch())\n"
)


LEARNED_COMMANDS = [
    ["learned", "train", "--dataset", "digits", "--out", "x.pt"],
    ["learned", "eval", "x.pt"],
    ["reproduce", "learned-table4", "--quick", "--out", "outdir"],
    ["run", "inference:dataset=digits,k=2", "--workers", "3", "--backend", "thread"],
]


def test_without_torch_one_line_says_how_to_install(tmp_path: object) -> None:
    res = _python(
        BLOCK_TORCH + "import os, typer\n"
        f"os.chdir({str(tmp_path)!r})\n"
        "from typer.testing import CliRunner\n"
        "from codedcomp.cli import app\n"
        "from codedcomp.cli.learned import register\n"
        "if not any(getattr(g, 'name', None) == 'learned' for g in app.registered_groups):\n"
        "    register(app)\n"
        f"for args in {LEARNED_COMMANDS!r}:\n"
        "    r = CliRunner().invoke(app, args)\n"
        "    print(r.exit_code, '|'.join(ln for ln in r.output.splitlines() if ln.strip()))\n"
        "assert 'torch' not in sys.modules\n"
    )
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert len(lines) == len(LEARNED_COMMANDS)
    for args, line in zip(LEARNED_COMMANDS, lines, strict=True):
        code, _, text = line.partition(" ")
        assert code == "2", (args, line)
        assert "|" not in text, f"more than one line: {text}"
        # every command prints the install hint as written (fail() escapes rich markup)
        assert "PyTorch" in text and "pip install 'codedcomp[learned]'" in text


def test_library_names_need_torch_in_one_line() -> None:
    res = _python(
        BLOCK_TORCH + "import codedcomp.codes.learned as L\n"
        "try:\n"
        "    L.LearnedCode\n"
        "except L.MissingDependencyError as e:\n"
        "    print(e)\n"
        "print(L.SumParityCode(k=2).encode([[[1.0]], [[2.0]]]).tolist())\n"
    )
    assert res.returncode == 0, res.stderr
    first, second = res.stdout.strip().splitlines()
    assert "pip install 'codedcomp[learned]'" in first
    assert second == "[[[3.0]]]"
