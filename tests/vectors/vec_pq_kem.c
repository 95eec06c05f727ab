/*
 * Known-answer checks for ML-KEM (FIPS 203) and X-Wing: NIST ACVP keyGen and
 * encapDecap (ML-KEM-768 through the public API, ML-KEM-512 through the same
 * generic internals), Wycheproof ML-KEM-768 decaps/encaps/semi-expanded sets
 * (including wrong lengths, modulus and dk-hash failures), and the X-Wing
 * draft vectors. One summary line per file; a case counts as one tcId (one
 * vectors[] element for X-Wing).
 */
#include "tests/vectors/vecutil.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pq/mlkem768.h"
#include "common/pq/mlkem_internal.h"
#include "common/pq/sha3.h"
#include "common/pq/xwing.h"

/* Owned hex fields of one case; freed by fields_free(). */
struct fields {
	uint8_t *p[8];
	size_t n[8];
	int count;
};

static const uint8_t *field(struct fields *f, const json_t *obj, const char *key, size_t *ret_len)
{
	size_t len = 0;
	uint8_t *p = vec_hex(obj, key, &len);
	if (p != NULL && f->count < 8) {
		f->p[f->count] = p;
		f->n[f->count++] = len;
	} else if (p != NULL) {
		free(p);
		p = NULL;
	}
	if (ret_len != NULL)
		*ret_len = len;
	return p;
}

static void fields_free(struct fields *f)
{
	for (int i = 0; i < f->count; i++)
		free(f->p[i]);
	f->count = 0;
}

static const struct dm_mlkem_params *params_for(const char *set)
{
	if (set != NULL && strcmp(set, "ML-KEM-768") == 0)
		return &dm_mlkem768_params;
	if (set != NULL && strcmp(set, "ML-KEM-512") == 0)
		return &dm_mlkem512_params;
	return NULL;
}

static void case_id(char *buf, size_t cap, const json_t *t)
{
	snprintf(buf, cap, "tcId %lld", vec_int(t, "tcId", -1));
}

/* J(z || c): the implicit-rejection secret, z = last 32 bytes of dk. */
static void kbar(uint8_t out[32], const uint8_t *dk, size_t dk_len, const uint8_t *c, size_t c_len)
{
	struct dm_keccak st;
	dm_shake256_init(&st);
	dm_shake_absorb(&st, dk + dk_len - 32, 32);
	dm_shake_absorb(&st, c, c_len);
	dm_shake_squeeze(&st, out, 32);
}

static int check_acvp_keygen(void)
{
	struct vec_tally t = {"pq/mlkem_acvp_keygen.json", 0, 0};
	json_t *root = vec_load(t.file);
	size_t gi, ti;
	json_t *g, *tc;

	json_array_foreach(json_object_get(root, "testGroups"), gi, g)
	{
		const struct dm_mlkem_params *p = params_for(vec_str(g, "parameterSet"));
		json_array_foreach(json_object_get(g, "tests"), ti, tc)
		{
			struct fields f = {0};
			char id[32];
			size_t dl, zl, ekl, dkl;
			const uint8_t *d = field(&f, tc, "d", &dl), *z = field(&f, tc, "z", &zl);
			const uint8_t *ek = field(&f, tc, "ek", &ekl),
				      *dk = field(&f, tc, "dk", &dkl);
			uint8_t ek2[DM_MLKEM_EK_MAX], dk2[2 * DM_MLKEM_EK_MAX + 64];
			bool ok = p != NULL && d && z && ek && dk && dl == 32 && zl == 32 &&
				  ekl == p->ek_bytes && dkl == p->dk_bytes;

			case_id(id, sizeof(id), tc);
			if (ok && p == &dm_mlkem768_params)
				ok = dm_mlkem768_keypair_from_seed(ek2, dk2, d, z) == 0;
			else if (ok)
				dm_mlkem_keygen_internal(p, ek2, dk2, d, z);
			ok = ok && memcmp(ek2, ek, ekl) == 0 && memcmp(dk2, dk, dkl) == 0;
			ok = ok && dm_mlkem_ek_check(p, ek2, ekl) == 0 &&
			     dm_mlkem_dk_check(p, dk2, dkl) == 0;
			vec_case(&t, ok, id, "keygen(d, z) mismatch (%s)",
				 vec_str(g, "parameterSet"));
			fields_free(&f);
		}
	}
	json_decref(root);
	return vec_report(&t);
}

