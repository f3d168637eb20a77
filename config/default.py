"""Every setting with its default. Override with environment variables FALLWERK_<NAME>
(values are parsed as JSON where possible, e.g. FALLWERK_DEPLOY_ON_STARTUP=false)."""

# Database URL. Empty means SQLite in the instance folder (instance/fallwerk.db).
# PostgreSQL: postgresql://user@host/db (the psycopg 3 driver is used).
DATABASE_URL = ""

# Signs session cookies and CSRF tokens. Empty means: read or create instance/secret_key (never
# commit a real key). Outside debug and testing, a key shorter than 32 characters refuses to start.
SECRET_KEY = ""

# Hash method for passwords (werkzeug.security); tests use a cheaper one.
PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password

# Sign-in throttling (webapp/throttle.py), never a lock strangers control:
# wrong passwords for one account from one client address that pause that pair, and for how long
LOGIN_MAX_FAILURES = 10
LOGIN_LOCK_SECONDS = 120
# every sign-in attempt per client address (password spraying from one client)
LOGIN_RATE_PER_CLIENT = "20 per minute"
# wrong passwords for one account from all addresses together (guessing from many); a browser the
# account signed in with before is exempt, so its owner gets in at once
LOGIN_RATE_PER_ACCOUNT = "50 per 15 minutes"
# Where the counts live: "memory://" for a single server process; "redis://127.0.0.1:6379/0" when
# several processes (gunicorn workers, several machines) must count together. A storage that does
# not answer falls back to counting in each process, with one log line.
LOGIN_THROTTLE_STORAGE = "memory://"
# Reverse proxies in front of Fallwerk that set X-Forwarded-For / X-Forwarded-Proto (nginx on the
# same machine: 1). With 0 the client address is the TCP peer: behind a proxy that would be the proxy,
# and every user would share one sign-in budget. Never more than there are: the header is forgeable.
TRUSTED_PROXIES = 0

# Seconds a client is asked to wait (Retry-After) when the database is unreachable.
OUTAGE_RETRY_AFTER = 30

# Lifetime of API bearer tokens in seconds (at most; revoked with DELETE /api/v1/auth/token, ended by
# a password change or deactivation, and like browser sessions after SESSION_IDLE_TIMEOUT unused).
API_TOKEN_TTL = 8 * 3600

# Browser sessions and API tokens live on the server (table auth_sessions). A session unused for
# SESSION_IDLE_TIMEOUT seconds ends (checked to the minute: "last seen" is written at most once a
# minute), and every session ends SESSION_LIFETIME seconds after sign-in.
SESSION_IDLE_TIMEOUT = 30 * 60
SESSION_LIFETIME = 10 * 3600

# Shortest new password a user may choose ("Passwort ändern").
PASSWORD_MIN_LENGTH = 12

# Deploy the files under WORKFLOWS_DIR when the app starts (unchanged files deploy nothing).
DEPLOY_ON_STARTUP = True

# Folder of the BPMN/DMN files that ship with Fallwerk; empty means <project>/workflows.
WORKFLOWS_DIR = ""

# Tasks per inbox page in the web UI.
INBOX_PAGE_SIZE = 25

# Largest request body (BPMN uploads included), in bytes.
MAX_CONTENT_LENGTH = 5 * 1024 * 1024

# Deepest nesting of a JSON request body (objects and arrays); deeper bodies get 400. The
# processes' data is a few levels deep; the limit keeps the parser and the engine off the stack's end.
JSON_MAX_DEPTH = 32

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

# --- Limits of the designer code one engine step runs (scripts, conditions, DMN cells, expressions) ---
# A step that goes past one fails its case with an incident (status error, the element, the limit),
# recorded in the history; an admin retries it after fixing the model or the data (issue 11).
# Seconds one step may run, measured on the clock (a step cannot use more CPU than that).
SCRIPT_TIME_LIMIT = 2.0
# Bytes a single allocation (e.g. 'x' * n) or the step's growth of the process may take.
SCRIPT_MEMORY_LIMIT = 256 * 1024 * 1024
# Bytes the case data (the stored state, as JSON) may have after a step.
CASE_DATA_LIMIT = 1024 * 1024

