"""A person's data: the privacy notice and consents, log-in history, seeing, correcting and
erasing what the shop holds about someone (Law No. 91/2025/QH15, Decree 13/2023/ND-CP)."""
