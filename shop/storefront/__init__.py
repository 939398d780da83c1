"""The storefront's own pages: the home page (which shows the routine, the kits and the
current giveaway) and the help pages linked from every page's footer."""
