"""Time: the deadline calculator, municipal holidays, due timers, BPMN timers and reminders.

Owns ``deadlines`` (the Fristenrechner, DOMAIN.md §3), ``holidays`` (municipal holidays per
organisation), ``management`` (the scheduler's work: claim due timer rows, fire them once),
``timers`` (BPMN timers and message waits as rows, a step listener) and ``reminders`` (reminder and
escalation rows of tasks with a due date, a step listener that sends through the outbox).
The calendar rules without a database (dates, Länder, working days) are ``casework.dates``.

May import: ``casework.mail``, ``casework.cases``, ``casework.engine`` and the base modules.
Never governance or designer (the legal parameters reach the calculator as an object handed in).
"""
