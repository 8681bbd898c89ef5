"""`ocr` is the torch-free inference core: it imports none of training, serving, annotation."""

import subprocess
import sys


def test_ocr_imports_no_training_and_no_torch():
    code = ("import sys, ocr.schema, ocr.templates, ocr.ministry, ocr.lexicon, ocr.cli; "
            "bad = [m for m in ('torch', 'training', 'serving', 'annotation') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_lists_plugin_commands():
    result = subprocess.run([sys.executable, "-m", "ocr.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "synth" in result.stdout and "templates" in result.stdout


def test_help_and_eval_do_not_import_torch():
    code = ("import sys; from click.testing import CliRunner; from ocr.cli import main; "
            "assert CliRunner().invoke(main, ['--help']).exit_code == 0; "
            "assert CliRunner().invoke(main, ['eval', 'htr', '--help']).exit_code == 0; "
            "sys.exit(1 if 'torch' in sys.modules else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, "torch was imported: " + result.stdout + result.stderr
