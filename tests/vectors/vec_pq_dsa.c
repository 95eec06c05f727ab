/*
 * Known-answer checks for SHA-3/SHAKE, ML-DSA (ACVP keyGen/sigGen/sigVer,
 * Wycheproof sign-from-seed and verify) and composite ML-DSA + Ed25519.
 * One summary line per vectors/pq file; a case passes only if every check
 * in it passes (see vectors/pq/README.md for what each file exercises).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/pq/composite_sig.h"
#include "common/pq/mldsa.h"
#include "common/pq/mldsa65.h"
#include "common/pq/sha3.h"
#include "tests/vectors/vecutil.h"

#define MAXSIG 4096
#define MAXPK  2048
#define MAXSK  4096

/* A decoded hex field; p is NULL when the field is absent or not hex. */
struct hexf {
	uint8_t *p;
	size_t n;
};

static struct hexf hexf_get(const json_t *o, const char *key)
{
	struct hexf h = {NULL, 0};

	h.p = vec_hex(o, key, &h.n);
	return h;
}

static int hexf_eq(struct hexf h, const uint8_t *p, size_t n)
{
	return h.p != NULL && h.n == n && memcmp(h.p, p, n) == 0;
}

static void case_id(char *buf, size_t n, const json_t *t)
{
	const json_t *id = json_object_get(t, "tcId");

	if (json_is_integer(id))
		snprintf(buf, n, "%lld", (long long)json_integer_value(id));
	else if (json_is_string(id))
		snprintf(buf, n, "%s", json_string_value(id));
	else
		snprintf(buf, n, "?");
}

/* ---- SHA-3 / SHAKE ---------------------------------------------------- */

static int sha3_digest(const char *alg, uint8_t *out, size_t outlen, const uint8_t *in, size_t len)
{
	if (strcmp(alg, "SHA3-256") == 0 && outlen == 32)
		dm_sha3_256(out, in, len);
	else if (strcmp(alg, "SHA3-512") == 0 && outlen == 64)
		dm_sha3_512(out, in, len);
	else if (strcmp(alg, "SHAKE-128") == 0)
		dm_shake128(out, outlen, in, len);
	else if (strcmp(alg, "SHAKE-256") == 0)
		dm_shake256(out, outlen, in, len);
	else
		return -1;
	return 0;
}

/* MCT: MD_j = SHA3^1000(MD_{j-1}), chained across all 100 outer iterations. */
static int sha3_mct(const char *alg, const json_t *t)
{
	size_t dlen = strcmp(alg, "SHA3-256") == 0 ? 32 : 64;
	struct hexf seed = hexf_get(t, "msg");
	const json_t *results = json_object_get(t, "resultsArray");
	uint8_t md[64];
	int ok = seed.p != NULL && seed.n == dlen && json_array_size(results) == 100;

	if (ok)
		memcpy(md, seed.p, dlen);
	for (size_t j = 0; ok && j < json_array_size(results); j++) {
		for (int i = 0; i < 1000; i++)
			(void)sha3_digest(alg, md, dlen, md, dlen);
		struct hexf want = hexf_get(json_array_get(results, j), "md");
		ok = hexf_eq(want, md, dlen);
		free(want.p);
	}
	free(seed.p);
	return ok;
}

static int check_sha3(void)
{
	struct vec_tally t = {"pq/sha3_shake_acvp.json", 0, 0};
	json_t *root = vec_load(t.file);
	const json_t *algs = json_object_get(root, "algorithms");

	for (size_t a = 0; a < json_array_size(algs); a++) {
		const json_t *alg = json_array_get(algs, a);
		const char *name = vec_str(alg, "algorithm");
		const json_t *groups = json_object_get(alg, "testGroups");

		for (size_t g = 0; g < json_array_size(groups); g++) {
			const json_t *grp = json_array_get(groups, g);
			const char *type = vec_str(grp, "testType");
			const json_t *tests = json_object_get(grp, "tests");

			for (size_t i = 0; i < json_array_size(tests); i++) {
				const json_t *tc = json_array_get(tests, i);
				char id[64], cid[96];
				int ok;

				case_id(id, sizeof(id), tc);
				snprintf(cid, sizeof(cid), "%s/%s", name ? name : "?", id);
				if (type != NULL && strcmp(type, "MCT") == 0) {
					ok = sha3_mct(name, tc);
				} else {
					struct hexf msg = hexf_get(tc, "msg");
					struct hexf md = hexf_get(tc, "md");
					long long bits = vec_int(tc, "len", -1);
					uint8_t out[1024];
					size_t outlen = md.n;

					ok = msg.p != NULL && md.p != NULL && bits >= 0 &&
					     (size_t)bits == 8 * msg.n && outlen <= sizeof(out);
					if (ok && vec_int(tc, "outLen", -1) >= 0)
						ok =
						    (size_t)vec_int(tc, "outLen", -1) == 8 * outlen;
					ok = ok &&
					     sha3_digest(name, out, outlen, msg.p, msg.n) == 0 &&
					     memcmp(out, md.p, outlen) == 0;
					free(msg.p);
					free(md.p);
				}
				vec_case(&t, ok, cid, "digest mismatch");
			}
		}
	}
	json_decref(root);
	return vec_report(&t);
}

