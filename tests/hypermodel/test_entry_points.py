"""Entry points: named builds, imported by name, and the server's registry of them."""

from __future__ import annotations

import sys

import pytest

from healthopt.hypermodel import (
    HypermodelError,
    check_entry_point,
    entry_point_of,
    load_entry_point,
    registered_models,
)


def top_level_build(hp):
    return hp


def test_a_top_level_function_is_named_by_its_module_and_qualname():
    name = entry_point_of(top_level_build)
    assert name == f"{top_level_build.__module__}:top_level_build"
    assert load_entry_point(name) is top_level_build


def test_lambdas_and_nested_functions_are_refused_since_workers_import_by_name():
    def nested(hp):
        return hp

    for build in (nested, lambda hp: hp):
        with pytest.raises(HypermodelError, match="top level of a module"):
            entry_point_of(build)


@pytest.mark.parametrize("name", ["nocolon", "a:b:c", "1mod:f", "mod:", "mod:f()", "", None])
def test_malformed_entry_points_are_refused_before_any_import(name):
    with pytest.raises(HypermodelError, match="module:function"):
        check_entry_point(name)


def test_import_failures_name_the_module_and_the_reason(tmp_path, monkeypatch):
    (tmp_path / "user_models_broken.py").write_text("raise RuntimeError('boom at import')\n")
    (tmp_path / "user_models_ok.py").write_text("VALUE = 3\ndef build(hp):\n    return None\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(HypermodelError, match="cannot import 'no_such_module_xyz'"):
        load_entry_point("no_such_module_xyz:build")
    with pytest.raises(HypermodelError, match="raised RuntimeError: boom at import"):
        load_entry_point("user_models_broken:build")
    with pytest.raises(HypermodelError, match="has no 'missing'"):
        load_entry_point("user_models_ok:missing")
    with pytest.raises(HypermodelError, match="is not a function"):
        load_entry_point("user_models_ok:VALUE")
    assert callable(load_entry_point("user_models_ok:build"))


def test_a_script_function_is_explained_when_another_process_cannot_import_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "__main__", None)  # as in a process that is not the script
    with pytest.raises(HypermodelError, match="defined in a script"):
        load_entry_point("__main__:build")


def test_the_registry_parses_names_and_refuses_what_it_cannot_read():
    assert registered_models(" resnet = my.models:build , mlp=my.models:mlp,") == {
        "resnet": "my.models:build",
        "mlp": "my.models:mlp",
    }
    assert registered_models("") == {}
    for bad in ("resnet", "a b=m:f", "x=m:f,x=m:g", "x=not an entry"):
        with pytest.raises(HypermodelError):
            registered_models(bad)
