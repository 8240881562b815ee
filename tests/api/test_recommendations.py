"""GET /runs/{run}/recommendations: the report's shape for any run folder, 404 for no such
run, 409 naming an unreadable results.json, and a run with no trial yet told so."""

from __future__ import annotations

import json
import math
import random

from fastapi.testclient import TestClient

from healthopt.api.settings import ServerSettings
from healthopt.records import TrialSpec
from healthopt.records.recommendations import TOPICS, RecommendationReport

from ..optimize.scripted import complete
from ..runs.made_runs import made_run


def lr_driven(spec: TrialSpec) -> object:
    rate = next(float(v) for k, v in spec.params.items() if k.endswith("_learning_rate"))  # type: ignore[arg-type]
    return complete(0.6 + 0.1 * math.log10(rate) + random.Random(spec.trial_number).gauss(0, 0.005))


def test_a_cli_run_gets_its_report(client: TestClient, settings: ServerSettings):
    made_run(settings.results_dir, "cli_run", lr_driven, trials=12)
    response = client.get("/runs/cli_run/recommendations")
    assert response.status_code == 200, response.text
    report = RecommendationReport.from_json(response.json())
    assert report.run == "cli_run"
    topics = [r.topic for r in report.recommendations] + [i.topic for i in report.insufficient]
    assert sorted(topics) == sorted(TOPICS)
    (rate,) = [r for r in report.recommendations if r.topic == "learning_rate"]
    assert rate.confidence == "high"
    assert set(response.json()["recommendations"][0]["evidence"]) >= {
        "test", "statistic", "p_value", "effect_size", "effect_name", "ci_low", "ci_high",
        "ci_name", "n",
    }  # fmt: skip


def test_a_run_with_no_trial_yet_has_every_topic_insufficient(
    client: TestClient, settings: ServerSettings
):
    folder = settings.results_dir / "starting"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"dataset_name": "digits"}))
    response = client.get("/runs/starting/recommendations")
    assert response.status_code == 200
    body = response.json()
    assert body["recommendations"] == []
    assert sorted(i["topic"] for i in body["insufficient"]) == sorted(TOPICS)
    assert all("no trial has finished" in i["reason"] for i in body["insufficient"])
