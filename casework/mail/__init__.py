"""Mail: ``compose`` (recipients, the German texts, ``queue_mail`` writing outbox rows in the
business transaction, the ``notify_group`` script helper) and ``outbox`` (``OutboxService``: delivery
over SMTP with retries, the admin list, preferences; ``on_step`` turns a step's ``notify`` effects
into mails).

May import: ``casework.cases.steps`` (the step record it reacts to) and the base modules only;
reminders (casework.time) send through it, never the other way round.
"""
