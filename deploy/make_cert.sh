#!/bin/sh
# A self-signed TLS certificate for the loopback proxy (deploy/run_replicas.py calls this at start-up).
# Usage: deploy/make_cert.sh <directory> [days]
# Writes <directory>/tls.crt and <directory>/tls.key (mode 0600) for CN=localhost with subjectAltName
# localhost and 127.0.0.1. The runtime directory is git-ignored: a certificate is never committed.
# For a real deployment use a certificate from your CA or ACME (docs/deployment.md §2).
set -eu
dir=${1:?usage: make_cert.sh <directory> [days]}
days=${2:-30}
mkdir -p "$dir"
umask 077
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
    -keyout "$dir/tls.key" -out "$dir/tls.crt" \
    -subj "/CN=localhost/O=Novamind local proxy" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
chmod 600 "$dir/tls.key"
echo "$dir/tls.crt"
