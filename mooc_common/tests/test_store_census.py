"""The store census (mooc_common/infra/store_census.py): off unless STORE_CENSUS_DIR is set;
when on, a process's commands are counted per database, command and collection, and written to
<dir>/<pid>.json, read by bench/cpu_budget.py."""
import json
import os
from types import SimpleNamespace

from mooc_common.infra import store_census


def test_off_unless_the_directory_is_set(monkeypatch):
    monkeypatch.delenv(store_census.ENV, raising=False)
    assert store_census.listeners() == []


def test_commands_are_counted_per_database_command_and_collection_and_written(monkeypatch, tmp_path):
    monkeypatch.setenv(store_census.ENV, str(tmp_path / "census"))
    monkeypatch.setattr(store_census, "FLUSH_SECONDS", 0.0)
    [census] = store_census.listeners()
    for request_id, (command, collection) in enumerate([("find", "users"), ("find", "users"), ("insert", "mails"),
                                                        ("ping", 1)]):
        census.started(SimpleNamespace(command_name=command, command={command: collection}, request_id=request_id))
        finished = SimpleNamespace(database_name="t1_accounts", command_name=command, request_id=request_id,
                                   duration_micros=250)
        (census.failed if command == "insert" else census.succeeded)(finished)
    written = json.loads((tmp_path / "census" / f"{os.getpid()}.json").read_text())
    assert written["counts"] == {"t1_accounts find users": [2, 500], "t1_accounts insert mails": [1, 250],
                                 "t1_accounts ping ": [1, 250]}