static bool acvp_encaps(const struct dm_mlkem_params *p, const json_t *tc)
{
	struct fields f = {0};
	size_t ekl, dkl, cl, kl, ml;
	const uint8_t *ek = field(&f, tc, "ek", &ekl), *dk = field(&f, tc, "dk", &dkl);
	const uint8_t *c = field(&f, tc, "c", &cl), *k = field(&f, tc, "k", &kl);
	const uint8_t *m = field(&f, tc, "m", &ml);
	uint8_t c2[DM_MLKEM_CT_MAX], k2[32], k3[32];
	bool ok = ek && dk && c && k && m && ekl == p->ek_bytes && dkl == p->dk_bytes &&
		  cl == p->ct_bytes && kl == 32 && ml == 32;

	if (ok && p == &dm_mlkem768_params) {
		ok = dm_mlkem768_encaps_derand(c2, k2, ek, m) == 0 &&
		     dm_mlkem768_decaps(k3, c, dk) == 0;
	} else if (ok) {
		ok = dm_mlkem_ek_check(p, ek, ekl) == 0;
		dm_mlkem_encaps_internal(p, c2, k2, ek, m);
		dm_mlkem_decaps_internal(p, k3, c, dk);
	}
	ok = ok && memcmp(c2, c, cl) == 0 && memcmp(k2, k, 32) == 0 && memcmp(k3, k, 32) == 0;
	fields_free(&f);
	return ok;
}

static bool acvp_decaps(const struct dm_mlkem_params *p, const json_t *tc)
{
	struct fields f = {0};
	size_t dkl, cl, kl;
	const uint8_t *dk = field(&f, tc, "dk", &dkl), *c = field(&f, tc, "c", &cl);
	const uint8_t *k = field(&f, tc, "k", &kl);
	const char *reason = vec_str(tc, "reason");
	uint8_t k2[32], rej[32];
	bool ok = dk && c && k && reason && dkl == p->dk_bytes && cl == p->ct_bytes && kl == 32;

	if (ok && p == &dm_mlkem768_params)
		ok = dm_mlkem768_decaps(k2, c, dk) == 0;
	else if (ok)
		dm_mlkem_decaps_internal(p, k2, c, dk);
	ok = ok && memcmp(k2, k, 32) == 0;
	if (ok) {
		/* A modified ciphertext must take the rejection path, a valid one must not. */
		kbar(rej, dk, dkl, c, cl);
		if (strcmp(reason, "modified ciphertext") == 0)
			ok = memcmp(k2, rej, 32) == 0;
		else if (strcmp(reason, "valid decapsulation") == 0)
			ok = memcmp(k2, rej, 32) != 0;
		else
			ok = false;
	}
	fields_free(&f);
	return ok;
}

static bool acvp_ek_check(const struct dm_mlkem_params *p, const json_t *tc)
{
	struct fields f = {0};
	size_t ekl;
	const uint8_t *ek = field(&f, tc, "ek", &ekl);
	const json_t *want = json_object_get(tc, "testPassed");
	uint8_t m[32] = {0}, c[DM_MLKEM_CT_MAX], k[32];
	bool ok = ek != NULL && json_is_boolean(want);

	if (ok) {
		bool pass = dm_mlkem_ek_check(p, ek, ekl) == 0;
		ok = pass == json_is_true(want);
		/* The public encaps must refuse exactly the keys the check refuses. */
		if (ok && p == &dm_mlkem768_params && ekl == DM_MLKEM768_EK_BYTES) {
			bool enc = dm_mlkem768_encaps_derand(c, k, ek, m) == 0;
			ok = enc == pass && (dm_mlkem768_ek_check(ek, ekl) == 0) == pass;
		}
	}
	fields_free(&f);
	return ok;
}

static bool acvp_dk_check(const struct dm_mlkem_params *p, const json_t *tc)
{
	struct fields f = {0};
	size_t dkl;
	const uint8_t *dk = field(&f, tc, "dk", &dkl);
	const json_t *want = json_object_get(tc, "testPassed");
	uint8_t c[DM_MLKEM768_CT_BYTES] = {0}, k[32];
	bool ok = dk != NULL && json_is_boolean(want);

	if (ok) {
		bool pass = dm_mlkem_dk_check(p, dk, dkl) == 0;
		ok = pass == json_is_true(want);
		if (ok && p == &dm_mlkem768_params && dkl == DM_MLKEM768_DK_BYTES) {
			bool dec = dm_mlkem768_decaps(k, c, dk) == 0;
			ok = dec == pass && (dm_mlkem768_dk_check(dk, dkl) == 0) == pass;
		}
	}
	fields_free(&f);
	return ok;
}

