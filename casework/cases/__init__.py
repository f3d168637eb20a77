"""Cases and their work: deploying definitions, starting and stepping cases, task inboxes, history.

Owns ``repository`` (definitions and the spec cache), ``runtime`` (start, load, persist a step),
``steps`` (what a step is made of, handed to step listeners), ``sync`` (task rows after a step),
``tasks`` (inbox, claim, complete), ``messages`` (correlation), ``history`` (the hash-chained
trail), ``access`` and ``directory`` (who may see and do what; users and groups) and ``parties``
(the organisations taking part in a case).

May import: ``casework.engine`` and the base modules (errors, records, unit_of_work, clock, context,
dates). Never time, mail, governance or designer: those react to cases through step listeners and
timer handlers that the ``Casework`` facade wires up.
"""
