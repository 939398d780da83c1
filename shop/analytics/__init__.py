"""Merchant analytics: sales, codes, offers, giveaways and reminders over a date range."""
