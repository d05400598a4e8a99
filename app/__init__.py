"""Deskhand: an autonomous support agent inside Zendesk or Intercom. The folders follow a ticket's journey
(README, "Where things live"); tests/unit/test_layers.py keeps each folder below the ones that use it."""