static int check_acvp_encapdecap(void)
{
	struct vec_tally t = {"pq/mlkem_acvp_encapdecap.json", 0, 0};
	json_t *root = vec_load(t.file);
	size_t gi, ti;
	json_t *g, *tc;

	json_array_foreach(json_object_get(root, "testGroups"), gi, g)
	{
		const struct dm_mlkem_params *p = params_for(vec_str(g, "parameterSet"));
		const char *fn = vec_str(g, "function");
		json_array_foreach(json_object_get(g, "tests"), ti, tc)
		{
			char id[32];
			bool ok = false;

			case_id(id, sizeof(id), tc);
			if (p != NULL && fn != NULL) {
				if (strcmp(fn, "encapsulation") == 0)
					ok = acvp_encaps(p, tc);
				else if (strcmp(fn, "decapsulation") == 0)
					ok = acvp_decaps(p, tc);
				else if (strcmp(fn, "encapsulationKeyCheck") == 0)
					ok = acvp_ek_check(p, tc);
				else if (strcmp(fn, "decapsulationKeyCheck") == 0)
					ok = acvp_dk_check(p, tc);
			}
			vec_case(&t, ok, id, "%s (%s) mismatch", fn ? fn : "?",
				 vec_str(g, "parameterSet"));
		}
	}
	json_decref(root);
	return vec_report(&t);
}

static bool result_valid(const json_t *tc, bool *ret_valid)
{
	const char *r = vec_str(tc, "result");
	if (r == NULL || (strcmp(r, "valid") != 0 && strcmp(r, "invalid") != 0))
		return false;
	*ret_valid = strcmp(r, "valid") == 0;
	return true;
}

static bool wp_decaps_seed(const json_t *tc)
{
	struct fields f = {0};
	size_t sl, ekl = 0, cl, kl;
	const uint8_t *seed = field(&f, tc, "seed", &sl), *ek = field(&f, tc, "ek", &ekl);
	const uint8_t *c = field(&f, tc, "c", &cl), *k = field(&f, tc, "K", &kl);
	uint8_t ek2[DM_MLKEM768_EK_BYTES], dk[DM_MLKEM768_DK_BYTES], k2[32];
	bool valid, ok = seed && c && k && result_valid(tc, &valid);

	if (!ok)
		goto out;
	if (dm_mlkem768_seed_keypair(ek2, dk, seed, sl) != 0) {
		/* Only a wrong seed length may be refused, and only in an invalid case. */
		ok = !valid && sl != DM_MLKEM768_SEED_BYTES && ek == NULL;
		goto out;
	}
	ok = ek != NULL && ekl == DM_MLKEM768_EK_BYTES && memcmp(ek2, ek, ekl) == 0;
	memset(k2, 0xa5, sizeof(k2));
	int r = dm_mlkem768_decaps_checked(k2, c, cl, dk, sizeof(dk));
	if (valid)
		ok = ok && r == 0 && kl == 32 && memcmp(k2, k, 32) == 0;
	else /* refused, output untouched */
		ok = ok && r != 0 && kl == 0 && cl != DM_MLKEM768_CT_BYTES && k2[0] == 0xa5 &&
		     k2[31] == 0xa5;
out:
	fields_free(&f);
	return ok;
}

static bool wp_encaps(const json_t *tc)
{
	struct fields f = {0};
	size_t ekl, ml, cl, kl;
	const uint8_t *ek = field(&f, tc, "ek", &ekl), *m = field(&f, tc, "m", &ml);
	const uint8_t *c = field(&f, tc, "c", &cl), *k = field(&f, tc, "K", &kl);
	uint8_t c2[DM_MLKEM768_CT_BYTES], k2[32];
	bool valid, ok = ek && m && c && k && ml == 32 && result_valid(tc, &valid);

	if (!ok)
		goto out;
	int chk = dm_mlkem768_ek_check(ek, ekl);
	if (!valid) {
		ok = chk != 0 && cl == 0 && kl == 0;
		if (ok && ekl == DM_MLKEM768_EK_BYTES) {
			memset(k2, 0xa5, sizeof(k2));
			ok = dm_mlkem768_encaps_derand(c2, k2, ek, m) != 0 && k2[0] == 0xa5;
		}
		goto out;
	}
	ok = chk == 0 && dm_mlkem768_encaps_derand(c2, k2, ek, m) == 0 &&
	     cl == DM_MLKEM768_CT_BYTES && kl == 32 && memcmp(c2, c, cl) == 0 &&
	     memcmp(k2, k, 32) == 0;
out:
	fields_free(&f);
	return ok;
}

