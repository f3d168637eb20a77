"""Every setting with its default. Override with environment variables FALLWERK_<NAME>
(values are parsed as JSON where possible, e.g. FALLWERK_DEPLOY_ON_STARTUP=false)."""

# Database URL. Empty means SQLite in the instance folder (instance/fallwerk.db).
# PostgreSQL: postgresql://user@host/db (the psycopg 3 driver is used).
DATABASE_URL = ""

# Signs session cookies, CSRF tokens and API tokens. Empty means: read or create
# instance/secret_key (never commit a real key).
SECRET_KEY = ""

# Hash method for passwords (werkzeug.security); tests use a cheaper one.
PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password

# Wrong passwords in a row that lock an account, and for how many seconds (against guessing).
LOGIN_MAX_FAILURES = 10
LOGIN_LOCK_SECONDS = 120

# Lifetime of API bearer tokens in seconds.
API_TOKEN_TTL = 8 * 3600

# Deploy the files under WORKFLOWS_DIR when the app starts (unchanged files deploy nothing).
DEPLOY_ON_STARTUP = True

# Folder of the BPMN/DMN files that ship with Fallwerk; empty means <project>/workflows.
WORKFLOWS_DIR = ""

# Tasks per inbox page in the web UI.
INBOX_PAGE_SIZE = 25

# Largest request body (BPMN uploads included), in bytes.
MAX_CONTENT_LENGTH = 5 * 1024 * 1024

# UI languages; German first. The browser's Accept-Language picks one.
LANGUAGES = ["de", "en"]
BABEL_DEFAULT_LOCALE = "de"
BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"

# Cookies: secure flag on when served over HTTPS (set FALLWERK_SESSION_COOKIE_SECURE=true).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False

# CSRF tokens stay valid for the whole session (forms may be open for a long time).
WTF_CSRF_TIME_LIMIT = None
