#!/bin/sh
# Run by the nginx image at start (mounted into /docker-entrypoint.d/). Writes the real_ip rules
# for the proxies named in BAKERY_TRUSTED_PROXIES (comma-separated addresses or CIDR ranges):
# behind a TLS terminator, nginx then takes the client's address from X-Forwarded-For, so the app's
# per-address limits (sign-in) count each client and not the terminator. Empty: nginx is the edge
# and no forwarded address is believed.
set -eu
target="${BAKERY_REAL_IP_CONF:-/etc/nginx/bakery-real-ip.conf}"
rules=""
for proxy in $(echo "${BAKERY_TRUSTED_PROXIES:-}" | tr ',' ' '); do
    if ! echo "$proxy" | grep -Eq '^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)(/[0-9]{1,3})?$'; then
        echo "BAKERY_TRUSTED_PROXIES: '$proxy' is not an IP address or CIDR range" >&2
        exit 1
    fi
    rules="${rules}set_real_ip_from ${proxy};
"
done
if [ -n "$rules" ]; then
    printf '%sreal_ip_header X-Forwarded-For;\nreal_ip_recursive on;\n' "$rules" > "$target"
else
    : > "$target"
fi
