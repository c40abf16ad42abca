"""The platform dashboard: how after-sales cases are resolved, how fast, and what is wrong now."""
