"""The case file (issue 14): notes, documents and their storage, absences with substitutes, and
withdrawal. It builds on the cases' services (access, runtime, history) and never on the web."""
