"""Usage errors of run.py for bad --config, --data and --predict files."""

from __future__ import annotations

import gzip

import click
import pytest

import run


@pytest.mark.parametrize(
    "text,expected",
    [
        ("zenml: [\n", "is not valid YAML"),
        ("- a\n- b\n", "must be a YAML mapping"),
        ("zenml: 5\nparameters: {}\n", "'zenml' section must be a mapping"),
        ("zenml: {}\nparameters: 7\n", "'parameters' section must be"),
        ("foo: bar\n", "no top-level 'zenml' section"),
    ],
    ids=["broken", "list", "zenml_scalar", "parameters_scalar", "no_sections"],
)
def test_bad_config_is_usage_error(tmp_path, text, expected):
    path = tmp_path / "training.yaml"
    path.write_text(text)
    with pytest.raises(click.BadParameter) as error:
        run.load_config(path)
    assert expected in error.value.message
    assert error.value.param_hint == "--config"


def test_config_directory_is_usage_error(tmp_path):
    with pytest.raises(click.BadParameter) as error:
        run.load_config(tmp_path)
    assert "is a directory" in error.value.message


def test_data_directory_is_usage_error(tmp_path):
    with pytest.raises(click.BadParameter) as error:
        run.check_input_file(tmp_path, "data", "--data")
    assert f"{tmp_path} is a directory" in error.value.message
    assert error.value.param_hint == "--data"


def test_missing_data_file_is_usage_error(tmp_path):
    path = tmp_path / "absent.csv"
    with pytest.raises(click.BadParameter) as error:
        run.check_input_file(path, "data", "--data")
    assert f"data file not found: {path}" in error.value.message


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("records.json", b"\x94\xffbinary", "is not valid JSON"),
        ("records.json", b"{not json", "is not valid JSON"),
        ("records.csv", b"\xff\xfe\x00garbage", "not valid UTF-8"),
        ("records.csv", gzip.compress(b"ID\n1\n")[:15], "truncated"),
    ],
    ids=["binary_json", "broken_json", "binary_csv", "truncated_gzip"],
)
def test_bad_predict_file_is_usage_error(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(click.BadParameter) as error:
        run.read_records(path)
    assert expected in error.value.message
    assert error.value.param_hint == "--predict"


def test_replay_missing_data_is_usage_error(tmp_path):
    missing = tmp_path / "absent.csv"
    with pytest.raises(click.BadParameter) as error:
        run.run_replay(missing, run.CONFIG_DIR / "monitoring.yaml")
    assert error.value.param_hint == "--data"
    assert "absent.csv" in error.value.message
