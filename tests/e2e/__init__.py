"""End-to-end tests: the bot over real HTTP against a local fake of the Slack Web API."""
