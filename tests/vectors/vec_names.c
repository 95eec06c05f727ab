/*
 * owner_names.json: every owner name of wire.md §3 built from the case
 * inputs, plus the legacy and strict (§3.1) DNS-name checks of the
 * name_validation rows.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/names.h"
#include "common/err.h"
#include "tests/vectors/vecutil.h"

#define FILE_NAME "owner_names.json"

/* Inputs of one case, decoded once. */
struct in {
	uint8_t recipient[32], sender_spk[32], msg_id[16], user_id[32];
	bool has_recipient, has_sender_spk, has_msg_id, has_user_id;
	const char *zone, *username, *domain, *identity_domain, *cluster_name, *user_domain,
	    *base_domain, *provider_zone, *msg_key, *chunk_id;
	long long slot, chunk_number;
};

static void load_inputs(const json_t *c, struct in *in)
{
	memset(in, 0, sizeof(*in));
	in->has_recipient = vec_hex_fixed(c, "recipient_id_hex", in->recipient, 32);
	in->has_sender_spk = vec_hex_fixed(c, "sender_spk_hex", in->sender_spk, 32);
	in->has_msg_id = vec_hex_fixed(c, "msg_id_hex", in->msg_id, 16);
	in->has_user_id = vec_hex_fixed(c, "user_id_hex", in->user_id, 32);
	in->zone = vec_str(c, "zone");
	in->username = vec_str(c, "username");
	in->domain = vec_str(c, "domain");
	in->identity_domain = vec_str(c, "identity_domain");
	in->cluster_name = vec_str(c, "cluster_name");
	in->user_domain = vec_str(c, "user_domain");
	in->base_domain = vec_str(c, "cluster_base_domain");
	in->provider_zone = vec_str(c, "provider_zone");
	in->msg_key = vec_str(c, "msg_key");
	in->chunk_id = vec_str(c, "chunk_id");
	in->slot = vec_int(c, "slot", -1);
	in->chunk_number = vec_int(c, "chunk_number", -1);
}

static size_t slen(const char *s)
{
	return s ? strlen(s) : 0;
}

/* Builds the name of `kind` into out[cap]; DM_EINVAL for an unknown kind or missing input. */
static int build(const char *kind, const struct in *in, char *out, size_t cap)
{
	if (strcmp(kind, "slot") == 0)
		return (in->has_recipient && in->slot >= 0)
			   ? dm_name_slot(out, cap, in->recipient, (unsigned)in->slot, in->zone,
					  slen(in->zone))
			   : DM_EINVAL;
	if (strcmp(kind, "chunk") == 0)
		return in->chunk_number >= 0 ? dm_name_chunk(out, cap, (uint32_t)in->chunk_number,
							     in->msg_key, in->zone, slen(in->zone))
					     : DM_EINVAL;
	if (strcmp(kind, "identity_hashed") == 0)
		return dm_name_identity_hashed(out, cap, in->username, slen(in->username),
					       in->domain, slen(in->domain));
	if (strcmp(kind, "prekeys") == 0)
		return dm_name_prekeys(out, cap, in->username, slen(in->username), in->domain,
				       slen(in->domain));
	if (strcmp(kind, "rotation_user_hashed") == 0)
		return dm_name_rotation_user_hashed(out, cap, in->username, slen(in->username),
						    in->domain, slen(in->domain));
	if (strcmp(kind, "identity_zone_anchored") == 0)
		return dm_name_identity_zone(out, cap, in->identity_domain,
					     slen(in->identity_domain));
	if (strcmp(kind, "rotation_zone_anchored") == 0)
		return dm_name_rotation_user_zone(out, cap, in->identity_domain,
						  slen(in->identity_domain));
	if (strcmp(kind, "cluster") == 0)
		return dm_name_cluster(out, cap, in->cluster_name, slen(in->cluster_name));
	if (strcmp(kind, "rotation_cluster") == 0)
		return dm_name_rotation_cluster(out, cap, in->base_domain, slen(in->base_domain));
	if (strcmp(kind, "bootstrap") == 0)
		return dm_name_bootstrap(out, cap, in->user_domain, slen(in->user_domain));
	if (strcmp(kind, "rotation_bootstrap") == 0)
		return dm_name_rotation_bootstrap(out, cap, in->user_domain, slen(in->user_domain));
	if (strcmp(kind, "claim") == 0)
		return (in->has_recipient && in->slot >= 0)
			   ? dm_name_claim(out, cap, in->recipient, (unsigned)in->slot,
					   in->provider_zone, slen(in->provider_zone))
			   : DM_EINVAL;
	if (strcmp(kind, "legacy_mailbox") == 0)
		return (in->has_user_id && in->slot >= 0)
			   ? dm_name_legacy_mailbox(out, cap, in->user_id, (unsigned)in->slot,
						    in->domain, slen(in->domain))
			   : DM_EINVAL;
	if (strcmp(kind, "legacy_chunk") == 0)
		return in->has_msg_id
			   ? dm_name_legacy_chunk(out, cap, in->chunk_id, slen(in->chunk_id),
						  in->msg_id, in->domain, slen(in->domain))
			   : DM_EINVAL;
	return DM_EINVAL;
}

