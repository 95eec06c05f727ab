/*
 * Self-service registration (node.md §7) and first-contact claims (§11):
 * the two write paths that need no bearer token because a signature
 * authenticates them.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/codec/hex.h"
#include "common/dmp/claim.h"
#include "common/dmp/registration.h"
#include "common/dmp/names.h"
#include "common/err.h"
#include "services/https-frontend/api_internal.h"

/* ---- challenges: in memory, single use, 60 s, at most 10 000 ---- */

static void challenge_add(struct api *a, const char hex[65], uint64_t now_ms)
{
	struct api_challenge *ch = &a->challenges[a->challenge_next];
	memcpy(ch->hex, hex, 65);
	ch->expires_ms = now_ms + API_CHALLENGE_TTL * 1000;
	a->challenge_next = (a->challenge_next + 1) % API_CHALLENGES_MAX;
}

/* Consumes the challenge spelled exactly `hex` (the lower-case form we issued). */
static bool challenge_take(struct api *a, const char *hex, size_t len, uint64_t now_ms)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < API_CHALLENGES_MAX; i++) {
		struct api_challenge *ch = &a->challenges[i];
		if (ch->hex[0] == '\0' || memcmp(ch->hex, hex, 64) != 0)
			continue;
		bool live = now_ms < ch->expires_ms;
		memset(ch, 0, sizeof(*ch));
		return live;
	}
	return false;
}

static bool registration_gate(struct api_call *c)
{
	struct api *a = c->api;
	if (!a->registration_on) {
		api_reply_error(c, 404, "not found");
		return false;
	}
	if (!api_rate_ok(c, a->rl_reg)) {
		api_reply_error(c, 429, "registration rate limit exceeded");
		return false;
	}
	return true;
}

void api_registration_challenge(struct api_call *c)
{
	struct api *a = c->api;
	if (!registration_gate(c))
		return;
	uint8_t raw[DM_REGISTRATION_CHALLENGE_BYTES];
	char hex[2 * DM_REGISTRATION_CHALLENGE_BYTES + 1];
	randombytes_buf(raw, sizeof(raw));
	dm_hex_encode(raw, sizeof(raw), hex);
	uint64_t now = a->wall_ms();
	challenge_add(a, hex, now);
	api_reply_json(c, 200,
		       json_pack("{s:s,s:s,s:I,s:i}", "challenge", hex, "node",
				 a->cfg->node_hostname, "expires_at",
				 (json_int_t)(now / 1000 + API_CHALLENGE_TTL), "version", 1));
}

/* A hex field of exactly `want` bytes; answers 400 and returns false otherwise. */
static bool hex_field(struct api_call *c, const char *field, const char *hex, size_t len,
		      uint8_t *out, size_t want)
{
	char msg[96];
	uint8_t tmp[128];
	long n = (len % 2 == 0 && len / 2 <= sizeof(tmp))
		     ? dm_hex_decode(hex, len, tmp, sizeof(tmp))
		     : (len % 2 ? DM_EINVAL : DM_ETOOBIG);
	if (n == DM_EINVAL) {
		snprintf(msg, sizeof(msg), "%s: not valid hex", field);
		api_reply_error(c, 400, msg);
		return false;
	}
	if (n < 0 || (size_t)n != want) {
		snprintf(msg, sizeof(msg), "%s: expected %zu bytes, got %zu", field, want,
			 n < 0 ? len / 2 : (size_t)n);
		api_reply_error(c, 400, msg);
		return false;
	}
	memcpy(out, tmp, want);
	return true;
}

static void on_registered(struct api_call *c, const struct api_result *res)
{
	struct api *a = c->api;
	if (res->status == DM_EMISMATCH) {
		api_reply_error(c, 409,
				"subject already has a live token; re-registration must be signed "
				"with the previously-registered Ed25519 key");
		return;
	}
	if (res->status != 0) {
		api_reply_error(c, 500, "internal error");
		return;
	}
	api_forget_tokens(a, res->revoked, res->nrevoked);
	uint32_t ttl = a->cfg->registration_token_ttl;
	json_t *exp = ttl ? json_integer((json_int_t)(api_now_s(a) + ttl)) : json_null();
	api_reply_json(c, 200,
		       json_pack("{s:s,s:s,s:o,s:f,s:I}", "token", c->token, "subject", c->subject,
				 "expires_at", exp, "rate_per_sec", a->cfg->issued_rate,
				 "rate_burst", (json_int_t)a->cfg->issued_burst));
}

