#!/usr/bin/env bash
# Bytes per kept feed event in a node: the embedded broker's rings and a node's windows of served
# feeds (bench/stored-feed/StoredFeedHeap.java, run against the built jar). Redis' side (MEMORY USAGE
# of a feed's stream) is bench/feed-bytes.sh. Recorded in bench/RESULTS.md, "Bytes per kept feed event".
#
# Usage (after `mvn -q -DskipTests package`; builds nothing):
#   bench/stored-feed-bytes.sh [feeds, default 100] [events per feed = cap, default 1000] [text bytes, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
feeds="${1:-100}"
events="${2:-1000}"
size="${3:-32}"
jar=gateway/target/pushgate.jar
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 1; }
# SoftRefLRUPolicyMSPerMB=0: the source launcher's compiler leaves softly held caches, which GCs would
# otherwise clear between the readings (they showed as negative bytes).
java -XX:+UseSerialGC -XX:SoftRefLRUPolicyMSPerMB=0 -Xmx2g -cp "$jar" bench/stored-feed/StoredFeedHeap.java "$feeds" "$events" "$size"