static bool check_case(const json_t *c, const char **why)
{
	const char *kind = vec_str(c, "kind");
	const char *want = vec_str(c, "name");
	struct in in;
	char out[512];

	if (kind == NULL || want == NULL)
		return *why = "missing kind/name", false;
	load_inputs(c, &in);

	if (in.username != NULL) {
		/* Usernames are hashed as UTF-8 with no normalisation. */
		size_t n = 0;
		uint8_t *u = vec_hex(c, "username_utf8_hex", &n);
		bool same = u != NULL && n == strlen(in.username) && memcmp(u, in.username, n) == 0;
		free(u);
		if (!same)
			return *why = "username_utf8_hex is not UTF-8(username)", false;
	}
	if (strcmp(kind, "chunk") == 0) {
		char mk[DM_NAME_KEY12_LEN + 1];
		if (!in.has_msg_id || !in.has_recipient || !in.has_sender_spk || in.msg_key == NULL)
			return *why = "missing chunk input", false;
		dm_chunk_msg_key12(in.msg_id, in.recipient, in.sender_spk, mk);
		if (strcmp(mk, in.msg_key) != 0)
			return *why = "msg_key", false;
	}

	int n = build(kind, &in, out, sizeof(out));
	if (n < 0)
		return *why = "builder failed", false;
	if ((size_t)n != strlen(want) || strcmp(out, want) != 0) {
		fprintf(stderr, "  got  %s\n  want %s\n", out, want);
		return *why = "name differs", false;
	}
	/* The capacity contract: exactly len+1 fits, len does not (and is left alone). */
	char tight[512];
	memset(tight, 'Z', sizeof(tight));
	if (build(kind, &in, tight, (size_t)n) != DM_ETOOBIG || tight[0] != 'Z')
		return *why = "cap == len accepted or written", false;
	if (build(kind, &in, tight, (size_t)n + 1) != n || strcmp(tight, want) != 0)
		return *why = "cap == len+1 rejected", false;
	return true;
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	json_t *root = vec_load(FILE_NAME);
	struct vec_tally t = {.file = FILE_NAME};
	size_t i;
	const json_t *c;

	json_array_foreach(json_object_get(root, "cases"), i, c)
	{
		const char *why = "";
		char id[48];
		snprintf(id, sizeof(id), "cases[%zu]", i);
		bool ok = check_case(c, &why);
		vec_case(&t, ok, id, "%s: %s", vec_str(c, "kind") ? vec_str(c, "kind") : "?", why);
	}
	json_array_foreach(json_object_get(root, "name_validation"), i, c)
	{
		const char *name = vec_str(c, "name");
		const json_t *lg = json_object_get(c, "dnsencoder_validate_domain");
		const json_t *st = json_object_get(c, "strict_validate_dns_name");
		char id[48];
		snprintf(id, sizeof(id), "name_validation[%zu]", i);
		if (name == NULL || !json_is_boolean(lg) || !json_is_boolean(st)) {
			vec_case(&t, false, id, "malformed row");
			continue;
		}
		bool legacy = dm_dns_name_legacy_ok(name, strlen(name));
		bool strict = dm_dns_name_strict_ok(name, strlen(name), 0);
		vec_case(&t, legacy == json_is_true(lg) && strict == json_is_true(st), id,
			 "%s: legacy %d (want %d), strict %d (want %d)", name, legacy,
			 json_is_true(lg), strict, json_is_true(st));
	}
	json_decref(root);
	return vec_report(&t);
}
