"""Input tax credit: the position of a period (``position.itc_position``, a GSTR-2B preview and
GSTR-3B Table 4, made of ``figures``) and the deadlines that cost credit when missed
(``deadlines.deadlines``); both read light rows (``rows``, ``deadline_rows``), and both are answered
from a snapshot while nothing changed (``snapshots``).

Import each from its module: the package loads none of them, so that ``ims itc`` answering from a
snapshot does not load the computation (pandas, the decision engine) it does not run."""
