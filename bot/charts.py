"""Charts into Slack: the core draws them (``ims_core.reports.charts``); this only uploads them with
``files_upload_v2`` (files.getUploadURLExternal, the bytes POSTed to the URL it gives, then
files.completeUploadExternal to share the file in a channel), with the chart's alt text.

A digest's chart goes with the first post of that digest, once per channel and day: the digest's own
claim on its first page (``bot.digest``) already makes that post happen once, so the chart needs no
record of its own. A chart that cannot be drawn or uploaded is logged and the digest stands: the
figures are in the digest's text anyway.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.common import esc, user_ref
from ims_core.db import session_scope
from ims_core.reports.charts import Chart, credit_chart, credit_picture, render

logger = logging.getLogger(__name__)


def upload_chart(client: WebClient, chart: Chart, *, channel: str, comment: str = "") -> str:
    """Share ``chart`` in ``channel``; returns the file's id. Slack's refusals raise ``SlackApiError``."""
    response = client.files_upload_v2(
        file=chart.png,
        filename=chart.filename,
        title=chart.title,
        alt_txt=esc(chart.alt_text),  # it names suppliers, from files
        channel=channel,
        initial_comment=comment or None,
    )
    return response["file"]["id"]


def post_digest_chart(client: WebClient, engine, *, channel_id: str, day: dt.date,  # Engine
                      gstins: Sequence[str], period: str | None) -> str | None:
    """The credit chart under a digest just posted; None when there is no period or it failed."""
    if not period or not gstins:
        return None
    try:
        with session_scope(engine) as session:
            chart = credit_chart(session, gstins, period, day)
        return upload_chart(client, chart, channel=channel_id,
                            comment=f"The credit in pictures, {day.day} {day:%b %Y}")
    except Exception:  # the digest is posted; a chart is a picture of figures it already shows
        logger.warning("the digest chart for %s could not be posted", channel_id, exc_info=True)
        return None


def post_command_chart(client: WebClient, engine, *, gstins: Sequence[str], period: str,  # Engine
                       today: dt.date, channel: str, user: str, response_url: str) -> str | None:
    """``/ims itc``'s chart, drawn after its figures were answered and shared in the channel it was
    asked in; a failure is told to the asker through the command's ``response_url``. Runs on a
    listener thread after the answer, so the figures never wait for the drawing."""
    respond = Respond(response_url=response_url)
    try:
        with session_scope(engine) as session:
            picture = credit_picture(session, gstins, period, today)
        return upload_chart(client, render(picture), channel=channel,
                            comment=f"ITC position, asked for by {user_ref(user)}")
    except SlackApiError as exc:
        if exc.response.get("error") in ("not_in_channel", "channel_not_found"):
            respond(text="I could not post the chart here: invite me with /invite, then ask again.",
                    response_type="ephemeral", replace_original=False)
            return None
        logger.warning("the /ims itc chart could not be posted in %s", channel, exc_info=True)
    except Exception:  # told, not raised: nothing after this thread would tell the asker
        logger.warning("the /ims itc chart could not be drawn for %s", channel, exc_info=True)
    respond(text="I could not post the chart this time; the figures above stand.", response_type="ephemeral",
            replace_original=False)
    return None
