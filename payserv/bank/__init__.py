"""The bank part: bank webhooks credit organization balances by INN, exactly once (DESIGN §5)."""