static bool wp_semi_expanded(const json_t *tc)
{
	struct fields f = {0};
	size_t dkl, cl, ekl, kl = 0;
	const uint8_t *dk = field(&f, tc, "dk", &dkl), *c = field(&f, tc, "c", &cl);
	const uint8_t *ek = field(&f, tc, "ek", &ekl), *k = field(&f, tc, "K", &kl);
	uint8_t k2[32];
	bool valid, ok = dk && c && ek && result_valid(tc, &valid);

	if (!ok)
		goto out;
	memset(k2, 0xa5, sizeof(k2));
	int r = dm_mlkem768_decaps_checked(k2, c, cl, dk, dkl);
	if (valid)
		ok = r == 0 && k != NULL && kl == 32 && memcmp(k2, k, 32) == 0 &&
		     dkl == DM_MLKEM768_DK_BYTES && ekl == DM_MLKEM768_EK_BYTES &&
		     memcmp(dk + 1152, ek, ekl) == 0;
	else
		ok = r != 0 && k2[0] == 0xa5 && k2[31] == 0xa5;
out:
	fields_free(&f);
	return ok;
}

static int check_wycheproof(const char *file, bool (*one)(const json_t *))
{
	struct vec_tally t = {file, 0, 0};
	json_t *root = vec_load(t.file);
	size_t gi, ti;
	json_t *g, *tc;

	json_array_foreach(json_object_get(root, "testGroups"), gi, g)
	{
		bool is768 = params_for(vec_str(g, "parameterSet")) == &dm_mlkem768_params;
		json_array_foreach(json_object_get(g, "tests"), ti, tc)
		{
			char id[32];
			case_id(id, sizeof(id), tc);
			vec_case(&t, is768 && one(tc), id, "%s: mismatch",
				 vec_str(tc, "comment") ? vec_str(tc, "comment") : "?");
		}
	}
	json_decref(root);
	return vec_report(&t);
}

static int check_xwing(void)
{
	struct vec_tally t = {"pq/xwing_draft_vectors.json", 0, 0};
	json_t *root = vec_load(t.file);
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(root, "vectors"), i, v)
	{
		struct fields f = {0};
		char id[32];
		size_t sl, skl, pkl, el, ctl, ssl;
		const uint8_t *seed = field(&f, v, "seed", &sl), *sk = field(&f, v, "sk", &skl);
		const uint8_t *pk = field(&f, v, "pk", &pkl), *es = field(&f, v, "eseed", &el);
		const uint8_t *ct = field(&f, v, "ct", &ctl), *ss = field(&f, v, "ss", &ssl);
		uint8_t pk2[DM_XWING_PK_BYTES], ct2[DM_XWING_CT_BYTES], ss2[32], ss3[32];
		bool ok = seed && sk && pk && es && ct && ss && sl == DM_XWING_SK_BYTES &&
			  skl == sl && memcmp(seed, sk, sl) == 0 && pkl == DM_XWING_PK_BYTES &&
			  el == DM_XWING_ESEED_BYTES && ctl == DM_XWING_CT_BYTES && ssl == 32;

		snprintf(id, sizeof(id), "vectors[%zu]", i);
		ok = ok && dm_xwing_keypair_from_seed(pk2, sk) == 0 && memcmp(pk2, pk, pkl) == 0;
		ok = ok && dm_xwing_encaps_derand(ct2, ss2, pk, es) == 0 &&
		     memcmp(ct2, ct, ctl) == 0 && memcmp(ss2, ss, 32) == 0;
		ok = ok && dm_xwing_decaps(ss3, ct, sk) == 0 && memcmp(ss3, ss, 32) == 0;
		vec_case(&t, ok, id, "X-Wing keygen/encaps/decaps mismatch");
		fields_free(&f);
	}
	json_decref(root);
	return vec_report(&t);
}

int main(void)
{
	int rc = 0;

	if (sodium_init() < 0)
		return 2;
	rc |= check_acvp_keygen();
	rc |= check_acvp_encapdecap();
	rc |= check_wycheproof("pq/wycheproof_mlkem768_decaps_seed.json", wp_decaps_seed);
	rc |= check_wycheproof("pq/wycheproof_mlkem768_encaps.json", wp_encaps);
	rc |=
	    check_wycheproof("pq/wycheproof_mlkem768_semi_expanded_decaps.json", wp_semi_expanded);
	rc |= check_xwing();
	return rc;
}
