"""Gunicorn settings of the bakery container (used by the Dockerfile's CMD).

The numbers come from the environment, so docker-compose.yml can change them
without rebuilding the image.
"""

import os

bind = "0.0.0.0:5000"
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
# More than 1 switches gunicorn to the threaded worker.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Shorter than compose's stop_grace_period (30s), so requests in flight can
# finish before Docker kills the container.
graceful_timeout = 20

# Restart each worker after a while, so a slow leak cannot grow forever; the
# jitter keeps the workers from restarting all at once.
max_requests = 1000
max_requests_jitter = 100

# The heartbeat file on tmpfs: on overlayfs, writing it can stall the workers.
worker_tmp_dir = "/dev/shm"  # noqa: S108

# Port 5000 is not published: only nginx, on the compose network, can reach
# it, and its container address is not fixed. So trust the X-Forwarded-* of
# any peer. Set FORWARDED_ALLOW_IPS if the port is ever exposed.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")

# The app writes one JSON line per request itself; gunicorn's own messages go
# to stderr.
accesslog = None
errorlog = "-"

# Same as --no-control-socket on the command line: gunicorn 27 would otherwise
# create $HOME/.gunicorn/gunicorn.ctl.
control_socket_disable = True
