#!/bin/sh
# Prometheus of deploy/compose.yaml: deploy/prometheus/prometheus.yml and alerts.yml as they are,
# templated only for the targets (the compose services pushgate-1 and pushgate-2 instead of
# pushgate-N.internal) and the cluster label.
set -eu
dir=/prometheus/pushgate
mkdir -p "$dir"
cp /etc/pushgate/prometheus/alerts.yml "$dir/alerts.yml"
sed -e 's#pushgate-\([12]\)\.internal:9090#pushgate-\1:9090#' -e '/pushgate-[3-9]\.internal:9090/d' \
  -e 's#cluster: prod#cluster: compose#' \
  /etc/pushgate/prometheus/prometheus.yml >"$dir/prometheus.yml"
exec prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path=/prometheus/data \
  --web.listen-address=:9090
