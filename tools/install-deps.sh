#!/usr/bin/env bash
# Install every Debian 12 package Tollgate needs to build, run and test.
# Idempotent: packages already present are skipped, and `apt-get update` runs only when
# something is missing and the package lists are absent or older than a day.
set -euo pipefail

PKGS=(
	build-essential pkg-config meson ninja-build
	dpdk dpdk-dev libdpdk-dev
	libhyperscan-dev libpcap-dev libyaml-dev libjansson-dev libmicrohttpd-dev
	zlib1g-dev libbrotli-dev libzstd-dev libcurl4-openssl-dev libcmocka-dev libssl-dev pkgconf
	clang-14 libclang-rt-14-dev
	python3 python3-scapy python3-pytest python3-pytest-xdist python3-stdnum python3-yaml
	python3-brotli python3-zstandard
	tcpdump tshark iproute2 ethtool curl openssl util-linux
	swaks python3-aiosmtpd
	logrotate python3-jsonschema
	# the event sinks: GnuTLS (syslog over TLS, webhook HMAC), librdkafka (Kafka); rsyslog
	# receives the syslog sink's messages in the tests
	libgnutls28-dev librdkafka-dev rsyslog rsyslog-gnutls
	# /metrics checked by promtool; the breach report rendered by a headless Chromium
	prometheus chromium
)

# The OpenAPI linter (tools/openapi-lint) runs on Node.js from the npm registry; use the
# machine's node/npm when present, Debian's otherwise.
command -v npm >/dev/null 2>&1 || PKGS+=(nodejs npm)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PKGS[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root (or: sudo $0) to install them" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
lists=/var/lib/apt/lists
if [ -z "$(find "$lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
	echo "install-deps: apt-get update"
	apt-get update -q
fi
# tshark asks whether non-root users may capture; answer no without a terminal.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
echo "install-deps: installing ${missing[*]}"
if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
	# Lists younger than a day can still miss a package or a version: refresh once.
	echo "install-deps: install failed; apt-get update and retry"
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
