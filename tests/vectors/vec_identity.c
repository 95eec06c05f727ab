/*
 * identity_derivation.json: passphrase -> Argon2id (p=2) -> X25519 -> Ed25519
 * seed / key, user id and mailbox label (wire.md §2), plus the raw-scalar
 * cases, the salt-under-8 rejection and the NFC/NFD pair.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/hex.h"
#include "common/dmp/identity.h"
#include "common/err.h"
#include "tests/vectors/vecutil.h"

#define FILE_NAME "identity_derivation.json"

/* Checks every output field of `c` against `id`; sets *why on the first mismatch. */
static bool outputs_match(const json_t *c, const struct dm_identity *id, const char **why)
{
	uint8_t b[32];
	char h12[DM_HASH12_LEN + 1];

	if (!vec_hex_fixed(c, "x25519_private_hex", b, 32) || memcmp(b, id->x_priv, 32) != 0)
		return *why = "x25519_private_hex", false;
	if (!vec_hex_fixed(c, "x25519_public_hex", b, 32) || memcmp(b, id->x_pub, 32) != 0)
		return *why = "x25519_public_hex", false;
	if (!vec_hex_fixed(c, "ed25519_seed_hex", b, 32) || memcmp(b, id->ed_seed, 32) != 0)
		return *why = "ed25519_seed_hex", false;
	if (!vec_hex_fixed(c, "ed25519_public_hex", b, 32) || memcmp(b, id->ed_pk, 32) != 0)
		return *why = "ed25519_public_hex", false;
	/* libsodium's secret key form is seed || pk. */
	if (memcmp(id->ed_sk, id->ed_seed, 32) != 0 || memcmp(id->ed_sk + 32, id->ed_pk, 32) != 0)
		return *why = "ed_sk layout", false;
	if (!vec_hex_fixed(c, "user_id_hex", b, 32) || memcmp(b, id->user_id, 32) != 0)
		return *why = "user_id_hex", false;
	dm_hash12(id->user_id, h12);
	const char *want = vec_str(c, "recipient_hash12");
	if (want == NULL || strcmp(want, h12) != 0)
		return *why = "recipient_hash12", false;

	/* The seed pair must also come out of the operator-key entry point. */
	uint8_t pk[32], sk[64];
	if (dm_ed25519_keypair_from_seed(id->ed_seed, pk, sk) != 0 ||
	    memcmp(pk, id->ed_pk, 32) != 0 || memcmp(sk, id->ed_sk, 64) != 0)
		return *why = "dm_ed25519_keypair_from_seed", false;
	sodium_memzero(sk, sizeof(sk));
	return true;
}

static bool argon2_params_match(const json_t *c)
{
	const json_t *a = json_object_get(c, "argon2");
	const char *type = vec_str(a, "type");
	return a != NULL && type != NULL && strcmp(type, "argon2id") == 0 &&
	       vec_int(a, "version", 0) == 0x13 && vec_int(a, "time_cost", 0) == DM_ARGON2_T_COST &&
	       vec_int(a, "memory_cost_kib", 0) == DM_ARGON2_M_KIB &&
	       vec_int(a, "parallelism", 0) == DM_ARGON2_LANES &&
	       vec_int(a, "hash_len", 0) == DM_ARGON2_HASH_LEN;
}

