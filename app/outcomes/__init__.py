"""What happened after Deskhand's decisions, and what that says about each category's autonomy.

derive.py (pure: a ticket snapshot and Deskhand's decisions in, new outcomes out), store.py (the
`outcomes` table), observe.py (the glue the worker and sweeps call), measures.py (autonomous
resolution and the per-category figures), ladder.py (promote / demote a category's autonomy),
charts.py (server-rendered SVG for the performance page).
"""
