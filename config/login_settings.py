"""The login limits' settings (config/login_limits.py, django-axes), star-imported by
config/settings.py: environment first, then axes wired to our handler, client and answer."""

import os
from datetime import timedelta

# Failed logins allowed per client and per account in each window (seconds), then 429.
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW", "900"))
LOGIN_FAILURES_PER_CLIENT = int(os.environ.get("LOGIN_FAILURES_PER_CLIENT", "30"))
LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "10"))

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked client or account first
    "django.contrib.auth.backends.ModelBackend",  # staff: username and password (admin, token)
    "allauth.account.auth_backends.AuthenticationBackend",  # customers: email and password
]
AXES_HANDLER = "config.login_limits.LoginLimitsHandler"
AXES_USERNAME_CALLABLE = "config.login_limits.login_name"
AXES_CLIENT_IP_CALLABLE = "config.client.client_ip"
AXES_LOCKOUT_CALLABLE = "config.login_limits.lockout_response"
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
# Our handler holds each parameter to its own limit; axes' one limit is only the larger.
AXES_FAILURE_LIMIT = max(LOGIN_FAILURES_PER_CLIENT, LOGIN_FAILURES_PER_ACCOUNT)
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_FAILURE_WINDOW)
# A refused attempt while locked is not another failure: the lock ends with its window.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ADMIN = False  # its admin lists the database handler's rows; ours counts in the cache
AXES_VERBOSE = False

# Customer accounts: django-allauth (shop/accounts/). Email is the login; a shopper may sign in
# before verifying (guests can buy anyway), and gets a verification link at sign-up.
ACCOUNT_ADAPTER = "shop.accounts.adapter.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "shop.accounts.forms.SignupDetailsForm"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # the link opens a page whose button confirms (CSRF, POST)
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# allauth's own limits, keyed on config.client.client_ip through the adapter; failed password
# logins are counted by the limits above (axes), not twice.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
LOGIN_URL = "/account/login/"
LOGIN_REDIRECT_URL = "/account/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_FORMS = {"signup": "shop.accounts.signup.SignupForm"}
