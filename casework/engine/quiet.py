"""SpiffWorkflow's loggers, set to WARNING on import of the engine adapter.

SpiffWorkflow logs every task state change at INFO and, while a logger's *own* level is below INFO
(NOTSET, the default, counts as 0), attaches the task's data to each record: case variables,
i.e. personal data, in the logs. It also builds those records' extras on every change whether or
not anything is logged. With the level set on each logger itself, neither happens.
"""

from __future__ import annotations

import logging

SPIFF_LOGGERS = ("spiff", "spiff.task", "spiff.workflow", "spiff.data", "spiff.dmn")


def quiet_spiff_loggers() -> None:
    for name in SPIFF_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
