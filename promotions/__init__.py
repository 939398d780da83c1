"""Promo codes, giveaways, reminders and the email outbox."""
