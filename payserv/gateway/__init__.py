"""The merchant gateway (DESIGN §4): a Razorpay-like API where merchants create orders, take
UPI and card payments, capture and refund them, and receive signed webhooks with retries."""
