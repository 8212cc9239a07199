"""Scores become whole percentages (issue 14): existing rows are rounded half up, the
same rounding as tracker.analysis.percent, before the columns turn integer (a plain
cast would round half to even)."""
import math

from django.db import migrations, models


def _percent(value):
    return None if value is None else math.floor(value + 0.5 + 1e-9)


def round_existing(apps, schema_editor):
    Job = apps.get_model("tracker", "Job")
    SkillGap = apps.get_model("tracker", "SkillGap")
    Recommendation = apps.get_model("tracker", "Recommendation")
    floor_half_up = "floor({0} + 0.5 + 1e-9)"
    Job.objects.exclude(match_score=None).update(match_score=models.expressions.RawSQL(
        floor_half_up.format("match_score"), ()))
    SkillGap.objects.update(overall_match=models.expressions.RawSQL(floor_half_up.format("overall_match"), ()))
    Recommendation.objects.update(score=models.expressions.RawSQL(floor_half_up.format("score"), ()))
    # The stored analysis (served by the API and the job page) carries the same numbers.
    for job in Job.objects.exclude(analysis={}).only("id", "analysis").iterator():
        analysis = job.analysis
        if isinstance(analysis.get("match_score"), float):
            analysis["match_score"] = _percent(analysis["match_score"])
        gap = analysis.get("skills_gap")
        if isinstance(gap, dict) and isinstance(gap.get("overall_match"), float):
            gap["overall_match"] = _percent(gap["overall_match"])
        Job.objects.filter(pk=job.pk).update(analysis=analysis)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0002_field_limits_and_http_urls")]

    operations = [
        migrations.RunPython(round_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="job", name="match_score",
            field=models.PositiveSmallIntegerField(blank=True, help_text="0-100, a whole percentage.", null=True)),
        migrations.AlterField(
            model_name="skillgap", name="overall_match",
            field=models.PositiveSmallIntegerField(default=0, help_text="0-100, a whole percentage.")),
        migrations.AlterField(
            model_name="recommendation", name="score",
            field=models.PositiveSmallIntegerField(help_text="0-100, a whole percentage.")),
    ]
