# Apply pipeline (issue 13): the user's rules and answers to common screening questions.
# review_mode is added off for existing profiles (their behaviour stays), then defaults to on for new ones.

import django.core.validators
from django.db import migrations, models

import accounts.models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_service_tokens'),
    ]

    operations = [
        migrations.AddField(
            model_name='profile',
            name='apply_threshold',
            field=models.PositiveSmallIntegerField(default=70, help_text='Auto-apply only to matches at or above this score (%).', validators=[django.core.validators.MaxValueValidator(100)]),
        ),
        migrations.AddField(
            model_name='profile',
            name='daily_cap',
            field=models.PositiveSmallIntegerField(default=25, help_text='At most this many applications a day (UTC), whatever sent them.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(500)]),
        ),
        migrations.AddField(
            model_name='profile',
            name='company_cap',
            field=models.PositiveSmallIntegerField(default=3, help_text='At most this many applications to one company in 30 days.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(100)]),
        ),
        migrations.AddField(
            model_name='profile',
            name='review_mode',
            field=models.BooleanField(default=False, help_text='Fill each form and show it to me (with a screenshot) before anything is sent.'),
        ),
        migrations.AlterField(
            model_name='profile',
            name='review_mode',
            field=models.BooleanField(default=True, help_text='Fill each form and show it to me (with a screenshot) before anything is sent.'),
        ),
        migrations.AddField(
            model_name='profile',
            name='apply_delay_seconds',
            field=models.PositiveSmallIntegerField(default=3, help_text='Seconds to wait between two applications.', validators=[django.core.validators.MaxValueValidator(600)]),
        ),
        migrations.AddField(
            model_name='profile',
            name='authorized_to_work',
            field=models.BooleanField(blank=True, help_text='Legally authorised to work where the jobs are.', null=True),
        ),
        migrations.AddField(
            model_name='profile',
            name='requires_sponsorship',
            field=models.BooleanField(blank=True, help_text='Needs visa sponsorship.', null=True),
        ),
        migrations.AddField(
            model_name='profile',
            name='current_location',
            field=models.CharField(blank=True, help_text='Where you live, e.g. Berlin.', max_length=200),
        ),
        migrations.AddField(
            model_name='profile',
            name='notice_period',
            field=models.CharField(blank=True, help_text='e.g. 2 weeks', max_length=100),
        ),
        migrations.AddField(
            model_name='profile',
            name='start_date',
            field=models.DateField(blank=True, help_text='The earliest date you could start.', null=True),
        ),
        migrations.AddField(
            model_name='profile',
            name='linkedin_url',
            field=models.URLField(blank=True, max_length=500, validators=[django.core.validators.URLValidator(schemes=['http', 'https'])]),
        ),
        migrations.AddField(
            model_name='profile',
            name='github_url',
            field=models.URLField(blank=True, max_length=500, validators=[django.core.validators.URLValidator(schemes=['http', 'https'])]),
        ),
        migrations.AddField(
            model_name='profile',
            name='portfolio_url',
            field=models.URLField(blank=True, max_length=500, validators=[django.core.validators.URLValidator(schemes=['http', 'https'])]),
        ),
        migrations.AddField(
            model_name='profile',
            name='pronouns',
            field=models.CharField(blank=True, max_length=50),
        ),
        migrations.AddField(
            model_name='profile',
            name='eeo_decline',
            field=models.BooleanField(default=True, help_text='Answer voluntary EEO questions (gender, race, veteran, disability) with "decline to self-identify".'),
        ),
        migrations.AddField(
            model_name='profile',
            name='screening_answers',
            field=models.JSONField(blank=True, default=dict, help_text='Answers you gave to other questions, by normalised question text.', validators=[accounts.models.validate_saved_answers]),
        ),
    ]
