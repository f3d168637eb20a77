"""Mail: the outbox (mails as rows written in the business transaction), their German texts, and
delivery over SMTP with retries; ``OutboxService.on_step`` turns a step's ``notify`` effects into mails.

May import: ``casework.cases.steps`` (the step record it reacts to) and the base modules only;
reminders (casework.time) send through it, never the other way round.
"""