/* The subject's domain is in DMP_REGISTRATION_ALLOWLIST (or the list is empty). */
static bool allowlisted(const struct dm_config *cfg, const char *subject)
{
	const char *list = cfg->registration_allowlist;
	const char *dom = strrchr(subject, '@');
	if (list[0] == '\0')
		return true;
	if (dom == NULL)
		return false;
	dom++;
	size_t dlen = strlen(dom);
	while (*list != '\0') {
		size_t n = strcspn(list, ",");
		const char *p = list;
		size_t k = n;
		while (k > 0 && (*p == ' ' || *p == '\t'))
			p++, k--;
		while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t'))
			k--;
		if (k > 0 && p[k - 1] == '.')
			k--;
		if (k == dlen && strncasecmp(p, dom, k) == 0)
			return true;
		list += n + (list[n] == ',');
	}
	return false;
}

static const char *field_str(json_t *body, const char *name, size_t *ret_len)
{
	json_t *v = json_object_get(body, name);
	if (!json_is_string(v) || json_string_length(v) == 0)
		return NULL;
	*ret_len = json_string_length(v);
	return json_string_value(v);
}

void api_registration_confirm(struct api_call *c)
{
	struct api *a = c->api;
	const struct dm_config *cfg = a->cfg;
	if (!registration_gate(c))
		return;
	c->json = api_parse_body(c->req->body, c->req->body_len);
	if (c->json == NULL) {
		api_reply_error(c, 400, "invalid body");
		return;
	}
	static const char *const fields[4] = {"subject", "ed25519_spk", "challenge", "signature"};
	const char *f[4];
	size_t flen[4];
	for (size_t i = 0; i < 4; i++) {
		f[i] = field_str(c->json, fields[i], &flen[i]);
		if (f[i] == NULL) {
			char msg[64];
			snprintf(msg, sizeof(msg), "missing or non-string field: %s", fields[i]);
			api_reply_error(c, 400, msg);
			return;
		}
	}
	size_t slen;
	if (dm_registration_canonical_subject(f[0], flen[0], c->subject, sizeof(c->subject),
					      &slen) < 0) {
		api_reply_error(c, 400, "subject invalid: expected local@domain (ASCII)");
		return;
	}
	uint8_t spk[DM_ED25519_PK_BYTES], chal[DM_REGISTRATION_CHALLENGE_BYTES];
	uint8_t sig[DM_ED25519_SIG_BYTES];
	if (!hex_field(c, "ed25519_spk", f[1], flen[1], spk, sizeof(spk)) ||
	    !hex_field(c, "signature", f[3], flen[3], sig, sizeof(sig)) ||
	    !hex_field(c, "challenge", f[2], flen[2], chal, sizeof(chal)))
		return;
	if (dm_ed25519_is_low_order(spk)) {
		api_reply_error(c, 401, "low-order public key rejected");
		return;
	}
	if (!challenge_take(a, f[2], flen[2], a->wall_ms())) {
		api_reply_error(c, 400, "challenge expired or unknown");
		return;
	}
	if (dm_registration_verify(chal, c->subject, slen, cfg->node_hostname,
				   strlen(cfg->node_hostname), spk, sig) != 0) {
		api_reply_error(c, 401, "signature verification failed");
		return;
	}
	if (!allowlisted(cfg, c->subject)) {
		api_reply_error(c, 403, "subject not in registration allowlist");
		return;
	}
	char spk_hex[2 * DM_ED25519_PK_BYTES + 1];
	dm_hex_encode(spk, sizeof(spk), spk_hex);
	dm_token_new(c->token);
	dm_token_digest(c->token, strlen(c->token), c->token_hash);
	struct api_registration r = {
	    .token_hash = c->token_hash,
	    .subject = c->subject,
	    .spk_hex = spk_hex,
	    .remote_addr = c->peer,
	    .rate_per_sec = cfg->issued_rate,
	    .rate_burst = (uint32_t)cfg->issued_burst,
	    .has_expires_at = cfg->registration_token_ttl != 0,
	    .expires_at = (int64_t)(api_now_s(a) + cfg->registration_token_ttl),
	};
	a->be.token_register(a->be.ctx, c, &r, on_registered);
}