/* ---- HashML-DSA pre-hashes (test side) ---------------------------------- */

/*
 * SHA-224, SHA-384 and SHA-512/t are SHA-256/512 with other initial values
 * and a truncated output (FIPS 180-4 5.3); libsodium's state struct is
 * public, so the test swaps the IV instead of carrying another SHA-2.
 */
static const uint32_t iv224[8] = {0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939,
				  0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4};
static const uint64_t iv384[8] = {0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17,
				  0x152fecd8f70e5939, 0x67332667ffc00b31, 0x8eb44a8768581511,
				  0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4};
static const uint64_t iv512_224[8] = {0x8c3d37c819544da2, 0x73e1996689dcd4d6, 0x1dfab7ae32ff9c82,
				      0x679dd514582f9fcf, 0x0f6d2b697bd44da8, 0x77e36f7304c48942,
				      0x3f9d85a86a1d36c8, 0x1112e6ad91d692a1};
static const uint64_t iv512_256[8] = {0x22312194fc2bf72c, 0x9f555fa3c84c64c2, 0x2393b86b6f53b151,
				      0x963877195940eabd, 0x96283ee2a88effe3, 0xbe5e1e2553863992,
				      0x2b0199fc2c85b8aa, 0x0eb72ddc81c52ca2};

static void sha512_iv(uint8_t *out, size_t outlen, const uint64_t iv[8], const uint8_t *m, size_t n)
{
	crypto_hash_sha512_state st;
	uint8_t full[64];

	crypto_hash_sha512_init(&st);
	memcpy(st.state, iv, sizeof(st.state));
	crypto_hash_sha512_update(&st, m, n);
	crypto_hash_sha512_final(&st, full);
	memcpy(out, full, outlen);
}

/* PH(M) for an ACVP hashAlg name; -1 if the name is unknown. */
static int prehash(const char *alg, const uint8_t *m, size_t n, enum dm_mldsa_ph *ret_ph,
		   uint8_t out[64], size_t *ret_len)
{
	enum dm_mldsa_ph ph;

	if (alg == NULL)
		return -1;
	if (strcmp(alg, "SHA2-224") == 0) {
		crypto_hash_sha256_state st;
		uint8_t full[32];
		crypto_hash_sha256_init(&st);
		memcpy(st.state, iv224, sizeof(st.state));
		crypto_hash_sha256_update(&st, m, n);
		crypto_hash_sha256_final(&st, full);
		memcpy(out, full, 28);
		ph = DM_MLDSA_PH_SHA2_224;
	} else if (strcmp(alg, "SHA2-256") == 0) {
		crypto_hash_sha256(out, m, n);
		ph = DM_MLDSA_PH_SHA2_256;
	} else if (strcmp(alg, "SHA2-384") == 0) {
		sha512_iv(out, 48, iv384, m, n);
		ph = DM_MLDSA_PH_SHA2_384;
	} else if (strcmp(alg, "SHA2-512") == 0) {
		crypto_hash_sha512(out, m, n);
		ph = DM_MLDSA_PH_SHA2_512;
	} else if (strcmp(alg, "SHA2-512/224") == 0) {
		sha512_iv(out, 28, iv512_224, m, n);
		ph = DM_MLDSA_PH_SHA2_512_224;
	} else if (strcmp(alg, "SHA2-512/256") == 0) {
		sha512_iv(out, 32, iv512_256, m, n);
		ph = DM_MLDSA_PH_SHA2_512_256;
	} else if (strcmp(alg, "SHA3-224") == 0) {
		dm_sha3_224(out, m, n);
		ph = DM_MLDSA_PH_SHA3_224;
	} else if (strcmp(alg, "SHA3-256") == 0) {
		dm_sha3_256(out, m, n);
		ph = DM_MLDSA_PH_SHA3_256;
	} else if (strcmp(alg, "SHA3-384") == 0) {
		dm_sha3_384(out, m, n);
		ph = DM_MLDSA_PH_SHA3_384;
	} else if (strcmp(alg, "SHA3-512") == 0) {
		dm_sha3_512(out, m, n);
		ph = DM_MLDSA_PH_SHA3_512;
	} else if (strcmp(alg, "SHAKE-128") == 0) {
		dm_shake128(out, 32, m, n);
		ph = DM_MLDSA_PH_SHAKE128;
	} else if (strcmp(alg, "SHAKE-256") == 0) {
		dm_shake256(out, 64, m, n);
		ph = DM_MLDSA_PH_SHAKE256;
	} else {
		return -1;
	}
	*ret_ph = ph;
	*ret_len = dm_mldsa_ph_digest_bytes(ph);
	return 0;
}

