"""The routine quiz: questions, rules, the recommendation, its pages, API and admin."""
