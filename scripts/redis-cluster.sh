#!/usr/bin/env bash
# A local Redis Cluster of 3 masters + 3 replicas on 127.0.0.1, for trying and benchmarking jdtm's cluster mode
# (docs/storage.md, "Redis Cluster"). The JUnit helper io.jdtm.server.store.redis.RedisClusterProcess takes the
# same steps from Java.
#
#   scripts/redis-cluster.sh start DIR PORT1 .. PORT6   # 6 fresh redis-server processes, data and logs in DIR/<port>
#   scripts/redis-cluster.sh stop DIR                   # stops the processes started with DIR (by their pid files)
#
# Then: STORE_DRIVER=redis STORE_HOST=127.0.0.1:PORT1,127.0.0.1:PORT2 STORE_PORT=PORT1 ./jdtm
# Each node: cluster mode, AOF with appendfsync everysec, cluster-node-timeout 2000 ms (a killed master's replica
# takes over within a few seconds). Needs redis-server and redis-cli (Redis 7).
set -eu
say() { echo "redis-cluster: $*"; }
die() { echo "redis-cluster: $*" >&2; exit 1; }

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start DIR PORT1..PORT6 | stop DIR"

case "$cmd" in
start)
  shift 2
  [ $# -eq 6 ] || die "start needs 6 ports (3 masters, 3 replicas), got $#"
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || die "redis-server and redis-cli are needed"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  nodes=()
  for port in "$@"; do
    rm -rf "${dir:?}/$port" && mkdir -p "$dir/$port" # a fresh node: an old nodes.conf would refuse to join
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir/$port" \
      --pidfile "$dir/$port/redis.pid" --logfile "$dir/$port/redis.log" \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
      --appendonly yes --appendfsync everysec --save ""
    nodes+=("127.0.0.1:$port")
  done
  for port in "$@"; do
    for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -p "$port" ping >/dev/null 2>&1 || die "node $port did not start (see $dir/$port/redis.log)"
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 \
    || die "cluster create failed (see $dir/create.log)"
  # ready: every node sees cluster_state:ok and the 3 replicas have synced with their masters
  for _ in $(seq 1 300); do
    ok=1
    synced=0
    for port in "$@"; do
      redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || ok=0
      redis-cli -p "$port" info replication 2>/dev/null | grep -q '^master_link_status:up' && synced=$((synced + 1))
    done
    [ $ok -eq 1 ] && [ $synced -eq 3 ] && { say "up: ${nodes[*]}"; exit 0; }
    sleep 0.1
  done
  die "the cluster was not ok with 3 synced replicas within 30 s"
  ;;
stop)
  for pidfile in "$dir"/*/redis.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null && say "stopped pid $pid ($(basename "$(dirname "$pidfile")"))" || true
  done
  ;;
*)
  die "unknown command '$cmd'; use start or stop"
  ;;
esac