/* ---- ACVP ML-DSA ---------------------------------------------------------- */

static int check_keygen(void)
{
	struct vec_tally t = {"pq/mldsa_acvp_keygen.json", 0, 0};
	json_t *root = vec_load(t.file);
	const json_t *groups = json_object_get(root, "testGroups");
	static uint8_t pk[MAXPK], sk[MAXSK];

	for (size_t g = 0; g < json_array_size(groups); g++) {
		const json_t *grp = json_array_get(groups, g);
		const struct dm_mldsa_params *p =
		    dm_mldsa_params_by_name(vec_str(grp, "parameterSet"));
		const json_t *tests = json_object_get(grp, "tests");

		for (size_t i = 0; i < json_array_size(tests); i++) {
			const json_t *tc = json_array_get(tests, i);
			struct hexf seed = hexf_get(tc, "seed"), wpk = hexf_get(tc, "pk"),
				    wsk = hexf_get(tc, "sk");
			char id[64];
			int ok = p != NULL && seed.p != NULL &&
				 dm_mldsa_keygen(p, pk, sk, seed.p, seed.n) == 0 &&
				 hexf_eq(wpk, pk, p->pk_bytes) && hexf_eq(wsk, sk, p->sk_bytes);

			/* The ML-DSA-65 public API must agree with the generic core. */
			if (ok && p == &dm_mldsa65_params) {
				static uint8_t pk2[DM_MLDSA65_PK_BYTES], sk2[DM_MLDSA65_SK_BYTES];
				ok = dm_mldsa65_keypair_from_seed(pk2, sk2, seed.p) == 0 &&
				     memcmp(pk2, pk, sizeof(pk2)) == 0 &&
				     memcmp(sk2, sk, sizeof(sk2)) == 0;
			}
			case_id(id, sizeof(id), tc);
			vec_case(&t, ok, id, "keygen mismatch");
			free(seed.p);
			free(wpk.p);
			free(wsk.p);
		}
	}
	json_decref(root);
	return vec_report(&t);
}

