/*
 * The https-frontend's request handling without sockets: the HTTP reader's
 * refusals (smuggling shapes, caps), the request validators, and the API's
 * status codes and JSON for every endpoint and auth mode (node.md §5-§8,
 * §11), over the in-memory backend.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/codec/hex.h"
#include "common/dmp/claim.h"
#include "common/dmp/registration.h"
#include "common/dns/table.h"
#include "tests/unit/https_mem.h"
#include "tests/unit/test.h"

static uint64_t clock_ms = 1767225600000ULL;
static uint64_t wall(void)
{
	return clock_ms;
}
static uint64_t mono(void)
{
	return clock_ms;
}

struct resp {
	int status;
	char body[70000];
	size_t len;
	char extra[200];
	bool close;
	bool answered;
};

static void on_done(struct api_call *c)
{
	struct resp *r = c->owner;
	r->status = c->status;
	r->len = c->body.len < sizeof(r->body) - 1 ? c->body.len : sizeof(r->body) - 1;
	if (r->len)
		memcpy(r->body, c->body.p, r->len);
	r->body[r->len] = '\0';
	snprintf(r->extra, sizeof(r->extra), "%s", c->extra);
	r->close = c->close;
	r->answered = true;
}

/* Feeds `raw` and answers the first request (or the refusal). */
static struct resp *run(struct api *a, const char *raw, size_t len)
{
	static struct resp r;
	struct http_reader rd;
	struct api_call call;
	size_t used;
	memset(&r, 0, sizeof(r));
	memset(&call, 0, sizeof(call));
	http_reader_init(&rd);
	call.api = a;
	call.done = on_done;
	call.owner = &r;
	snprintf(call.peer, sizeof(call.peer), "192.0.2.1");
	enum http_event ev = http_reader_feed(&rd, (const uint8_t *)raw, len, &used);
	if (ev == HTTP_EV_REQUEST) {
		struct http_request *q = http_reader_take(&rd);
		call.req = q;
		api_handle(&call);
		free(q);
	} else if (ev == HTTP_EV_ERROR) {
		api_refuse(&call, rd.error_status, rd.error_msg);
	}
	api_call_clear(&call);
	http_reader_done(&rd);
	return &r;
}

static struct resp *req(struct api *a, const char *method, const char *path, const char *auth,
			const char *body)
{
	static char raw[80000];
	char ah[700] = "";
	if (auth != NULL)
		snprintf(ah, sizeof(ah), "Authorization: %s\r\n", auth);
	int n = snprintf(raw, sizeof(raw),
			 "%s %s HTTP/1.1\r\nHost: t\r\n%sContent-Length: %zu\r\n\r\n%s", method,
			 path, ah, body ? strlen(body) : 0, body ? body : "");
	return run(a, raw, (size_t)n);
}

static bool has(const struct resp *r, const char *s)
{
	return strstr(r->body, s) != NULL;
}

/* ---- the reader ---- */

static int refusal(const char *raw)
{
	struct http_reader rd;
	size_t used;
	http_reader_init(&rd);
	enum http_event ev = http_reader_feed(&rd, (const uint8_t *)raw, strlen(raw), &used);
	int st = ev == HTTP_EV_ERROR ? rd.error_status : ev == HTTP_EV_REQUEST ? 0 : -1;
	http_reader_done(&rd);
	return st;
}

