"""Settings for the test suite (on top of default.py)."""

TESTING = True
PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
SECRET_KEY = "test-only-secret"
DEPLOY_ON_STARTUP = False
