"""The reconciliation core of the IMS assistant: knows GST, knows nothing of Slack."""

__version__ = "0.1.0"
