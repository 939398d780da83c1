"""The catalog (steps, products, ingredients, concerns), cart, checkout, orders and payments."""
