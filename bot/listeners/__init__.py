"""Slack listeners, one concern per module, each wired by its ``register(app, services)``."""