static int check_siggen(void)
{
	struct vec_tally t = {"pq/mldsa_acvp_siggen.json", 0, 0};
	json_t *root = vec_load(t.file);
	const json_t *groups = json_object_get(root, "testGroups");
	static uint8_t sig[MAXSIG];

	for (size_t g = 0; g < json_array_size(groups); g++) {
		const json_t *grp = json_array_get(groups, g);
		const struct dm_mldsa_params *p =
		    dm_mldsa_params_by_name(vec_str(grp, "parameterSet"));
		const char *iface = vec_str(grp, "signatureInterface");
		const char *pre = vec_str(grp, "preHash");
		int det = vec_bool(grp, "deterministic", false);
		int extmu = vec_bool(grp, "externalMu", false);
		const json_t *tests = json_object_get(grp, "tests");

		for (size_t i = 0; i < json_array_size(tests); i++) {
			const json_t *tc = json_array_get(tests, i);
			struct hexf sk = hexf_get(tc, "sk"), msg = hexf_get(tc, "message"),
				    ctx = hexf_get(tc, "context"), mu = hexf_get(tc, "mu"),
				    rndf = hexf_get(tc, "rnd"), want = hexf_get(tc, "signature");
			uint8_t rnd[DM_MLDSA_RND_BYTES] = {0}, digest[64];
			enum dm_mldsa_ph ph;
			size_t dlen;
			char id[64];
			int r = -1, ok = p != NULL && sk.p != NULL && iface != NULL;

			if (ok && !det) {
				ok = rndf.p != NULL && rndf.n == sizeof(rnd);
				if (ok)
					memcpy(rnd, rndf.p, sizeof(rnd));
			}
			if (!ok) {
				/* fall through to the failed case below */
			} else if (strcmp(iface, "internal") == 0 && extmu) {
				if (mu.p != NULL && mu.n == DM_MLDSA_MU_BYTES)
					r = dm_mldsa_sign_mu(p, sig, mu.p, rnd, sk.p, sk.n);
			} else if (strcmp(iface, "internal") == 0) {
				if (msg.p != NULL)
					r = dm_mldsa_sign_internal(p, sig, msg.p, msg.n, rnd, sk.p,
								   sk.n);
			} else if (pre != NULL && strcmp(pre, "preHash") == 0) {
				if (msg.p != NULL && ctx.p != NULL &&
				    prehash(vec_str(tc, "hashAlg"), msg.p, msg.n, &ph, digest,
					    &dlen) == 0)
					r = dm_mldsa_sign_prehash(p, sig, ph, digest, dlen, ctx.p,
								  ctx.n, rnd, sk.p, sk.n);
			} else if (msg.p != NULL && ctx.p != NULL) {
				r = dm_mldsa_sign_ext(p, sig, msg.p, msg.n, ctx.p, ctx.n, rnd, sk.p,
						      sk.n);
				/* Same key through the public API (deterministic cases). */
				if (r == 0 && det && p == &dm_mldsa65_params) {
					static uint8_t sig2[DM_MLDSA65_SIG_BYTES];
					if (dm_mldsa65_sign(sig2, msg.p, msg.n, ctx.p, ctx.n, sk.p,
							    1) != 0 ||
					    memcmp(sig2, sig, sizeof(sig2)) != 0)
						r = -1;
				}
			}
			ok = ok && r == 0 && hexf_eq(want, sig, p->sig_bytes);
			case_id(id, sizeof(id), tc);
			vec_case(&t, ok, id, "signature mismatch (r=%d)", r);
			free(sk.p);
			free(msg.p);
			free(ctx.p);
			free(mu.p);
			free(rndf.p);
			free(want.p);
		}
	}
	json_decref(root);
	return vec_report(&t);
}

static int check_sigver(void)
{
	struct vec_tally t = {"pq/mldsa_acvp_sigver.json", 0, 0};
	json_t *root = vec_load(t.file);
	const json_t *groups = json_object_get(root, "testGroups");

	for (size_t g = 0; g < json_array_size(groups); g++) {
		const json_t *grp = json_array_get(groups, g);
		const struct dm_mldsa_params *p =
		    dm_mldsa_params_by_name(vec_str(grp, "parameterSet"));
		const char *iface = vec_str(grp, "signatureInterface");
		const char *pre = vec_str(grp, "preHash");
		int extmu = vec_bool(grp, "externalMu", false);
		const json_t *tests = json_object_get(grp, "tests");

		for (size_t i = 0; i < json_array_size(tests); i++) {
			const json_t *tc = json_array_get(tests, i);
			struct hexf pk = hexf_get(tc, "pk"), msg = hexf_get(tc, "message"),
				    ctx = hexf_get(tc, "context"), mu = hexf_get(tc, "mu"),
				    sig = hexf_get(tc, "signature");
			const json_t *expect = json_object_get(tc, "testPassed");
			uint8_t digest[64];
			enum dm_mldsa_ph ph;
			size_t dlen;
			char id[64];
			int r = 1, ok = p != NULL && pk.p != NULL && sig.p != NULL &&
					iface != NULL && json_is_boolean(expect);

			if (!ok) {
				/* reported below */
			} else if (strcmp(iface, "internal") == 0 && extmu) {
				if (mu.p != NULL && mu.n == DM_MLDSA_MU_BYTES)
					r = dm_mldsa_verify_mu(p, sig.p, sig.n, mu.p, pk.p, pk.n);
			} else if (strcmp(iface, "internal") == 0) {
				if (msg.p != NULL)
					r = dm_mldsa_verify_internal(p, sig.p, sig.n, msg.p, msg.n,
								     pk.p, pk.n);
			} else if (pre != NULL && strcmp(pre, "preHash") == 0) {
				if (msg.p != NULL && ctx.p != NULL &&
				    prehash(vec_str(tc, "hashAlg"), msg.p, msg.n, &ph, digest,
					    &dlen) == 0)
					r = dm_mldsa_verify_prehash(p, sig.p, sig.n, ph, digest,
								    dlen, ctx.p, ctx.n, pk.p, pk.n);
			} else if (msg.p != NULL && ctx.p != NULL) {
				r = dm_mldsa_verify_ext(p, sig.p, sig.n, msg.p, msg.n, ctx.p, ctx.n,
							pk.p, pk.n);
			}
			/* r == 1: the case could not be run at all, which is a failure. */
			ok = ok && r != 1 && (r == 0) == json_is_true(expect);
			case_id(id, sizeof(id), tc);
			vec_case(&t, ok, id, "verify returned %d, expected %s (%s)", r,
				 json_is_true(expect) ? "valid" : "invalid",
				 vec_str(tc, "reason") ? vec_str(tc, "reason") : "");
			free(pk.p);
			free(msg.p);
			free(ctx.p);
			free(mu.p);
			free(sig.p);
		}
	}
	json_decref(root);
	return vec_report(&t);
}

