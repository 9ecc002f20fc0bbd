import uuid

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('chat', '0001_initial'),
        ('queueing', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='agent',
            name='last_offered_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name='Reservation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('priority', models.IntegerField(default=0, help_text='Higher is answered first.')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('offered', 'Offered'), ('matched', 'Matched'), ('expired', 'Expired'), ('canceled', 'Canceled'), ('completed', 'Completed')], default='queued', max_length=16)),
                ('offered_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('matched_at', models.DateTimeField(blank=True, null=True)),
                ('expired_at', models.DateTimeField(blank=True, null=True)),
                ('canceled_at', models.DateTimeField(blank=True, null=True)),
                ('completed_at', models.DateTimeField(blank=True, null=True)),
                ('expire_reason', models.CharField(blank=True, choices=[('idle', 'Idle'), ('max_wait', 'Max Wait')], max_length=16)),
                ('last_seen_at', models.DateTimeField()),
                ('idle_warned_at', models.DateTimeField(blank=True, null=True)),
                ('published_position', models.PositiveIntegerField(blank=True, null=True)),
                ('estimated_wait_until', models.DateTimeField(blank=True, null=True)),
                ('version', models.PositiveIntegerField(default=0)),
                ('agent', models.ForeignKey(blank=True, help_text='The agent who accepted.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='matches', to='queueing.agent')),
                ('conversation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reservations', to='chat.conversation')),
                ('guest', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reservations', to='chat.guest')),
                ('offered_agent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='offers', to='queueing.agent')),
                ('queue', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reservations', to='queueing.queue')),
            ],
            options={
                'indexes': [models.Index(fields=['queue', 'status', 'priority', 'created_at'], name='queueing_re_queue_i_9bcd72_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status__in', ['queued', 'offered'])), fields=('guest', 'queue'), name='one_waiting_reservation_per_guest_and_queue')],
            },
        ),
    ]