/* ---- claims (node.md §11.2) ---- */

static void on_claim_put(struct api_call *c, const struct api_result *res)
{
	if (res->status == 0)
		api_reply_json(c, 201, json_pack("{s:b,s:s}", "ok", 1, "name", c->name));
	else if (res->status == DM_ETOOBIG)
		api_reply_error(c, 413, "claim RRset is full");
	else if (res->status == DM_EUNAVAIL || res->status == DM_ETIMEDOUT)
		api_reply_unavailable(c);
	else
		api_reply_json(c, 502, json_pack("{s:b}", "ok", 0));
}

void api_claim_publish(struct api_call *c)
{
	struct api *a = c->api;
	const struct dm_config *cfg = a->cfg;
	char msg[160];
	if (!cfg->claim_provider || cfg->claim_zone[0] == '\0') {
		api_reply_error(c, 404, "this node is not a claim provider");
		return;
	}
	if (!api_rate_ok(c, a->rl_http)) {
		api_reply_error(c, 429, "rate limit exceeded");
		return;
	}
	c->json = api_parse_body(c->req->body, c->req->body_len);
	if (c->json == NULL) {
		api_reply_error(c, 400, "invalid body");
		return;
	}
	json_t *value = json_object_get(c->json, "value");
	json_t *rid = json_object_get(c->json, "recipient_id_hex12");
	json_t *jttl = json_object_get(c->json, "ttl");
	json_int_t ttl = API_DEFAULT_TTL;
	if (jttl != NULL)
		ttl = json_is_integer(jttl) ? json_integer_value(jttl) : 0;
	if (!json_is_string(value) || !json_is_string(rid) || ttl <= 0) {
		api_reply_error(c, 400,
				"value (str), recipient_id_hex12 (str), ttl (int > 0) required");
		return;
	}
	const char *hex = json_string_value(rid);
	bool hex_ok = json_string_length(rid) == 12;
	for (size_t i = 0; hex_ok && i < 12; i++)
		hex_ok = (hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f');
	if (!hex_ok) {
		api_reply_error(c, 400, "recipient_id_hex12 must be 12 lowercase hex chars");
		return;
	}
	const char *v = json_string_value(value);
	size_t vlen = json_string_length(value);
	if (vlen < 15 || memcmp(v, "v=dmp1;t=claim;", 15) != 0) {
		api_reply_error(c, 400, "value is not a claim wire");
		return;
	}
	uint64_t now = api_now_s(a);
	struct dm_claim claim;
	if (dm_claim_parse(v, vlen, now, &claim) != 0) {
		api_reply_error(c, 400, "claim verification failed");
		return;
	}
	if (claim.exp - now > cfg->max_ttl) {
		snprintf(msg, sizeof(msg),
			 "claim exp %" PRIu64 " requests %" PRIu64
			 "s of lifetime, exceeds operator cap of %us",
			 claim.exp, claim.exp - now, cfg->max_ttl);
		api_reply_error(c, 400, msg);
		return;
	}
	if (ttl > (json_int_t)cfg->max_ttl)
		ttl = cfg->max_ttl;
	/* Lower-cased like every stored name, so DNS finds it (docs/HTTP.md). */
	int n = snprintf(c->name, sizeof(c->name), "claim-%u.mb-%s.%s", claim.slot, hex,
			 cfg->claim_zone);
	for (char *p = c->name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (n < 0 || (size_t)n >= sizeof(c->name) || !dm_dns_name_storable(c->name, (size_t)n)) {
		api_reply_error(c, 500, "claim zone does not make a valid name");
		return;
	}
	a->be.put(a->be.ctx, c, c->name, (const uint8_t *)v, vlen, (uint32_t)ttl,
		  cfg->max_values_per_name, on_claim_put);
}
