"""The `fairkey` command line (Typer): merchants, buyers and anyone settling deadlines."""