/* ---- Wycheproof ML-DSA-65 ------------------------------------------------ */

static int has_flag(const json_t *tc, const char *flag)
{
	const json_t *flags = json_object_get(tc, "flags");

	for (size_t i = 0; i < json_array_size(flags); i++)
		if (json_is_string(json_array_get(flags, i)) &&
		    strcmp(json_string_value(json_array_get(flags, i)), flag) == 0)
			return 1;
	return 0;
}

/* Wycheproof "valid" (and "acceptable", of which these files have none) must verify. */
static int wyche_expect_valid(const json_t *tc)
{
	const char *res = vec_str(tc, "result");

	return res != NULL && (strcmp(res, "valid") == 0 || strcmp(res, "acceptable") == 0);
}

static int check_wyche_sign(void)
{
	struct vec_tally t = {"pq/wycheproof_mldsa65_sign_seed.json", 0, 0};
	json_t *root = vec_load(t.file);
	const json_t *groups = json_object_get(root, "testGroups");
	const struct dm_mldsa_params *p = &dm_mldsa65_params;
	static uint8_t pk[DM_MLDSA65_PK_BYTES], sk[DM_MLDSA65_SK_BYTES], sig[DM_MLDSA65_SIG_BYTES];

	for (size_t g = 0; g < json_array_size(groups); g++) {
		const json_t *grp = json_array_get(groups, g);
		struct hexf seed = hexf_get(grp, "privateSeed"), wpk = hexf_get(grp, "publicKey");
		const json_t *tests = json_object_get(grp, "tests");

		for (size_t i = 0; i < json_array_size(tests); i++) {
			const json_t *tc = json_array_get(tests, i);
			struct hexf msg = hexf_get(tc, "msg"), ctx = hexf_get(tc, "ctx"),
				    rndf = hexf_get(tc, "rnd"), mu = hexf_get(tc, "mu"),
				    want = hexf_get(tc, "sig");
			uint8_t rnd[DM_MLDSA_RND_BYTES] = {0}, mu2[DM_MLDSA_MU_BYTES];
			const uint8_t *cp = ctx.p != NULL ? ctx.p : (const uint8_t *)"";
			int valid = wyche_expect_valid(tc), ok, kg, sr = -1;
			char id[64];

			case_id(id, sizeof(id), tc);
			ok = seed.p != NULL && (rndf.p == NULL || rndf.n == sizeof(rnd));
			if (ok && rndf.p != NULL)
				memcpy(rnd, rndf.p, sizeof(rnd));
			kg = ok ? dm_mldsa_keygen(p, pk, sk, seed.p, seed.n) : -1;
			if (!valid) {
				/* Refused either at keygen (seed length) or when signing (ctx). */
				if (kg == 0 && msg.p != NULL)
					sr = dm_mldsa_sign_ext(p, sig, msg.p, msg.n, cp, ctx.n, rnd,
							       sk, sizeof(sk));
				if (kg == 0 && msg.p != NULL && ctx.n > DM_MLDSA_CTX_MAX &&
				    dm_mldsa_external_mu(p, mu2, pk, sizeof(pk), msg.p, msg.n, cp,
							 ctx.n) == 0)
					sr = 0;
				ok = ok && seed.p != NULL && (kg != 0 || sr != 0) &&
				     (want.p == NULL || want.n == 0);
				if (has_flag(tc, "IncorrectPrivateKeyLength"))
					ok = ok && kg != 0;
				vec_case(&t, ok, id, "invalid case accepted (kg=%d sign=%d)", kg,
					 sr);
			} else {
				ok = ok && kg == 0 && hexf_eq(wpk, pk, sizeof(pk)) &&
				     mu.p != NULL && mu.n == sizeof(mu2);
				if (ok && msg.p != NULL) {
					/* mu from the message must equal the vector's mu. */
					ok = dm_mldsa_external_mu(p, mu2, pk, sizeof(pk), msg.p,
								  msg.n, cp, ctx.n) == 0 &&
					     memcmp(mu2, mu.p, sizeof(mu2)) == 0 &&
					     dm_mldsa_sign_ext(p, sig, msg.p, msg.n, cp, ctx.n, rnd,
							       sk, sizeof(sk)) == 0;
				} else if (ok) {
					ok = dm_mldsa_sign_mu(p, sig, mu.p, rnd, sk, sizeof(sk)) ==
					     0;
				}
				ok = ok && hexf_eq(want, sig, sizeof(sig)) &&
				     dm_mldsa_verify_mu(p, sig, sizeof(sig), mu.p, pk,
							sizeof(pk)) == 0;
				if (ok && msg.p != NULL)
					ok = dm_mldsa65_verify(sig, sizeof(sig), msg.p, msg.n, cp,
							       ctx.n, pk) == 0;
				vec_case(&t, ok, id, "keygen/mu/signature/verify mismatch");
			}
			free(msg.p);
			free(ctx.p);
			free(rndf.p);
			free(mu.p);
			free(want.p);
		}
		free(seed.p);
		free(wpk.p);
	}
	json_decref(root);
	return vec_report(&t);
}