static bool check_passphrase(const json_t *c, bool salt_rule, const char **why)
{
	const char *pass = vec_str(c, "passphrase");
	size_t utf8_len = 0, salt_len = 0, eff_len = 0;
	uint8_t *utf8 = vec_hex(c, "passphrase_utf8_hex", &utf8_len);
	uint8_t *salt = vec_hex(c, "salt_hex", &salt_len); /* NULL when salt_hex is null */
	uint8_t *eff = vec_hex(c, "effective_salt_hex", &eff_len);
	struct dm_identity id;
	bool ok = false;

	if (pass == NULL || utf8 == NULL || eff == NULL) {
		*why = "missing input field";
		goto out;
	}
	if (!argon2_params_match(c)) {
		*why = "argon2 parameter block differs from ours";
		goto out;
	}
	/* No normalisation: the JSON text's UTF-8 is exactly what gets hashed. */
	if (strlen(pass) != utf8_len || memcmp(pass, utf8, utf8_len) != 0) {
		*why = "passphrase_utf8_hex is not UTF-8(passphrase)";
		goto out;
	}
	const uint8_t *want_eff = salt ? salt : (const uint8_t *)DM_DEFAULT_SALT;
	size_t want_eff_len = salt ? salt_len : sizeof(DM_DEFAULT_SALT) - 1;
	if (eff_len != want_eff_len || memcmp(eff, want_eff, eff_len) != 0) {
		*why = "effective_salt_hex";
		goto out;
	}
	if (dm_identity_derive(pass, strlen(pass), salt, salt_len, &id) != 0) {
		*why = "dm_identity_derive failed";
		goto out;
	}
	ok = outputs_match(c, &id, why);
	dm_identity_wipe(&id);
	if (ok && salt_rule) {
		/* salt_under_8_bytes_rejected: one byte short of this case's salt. */
		for (size_t n = 1; n < DM_SALT_MIN_BYTES; n++) {
			struct dm_identity bad;
			if (dm_identity_derive(pass, strlen(pass), eff, n, &bad) != DM_EINVAL) {
				*why = "salt shorter than 8 bytes accepted";
				ok = false;
				break;
			}
		}
	}
out:
	free(utf8);
	free(salt);
	free(eff);
	return ok;
}

static bool check_raw(const json_t *c, const char **why)
{
	uint8_t x[32], want[32];
	struct dm_identity id;
	const char *label = vec_str(c, "seed_label");

	if (!vec_hex_fixed(c, "x25519_private_hex", want, 32))
		return *why = "x25519_private_hex", false;
	if (label != NULL) {
		/* README: seed_label seeds are SHA256(ASCII label), used unclamped. */
		crypto_hash_sha256(x, (const uint8_t *)label, strlen(label));
		if (memcmp(x, want, 32) != 0)
			return *why = "SHA256(seed_label) != x25519_private_hex", false;
	} else {
		memcpy(x, want, 32);
	}
	if (dm_identity_from_x25519(x, &id) != 0)
		return *why = "dm_identity_from_x25519 failed", false;
	bool ok = outputs_match(c, &id, why);
	dm_identity_wipe(&id);
	return ok;
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	json_t *root = vec_load(FILE_NAME);
	struct vec_tally t = {.file = FILE_NAME};
	const json_t *cases = json_object_get(root, "cases");
	const char *domain = vec_str(root, "ed25519_domain_ascii");
	bool domain_ok = domain != NULL && strcmp(domain, DM_ED25519_DOMAIN) == 0;
	bool salt_rule = vec_bool(root, "salt_under_8_bytes_rejected", false);
	size_t i;
	const json_t *c;
	/* The NFC/NFD pair: same text, different bytes, must give different keys. */
	const json_t *nfc = NULL, *nfd = NULL;

	json_array_foreach(cases, i, c)
	{
		const char *kind = vec_str(c, "kind");
		const char *desc = vec_str(c, "description");
		const char *why = "unknown kind";
		char id[32];
		bool ok = false;

		snprintf(id, sizeof(id), "%zu", i);
		if (!domain_ok) {
			why = "ed25519_domain_ascii differs from DM_ED25519_DOMAIN";
		} else if (kind != NULL && strcmp(kind, "passphrase") == 0) {
			/* Tie the top-level salt rule to the minimum-salt case. */
			const char *s = vec_str(c, "salt_hex");
			bool min_salt = s != NULL && strlen(s) == 2 * DM_SALT_MIN_BYTES;
			ok = check_passphrase(c, salt_rule && min_salt, &why);
			if (desc && strstr(desc, "(NFC)"))
				nfc = c;
			if (desc && strstr(desc, "NFD")) {
				nfd = c;
				const char *a = nfc ? vec_str(nfc, "x25519_private_hex") : NULL;
				const char *b = vec_str(c, "x25519_private_hex");
				if (ok && (a == NULL || b == NULL || strcmp(a, b) == 0)) {
					why = "NFD form did not differ from NFC form";
					ok = false;
				}
			}
		} else if (kind != NULL && strcmp(kind, "raw_private") == 0) {
			ok = check_raw(c, &why);
		}
		vec_case(&t, ok, id, "%s: %s", desc ? desc : "?", why);
	}
	if (nfc == NULL || nfd == NULL)
		fprintf(stderr, "FAIL %s: NFC/NFD pair not found\n", FILE_NAME);
	json_decref(root);
	int rc = vec_report(&t);
	return (nfc == NULL || nfd == NULL) ? 1 : rc;
}
