#!/usr/bin/env bash
# TLS (BearSSL) with a test CA and server certificates made here by openssl:
# EC and RSA keys, publish and read back over HTTPS with keep-alive, DoH over
# HTTPS, and the refusals at start: plain HTTP on a non-loopback address, a
# key that does not match the certificate, half a TLS configuration.
. "$(dirname "$0")/lib_https.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }

step "a test CA and server certificates"
cd "$T" || fail "cd"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=dnsmesh-test-ca -keyout ca.key -out ca.pem 2>/dev/null || fail "CA"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >ext.cnf
mkcert()
{
	local name=$1 alg=$2
	openssl req -newkey "$alg" ${3:+-pkeyopt "$3"} -nodes -subj "/CN=localhost" \
		-keyout "$name.key" -out "$name.csr" 2>/dev/null || fail "key $name"
	openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile ext.cnf -out "$name.crt" 2>/dev/null || fail "cert $name"
	cat "$name.crt" ca.pem >"$name.chain.pem"
}
mkcert ec ec ec_paramgen_curve:P-256
mkcert rsa rsa:2048
cd - >/dev/null || fail "cd"

start_store

step "refusals at start"
DMP_HTTP_HOST=0.0.0.0 "$DM_BIN/dnsmesh-https" 2>"$T/refuse.log"
expect_eq "plain HTTP off loopback" "$?" 78
expect_has "says why" "$(cat "$T/refuse.log")" "refusing plain HTTP"
DMP_TLS_CERT=$T/ec.chain.pem DMP_TLS_KEY=$T/rsa.key "$DM_BIN/dnsmesh-https" 2>"$T/refuse.log"
expect_eq "mismatched key" "$?" 78
DMP_TLS_CERT=$T/ec.chain.pem "$DM_BIN/dnsmesh-https" 2>"$T/refuse.log"
expect_eq "cert without key" "$?" 78
DMP_TLS_CERT=$T/nonexistent.pem DMP_TLS_KEY=$T/ec.key "$DM_BIN/dnsmesh-https" 2>"$T/refuse.log"
expect_eq "missing file" "$?" 78

for alg in ec rsa; do
	step "HTTPS with an $alg key"
	BASE=https://127.0.0.1:$HTTP_PORT
	CURL_TLS="--cacert $T/ca.pem"
	start_https DMP_HTTP_RATE=0 DMP_TLS_CERT="$T/$alg.chain.pem" DMP_TLS_KEY="$T/$alg.key"
	expect_eq "publish" "$(http POST /v1/records/tls-$alg.mesh.example '{"value": "v=dmp1;t=x;tls"}')" \
		'201 {"ok": true}'
	expect_eq "read" "$(http GET /v1/records/tls-$alg.mesh.example)" \
		"200 {\"name\": \"tls-$alg.mesh.example\", \"values\": [\"v=dmp1;t=x;tls\"]}"
	out=$(curl -s $CURL_TLS -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects}' \
		"$BASE/health" "$BASE/stats" "$BASE/v1/info")
	expect_eq "one TLS connection for three requests" "$out" "100"
	out=$(curl -s -w '%{http_version} %{ssl_verify_result}' -o /dev/null $CURL_TLS "$BASE/health")
	expect_eq "HTTP/1.1, verified" "$out" "1.1 0"
	q=$(python3 -c '
import base64, struct
name = b"".join(bytes([len(l)]) + l for l in b"tls-ec.mesh.example".split(b".")) + b"\0"
msg = struct.pack(">HHHHHH", 0, 0x0100, 1, 0, 0, 0) + name + struct.pack(">HH", 16, 1)
print(base64.urlsafe_b64encode(msg).decode().rstrip("="))')
	expect_has "DoH over HTTPS" "$(curl -s $CURL_TLS "$BASE/dns-query?dns=$q" | tr -d '\0')" "v=dmp1;t=x;tls"
	expect_eq "plain HTTP to the TLS port is refused" \
		"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/health")" "000"
	out=$(curl -s -o /dev/null -w '%{http_code}' --tls-max 1.1 $CURL_TLS "$BASE/health" 2>/dev/null)
	expect_eq "TLS 1.1 is refused" "$out" "000"
	stop_https
done