static int check_wyche_verify(void)
{
	struct vec_tally t = {"pq/wycheproof_mldsa65_verify.json", 0, 0};
	json_t *root = vec_load(t.file);
	const json_t *groups = json_object_get(root, "testGroups");
	const struct dm_mldsa_params *p = &dm_mldsa65_params;

	for (size_t g = 0; g < json_array_size(groups); g++) {
		const json_t *grp = json_array_get(groups, g);
		struct hexf pk = hexf_get(grp, "publicKey");
		const json_t *tests = json_object_get(grp, "tests");

		for (size_t i = 0; i < json_array_size(tests); i++) {
			const json_t *tc = json_array_get(tests, i);
			struct hexf msg = hexf_get(tc, "msg"), ctx = hexf_get(tc, "ctx"),
				    sig = hexf_get(tc, "sig");
			const uint8_t *cp = ctx.p != NULL ? ctx.p : (const uint8_t *)"";
			int valid = wyche_expect_valid(tc), r = 1;
			char id[64];

			if (pk.p != NULL && msg.p != NULL && sig.p != NULL)
				r = dm_mldsa_verify_ext(p, sig.p, sig.n, msg.p, msg.n, cp, ctx.n,
							pk.p, pk.n);
			/* The fixed-size API agrees wherever its length preconditions hold. */
			if (r != 1 && pk.n == DM_MLDSA65_PK_BYTES &&
			    (dm_mldsa65_verify(sig.p, sig.n, msg.p, msg.n, cp, ctx.n, pk.p) == 0) !=
				(r == 0))
				r = 2;
			case_id(id, sizeof(id), tc);
			vec_case(&t, r != 1 && r != 2 && (r == 0) == valid, id,
				 "verify returned %d, expected %s", r, valid ? "valid" : "invalid");
			free(msg.p);
			free(ctx.p);
			free(sig.p);
		}
		free(pk.p);
	}
	json_decref(root);
	return vec_report(&t);
}

