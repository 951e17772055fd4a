"""The shop (DESIGN §7): a catalog of items, discounts and taxes, orders priced from it, and
payment through Stripe Checkout Sessions or PaymentIntents, marked paid by Stripe's webhook."""
