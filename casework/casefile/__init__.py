"""The case file (issue 14): notes, documents and their storage, absences with substitutes, and
withdrawal. It builds on the cases' services (access, runtime, history) and never on the web.

May import: ``casework.time``, ``casework.mail``, ``casework.cases``, ``casework.engine`` and the base
modules. Independent of governance and designer. What the runtime itself must apply (need-to-know
visibility, secret ballots) lives below it, in ``casework.cases.visibility``."""
