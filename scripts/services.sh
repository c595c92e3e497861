#!/usr/bin/env bash
# Makes sure the local test backends are up and configured as the tests need them:
# PostgreSQL (127.0.0.1:5432, with max_prepared_transactions > 0 for XA), MariaDB (127.0.0.1:3306), Redis (6379),
# and Debian's chromium + chromium-driver for the admin UI's browser tests (installed with apt-get when missing).
# Starts a stopped service with the machine's own start command; prints what it did. Used by .ci/run.
set -u
say() { echo "services: $*"; }
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { for _ in $(seq 1 60); do up "$1" && return 0; sleep 1; done; return 1; }

if ! up 5432 && command -v pg_ctlcluster >/dev/null 2>&1; then
  say "starting PostgreSQL"; pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start; wait_port 5432
fi
if up 5432 && command -v psql >/dev/null 2>&1; then
  mpt=$(psql -h 127.0.0.1 -U postgres -Atc "show max_prepared_transactions" 2>/dev/null || echo "")
  if [ "$mpt" = "0" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
    say "PostgreSQL max_prepared_transactions is 0; setting it to 64 (needed by XA) and restarting"
    psql -h 127.0.0.1 -U postgres -qc "ALTER SYSTEM SET max_prepared_transactions = 64"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main restart
    wait_port 5432
  fi
fi
if ! up 3306 && [ -x /usr/sbin/mariadbd ]; then
  say "starting MariaDB"; start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd; wait_port 3306
fi
if ! up 6379 && command -v redis-server >/dev/null 2>&1; then
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_port 6379
fi
# The admin UI's browser tests (AdminUiBrowserTest) drive Debian's chromium through its chromedriver.
if { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; } && command -v apt-get >/dev/null 2>&1 \
    && [ "$(id -u)" = "0" ]; then
  say "installing chromium and chromium-driver (admin UI browser tests)"
  { apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; }; } \
    || say "could not install chromium: the browser tests will skip (fail under CI=true)"
fi
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && say "chromium present" || say "chromium MISSING"
for p in 5432 3306 6379; do up "$p" && say "port $p up" || say "port $p DOWN"; done
exit 0
