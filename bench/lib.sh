# Shared by bench/run and bench/recovery (sourced, not run).

# The store section of a TM config for a fresh benchmark store: embedded (in DIR/data), postgres (db test, schema
# jdtm_bench), mysql (db jdtm_bench), redis (prefix {bench}). Usage: store_yaml ENGINE DIR; returns 2 for others.
store_yaml() {
  case "$1" in
    embedded) printf 'Store:\n  Driver: boltdb\n  DataDir: %s/data\n' "$2" ;;
    postgres) printf 'Store:\n  Driver: postgres\n  Host: 127.0.0.1\n  Port: 5432\n  User: postgres\n  Password: ""\n  Db: test\n  Schema: jdtm_bench\n  MaxOpenConns: 32\n' ;;
    mysql) printf 'Store:\n  Driver: mysql\n  Host: 127.0.0.1\n  Port: 3306\n  User: root\n  Password: ""\n  Db: jdtm_bench\n  MaxOpenConns: 32\n' ;;
    redis) printf 'Store:\n  Driver: redis\n  Host: 127.0.0.1\n  Port: 6379\n  RedisPrefix: "{bench}"\n' ;;
    *) return 2 ;;
  esac
}

# The config of the nginx that plays the business service (RM): one worker on 127.0.0.1:PORT answering every path
# with DIRECTIVE, its pid, logs and temporary files in DIR. Usage: rm_nginx_conf DIR PORT DIRECTIVE
rm_nginx_conf() {
  cat <<NGINX
worker_processes 1;
pid $1/nginx.pid;
error_log $1/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1/nginx-tmp;
  proxy_temp_path $1/nginx-tmp;
  fastcgi_temp_path $1/nginx-tmp;
  uwsgi_temp_path $1/nginx-tmp;
  scgi_temp_path $1/nginx-tmp;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$2;
    location / { default_type application/json; $3 }
  }
}
NGINX
}
