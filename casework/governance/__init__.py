"""Governance: committees and their members, the vote tally, versioned legal parameters, and the
script helpers processes use to ask for them (``members("tv")``, ``tally(...)``,
``legal_parameter(...)``).

May import: ``casework.time`` (the deadline calculator, for the law's script helpers), the packages
below it and the base modules. Independent of ``casework.designer``.
"""
