"""The marketplace's routers, in the order the OpenAPI schema lists them: the deployment, listings,
profiles, orders (one order, its actions, the contest; a caller's own orders) and the platform
dashboard. `create_app` includes them all (api/app.py)."""

from __future__ import annotations

from api.config_route import router as deployment_router
from api.dashboard.router import router as dashboard_router
from api.listings.router import router as listings_router
from api.orders.mine import router as my_orders_router
from api.profiles.router import router as profiles_router

MARKET_ROUTERS = (
    deployment_router,
    listings_router,
    profiles_router,
    my_orders_router,
    dashboard_router,
)
