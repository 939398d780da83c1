"""Admin for promo codes: promotions with their codes, uses, remaining uses and money given
away; bulk generation with a progress page; CSV export; redemptions; and the simulator.

`promotion` registers the promotions (with their generate, progress, export and simulator
pages), `codes` the codes, batches and redemptions; `forms` holds their forms."""

from promotions.codes.admin import codes, promotion

__all__ = ["codes", "promotion"]
