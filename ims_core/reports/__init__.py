"""What people and other tools read: the records that need a decision (``worklist``), the digest's
content (``digest``), the reconciliation export (``export``), and who gets a digest when
(``subscriptions``)."""