static void test_reader(void)
{
	struct http_reader rd;
	size_t used;
	const char two[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\n"
			   "Content-Length: 2\r\n\r\n{}";
	http_reader_init(&rd);
	CHECK_EQ(http_reader_feed(&rd, (const uint8_t *)two, strlen(two), &used), HTTP_EV_REQUEST);
	struct http_request *q = http_reader_take(&rd);
	CHECK_STR(q->target, "/a");
	CHECK(q->keep_alive);
	free(q);
	size_t off = used;
	CHECK_EQ(http_reader_feed(&rd, (const uint8_t *)two + off, strlen(two) - off, &used),
		 HTTP_EV_REQUEST);
	q = http_reader_take(&rd);
	CHECK_STR(q->target, "/b");
	CHECK_EQ(q->body_len, 2);
	CHECK_EQ(off + used, strlen(two));
	free(q);
	http_reader_done(&rd);

	/* byte by byte */
	http_reader_init(&rd);
	enum http_event ev = HTTP_EV_MORE;
	for (size_t i = 0; i < strlen(two) && ev == HTTP_EV_MORE; i++)
		ev = http_reader_feed(&rd, (const uint8_t *)two + i, 1, &used);
	CHECK_EQ(ev, HTTP_EV_REQUEST);
	free(http_reader_take(&rd));
	http_reader_done(&rd);

	CHECK_EQ(refusal("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
	CHECK_EQ(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: "
			 "chunked\r\n\r\n"),
		 400);
	CHECK_EQ(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
			 "Content-Length: 3\r\n\r\n"),
		 400);
	CHECK_EQ(
	    refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n"),
	    400);
	CHECK_EQ(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3x\r\n\r\n"), 400);
	CHECK_EQ(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"), 400);
	CHECK_EQ(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\n\r\n"), 413);
	CHECK_EQ(
	    refusal("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n"),
	    400);
	CHECK_EQ(refusal("GET / HTTP/1.1\r\n\r\n"), 400); /* 1.1 without Host */
	CHECK_EQ(refusal("GET / HTTP/1.0\r\n\r\n"), 0);
	CHECK_EQ(refusal("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), 505);
	CHECK_EQ(refusal("BREW / HTTP/1.1\r\nHost: x\r\n\r\n"), 501);
	CHECK_EQ(refusal("GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n"), -1); /* strlen stops */
	{
		const char nul[] = "GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n";
		http_reader_init(&rd);
		CHECK_EQ(http_reader_feed(&rd, (const uint8_t *)nul, sizeof(nul) - 1, &used),
			 HTTP_EV_ERROR);
		CHECK_EQ(rd.error_status, 400);
		http_reader_done(&rd);
	}
	static char big[20000];
	int n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ");
	memset(big + n, 'a', 9000);
	strcpy(big + n + 9000, "\r\n\r\n");
	CHECK_EQ(refusal(big), 431);
	/* chunked bodies are decoded and capped */
	http_reader_init(&rd);
	const char ch[] = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
			  "2\r\n{}\r\n0\r\n\r\n";
	CHECK_EQ(http_reader_feed(&rd, (const uint8_t *)ch, strlen(ch), &used), HTTP_EV_REQUEST);
	q = http_reader_take(&rd);
	CHECK_STR((char *)q->body, "{}");
	free(q);
	http_reader_done(&rd);
	/* HTTP/1.0 closes unless asked */
	http_reader_init(&rd);
	const char h10[] = "GET / HTTP/1.0\r\n\r\n";
	CHECK_EQ(http_reader_feed(&rd, (const uint8_t *)h10, strlen(h10), &used), HTTP_EV_REQUEST);
	q = http_reader_take(&rd);
	CHECK(!q->keep_alive);
	CHECK_EQ(q->minor, 0);
	free(q);
	http_reader_done(&rd);
}

static void test_validators(void)
{
	char out[API_NAME_MAX + 1];
	CHECK_EQ(api_record_name("Foo.Example.COM", 15, out), 0);
	CHECK_STR(out, "foo.example.com");
	CHECK_EQ(api_record_name("%20a.b.%2E", 10, out), 0);
	CHECK_STR(out, "a.b");
	CHECK_EQ(api_record_name("a%2Fb.c", 7, out), DM_EINVAL);
	CHECK_EQ(api_record_name("a%00b.c", 7, out), DM_EINVAL);
	CHECK_EQ(api_record_name("a%zzb.c", 7, out), DM_EINVAL);
	CHECK_EQ(api_record_name("a%2", 3, out), DM_EINVAL);
	CHECK_EQ(api_record_name("a..b", 4, out), DM_EINVAL);
	CHECK_EQ(api_record_name("...", 3, out), DM_EINVAL);
	CHECK_EQ(api_record_name("a%20b.c", 7, out), DM_EINVAL);
	CHECK_EQ(api_record_name("caf%C3%A9.com", 13, out), DM_EINVAL);
	char longname[300];
	memset(longname, 'a', 63);
	longname[63] = '.';
	memset(longname + 64, 'b', 64);
	CHECK_EQ(api_record_name(longname, 128, out), DM_EINVAL); /* a 64-byte label */

	json_t *j = api_parse_body((const uint8_t *)"", 0);
	CHECK(json_is_object(j));
	json_decref(j);
	CHECK(api_parse_body((const uint8_t *)"[1,2]", 5) == NULL);
	CHECK(api_parse_body((const uint8_t *)"{\"a\":1,\"a\":2}", 13) == NULL);
	CHECK(api_parse_body((const uint8_t *)"{\"a\":\"\\u0000\"}", 14) == NULL);
	CHECK(api_parse_body((const uint8_t *)"{\"a\":\"\xff\"}", 9) == NULL);
	char deep[100];
	int n = 0;
	for (int i = 0; i < 20; i++)
		n += sprintf(deep + n, "[");
	for (int i = 0; i < 20; i++)
		n += sprintf(deep + n, "]");
	CHECK_EQ(api_json_depth((const uint8_t *)deep, (size_t)n), 20);
	CHECK(api_parse_body((const uint8_t *)deep, (size_t)n) == NULL);
	CHECK_EQ(api_json_depth((const uint8_t *)"{\"[[[\":1}", 9), 1);

	/* RFC 8484 §4.1.1 example: www.example.com A */
	uint8_t q[64];
	size_t qlen;
	const char *ex = "AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB";
	CHECK_EQ(api_b64url_decode(ex, strlen(ex), q, sizeof(q), &qlen), 0);
	CHECK_EQ(qlen, 33);
	CHECK_EQ(q[12], 3);
	CHECK(api_b64url_decode("AAA=", 4, q, sizeof(q), &qlen) != 0);
	CHECK(api_b64url_decode("AA+A", 4, q, sizeof(q), &qlen) != 0);
	CHECK(api_b64url_decode("A", 1, q, sizeof(q), &qlen) != 0);
}

/* ---- the API ---- */

static struct mem_backend mem;
static struct dm_config cfg;
static struct dm_dns_config dns;
static struct dm_dns_table *table;

static void api_setup(struct api *a)
{
	struct api_backend be;
	mem_backend_ops(&mem, &be);
	CHECK_EQ(api_init(a, &cfg, &be), 0);
	a->wall_ms = wall;
	a->mono_ms = mono;
	a->dns = &dns;
	a->table = &table;
}

static void base_config(void)
{
	memset(&cfg, 0, sizeof(cfg));
	memset(&mem, 0, sizeof(mem));
	cfg.max_ttl = 86400;
	cfg.max_value_bytes = 2048;
	cfg.max_values_per_name = 3;
	cfg.http_rate = 10;
	cfg.http_burst = 1000;
	cfg.dns_rate = 0;
	cfg.dns_burst = 0;
	cfg.registration_rate = 5.0 / 3600;
	cfg.registration_burst = 5;
	cfg.issued_rate = 10;
	cfg.issued_burst = 50;
	cfg.registration_token_ttl = 7776000;
	cfg.claim_provider = true;
}

static void test_open_mode(void)
{
	struct api a;
	base_config();
	api_setup(&a);
	struct resp *r = req(&a, "POST", "/v1/records/Foo.Example.com", NULL,
			     "{\"value\": \"v=dmp1;t=x\", \"ttl\": 60}");
	CHECK_EQ(r->status, 201);
	CHECK_STR(r->body, "{\"ok\": true}");
	r = req(&a, "GET", "/v1/records/foo.example.com", NULL, NULL);
	CHECK_EQ(r->status, 200);
	CHECK_STR(r->body, "{\"name\": \"foo.example.com\", \"values\": [\"v=dmp1;t=x\"]}");
	r = req(&a, "GET", "/v1/records/foo.example.com?x=1", NULL, NULL);
	CHECK_EQ(r->status, 200);
	r = req(&a, "GET", "/v1/records/none.example.com", NULL, NULL);
	CHECK_EQ(r->status, 404);
	CHECK_STR(r->body, "{\"name\": \"none.example.com\", \"values\": []}");
	/* caps and body checks, in the reference's order */
	CHECK_EQ(req(&a, "POST", "/v1/records/a.example.com", NULL, "{\"value\": 1}")->status, 400);
	CHECK(has(r = req(&a, "POST", "/v1/records/a.example.com", NULL, "{\"ttl\": 5}"),
		  "value (str) and ttl (int > 0) required"));
	CHECK_EQ(
	    req(&a, "POST", "/v1/records/a.example.com", NULL, "{\"value\": \"x\", \"ttl\": true}")
		->status,
	    400);
	CHECK_EQ(
	    req(&a, "POST", "/v1/records/a.example.com", NULL, "{\"value\": \"x\", \"ttl\": 300.0}")
		->status,
	    400);
	CHECK_EQ(
	    req(&a, "POST", "/v1/records/a.example.com", NULL, "{\"value\": \"x\", \"ttl\": 0}")
		->status,
	    400);
	r = req(&a, "POST", "/v1/records/a.example.com", NULL,
		"{\"value\": \"x\", \"ttl\": 86401}");
	CHECK_EQ(r->status, 400);
	CHECK_STR(r->body, "{\"error\": \"ttl exceeds cap of 86400s\"}");
	static char body[4000];
	snprintf(body, sizeof(body), "{\"value\": \"%2049d\"}", 1);
	r = req(&a, "POST", "/v1/records/a.example.com", NULL, body);
	CHECK_STR(r->body, "{\"error\": \"value exceeds cap of 2048 bytes\"}");
	CHECK_EQ(req(&a, "POST", "/v1/records/a.example.com", NULL, "[1,2]")->status, 400);
	CHECK(has(req(&a, "POST", "/v1/records/a.example.com", NULL, "{bad"), "invalid body"));
	CHECK(has(req(&a, "POST", "/v1/records/a.example.com", NULL, "{\"value\": \"a\\nb\"}"),
		  "invalid record value"));
	CHECK(has(req(&a, "POST", "/v1/records/a.example.com", NULL, "{\"value\": \"\"}"),
		  "invalid record value"));
	CHECK(has(req(&a, "POST", "/v1/records/a%2Fb.example.com", NULL, "{\"value\": \"x\"}"),
		  "invalid record name"));
	CHECK(has(req(&a, "POST", "/v1/records/a%00b.example.com", NULL, "{\"value\": \"x\"}"),
		  "invalid record name"));
	CHECK_EQ(req(&a, "POST", "/v1/records/a/b", NULL, "{\"value\": \"x\"}")->status, 404);
	/* the values cap (3 here): a 4th new value is 413, a refresh is fine */
	for (int i = 0; i < 3; i++) {
		snprintf(body, sizeof(body), "{\"value\": \"v%d\"}", i);
		CHECK_EQ(req(&a, "POST", "/v1/records/cap.example.com", NULL, body)->status, 201);
	}
	r = req(&a, "POST", "/v1/records/cap.example.com", NULL, "{\"value\": \"v3\"}");
	CHECK_EQ(r->status, 413);
	CHECK_STR(r->body, "{\"error\": \"RRset at cap.example.com already holds 3 values\"}");
	CHECK_EQ(
	    req(&a, "POST", "/v1/records/cap.example.com", NULL, "{\"value\": \"v1\"}")->status,
	    201);
	/* delete one value, then the name, then nothing left */
	r = req(&a, "DELETE", "/v1/records/cap.example.com", NULL, "{\"value\": \"v1\"}");
	CHECK_EQ(r->status, 204);
	CHECK_EQ(r->len, 0);
	CHECK_EQ(req(&a, "DELETE", "/v1/records/cap.example.com", NULL, NULL)->status, 204);
	CHECK_EQ(req(&a, "DELETE", "/v1/records/cap.example.com", NULL, NULL)->status, 404);
	/* status endpoints */
	CHECK_STR(req(&a, "GET", "/health", NULL, NULL)->body, "{\"status\": \"ok\"}");
	CHECK_EQ(req(&a, "GET", "/health?x=1", NULL, NULL)->status, 200);
	CHECK_STR(req(&a, "GET", "/stats", NULL, NULL)->body, "{\"records\": 1}");
	r = req(&a, "GET", "/metrics", NULL, NULL);
	CHECK_EQ(r->status, 200);
	CHECK(has(r, "dmp_http_requests_total{method=\"POST\",status=\"201\"}"));
	CHECK(has(r, "dmp_records 1.0"));
	CHECK_STR(req(&a, "GET", "/v1/info", NULL, NULL)->body,
		  "{\"endpoint\": \"\", \"operator_spk\": \"\", \"claim_provider_zone\": \"\", "
		  "\"capabilities\": 0}");
	CHECK_EQ(req(&a, "GET", "/", NULL, NULL)->status, 200);
	CHECK_EQ(req(&a, "GET", "/nope", NULL, NULL)->status, 404);
	CHECK_EQ(req(&a, "POST", "/health", NULL, NULL)->status, 405);
	CHECK_EQ(req(&a, "PUT", "/v1/records/a.example.com", NULL, NULL)->status, 501);
	CHECK_EQ(req(&a, "GET", "/v1/sync/digest", NULL, NULL)->status, 403);
	CHECK_EQ(req(&a, "GET", "/v1/registration/challenge", NULL, NULL)->status, 404);
	CHECK(has(req(&a, "POST", "/v1/claim/publish", NULL, "{}"), "not a claim provider"));
	/* the store down: 503 */
	mem.down = true;
	CHECK_EQ(req(&a, "GET", "/health", NULL, NULL)->status, 503);
	CHECK_EQ(req(&a, "POST", "/v1/records/a.example.com", NULL, "{\"value\": \"x\"}")->status,
		 503);
	mem.down = false;
	api_done(&a);

	/* per-IP rate limit: burst 2, and no refill while the clock stands */
	cfg.http_burst = 2;
	api_setup(&a);
	CHECK_EQ(req(&a, "GET", "/v1/records/x.example.com", NULL, NULL)->status, 404);
	CHECK_EQ(req(&a, "GET", "/v1/records/x.example.com", NULL, NULL)->status, 404);
	r = req(&a, "GET", "/v1/records/x.example.com", NULL, NULL);
	CHECK_EQ(r->status, 429);
	CHECK_STR(r->body, "{\"error\": \"rate limit exceeded\"}");
	CHECK_EQ(req(&a, "GET", "/health", NULL, NULL)->status, 200); /* not limited */
	clock_ms += 1000;
	CHECK_EQ(req(&a, "GET", "/v1/records/x.example.com", NULL, NULL)->status, 404);
	api_done(&a);
}

static void test_legacy_mode(void)
{
	struct api a;
	base_config();
	snprintf(cfg.operator_token, sizeof(cfg.operator_token), "op-secret");
	api_setup(&a);
	CHECK_EQ(a.mode, API_AUTH_LEGACY);
	CHECK_EQ(req(&a, "POST", "/v1/records/a.example.com", NULL, "{\"value\": \"x\"}")->status,
		 401);
	CHECK_EQ(req(&a, "POST", "/v1/records/a.example.com", "Bearer wrong", "{\"value\": \"x\"}")
		     ->status,
		 401);
	CHECK_EQ(
	    req(&a, "POST", "/v1/records/a.example.com", "bearer op-secret", "{\"value\": \"x\"}")
		->status,
	    401);
	CHECK_EQ(
	    req(&a, "POST", "/v1/records/a.example.com", "Bearer op-secret", "{\"value\": \"x\"}")
		->status,
	    201);
	/* reads and /metrics need it too once configured */
	CHECK_EQ(req(&a, "GET", "/v1/records/a.example.com", NULL, NULL)->status, 401);
	CHECK_EQ(req(&a, "GET", "/v1/records/a.example.com", "Bearer op-secret", NULL)->status,
		 200);
	CHECK_EQ(req(&a, "GET", "/metrics", NULL, NULL)->status, 401);
	CHECK_EQ(req(&a, "GET", "/metrics", "Bearer op-secret", NULL)->status, 200);
	/* auth is checked before the body */
	CHECK_EQ(req(&a, "POST", "/v1/records/a.example.com", NULL, "{bad")->status, 401);
	api_done(&a);
	snprintf(cfg.auth_mode, sizeof(cfg.auth_mode), "bogus");
	CHECK_EQ(api_auth_mode(&cfg), API_AUTH_OPERATOR_ONLY);
}

static void add_token(const char *tok, const char *subject, const char *hash12, double rate,
		      uint32_t burst, bool live)
{
	struct mem_token *t = &mem.tok[mem.ntok++];
	memset(t, 0, sizeof(*t));
	dm_token_digest(tok, strlen(tok), t->hash);
	snprintf(t->subject, sizeof(t->subject), "%s", subject);
	if (hash12)
		snprintf(t->hash12, sizeof(t->hash12), "%s", hash12);
	t->rate = rate;
	t->burst = burst;
	t->live = live;
}

static void test_multi_tenant(void)
{
	struct api a;
	char alice[DM_TOKEN_LEN + 1], dead[DM_TOKEN_LEN + 1], slow[DM_TOKEN_LEN + 1];
	char auth[128], unknown[DM_TOKEN_LEN + 1];
	base_config();
	snprintf(cfg.operator_token, sizeof(cfg.operator_token), "op-secret");
	snprintf(cfg.auth_mode, sizeof(cfg.auth_mode), "multi-tenant");
	api_setup(&a);
	dm_token_new(alice);
	dm_token_new(dead);
	dm_token_new(slow);
	dm_token_new(unknown);
	add_token(alice, "alice@example.com", NULL, 100, 100, true);
	add_token(dead, "alice@example.com", NULL, 100, 100, false);
	add_token(slow, "bob@example.com", NULL, 1, 2, true);
	snprintf(auth, sizeof(auth), "Bearer %s", alice);
	const char *v = "{\"value\": \"x\"}";
	CHECK_EQ(req(&a, "POST", "/v1/records/dmp.alice.example.com", auth, v)->status, 201);
	CHECK_EQ(mem.last_event[0], 'u'); /* used */
	CHECK_EQ(req(&a, "POST", "/v1/records/dmp.bob.example.com", auth, v)->status, 401);
	CHECK_STR(mem.last_event, "rejected");
	CHECK_EQ(req(&a, "POST", "/v1/records/slot-1.mb-0123456789ab.example.com", auth, v)->status,
		 201);
	CHECK_EQ(req(&a, "POST", "/v1/records/cluster.example.com", auth, v)->status, 401);
	/* owners may delete their names; nobody but the operator empties a shared slot */
	CHECK_EQ(req(&a, "DELETE", "/v1/records/dmp.alice.example.com", auth, NULL)->status, 204);
	CHECK_EQ(
	    req(&a, "DELETE", "/v1/records/slot-1.mb-0123456789ab.example.com", auth, NULL)->status,
	    401);
	CHECK_EQ(req(&a, "DELETE", "/v1/records/slot-1.mb-0123456789ab.example.com",
		     "Bearer op-secret", NULL)
		     ->status,
		 204);
	/* the operator writes anything; user tokens cannot read */
	CHECK_EQ(req(&a, "POST", "/v1/records/cluster.example.com", "Bearer op-secret", v)->status,
		 201);
	CHECK_EQ(req(&a, "GET", "/v1/records/cluster.example.com", auth, NULL)->status, 401);
	/* dead, unknown, malformed tokens */
	snprintf(auth, sizeof(auth), "Bearer %s", dead);
	CHECK_EQ(req(&a, "POST", "/v1/records/dmp.alice.example.com", auth, v)->status, 401);
	snprintf(auth, sizeof(auth), "Bearer %s", unknown);
	CHECK_EQ(req(&a, "POST", "/v1/records/dmp.alice.example.com", auth, v)->status, 401);
	unsigned before = mem.audits;
	CHECK_EQ(
	    req(&a, "POST", "/v1/records/dmp.alice.example.com", "Bearer dmp_v1_short", v)->status,
	    401);
	CHECK_EQ(mem.audits, before); /* shape failures are not audited */
	/* per-token bucket: burst 2, then 429 */
	snprintf(auth, sizeof(auth), "Bearer %s", slow);
	CHECK_EQ(req(&a, "POST", "/v1/records/dmp.bob.example.com", auth, v)->status, 201);
	CHECK_EQ(req(&a, "POST", "/v1/records/dmp.bob.example.com", auth, v)->status, 201);
	struct resp *r = req(&a, "POST", "/v1/records/dmp.bob.example.com", auth, v);
	CHECK_EQ(r->status, 429);
	CHECK_STR(r->body, "{\"error\": \"per-token rate limit exceeded\"}");
	CHECK_STR(mem.last_event, "throttled");
	api_done(&a);
}

static void test_registration(void)
{
	struct api a;
	base_config();
	snprintf(cfg.auth_mode, sizeof(cfg.auth_mode), "multi-tenant");
	snprintf(cfg.node_hostname, sizeof(cfg.node_hostname), "node.example.com");
	cfg.registration_enabled = true;
	cfg.registration_burst = 100;
	api_setup(&a);
	uint8_t pk[32], sk[64], pk2[32], sk2[64], chal[32], sig[64];
	char pkhex[65], pk2hex[65], sighex[129], body[1024];
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	dm_hex_encode(pk, 32, pkhex);
	dm_hex_encode(pk2, 32, pk2hex);

	for (int round = 0; round < 3; round++) {
		struct resp *r = req(&a, "GET", "/v1/registration/challenge", NULL, NULL);
		CHECK_EQ(r->status, 200);
		json_t *j = json_loads(r->body, 0, NULL);
		const char *chex = json_string_value(json_object_get(j, "challenge"));
		CHECK_STR(json_string_value(json_object_get(j, "node")), "node.example.com");
		CHECK_EQ(json_integer_value(json_object_get(j, "version")), 1);
		CHECK_EQ(dm_hex_decode(chex, 64, chal, 32), 32);
		/* round 2 signs with a second key: a takeover attempt */
		const uint8_t *k = round == 2 ? sk2 : sk;
		CHECK_EQ(dm_registration_sign(chal, "alice@example.com", 17, "node.example.com", 16,
					      k, sig),
			 0);
		dm_hex_encode(sig, 64, sighex);
		snprintf(body, sizeof(body),
			 "{\"subject\": \" Alice@Example.com \", \"ed25519_spk\": \"%s\", "
			 "\"challenge\": \"%s\", \"signature\": \"%s\"}",
			 round == 2 ? pk2hex : pkhex, chex, sighex);
		r = req(&a, "POST", "/v1/registration/confirm", NULL, body);
		if (round < 2) {
			CHECK_EQ(r->status, 200);
			CHECK(has(r, "\"token\": \"dmp_v1_"));
			CHECK(has(r, "\"subject\": \"alice@example.com\""));
			CHECK(has(r, "\"rate_per_sec\": 10.0"));
			CHECK(has(r, "\"rate_burst\": 50"));
		} else {
			CHECK_EQ(r->status, 409);
		}
		/* a challenge is single-use */
		r = req(&a, "POST", "/v1/registration/confirm", NULL, body);
		CHECK_EQ(r->status, 400);
		CHECK(has(r, "challenge expired or unknown"));
		json_decref(j);
	}
	/* field checks */
	CHECK(has(req(&a, "POST", "/v1/registration/confirm", NULL, "{}"),
		  "missing or non-string field: subject"));
	snprintf(body, sizeof(body),
		 "{\"subject\": \"a@b.com\", \"ed25519_spk\": \"zz\", \"challenge\": \"00\", "
		 "\"signature\": \"00\"}");
	CHECK(has(req(&a, "POST", "/v1/registration/confirm", NULL, body),
		  "ed25519_spk: not valid hex"));
	snprintf(body, sizeof(body),
		 "{\"subject\": \"a@b.com\", \"ed25519_spk\": \"%s\", \"challenge\": \"00\", "
		 "\"signature\": \"00\"}",
		 pkhex);
	CHECK(has(req(&a, "POST", "/v1/registration/confirm", NULL, body),
		  "signature: expected 64 bytes, got 1"));
	snprintf(body, sizeof(body),
		 "{\"subject\": \"not a subject\", \"ed25519_spk\": \"%s\", \"challenge\": \"00\", "
		 "\"signature\": \"00\"}",
		 pkhex);
	CHECK(has(req(&a, "POST", "/v1/registration/confirm", NULL, body), "subject invalid"));
	/* a low-order key is refused before the challenge is looked at */
	snprintf(body, sizeof(body),
		 "{\"subject\": \"a@b.com\", \"ed25519_spk\": \"%064d\", \"challenge\": \"%064d\", "
		 "\"signature\": \"%0128d\"}",
		 0, 0, 0);
	CHECK_EQ(req(&a, "POST", "/v1/registration/confirm", NULL, body)->status, 401);
	api_done(&a);
	/* the registration bucket: burst 2 shared by both endpoints */
	cfg.registration_burst = 2;
	api_setup(&a);
	CHECK_EQ(req(&a, "GET", "/v1/registration/challenge", NULL, NULL)->status, 200);
	CHECK_EQ(req(&a, "POST", "/v1/registration/confirm", NULL, "{}")->status, 400);
	CHECK(has(req(&a, "GET", "/v1/registration/challenge", NULL, NULL),
		  "registration rate limit exceeded"));
	api_done(&a);
}

static void test_claims(void)
{
	struct api a;
	base_config();
	snprintf(cfg.claim_zone, sizeof(cfg.claim_zone), "Claims.Example.com");
	api_setup(&a);
	uint8_t pk[32], sk[64];
	crypto_sign_keypair(pk, sk);
	struct dm_claim c;
	memset(&c, 0, sizeof(c));
	memcpy(c.sender_spk, pk, 32);
	c.domain_len = 11;
	memcpy(c.domain, "example.org", 11);
	c.slot = 4;
	c.ts = clock_ms / 1000;
	c.exp = c.ts + 3600;
	char wire[DM_RECORD_CAP_CLAIM + 1], body[700];
	size_t wlen;
	CHECK_EQ(dm_claim_sign(&c, sk, wire, &wlen), 0);
	snprintf(body, sizeof(body),
		 "{\"value\": \"%s\", \"recipient_id_hex12\": \"0123456789ab\", \"ttl\": 600}",
		 wire);
	struct resp *r = req(&a, "POST", "/v1/claim/publish", NULL, body);
	CHECK_EQ(r->status, 201);
	CHECK_STR(r->body,
		  "{\"ok\": true, \"name\": \"claim-4.mb-0123456789ab.claims.example.com\"}");
	snprintf(body, sizeof(body),
		 "{\"value\": \"%s\", \"recipient_id_hex12\": \"0123456789AB\"}", wire);
	CHECK(has(req(&a, "POST", "/v1/claim/publish", NULL, body), "12 lowercase hex"));
	CHECK(has(
	    req(&a, "POST", "/v1/claim/publish", NULL,
		"{\"value\": \"v=dmp1;t=identity;\", \"recipient_id_hex12\": \"0123456789ab\"}"),
	    "value is not a claim wire"));
	wire[30] ^= 1;
	snprintf(body, sizeof(body),
		 "{\"value\": \"%s\", \"recipient_id_hex12\": \"0123456789ab\"}", wire);
	CHECK(has(req(&a, "POST", "/v1/claim/publish", NULL, body), "claim verification failed"));
	/* a lifetime past DMP_MAX_TTL */
	c.exp = c.ts + 90000;
	CHECK_EQ(dm_claim_sign(&c, sk, wire, &wlen), 0);
	snprintf(body, sizeof(body),
		 "{\"value\": \"%s\", \"recipient_id_hex12\": \"0123456789ab\"}", wire);
	CHECK(has(req(&a, "POST", "/v1/claim/publish", NULL, body),
		  "exceeds operator cap of 86400s"));
	api_done(&a);
}

static void test_doh(void)
{
	struct api a;
	base_config();
	api_setup(&a);
	dm_dns_config_init(&dns);
	table = dm_dns_table_new();
	dm_dns_table_set_available(table, true);
	CHECK_EQ(dm_dns_table_put(table, "www.example.com", 15, (const uint8_t *)"hi", 2,
				  clock_ms / 1000 + 30),
		 0);
	/* TXT query for www.example.com, id 0 */
	const char *q = "AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAEAAB";
	char path[128];
	snprintf(path, sizeof(path), "/dns-query?dns=%s", q);
	struct resp *r = req(&a, "GET", path, NULL, NULL);
	CHECK_EQ(r->status, 200);
	CHECK(strstr(r->extra, "max-age=30") != NULL);
	CHECK_EQ((uint8_t)r->body[3] & 0x0f, 0); /* NOERROR */
	CHECK_EQ((uint8_t)r->body[7], 1);	 /* one answer */
	CHECK_EQ(req(&a, "GET", "/dns-query", NULL, NULL)->status, 400);
	CHECK_EQ(req(&a, "GET", "/dns-query?dns=AAA=", NULL, NULL)->status, 400);
	CHECK_EQ(req(&a, "POST", "/dns-query", NULL, "x")->status, 415);
	dm_dns_table_free(table);
	table = NULL;
	api_done(&a);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_reader();
	test_validators();
	test_open_mode();
	test_legacy_mode();
	test_multi_tenant();
	test_registration();
	test_claims();
	test_doh();
	return TEST_DONE("test_https_request");
}
