"""Salary, workplace type, locations, employment type, employer, expiry and structured
descriptions on postings.

No raw payload is stored, so existing rows are backfilled only from what they
hold: `remote=True` becomes workplace "remote" (else "unknown"), the location
string becomes one location, the plain description becomes paragraphs of HTML.
The next scrape of the company fills the rest from the source.
"""
import html

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models


def backfill(apps, schema_editor) -> None:
    JobPosting = apps.get_model("scraping", "JobPosting")
    batch = []
    for posting in JobPosting.objects.only("id", "remote", "location", "description").iterator(chunk_size=500):
        workplace = "remote" if posting.remote else "unknown"
        posting.workplace_type = workplace
        posting.locations = [
            {"name": posting.location, "city": "", "region": "", "country": "", "remote_scope": "",
             "workplace_type": workplace}
        ] if posting.location else []
        paragraphs = [p.strip() for p in (posting.description or "").split("\n\n") if p.strip()]
        posting.description_html = "".join(
            "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>" for p in paragraphs
        )
        batch.append(posting)
        if len(batch) >= 500:
            JobPosting.objects.bulk_update(batch, ["workplace_type", "locations", "description_html"])
            batch = []
    if batch:
        JobPosting.objects.bulk_update(batch, ["workplace_type", "locations", "description_html"])


class Migration(migrations.Migration):

    dependencies = [
        ('scraping', '0003_rename_scheduled_scrape_task'),
    ]

    operations = [
        migrations.AddField(
            model_name='jobposting',
            name='countries',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=60), blank=True, default=list, help_text="The locations' countries and remote scopes, for the country filter.", size=None),
        ),
        migrations.AddField(
            model_name='jobposting',
            name='description_html',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='jobposting',
            name='employer',
            field=models.CharField(blank=True, help_text='hiringOrganization (JSON-LD pages list several).', max_length=200),
        ),
        migrations.AddField(
            model_name='jobposting',
            name='employment_type',
            field=models.CharField(blank=True, choices=[('full-time', 'Full-time'), ('part-time', 'Part-time'), ('contract', 'Contract'), ('internship', 'Internship'), ('temporary', 'Temporary')], db_index=True, max_length=10),
        ),
        migrations.AddField(
            model_name='jobposting',
            name='employment_type_text',
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name='jobposting',
            name='locations',
            field=models.JSONField(blank=True, default=list, help_text='[{name, city, region, country, remote_scope, workplace_type}]; country as ISO alpha-2 where known.'),
        ),
        migrations.AddField(
            model_name='jobposting',
            name='salary_currency',
            field=models.CharField(blank=True, max_length=3),
        ),
        migrations.AddField(
            model_name='jobposting',
            name='salary_interval',
            field=models.CharField(blank=True, choices=[('year', 'per year'), ('month', 'per month'), ('week', 'per week'), ('day', 'per day'), ('hour', 'per hour')], max_length=5),
        ),
        migrations.AddField(
            model_name='jobposting',
            name='salary_max',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True),
        ),
        migrations.AddField(
            model_name='jobposting',
            name='salary_min',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True),
        ),
        migrations.AddField(
            model_name='jobposting',
            name='salary_text',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name='jobposting',
            name='source_updated_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='jobposting',
            name='valid_through',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='jobposting',
            name='workplace_type',
            field=models.CharField(choices=[('remote', 'Remote'), ('hybrid', 'Hybrid'), ('onsite', 'On-site'), ('unknown', 'Unknown')], db_index=True, default='unknown', max_length=10),
        ),
        migrations.AddIndex(
            model_name='jobposting',
            index=django.contrib.postgres.indexes.GinIndex(fields=['countries'], name='scraping_posting_countries'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
