"""Customer accounts (issue 16): sign-up, sign-in, verification and resets through
django-allauth, the account API (/api/account/...) and the /account/ pages."""