# --- E-mail (casework/mail/outbox.py: an outbox delivered by the scheduler, at least once: a crash between
# the server's acceptance and our "sent" mark resends the mail with the same Message-ID) ---
# SMTP server; MAIL_TLS is "none", "starttls" (usually port 587) or "ssl" (implicit TLS, port 465).
MAIL_HOST = "127.0.0.1"
MAIL_PORT = 25
MAIL_TLS = "none"
# PEM file of the CA that signed the server's certificate (an internal CA); empty: the system's CAs.
# Certificates and host names are always verified.
MAIL_CA_FILE = ""
# Login at the server; empty user name means no login.
MAIL_USERNAME = ""
MAIL_PASSWORD = ""
# From address; its domain also names the Message-ID (<outbox-ROWID@domain>) receivers dedupe by.
MAIL_SENDER = "fallwerk@localhost"
# Seconds to wait for the server.
MAIL_TIMEOUT = 10
# A mail the server does not accept is retried after 60 s, 120 s, 240 s ... (at most MAIL_RETRY_MAX_SECONDS
# apart) and marked failed after MAIL_MAX_ATTEMPTS tries; admins requeue failed mails on /admin/outbox.
MAIL_MAX_ATTEMPTS = 8
MAIL_RETRY_BASE_SECONDS = 60
MAIL_RETRY_MAX_SECONDS = 3600
# How long a delivery worker holds the mails it took; after a crash another worker sends them then.
MAIL_LEASE_SECONDS = 300
# Mails sent per scheduler tick and worker.
MAIL_BATCH_SIZE = 50
# Sent mails are deleted from the outbox after this many days (0 keeps them); the case history keeps
# the record of every notification, reminder and escalation.
MAIL_KEEP_DAYS = 90
# Absolute address of this installation, for the links in mails.
BASE_URL = "http://127.0.0.1:5000"

# --- Reminders and escalation of user tasks with a due date (workflows/README.md) ---
# Used for every user task without its own camunda:property name="reminders":
# two working days (of the case's Land) before the due date, on the due date, and an escalation to
# the supervisors one working day after it. "none" switches reminders off.
REMINDER_POLICY = "before=2wd; due; escalate=1wd"
# Day-based reminders go out at this hour, German time.
REMINDER_HOUR = 8
# Escalations of a group without a supervisor group (groups.supervisor_group_id) go to this group.
ESCALATION_FALLBACK_GROUP = "admin"

# The scheduler fires due timers (BPMN timer events, reminders, escalations) and runs the
# periodic jobs (mail delivery). SCHEDULER_ENABLED runs it in a background thread of the web
# process (`flask run`); with several web processes, or for a separate worker, set it false there
# and run `flask --app app scheduler` as its own process. Any number of schedulers may run: each
# due timer fires exactly once.
SCHEDULER_ENABLED = True
# Seconds between two passes; a timer fires at most this long after its due time (when idle).
SCHEDULER_INTERVAL = 1.0
# Due timers one pass claims at most (the rest follow on the next pass).
SCHEDULER_BATCH = 500
# Seconds a scheduler's claim on a due timer lasts; after a crash its claims are taken over then.
SCHEDULER_LEASE_SECONDS = 60

# Check every API answer against its declared model (webapp/api/spec.py); a mismatch raises. The
# tests turn it on; production leaves it off, because the answers come from our own serialiser.
API_VALIDATE_RESPONSES = False

# --- Serving in production (`make serve`, docs/deployment.md) ---
# gunicorn's worker processes (config/gunicorn.py); 0 means two per CPU core.
WORKERS = 0
# Address gunicorn listens on; keep it on loopback behind a reverse proxy (nginx) that does TLS.
BIND = "127.0.0.1:8000"
# Threads per worker (gunicorn's gthread worker); more only help when requests wait on the network.
THREADS = 1
# Scheduler processes gunicorn's master keeps running beside the workers; 0 when the scheduler runs
# as its own service (systemd unit, container) or on another machine.
SCHEDULERS = 1
# Seconds gunicorn gives in-flight requests to finish on SIGTERM before it stops a worker hard.
GRACEFUL_TIMEOUT = 30
# `make serve` refuses to start while the demo users (password "demo") exist, unless this is true.
ALLOW_DEMO = False

# --- Logs and monitoring ---
# "text" or "json" (one JSON object per line, for a log collector); every request is one line with
# its request id (also sent back as X-Request-ID), user, status and duration.
LOG_FORMAT = "text"
LOG_LEVEL = "INFO"
# /metrics answers requests from this machine (not through a proxy) and requests carrying
# "Authorization: Bearer <METRICS_TOKEN>"; empty means loopback only.
METRICS_TOKEN = ""
# --- the case file (issue 14) ---
# Where documents' bytes live: "filesystem" (DOCUMENTS_DIR, default instance/documents) or "s3"
# (an S3-compatible bucket, for several web machines; credentials from the usual AWS_* variables).
DOCUMENTS_STORAGE = "filesystem"
DOCUMENTS_DIR = ""
DOCUMENTS_S3_BUCKET = ""
DOCUMENTS_S3_ENDPOINT_URL = ""
DOCUMENTS_S3_PREFIX = "documents/"
DOCUMENTS_S3_REGION = ""
# The largest document accepted, in bytes (20 MB); larger uploads are refused with 413 before being read.
DOCUMENTS_MAX_BYTES = 20 * 1024 * 1024

# --- External tasks ---
# External tasks (camunda:type="external"): the service accounts workers sign in as, each with the
# topics it may fetch and answer (shell patterns: "credit-*", "*"). A user not listed fetches nothing.
# The demo's service account "dienst.worker" may work on every topic (demo only).
EXTERNAL_TASK_WORKERS = {"dienst.worker": ["*"]}

