"""Input tax credit: the position of a period (``position``, a GSTR-2B preview and GSTR-3B Table 4),
and the deadlines that cost credit when missed (``deadlines``); both read light rows (``rows``,
``deadline_rows``)."""

from ims_core.itc.deadlines import Deadline, deadlines
from ims_core.itc.position import Heads, ItcFigure, ItcLine, ItcPosition, itc_position

__all__ = ["Deadline", "Heads", "ItcFigure", "ItcLine", "ItcPosition", "deadlines", "itc_position"]
