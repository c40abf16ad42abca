"""`python -m scripts.up` (what `make up` runs)."""

from scripts.up.main import main

main()
