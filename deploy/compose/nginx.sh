#!/bin/sh
# nginx of deploy/compose.yaml: deploy/nginx/nginx.conf and pushgate.conf as they are, templated
# only for the nodes' addresses (the compose services pushgate-1 and pushgate-2 instead of
# 10.0.0.11 and 10.0.0.12) and the paths of the container (logs to its stdout).
set -eu
dir=/tmp/pushgate-nginx
mkdir -p "$dir"
sed -e 's#10\.0\.0\.11:8080#pushgate-1:8080#' -e 's#10\.0\.0\.12:8080#pushgate-2:8080#' \
  -e 's#/var/log/nginx/pushgate[a-z-]*\.log#/dev/stdout#' -e 's#/var/log/nginx/error.log#/dev/stderr#' \
  /etc/pushgate/nginx/pushgate.conf >"$dir/pushgate.conf"
sed -e "s#/etc/nginx/conf.d/pushgate.conf#$dir/pushgate.conf#" -e "s#/run/nginx.pid#$dir/nginx.pid#" \
  -e 's#/var/log/nginx/access.log#/dev/stdout#' -e 's#/var/log/nginx/error.log#/dev/stderr#' \
  /etc/pushgate/nginx/nginx.conf >"$dir/nginx.conf"
nginx -t -q -c "$dir/nginx.conf"
exec nginx -c "$dir/nginx.conf" -g 'daemon off;'
