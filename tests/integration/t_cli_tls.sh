#!/usr/bin/env bash
# The CLI's TLS client (BearSSL) against an HTTPS server with a self-signed
# certificate: writes and DoH reads succeed with the pinned SHA-256
# fingerprint, and fail with one clear line for a wrong pin, an unpinned IP
# address and a certificate that names another host. The server is the
# development stand-in (HTTP API + DoH), so only the client is under test.
set -uo pipefail
: "${DM_BIN:?DM_BIN must point at the bin directory of a build}"
DM_SRC=${DM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
CLI=$DM_BIN/dnsmesh
for tool in python3 openssl; do
	command -v $tool >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/dm-t_cli_tls.XXXXXX")
NODE_PID=
cleanup()
{
	local rc=$?
	[ -n "$NODE_PID" ] && kill "$NODE_PID" 2>/dev/null && wait "$NODE_PID" 2>/dev/null
	if [ "$rc" -eq 0 ]; then echo "PASS t_cli_tls"; rm -rf "$T"; else
		echo "FAIL t_cli_tls (files in $T)" >&2; fi
	exit "$rc"
}
trap cleanup EXIT
fail() { echo "FAIL [t_cli_tls]: $*" >&2; exit 1; }

ports=$(python3 "$DM_SRC/tests/integration/free_ports.py" 2)
DNS_PORT=$(sed -n 1p <<<"$ports")
HTTPS_PORT=$(sed -n 2p <<<"$ports")
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj /CN=node.test \
	-addext "subjectAltName=DNS:node.test,IP:127.0.0.1" 2>/dev/null || fail "openssl"
PIN=$(openssl x509 -in "$T/cert.pem" -outform DER | sha256sum | cut -d' ' -f1)
python3 "$DM_SRC/tests/integration/cli_stand_in_node.py" --dns-port "$DNS_PORT" \
	--http-port "$HTTPS_PORT" --cert "$T/cert.pem" --key "$T/key.pem" --ready "$T/ready" \
	2>"$T/node.log" &
NODE_PID=$!
for _ in $(seq 100); do [ -f "$T/ready" ] && break; sleep 0.1; done
[ -f "$T/ready" ] || fail "stand-in did not start"

export DMP_CONFIG_HOME=$T/u DMP_PASSPHRASE="tls user"
CFG=$T/u/config.yaml
# Plain DNS points at a dead port: every read must go over DoH.
"$CLI" init tls --domain mesh.test --endpoint "https://127.0.0.1:$HTTPS_PORT" \
	--dns-host 127.0.0.1 --dns-port 9 --tls-pin "$PIN" \
	--doh-url "https://127.0.0.1:$HTTPS_PORT/dns-query" >/dev/null || fail "init"

"$CLI" identity publish >"$T/out" 2>&1 || { cat "$T/out"; fail "publish over pinned https"; }
"$CLI" identity fetch tls >"$T/out" 2>&1 || { cat "$T/out"; fail "fetch over pinned DoH"; }
grep -q "username:           tls" "$T/out" || fail "fetch output"

sed -i "s/^tls_pin_sha256: .*/tls_pin_sha256: $(printf 'ab%.0s' {1..32})/" "$CFG"
"$CLI" identity fetch tls >"$T/out" 2>&1 && fail "wrong pin accepted"
grep -q "^dnsmesh: .*certificate not trusted" "$T/out" || { cat "$T/out"; fail "wrong pin message"; }

sed -i "/^tls_pin_sha256/d" "$CFG"
"$CLI" identity publish >"$T/out" 2>&1 && fail "unpinned IP accepted"
grep -q "^dnsmesh: .*cannot be checked for an IP address" "$T/out" || { cat "$T/out"; fail "IP message"; }

sed -i "s|^endpoint: .*|endpoint: https://localhost:$HTTPS_PORT|" "$CFG"
"$CLI" identity publish >"$T/out" 2>&1 && fail "unknown CA / wrong name accepted"
grep -q "^dnsmesh: publish to .*localhost:$HTTPS_PORT.*certificate" "$T/out" ||
	{ cat "$T/out"; fail "name/CA message"; }
exit 0
