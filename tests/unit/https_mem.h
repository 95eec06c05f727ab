/*
 * An in-memory backend for the https-frontend's API (services/https-frontend/
 * api.h), answering synchronously: records with the store's semantics
 * (append/refresh, values cap, case-sensitive names), a token table, and
 * the audit rows it was sent. For the unit tests and the fuzz target.
 */
#ifndef DM_TESTS_HTTPS_MEM_H
#define DM_TESTS_HTTPS_MEM_H

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "services/https-frontend/api.h"

#define MEM_RECORDS 256
#define MEM_TOKENS  16

struct mem_rec {
	char name[API_NAME_MAX + 1];
	uint8_t value[HTTP_BODY_MAX];
	size_t len;
	uint32_t ttl;
};

struct mem_token {
	char hash[DM_TOKEN_DIGEST_HEX + 1];
	char subject[256];
	char hash12[13];
	char spk[65];
	double rate;
	uint32_t burst;
	bool live;
};

struct mem_backend {
	struct mem_rec rec[MEM_RECORDS];
	size_t nrec;
	struct mem_token tok[MEM_TOKENS];
	size_t ntok;
	unsigned audits, puts, deletes;
	char last_event[16];
	bool down; /* every operation fails with DM_EUNAVAIL */
};

static void mem_get(void *ctx, struct api_call *c, const char *name, api_result_fn cb)
{
	struct mem_backend *m = ctx;
	const uint8_t *vals[MEM_RECORDS];
	size_t lens[MEM_RECORDS], n = 0;
	struct api_result res = {0};
	if (m->down) {
		res.status = DM_EUNAVAIL;
		cb(c, &res);
		return;
	}
	for (size_t i = 0; i < m->nrec; i++) {
		if (strcmp(m->rec[i].name, name) == 0) {
			vals[n] = m->rec[i].value;
			lens[n] = m->rec[i].len;
			n++;
		}
	}
	res.status = n ? 0 : DM_ENOTFOUND;
	res.nvalues = n;
	res.values = vals;
	res.lens = lens;
	cb(c, &res);
}

static void mem_put(void *ctx, struct api_call *c, const char *name, const uint8_t *value,
		    size_t len, uint32_t ttl, uint32_t max_values, api_result_fn cb)
{
	struct mem_backend *m = ctx;
	struct api_result res = {0};
	size_t have = 0;
	if (m->down) {
		res.status = DM_EUNAVAIL;
		cb(c, &res);
		return;
	}
	for (size_t i = 0; i < m->nrec; i++) {
		if (strcmp(m->rec[i].name, name) != 0)
			continue;
		if (m->rec[i].len == len && memcmp(m->rec[i].value, value, len) == 0) {
			m->rec[i].ttl = ttl;
			m->puts++;
			cb(c, &res);
			return;
		}
		have++;
	}
	if ((max_values > 0 && have >= max_values) || m->nrec == MEM_RECORDS ||
	    len > sizeof(m->rec[0].value) || strlen(name) > API_NAME_MAX) {
		res.status = DM_ETOOBIG;
		cb(c, &res);
		return;
	}
	struct mem_rec *r = &m->rec[m->nrec++];
	strcpy(r->name, name);
	memcpy(r->value, value, len);
	r->len = len;
	r->ttl = ttl;
	m->puts++;
	cb(c, &res);
}

static void mem_del(void *ctx, struct api_call *c, const char *name, const uint8_t *value,
		    size_t len, bool has_value, api_result_fn cb)
{
	struct mem_backend *m = ctx;
	struct api_result res = {0};
	if (m->down) {
		res.status = DM_EUNAVAIL;
		cb(c, &res);
		return;
	}
	size_t o = 0;
	for (size_t i = 0; i < m->nrec; i++) {
		bool hit = strcmp(m->rec[i].name, name) == 0 &&
			   (!has_value ||
			    (m->rec[i].len == len && memcmp(m->rec[i].value, value, len) == 0));
		if (hit)
			res.deleted++;
		else
			m->rec[o++] = m->rec[i];
	}
	m->nrec = o;
	m->deletes++;
	cb(c, &res);
}

static void mem_stats(void *ctx, struct api_call *c, api_result_fn cb)
{
	struct mem_backend *m = ctx;
	struct api_result res = {.status = m->down ? DM_EUNAVAIL : 0, .records = m->nrec};
	cb(c, &res);
}

static void mem_token_lookup(void *ctx, struct api_call *c, const char *hash, api_result_fn cb)
{
	struct mem_backend *m = ctx;
	struct api_result res = {.status = DM_ENOTFOUND};
	for (size_t i = 0; i < m->ntok; i++) {
		if (strcmp(m->tok[i].hash, hash) == 0) {
			res.status = 0;
			res.subject = m->tok[i].subject;
			res.subject_hash12 = m->tok[i].hash12[0] ? m->tok[i].hash12 : NULL;
			res.rate_per_sec = m->tok[i].rate;
			res.rate_burst = m->tok[i].burst;
			res.live = m->tok[i].live;
		}
	}
	cb(c, &res);
}

static void mem_token_audit(void *ctx, const char *event, const char *hash, const char *subject,
			    const char *addr, const char *detail)
{
	struct mem_backend *m = ctx;
	(void)hash;
	(void)subject;
	(void)addr;
	(void)detail;
	m->audits++;
	snprintf(m->last_event, sizeof(m->last_event), "%s", event);
}

static void mem_token_register(void *ctx, struct api_call *c, const struct api_registration *r,
			       api_result_fn cb)
{
	struct mem_backend *m = ctx;
	struct api_result res = {0};
	for (size_t i = 0; i < m->ntok; i++) {
		struct mem_token *t = &m->tok[i];
		if (t->live && t->spk[0] && strcmp(t->subject, r->subject) == 0 &&
		    strcmp(t->spk, r->spk_hex) != 0) {
			res.status = DM_EMISMATCH;
			cb(c, &res);
			return;
		}
	}
	for (size_t i = 0; i < m->ntok; i++)
		if (m->tok[i].spk[0] && strcmp(m->tok[i].subject, r->subject) == 0)
			m->tok[i].live = false;
	if (m->ntok < MEM_TOKENS) {
		struct mem_token *t = &m->tok[m->ntok++];
		memset(t, 0, sizeof(*t));
		snprintf(t->hash, sizeof(t->hash), "%s", r->token_hash);
		snprintf(t->subject, sizeof(t->subject), "%s", r->subject);
		snprintf(t->spk, sizeof(t->spk), "%s", r->spk_hex);
		t->rate = r->rate_per_sec;
		t->burst = r->rate_burst;
		t->live = true;
	}
	cb(c, &res);
}

static void mem_backend_ops(struct mem_backend *m, struct api_backend *be)
{
	memset(be, 0, sizeof(*be));
	be->ctx = m;
	be->get = mem_get;
	be->put = mem_put;
	be->del = mem_del;
	be->stats = mem_stats;
	be->token_lookup = mem_token_lookup;
	be->token_audit = mem_token_audit;
	be->token_register = mem_token_register;
}

#endif
