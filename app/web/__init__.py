"""The Flask app: webhooks, the Zendesk app's API, the Intercom canvas and /admin. The top of the
house: nothing below imports it."""
