"""`python -m api`: serve the API with uvicorn on FAIRKEY_API_HOST:FAIRKEY_API_PORT."""

from __future__ import annotations

import uvicorn

from api.app import create_app
from api.settings import ApiSettings


def main() -> None:
    settings = ApiSettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, proxy_headers=True)


if __name__ == "__main__":
    main()
