#!/usr/bin/env bash
# Checks deploy/k8s/*.yaml against the Kubernetes API schemas and the repository's rules
# (check.mjs), offline once the pinned packages are installed (npm ci, package-lock.json).
# Run by K8sManifestsIT in `mvn -B verify`. Exit status 77: skipped, with the reason on the last
# line (no Node.js or npm; .ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIP: the check of deploy/k8s needs node and npm (Debian packages nodejs, npm)"
  exit 77
fi
npm ci --no-audit --no-fund --loglevel=error
node check.mjs
