"""The one base class for errors a user can act on; the CLI and the bot show their message as is.

Every error a user can cause derives from it, next to what raises it: a file that cannot be imported
(``ims_core.ingest.document.IngestError``), a date or period (``ims_core.gst.dates.DateError``), an
amount (``ims_core.gst.money.AmountError``), an action the rules refuse
(``ims_core.decisions.errors.ActionRefused``), an email that cannot be sent
(``ims_core.suppliers.mailer.MailError``), a follow-up template that cannot be rendered
(``ims_core.suppliers.drafts.TemplateProblem``), a database that cannot be reached
(``ims_core.db.engine.DatabaseUnavailable``). Callers catch ``UserFacingError`` once, at their edge
(``ims_core.cli.main``, the bot's error handler), instead of translating each kind on the way.
"""


class UserFacingError(Exception):
    """An error whose message is written for the user: no traceback, exit code non-zero."""
