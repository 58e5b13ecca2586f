"""gunicorn settings for Portico: `gunicorn --config deploy/gunicorn.conf.py`.

Used by deploy/systemd/portico-web.service and the `web` service of deploy/compose.yaml.
Tuned by the environment (see .env.example): GUNICORN_BIND, GUNICORN_WORKERS,
GUNICORN_TIMEOUT, and LOG_FORMAT for gunicorn's own log lines.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"
# Synchronous workers: each handles one request at a time. 2 × cores + 1 is the usual start.
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
# A request taking longer than this is killed (and its worker restarted).
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so memory cannot creep up forever.
max_requests = 2000
max_requests_jitter = 200
# Only the proxy on this host may say the request came over HTTPS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"
# Requests are logged by the application (one JSON line each, with the request id) and by
# nginx; gunicorn logs only its own events.
accesslog = None
errorlog = "-"
# No control socket (gunicorn 25.1+ would make one in $HOME): systemd reloads with HUP.
control_socket_disable = True
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # the workers' heartbeat files, off a slow disk

if (os.environ.get("LOG_FORMAT") or "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


def worker_exit(server, worker):
    """A worker that stops gives back the periodic-schedule lease it may hold, so that
    another process takes over at once (core/periodic.py)."""
    try:
        from core.periodic import beat

        beat.stop(timeout=5)
    except Exception:  # the app may never have loaded in this worker
        server.log.debug("No embedded scheduler to stop in worker %s", worker.pid)
