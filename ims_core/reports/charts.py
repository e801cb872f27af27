"""A picture of the credit: the ITC position over the last six return periods and the suppliers with the
most tax at risk, as one PNG with its alt text.

The figures are the digest's (:func:`ims_core.reports.digest.figures_of` over
:func:`ims_core.itc.position.itc_position` per period, through its snapshot): claimable is GSTR-3B Table 4C,
blocked is what is kept pending or not reported, at risk is counted in 4A but in question, all net (a
credit note's tax counts negative). Drawn with matplotlib's Agg canvas on a
:class:`~matplotlib.figure.Figure` of its own (no display, no pyplot's global state), so a bot thread
and the ``ims itc --chart`` command draw alike. Money is exact until it is drawn: bar lengths are floats
of rupees, the labels are ``format_inr``'s.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from ims_core.gst.dates import period_label, previous_period
from ims_core.gst.money import format_inr
from ims_core.itc.figures import ItcPosition
from ims_core.itc.snapshots import position_figures
from ims_core.reports.digest import ItcFigures, figures_of
from ims_core.suppliers.names import supplier_names

MONTHS = 6
TOP_SUPPLIERS = 5
ALT_TEXT_LIMIT = 1000  # Slack reads at most this many characters of a file's alt text
SERIES = (("Claimable (4C)", "claimable_paise", "#2e7d32"), ("Blocked", "blocked_paise", "#f9a825"),
          ("At risk", "at_risk_paise", "#c62828"))


@dataclass(frozen=True)
class SupplierRisk:
    gstin: str
    name: str
    at_risk_paise: int


@dataclass(frozen=True)
class CreditPicture:
    """What the chart shows: the figures of each period, oldest first, and the top suppliers at risk in
    the last one."""

    recipients: list[str]
    months: list[tuple[str, ItcFigures]]
    suppliers: list[SupplierRisk]

    @property
    def period(self) -> str:
        return self.months[-1][0]


@dataclass(frozen=True)
class Chart:
    png: bytes
    alt_text: str
    title: str
    filename: str


def credit_picture(session: Session, gstins: Sequence[str], period: str, today: dt.date,
                   months: int = MONTHS, top: int = TOP_SUPPLIERS) -> CreditPicture:
    """The position of ``gstins`` for ``period`` and the ``months - 1`` periods before it."""
    periods = [period]
    while len(periods) < months:
        periods.insert(0, previous_period(periods[0]))
    history = []
    latest: list[ItcPosition] = []
    for each in periods:
        positions = [position_figures(session, recipient_gstin=gstin, period=each, today=today)
                     for gstin in gstins]
        history.append((each, figures_of(positions)))
        latest = positions
    return CreditPicture(list(gstins), history, _top_at_risk(session, latest, top))


def _top_at_risk(session: Session, positions: Sequence[ItcPosition], top: int) -> list[SupplierRisk]:
    by_supplier: dict[str, int] = defaultdict(int)
    for position in positions:
        for gstin, paise in position.at_risk_by_supplier().items():
            by_supplier[gstin] += paise
    ranked = sorted((item for item in by_supplier.items() if item[1] > 0), key=lambda i: (-i[1], i[0]))[:top]
    names = supplier_names(session, [gstin for gstin, _ in ranked])
    return [SupplierRisk(gstin, names.get(gstin, ""), paise) for gstin, paise in ranked]


def alt_text(picture: CreditPicture) -> str:
    """The chart in words, for screen readers and notifications: every bar's figure."""
    months = "; ".join(
        f"{period_label(period)}: claimable {format_inr(f.claimable_paise)}, blocked "
        f"{format_inr(f.blocked_paise)}, at risk {format_inr(f.at_risk_paise)}"
        for period, f in picture.months)
    suppliers = "; ".join(f"{s.name or s.gstin} ({s.gstin}) {format_inr(s.at_risk_paise)}"
                          for s in picture.suppliers) or "none"
    text = (f"ITC position of {', '.join(picture.recipients)} by month, net tax. {months}. Top suppliers by "
            f"tax at risk in {period_label(picture.period)}: {suppliers}.")
    return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"


def short_inr(rupees: float) -> str:
    """An axis label: ``₹4.5 L`` (lakh), ``₹1.2 Cr`` (crore), or whole rupees below a lakh."""
    sign, value = ("-" if rupees < 0 else ""), abs(rupees)
    if value >= 1e7:
        return f"{sign}₹{value / 1e7:.1f} Cr"
    if value >= 1e5:
        return f"{sign}₹{value / 1e5:.1f} L"
    return f"{sign}{format_inr(round(value) * 100)[:-3]}"


def render(picture: CreditPicture) -> Chart:
    """The picture as a PNG: grouped bars by month on the left, the top suppliers at risk on the right."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure = Figure(figsize=(11, 4.4), dpi=100)  # margins set by hand: a layout engine draws it twice
    FigureCanvasAgg(figure)
    margins = dict(left=0.07, right=0.94, bottom=0.17, top=0.86, wspace=0.62)
    history, risk = figure.subplots(1, 2, width_ratios=(3, 2), gridspec_kw=margins)
    labels = [period_label(period) for period, _ in picture.months]
    width = 0.8 / len(SERIES)
    for n, (name, attribute, colour) in enumerate(SERIES):
        values = [getattr(f, attribute) / 100 for _, f in picture.months]
        offsets = [i + (n - 1) * width for i in range(len(labels))]
        history.bar(offsets, values, width, label=name, color=colour)
    history.set_xticks(range(len(labels)), labels)
    history.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: short_inr(value)))
    history.axhline(0, color="#555555", linewidth=0.6)
    history.set_title("ITC position by month (net tax)")
    history.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=len(SERIES), fontsize="small",
                   frameon=False)
    _draw_risk(risk, picture, FuncFormatter(lambda value, _pos: short_inr(value)), MaxNLocator)
    title = f"ITC position to {period_label(picture.period)}"
    figure.suptitle(f"{title} · {', '.join(picture.recipients)}", fontsize="medium")
    out = io.BytesIO()
    figure.savefig(out, format="png", pil_kwargs={"compress_level": 1})  # a third of the time, +10 % bytes
    return Chart(out.getvalue(), alt_text(picture), title, f"itc-{picture.period}.png")


def _draw_risk(axes, picture: CreditPicture, formatter, locator) -> None:  # matplotlib's Axes and classes
    axes.set_title(f"Top suppliers by tax at risk, {period_label(picture.period)}")
    if not picture.suppliers:
        axes.text(0.5, 0.5, "Nothing at risk", ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return
    shown = list(reversed(picture.suppliers))  # the largest on top
    names = [_clip(s.name or s.gstin, 24) for s in shown]
    values = [s.at_risk_paise / 100 for s in shown]
    bars = axes.barh(range(len(shown)), values, color=SERIES[2][2])
    axes.set_yticks(range(len(shown)), names)
    axes.xaxis.set_major_locator(locator(4))
    axes.xaxis.set_major_formatter(formatter)
    axes.bar_label(bars, labels=[short_inr(v) for v in values], padding=3, fontsize="small")
    axes.set_xlim(0, max(values) * 1.3)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def credit_chart(session: Session, gstins: Sequence[str], period: str, today: dt.date) -> Chart:
    """The chart of ``gstins`` for the six periods to ``period``, as of ``today``."""
    return render(credit_picture(session, gstins, period, today))
