"""The Slack bot: a thin layer of listeners and Block Kit builders over ``ims_core``."""
