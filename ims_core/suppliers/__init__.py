"""Suppliers: their scorecards (``scorecard``), contacts, and the follow-ups that ask them to fix
what blocks credit (``followups`` with its texts in ``drafts``, sending in ``send`` over ``mailer``)."""
