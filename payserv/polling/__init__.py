"""The polling part: user payments whose status is polled from an outside API (DESIGN §6)."""