/* ---- Composite ML-DSA + Ed25519 --------------------------------------- */

static int check_composite(void)
{
	struct vec_tally t = {"pq/composite_mldsa_ed25519_draft.json", 0, 0};
	json_t *root = vec_load(t.file);
	const json_t *tests = json_object_get(root, "tests");
	struct hexf m = hexf_get(root, "m"), ctx = hexf_get(root, "ctx"),
		    prefix = hexf_get(root, "prefixHex");
	static uint8_t pk2[MAXPK], sig2[MAXSIG];

	for (size_t i = 0; i < json_array_size(tests); i++) {
		const json_t *tc = json_array_get(tests, i);
		const char *tcid = vec_str(tc, "tcId");
		const struct dm_compsig_alg *a = NULL;
		struct hexf pk = hexf_get(tc, "pk"), sk = hexf_get(tc, "sk"), s = hexf_get(tc, "s"),
			    sc = hexf_get(tc, "sWithContext"), label = hexf_get(tc, "labelHex");
		int ok;

		if (tcid != NULL && strcmp(tcid, "id-MLDSA65-Ed25519-SHA512") == 0)
			a = &dm_compsig_mldsa65_ed25519;
		else if (tcid != NULL && strcmp(tcid, "id-MLDSA44-Ed25519-SHA512") == 0)
			a = &dm_compsig_mldsa44_ed25519;
		ok = a != NULL && m.p != NULL && ctx.p != NULL && pk.p != NULL && sk.p != NULL &&
		     s.p != NULL && sc.p != NULL && label.p != NULL && prefix.p != NULL;
		/* The constants in the code are the draft's. */
		ok = ok && prefix.n == 32 &&
		     memcmp(prefix.p, "CompositeAlgorithmSignatures2025", 32) == 0 &&
		     label.n == 30 && memcmp(label.p, vec_str(tc, "label"), 30) == 0;
		/* KeyGen: both halves of pk follow from the two seeds in sk. */
		ok = ok && dm_compsig_public_key(a, pk2, pk.n, sk.p, sk.n) == 0 &&
		     memcmp(pk2, pk.p, pk.n) == 0;
		/* The draft's signatures verify, each only under its own context. */
		ok = ok && dm_compsig_verify(a, s.p, s.n, m.p, m.n, NULL, 0, pk.p, pk.n) == 0 &&
		     dm_compsig_verify(a, sc.p, sc.n, m.p, m.n, ctx.p, ctx.n, pk.p, pk.n) == 0 &&
		     dm_compsig_verify(a, s.p, s.n, m.p, m.n, ctx.p, ctx.n, pk.p, pk.n) != 0 &&
		     dm_compsig_verify(a, sc.p, sc.n, m.p, m.n, NULL, 0, pk.p, pk.n) != 0;
		/* Our own signature round-trips; flipping either half breaks it. */
		if (ok) {
			size_t n = dm_compsig_sig_bytes(a);
			ok = dm_compsig_sign(a, sig2, n, m.p, m.n, ctx.p, ctx.n, sk.p, sk.n, 0) ==
				 0 &&
			     dm_compsig_verify(a, sig2, n, m.p, m.n, ctx.p, ctx.n, pk.p, pk.n) == 0;
			sig2[10] ^= 1;
			ok = ok &&
			     dm_compsig_verify(a, sig2, n, m.p, m.n, ctx.p, ctx.n, pk.p, pk.n) != 0;
			sig2[10] ^= 1;
			sig2[n - 1] ^= 0x40;
			ok = ok &&
			     dm_compsig_verify(a, sig2, n, m.p, m.n, ctx.p, ctx.n, pk.p, pk.n) != 0;
		}
		vec_case(&t, ok, tcid, "composite check failed");
		free(pk.p);
		free(sk.p);
		free(s.p);
		free(sc.p);
		free(label.p);
	}
	free(m.p);
	free(ctx.p);
	free(prefix.p);
	json_decref(root);
	return vec_report(&t);
}

int main(void)
{
	int fail = 0;

	if (sodium_init() < 0)
		return 2;
	fail |= check_sha3();
	fail |= check_keygen();
	fail |= check_siggen();
	fail |= check_sigver();
	fail |= check_wyche_sign();
	fail |= check_wyche_verify();
	fail |= check_composite();
	return fail ? 1 : 0;
}
