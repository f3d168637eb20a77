"""Settings for the test suite (on top of default.py)."""

TESTING = True
PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
SECRET_KEY = "test-only-secret"
DEPLOY_ON_STARTUP = False
# tests call casework.management.fire_due() themselves, with the frozen clock
SCHEDULER_ENABLED = False
# Tests that send mail start their own SMTP server (tests/mail/conftest.py) and point the outbox at it;
# any other test's mail must never reach a real server on this machine: port 1 refuses at once.
MAIL_PORT = 1
MAIL_TIMEOUT = 2
# The suite runs on a shared, loaded machine: a 2 s step limit would fail slow-but-legal models
# (tests/engine's 505-pass gateway loop) at random. Tests of the limits set their own.
SCRIPT_TIME_LIMIT = 30.0

# every API answer in the tests is checked against its declared model
API_VALIDATE_RESPONSES = True
# The whole suite signs in from 127.0.0.1, hundreds of times a minute; the throttle's own tests
# (tests/safety/test_login_throttling.py) put the production limits back for themselves.
LOGIN_RATE_PER_CLIENT = "100000 per minute"
LOGIN_RATE_PER_ACCOUNT = "100000 per minute"
