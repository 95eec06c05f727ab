#!/usr/bin/env bash
# The https-frontend inside a whole node started the way a user starts it
# (dnsmeshd, with its own users when run as root): TLS with a test CA made
# here, a multi-tenant token from dnsmesh-node-admin, publish with curl, read
# back by dig and by DoH, then kill -9 the https-frontend alone: dnsmeshd
# restarts it on the same socket while DNS keeps answering, and no write is
# lost.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }

dm_step "test CA and server certificate"
mkdir -p "$T/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=dnsmesh-test-ca -keyout "$T/tls/ca.key" -out "$T/tls/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
	-keyout "$T/tls/key.pem" -out "$T/tls/csr.pem" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$T/tls/ext.cnf"
openssl x509 -req -in "$T/tls/csr.pem" -CA "$T/tls/ca.pem" -CAkey "$T/tls/ca.key" \
	-CAcreateserial -days 2 -extfile "$T/tls/ext.cnf" -out "$T/tls/cert.pem" 2>/dev/null ||
	dm_fail "openssl"
chmod 755 "$T/tls"
# The service user reads the key; in production it is 0640 root:dnsmesh-https.
chmod 644 "$T/tls/key.pem"

export DMP_TLS_CERT=$T/tls/cert.pem DMP_TLS_KEY=$T/tls/key.pem
export DMP_AUTH_MODE=multi-tenant DMP_OPERATOR_TOKEN=op-$RANDOM$RANDOM DMP_HTTP_RATE=0
export DMP_SERVED_ZONE=mesh.test DMP_DNS_APEX_NS=ns1.mesh.test
BASE=https://127.0.0.1:$HTTP_PORT
C=(curl -s --cacert "$T/tls/ca.pem")

dm_step "start the node"
dm_start
dm_wait_for 20 "https answering" bash -c "[ \"\$(${C[*]} -o /dev/null -w '%{http_code}' $BASE/health)\" = 200 ]"
[ -n "$(dm_pid https)" ] || dm_fail "dnsmeshd did not start dnsmesh-https"

dm_step "a user token, a publish, and the reads"
tok=$(dm_admin token issue alice@mesh.test --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') ||
	dm_fail "token issue"
post()
{
	"${C[@]}" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' --data-binary "{\"value\": \"$2\", \"ttl\": 600}" \
		"$BASE/v1/records/$1"
}
dm_expect_eq "publish" "$(post dmp.alice.mesh.test "v=dmp1;t=x;first")" 201
dm_expect_eq "someone else's name" "$(post dmp.bob.mesh.test nope)" 401
_has() { dm_txt "$2" | grep -q -- "$1"; }
dm_wait_for 10 "the value over DNS" _has first dmp.alice.mesh.test
q=$(python3 -c '
import base64, struct
name = b"".join(bytes([len(l)]) + l for l in b"dmp.alice.mesh.test".split(b".")) + b"\0"
msg = struct.pack(">HHHHHH", 0, 0x0100, 1, 0, 0, 0) + name + struct.pack(">HH", 16, 1)
print(base64.urlsafe_b64encode(msg).decode().rstrip("="))')
_doh() { "${C[@]}" "$BASE/dns-query?dns=$q" | tr -d '\0' | grep -q -- "$1"; }
dm_wait_for 10 "the value over DoH" _doh first

dm_step "kill -9 the https-frontend: restarted, DNS keeps answering"
old=$(dm_pid https)
kill -KILL "$old"
dm_expect_eq "DNS while https restarts" "$(dm_txt dmp.alice.mesh.test)" '"v=dmp1;t=x;first"'
_new_https() { p=$(dm_pid https); [ -n "$p" ] && [ "$p" != "$old" ]; }
dm_wait_for 20 "a new dnsmesh-https" _new_https
dm_wait_for 20 "https answering again" bash -c "[ \"\$(${C[*]} -o /dev/null -w '%{http_code}' $BASE/health)\" = 200 ]"
dm_expect_eq "publish after the restart" "$(post dmp.alice.mesh.test "v=dmp1;t=x;second")" 201
dm_wait_for 10 "the second value over DNS" _has second dmp.alice.mesh.test
dm_expect_eq "the first value survived" "$(dm_txt dmp.alice.mesh.test | grep -c first)" 1
dm_wait_for 10 "the second value over DoH" _doh second

dm_stop
