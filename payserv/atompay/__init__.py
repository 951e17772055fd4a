"""atompay: event registrations paid through AtomPay (NTT DATA), DESIGN §8."""
