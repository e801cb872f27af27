"""Pure Block Kit builders: data in, slack_sdk model objects out (``to_dict()`` checks Slack's limits)."""
