"""Fixed kits (the seven-piece collection) and build-your-own routine templates."""
