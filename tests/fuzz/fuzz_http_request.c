/*
 * The https-frontend's request path on arbitrary bytes: the HTTP reader
 * (http-parser plus our smuggling and size checks) frames as many requests
 * as the input holds, and each goes through the API router and handlers
 * (records, registration, claims, DoH, status) over the in-memory backend.
 * The first byte picks the auth mode. Checks: no crash, no leak, and every
 * request is answered exactly once with a status the API may send.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/https_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mem_backend mem;
static struct dm_config cfg[2];
static struct api api[2];
static struct dm_dns_config dns;
static struct dm_dns_table *table;
static int answers;

static uint64_t fixed_ms(void)
{
	return 1767225600000ULL;
}

static void on_done(struct api_call *c)
{
	if (c->status < 100 || c->status > 599)
		abort();
	answers++;
}

static void setup(void)
{
	if (sodium_init() < 0)
		abort();
	struct api_backend be;
	mem_backend_ops(&mem, &be);
	dm_dns_config_init(&dns);
	table = dm_dns_table_new();
	if (table == NULL ||
	    dm_dns_table_put(table, "a.example.com", 13, (const uint8_t *)"v", 1, 1767229200) != 0)
		abort();
	for (int i = 0; i < 2; i++) {
		struct dm_config *c = &cfg[i];
		c->max_ttl = 86400;
		c->max_value_bytes = 2048;
		c->max_values_per_name = 8;
		c->issued_rate = 10;
		c->issued_burst = 50;
		c->claim_provider = true;
		snprintf(c->claim_zone, sizeof(c->claim_zone), "claims.example.com");
		snprintf(c->node_hostname, sizeof(c->node_hostname), "node.example.com");
		c->registration_enabled = true;
		if (i == 1) {
			snprintf(c->auth_mode, sizeof(c->auth_mode), "multi-tenant");
			snprintf(c->operator_token, sizeof(c->operator_token), "op");
		}
		if (api_init(&api[i], c, &be) != 0)
			abort();
		api[i].wall_ms = fixed_ms;
		api[i].mono_ms = fixed_ms;
		api[i].dns = &dns;
		api[i].table = &table;
	}
	/* one user token the input may present */
	struct mem_token *t = &mem.tok[mem.ntok++];
	dm_token_digest("dmp_v1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 59, t->hash);
	snprintf(t->subject, sizeof(t->subject), "alice@example.com");
	t->rate = 0;
	t->burst = 0;
	t->live = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		setup();
		ready = true;
	}
	if (size == 0)
		return 0;
	struct api *a = &api[data[0] & 1];
	data++;
	size--;
	mem.nrec = 0;
	struct http_reader rd;
	http_reader_init(&rd);
	size_t off = 0;
	for (int n = 0; n < 64; n++) {
		size_t used;
		enum http_event ev = http_reader_feed(&rd, data + off, size - off, &used);
		if (used > size - off)
			abort();
		off += used;
		struct api_call call;
		memset(&call, 0, sizeof(call));
		call.api = a;
		call.done = on_done;
		snprintf(call.peer, sizeof(call.peer), "192.0.2.7");
		int before = answers;
		if (ev == HTTP_EV_REQUEST) {
			struct http_request *q = http_reader_take(&rd);
			if (q == NULL)
				abort();
			call.req = q;
			api_handle(&call);
			free(q);
		} else if (ev == HTTP_EV_ERROR) {
			if (rd.error_status < 400 || rd.error_msg == NULL)
				abort();
			api_refuse(&call, rd.error_status, rd.error_msg);
		}
		if (ev != HTTP_EV_MORE && answers != before + 1)
			abort(); /* answered exactly once, synchronously with this backend */
		api_call_clear(&call);
		if (ev != HTTP_EV_REQUEST || off == size)
			break;
	}
	http_reader_done(&rd);
	return 0;
}
