"""ScheduledSlot: a scheduled scrape claims its slot once (unique per schedule and slot start)."""
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scraping", "0004_posting_fields"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="ScheduledSlot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slot_start", models.DateTimeField(help_text="The scheduled moment this run was for (UTC).")),
                ("claimed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("run", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                          related_name="+", to="scraping.scraperun")),
                ("schedule", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                               related_name="scraping_slots", to="django_celery_beat.periodictask")),
            ],
            options={
                "ordering": ["-slot_start"],
                "constraints": [models.UniqueConstraint(fields=("schedule", "slot_start"),
                                                        name="scraping_one_claim_per_slot")],
            },
        ),
    ]
