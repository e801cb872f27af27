"""What tests of several packages share: documents to insert, sample months, an SMTP server."""
