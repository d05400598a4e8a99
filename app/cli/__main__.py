"""`python -m app.cli`: the `deskhand` command."""
from app.cli.main import main

main()
