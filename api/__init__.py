"""The fairkey API (one FastAPI app, `api.app.create_app`). Today: the appeal API — sign-in with
Ethereum, case evidence and timelines, appeals to sign, gasless votes to relay (README, "api")."""
