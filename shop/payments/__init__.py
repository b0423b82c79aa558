"""Payments: cash on delivery, bank transfer by VietQR, and cards through Stripe."""
