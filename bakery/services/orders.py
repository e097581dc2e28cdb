"""Order rules: checkout without oversell, idempotent retries, the status workflow and history."""
