"""Run control: the deadline of each run, Stop requests, and Reset from the live panel."""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scraping", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="scraperun",
            name="timeout_seconds",
            field=models.FloatField(default=300, help_text="The run ends `failed` past this (SCRAPING_TIMEOUT when it started)."),
        ),
        migrations.AddField(
            model_name="scraperun",
            name="stop_requested_at",
            field=models.DateTimeField(blank=True, null=True, help_text="Stop pressed; the worker cancels within a second."),
        ),
        migrations.AddField(
            model_name="scraperun",
            name="cleared_at",
            field=models.DateTimeField(blank=True, null=True, help_text="Reset: no longer shown on the live panel."),
        ),
    ]
