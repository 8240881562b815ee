from __future__ import annotations

from healthopt.config import HEALTH_COMPONENTS
from healthopt.records import Mode
from healthopt.study.context import AnalysisContext
from healthopt.study.modules import ablation


def _with_ablation(metadata, statuses=None):
    """Ablation records reusing the study's saved models (one per component)."""
    models = [r for r in metadata.runs if r.completed]
    runs = list(metadata.runs)
    for position, component in enumerate(HEALTH_COMPONENTS):
        source = models[position % len(models)]
        status = (statuses or {}).get(component, "completed")
        runs.append(
            source.with_updates(
                mode=Mode.HEALTH_AWARE,
                index=position,
                kind="ablation",
                component=component,
                status=status,
                error=None if status == "completed" else "no trial completed",
                model_path=source.model_path if status == "completed" else None,
                run_dir=f"ablation/{component}",
            )
        )
    return metadata.with_updates(runs=runs)


def test_ranks_components_by_their_generalization_gap(tiny_image_study):
    metadata, paths = tiny_image_study
    context = AnalysisContext(_with_ablation(metadata), paths)
    result = ablation.run(context)
    assert result.available
    components = result.data.components
    assert sorted(c.component for c in components) == sorted(HEALTH_COMPONENTS)
    gaps = [c.gap for c in components]
    assert gaps == sorted(gaps)
    assert result.data.ranking_by_gap == [c.component for c in components]
    for row in components:
        mut = next(m for m in context.ablation if m.record.component == row.component)
        assert row.holdout_accuracy == context.holdout_accuracy(mut)
    assert set(result.data.references) == {Mode.SIMPLE, Mode.HEALTH_AWARE}
    assert any("no significance test" in line for line in result.summary)
    # the fixture's records all selected trial 0: the module says they cannot differ
    assert any("Every component selected the same trial (trial 0)" in x for x in result.summary)
    assert (paths.analysis_dir / result.figures[0].path).is_file()


def test_failed_components_are_left_out_and_none_is_unavailable(tiny_image_study):
    metadata, paths = tiny_image_study
    partial = _with_ablation(metadata, {"gradient_health": "failed"})
    result = ablation.run(AnalysisContext(partial, paths))
    assert "gradient_health" not in result.data.ranking_by_gap
    failed_all = _with_ablation(metadata, dict.fromkeys(HEALTH_COMPONENTS, "failed"))
    result = ablation.run(AnalysisContext(failed_all, paths))
    assert not result.available and "no ablation run completed" in result.reason
    assert not ablation.run(AnalysisContext(metadata, paths)).available
