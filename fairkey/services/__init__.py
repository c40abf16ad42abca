"""Long-running services started by `make up`; each module has one job."""
