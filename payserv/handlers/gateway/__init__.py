"""HTTP endpoints of the merchant gateway (DESIGN §4), one module per noun."""
