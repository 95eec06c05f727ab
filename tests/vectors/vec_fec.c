/*
 * reed_solomon.json and erasure_zfec.json: RS parity and codewords, the
 * chunk wrap block, RS decode outcomes (0-16 errors corrected, 17/20/32
 * refused) and the full chunk unwrap; zfec k/n choice, shares, parity
 * matrix rows and every listed subset decode.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/base64.h"
#include "common/dmp/chunk.h"
#include "common/dmp/erasure.h"
#include "common/dmp/rs.h"
#include "common/err.h"
#include "tests/vectors/vecutil.h"

#define RS_FILE	  "reed_solomon.json"
#define ZFEC_FILE "erasure_zfec.json"

/* Sets *why (first failure only) and returns false when `ok` is false. */
#define EXPECT(ok, msg)                                                                            \
	do {                                                                                       \
		if (!(ok)) {                                                                       \
			if (why == NULL)                                                           \
				why = (msg);                                                       \
			pass = false;                                                              \
		}                                                                                  \
	} while (0)

static bool hex_eq(const json_t *obj, const char *key, const uint8_t *p, size_t len)
{
	size_t n;
	uint8_t *want = vec_hex(obj, key, &n);
	bool ok = want != NULL && n == len && memcmp(want, p, len) == 0;
	free(want);
	return ok;
}

static void checksum8(const uint8_t *p, size_t len, uint8_t out[DM_CHUNK_CHECKSUM])
{
	uint8_t d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(d, p, len);
	memcpy(out, d, DM_CHUNK_CHECKSUM);
}

static bool rs_encode_case(const json_t *c, const char **whyp)
{
	const char *why = NULL;
	bool pass = true;
	size_t len;
	uint8_t parity[DM_RS_NSYM], cw[DM_RS_NSIZE], out[DM_RS_NSIZE];
	uint8_t *data = vec_hex(c, "data_hex", &len);

	if (data == NULL || len == 0 || len > DM_RS_MAX_DATA) {
		free(data);
		*whyp = "bad data_hex";
		return false;
	}
	EXPECT(dm_rs_encode(data, len, parity) == 0, "encode failed");
	EXPECT(hex_eq(c, "parity_hex", parity, DM_RS_NSYM), "parity differs");
	memcpy(cw, data, len);
	memcpy(cw + len, parity, DM_RS_NSYM);
	EXPECT(hex_eq(c, "codeword_hex", cw, len + DM_RS_NSYM), "codeword differs");

	/* A clean codeword decodes to the data with nothing corrected. */
	size_t olen = 0;
	unsigned nerr = 99;
	uint8_t tmp[DM_RS_NSIZE];
	memcpy(tmp, cw, len + DM_RS_NSYM);
	EXPECT(dm_rs_correct(tmp, len + DM_RS_NSYM, &nerr) == 0 && nerr == 0, "clean correct");
	EXPECT(dm_rs_decode(cw, len + DM_RS_NSYM, out, sizeof(out), &olen) == 0 && olen == len &&
		   memcmp(out, data, len) == 0,
	       "clean decode");

	if (vec_str(c, "checksum_hex") != NULL || vec_str(c, "wrap_block_hex") != NULL) {
		uint8_t sum[DM_CHUNK_CHECKSUM], wire[DM_CHUNK_WIRE_LEN], blk[DM_ERASURE_BLOCK];
		char txt[DM_CHUNK_TXT_LEN + 1], b64[DM_CHUNK_TXT_LEN];
		checksum8(data, len, sum);
		EXPECT(hex_eq(c, "checksum_hex", sum, sizeof(sum)), "checksum differs");
		EXPECT(len == DM_ERASURE_BLOCK, "wrap case without a 128-byte block");
		if (len == DM_ERASURE_BLOCK) {
			dm_chunk_wrap(data, wire);
			EXPECT(hex_eq(c, "wrap_block_hex", wire, sizeof(wire)), "wrap differs");
			dm_chunk_txt(data, txt);
			dm_b64_encode(wire, sizeof(wire), b64);
			EXPECT(strlen(txt) == DM_CHUNK_TXT_LEN &&
				   strncmp(txt, DM_CHUNK_TXT_PREFIX, 17) == 0 &&
				   strcmp(txt + 17, b64) == 0,
			       "txt value differs");
			EXPECT(dm_chunk_open(wire, sizeof(wire), blk) == 0 &&
				   memcmp(blk, data, DM_ERASURE_BLOCK) == 0,
			       "unwrap of own wrap");
		}
	}
	free(data);
	*whyp = why;
	return pass;
}

static bool rs_decode_case(const json_t *c, const char **whyp)
{
	const char *why = NULL;
	bool pass = true;
	size_t dlen, rlen;
	uint8_t *orig = vec_hex(c, "original_data_hex", &dlen);
	uint8_t *recv = vec_hex(c, "received_codeword_hex", &rlen);
	const char *outcome = vec_str(c, "reedsolo_outcome");
	const json_t *pos = json_object_get(c, "error_positions");

	if (orig == NULL || recv == NULL || outcome == NULL || !json_is_array(pos) ||
	    dlen != DM_ERASURE_BLOCK || rlen != dlen + DM_RS_NSYM) {
		free(orig);
		free(recv);
		*whyp = "malformed case";
		return false;
	}

	/* The received word is the true codeword with exactly the listed bytes changed. */
	uint8_t cw[DM_RS_NSIZE];
	memcpy(cw, orig, dlen);
	EXPECT(dm_rs_encode(orig, dlen, cw + dlen) == 0, "encode original");
	bool listed[DM_RS_NSIZE] = {false};
	size_t i;
	json_t *v;
	json_array_foreach(pos, i, v)
	{
		json_int_t p = json_integer_value(v);
		if (p >= 0 && (size_t)p < rlen)
			listed[p] = true;
	}
	for (size_t j = 0; j < rlen; j++)
		EXPECT((cw[j] != recv[j]) == listed[j], "error positions do not match");

	bool want_ok = strcmp(outcome, "decoded") == 0;
	uint8_t out[DM_RS_NSIZE];
	size_t olen = 0;
	int rc = dm_rs_decode(recv, rlen, out, sizeof(out), &olen);
	EXPECT((rc == 0) == want_ok, want_ok ? "decode refused" : "decode accepted");
	if (want_ok && rc == 0) {
		EXPECT(hex_eq(c, "reedsolo_output_hex", out, olen), "decoded output differs");
		EXPECT((olen == dlen && memcmp(out, orig, dlen) == 0) ==
			   vec_bool(c, "output_equals_original", false),
		       "output_equals_original");
		unsigned nerr = 0;
		uint8_t tmp[DM_RS_NSIZE];
		memcpy(tmp, recv, rlen);
		EXPECT(dm_rs_correct(tmp, rlen, &nerr) == 0 && nerr == json_array_size(pos) &&
			   memcmp(tmp, cw, rlen) == 0,
		       "corrected codeword / error count");
	} else if (!want_ok) {
		EXPECT(json_is_null(json_object_get(c, "reedsolo_output_hex")), "output on error");
		uint8_t tmp[DM_RS_NSIZE];
		memcpy(tmp, recv, rlen);
		EXPECT(dm_rs_correct(tmp, rlen, NULL) != 0 && memcmp(tmp, recv, rlen) == 0,
		       "refusal modified the codeword");
	}

	/* Full §8.2 unwrap: checksum of the original || received codeword. */
	uint8_t wire[DM_CHUNK_WIRE_LEN], blk[DM_ERASURE_BLOCK];
	checksum8(orig, dlen, wire);
	memcpy(wire + DM_CHUNK_CHECKSUM, recv, rlen);
	bool accepts =
	    dm_chunk_open(wire, sizeof(wire), blk) == 0 && memcmp(blk, orig, DM_ERASURE_BLOCK) == 0;
	EXPECT(accepts == vec_bool(c, "unwrap_block_accepts", !accepts), "unwrap_block_accepts");

	free(orig);
	free(recv);
	*whyp = why;
	return pass;
}

static int check_rs(void)
{
	struct vec_tally t = {.file = RS_FILE};
	json_t *root = vec_load(RS_FILE);
	const json_t *params = json_object_get(root, "params");
	uint8_t gen[DM_RS_NSYM + 1];
	char id[128];

	dm_rs_generator(gen);
	/* Every case depends on the code itself, so its parameters gate them all. */
	bool params_ok = hex_eq(params, "generator_poly_hex_high_to_low", gen, sizeof(gen)) &&
			 vec_int(params, "nsym", 0) == DM_RS_NSYM &&
			 vec_int(params, "nsize", 0) == DM_RS_NSIZE &&
			 vec_int(params, "fcr", -1) == 0 && vec_int(params, "generator", 0) == 2;

	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(root, "cases"), i, c)
	{
		const char *kind = vec_str(c, "kind"), *why = "unknown kind";
		bool ok = false;
		snprintf(id, sizeof(id), "%zu (%s)", i, vec_str(c, "description"));
		if (kind && strcmp(kind, "encode") == 0)
			ok = rs_encode_case(c, &why);
		else if (kind && strcmp(kind, "decode") == 0)
			ok = rs_decode_case(c, &why);
		if (!params_ok) {
			ok = false;
			why = "generator polynomial / params differ";
		}
		vec_case(&t, ok, id, "%s", why ? why : "");
	}
	json_decref(root);
	return vec_report(&t);
}

/* ---- erasure_zfec.json ------------------------------------------------ */

/* Decodes a JSON array of hex strings into one buffer of `count` x `blen`. */
static uint8_t *hex_blocks(const json_t *arr, size_t *ret_count, size_t *ret_blen)
{
	size_t n = json_array_size(arr), blen = 0, i;
	uint8_t *all = NULL;
	json_t *v;
	if (n == 0)
		return NULL;
	json_array_foreach(arr, i, v)
	{
		size_t len;
		uint8_t *b = vec_hex_str(json_string_value(v), &len);
		if (b == NULL || (i > 0 && len != blen) || (i == 0 && len == 0)) {
			free(b);
			free(all);
			return NULL;
		}
		if (i == 0) {
			blen = len;
			all = malloc(n * blen);
			if (all == NULL) {
				free(b);
				return NULL;
			}
		}
		memcpy(all + i * blen, b, blen);
		free(b);
	}
	*ret_count = n;
	*ret_blen = blen;
	return all;
}

static bool matrix_rows_ok(const json_t *c, unsigned k, unsigned n)
{
	size_t rows, rlen;
	uint8_t *want = hex_blocks(json_object_get(c, "parity_matrix_rows_hex"), &rows, &rlen);
	uint8_t *got = malloc((size_t)(n - k) * k);
	bool ok = want != NULL && got != NULL && rows == n - k && rlen == k &&
		  dm_fec_parity_matrix(k, n, got) == 0 && memcmp(want, got, rows * rlen) == 0;
	free(want);
	free(got);
	return ok;
}

/* Decodes the subset `ids` of `shares` both ways and compares with the expectation. */
static bool subset_ok(const uint8_t *shares, unsigned k, unsigned n, const json_t *sub,
		      const uint8_t *input, size_t input_len)
{
	const json_t *arr = json_object_get(sub, "share_ids");
	bool want = json_is_true(json_object_get(sub, "reconstructs"));
	size_t cnt = json_array_size(arr), i;
	const uint8_t *ptrs[DM_FEC_MAX_N];
	unsigned ids[DM_FEC_MAX_N];
	json_t *v;

	if (cnt == 0 || cnt > n)
		return false;
	json_array_foreach(arr, i, v)
	{
		json_int_t id = json_integer_value(v);
		if (id < 0 || id >= (json_int_t)n)
			return false;
		ids[i] = (unsigned)id;
		ptrs[i] = shares + (size_t)id * DM_ERASURE_BLOCK;
	}
	uint8_t *msg = NULL;
	size_t mlen = 0;
	int rc = dm_erasure_decode(k, n, ptrs, NULL, ids, cnt, &msg, &mlen);
	bool got = rc == 0 && mlen == input_len && memcmp(msg, input, input_len) == 0;
	free(msg);
	if (got != want)
		return false;
	/* A refusal must be a refusal, not a wrong message. */
	if (!want && rc == 0)
		return false;
	return true;
}

static bool zfec_message_case(const json_t *c, unsigned k, unsigned n, const char **whyp)
{
	const char *why = NULL;
	bool pass = true;
	size_t ilen, plen, cnt, blen;
	uint8_t *input = vec_hex(c, "input_hex", &ilen);
	uint8_t *padded = vec_hex(c, "padded_data_hex", &plen);
	uint8_t *want = hex_blocks(json_object_get(c, "shares_hex"), &cnt, &blen);
	uint8_t *shares = NULL;
	unsigned gk = 0, gn = 0;

	if (input == NULL || padded == NULL || want == NULL) {
		why = "malformed case";
		pass = false;
		goto out;
	}
	EXPECT(dm_erasure_params(ilen, &gk, &gn) == 0 && gk == k && gn == n, "k/n choice");
	EXPECT(dm_erasure_encode(input, ilen, &shares, &gk, &gn) == 0 && gk == k && gn == n,
	       "encode failed");
	if (shares == NULL)
		goto out;
	EXPECT(plen == (size_t)k * DM_ERASURE_BLOCK && memcmp(shares, padded, plen) == 0,
	       "padded data differs");
	EXPECT(cnt == n && blen == DM_ERASURE_BLOCK &&
		   memcmp(shares, want, (size_t)n * DM_ERASURE_BLOCK) == 0,
	       "shares differ");
	EXPECT(matrix_rows_ok(c, k, n), "parity matrix rows differ");

	size_t i;
	json_t *sub;
	json_array_foreach(json_object_get(c, "subsets"), i, sub)
	    EXPECT(subset_ok(want, k, n, sub, input, ilen), "subset decode");
	EXPECT(json_array_size(json_object_get(c, "subsets")) > 0, "no subsets");
out:
	free(input);
	free(padded);
	free(want);
	free(shares);
	*whyp = why;
	return pass;
}

static bool zfec_raw_case(const json_t *c, unsigned k, unsigned n, const char **whyp)
{
	const char *why = NULL;
	bool pass = true;
	size_t dcnt, dlen, scnt, slen;
	uint8_t *data = hex_blocks(json_object_get(c, "data_blocks_hex"), &dcnt, &dlen);
	uint8_t *want = hex_blocks(json_object_get(c, "shares_hex"), &scnt, &slen);
	const uint8_t *dptr[DM_FEC_MAX_N], *sptr[DM_FEC_MAX_N];
	uint8_t *pptr[DM_FEC_MAX_N], *optr[DM_FEC_MAX_N];
	unsigned ids[DM_FEC_MAX_N];
	uint8_t *got = NULL, *dec = NULL;

	if (data == NULL || want == NULL || dcnt != k || scnt != n || slen != dlen) {
		why = "malformed case";
		pass = false;
		goto out;
	}
	got = malloc((size_t)n * dlen);
	dec = malloc((size_t)k * dlen);
	if (got == NULL || dec == NULL) {
		why = "oom";
		pass = false;
		goto out;
	}
	memcpy(got, data, (size_t)k * dlen);
	for (unsigned j = 0; j < k; j++)
		dptr[j] = data + (size_t)j * dlen;
	for (unsigned j = k; j < n; j++)
		pptr[j - k] = got + (size_t)j * dlen;
	EXPECT(dm_fec_encode_blocks(k, n, dptr, dlen, pptr) == 0, "encode failed");
	EXPECT(memcmp(got, want, (size_t)n * dlen) == 0, "shares differ");
	EXPECT(matrix_rows_ok(c, k, n), "parity matrix rows differ");

	/* Decode from the last k shares (as many parity shares as possible), reversed. */
	for (unsigned j = 0; j < k; j++) {
		ids[j] = n - 1 - j;
		sptr[j] = want + (size_t)ids[j] * dlen;
		optr[j] = dec + (size_t)j * dlen;
	}
	EXPECT(dm_fec_decode_blocks(k, n, sptr, ids, dlen, optr) == 0 &&
		   memcmp(dec, data, (size_t)k * dlen) == 0,
	       "decode from the last k shares");
out:
	free(data);
	free(want);
	free(got);
	free(dec);
	*whyp = why;
	return pass;
}

static int check_zfec(void)
{
	struct vec_tally t = {.file = ZFEC_FILE};
	json_t *root = vec_load(ZFEC_FILE);
	const json_t *params = json_object_get(root, "params");
	char id[160];
	size_t i;
	json_t *c;

	bool params_ok = vec_int(params, "block_size", 0) == DM_ERASURE_BLOCK &&
			 vec_int(params, "length_prefix_bytes", 0) == DM_ERASURE_PREFIX;

	json_array_foreach(json_object_get(root, "cases"), i, c)
	{
		const char *why = NULL;
		long long k = vec_int(c, "k", 0), n = vec_int(c, "n", 0);
		bool ok = false;
		snprintf(id, sizeof(id), "%zu (%s)", i, vec_str(c, "description"));
		if (k < 1 || n < k || n > DM_FEC_MAX_N)
			why = "bad k/n";
		else if (vec_bool(c, "raw_zfec", false))
			ok = zfec_raw_case(c, (unsigned)k, (unsigned)n, &why);
		else
			ok = zfec_message_case(c, (unsigned)k, (unsigned)n, &why);
		if (!params_ok) {
			ok = false;
			why = "params differ";
		}
		vec_case(&t, ok, id, "%s", why ? why : "");
	}

	json_array_foreach(json_object_get(root, "choose_kn"), i, c)
	{
		long long len = vec_int(c, "plaintext_len", -1);
		long long k = vec_int(c, "k", 0), n = vec_int(c, "n", 0);
		unsigned gk = 0, gn = 0, ek = 0, en = 0;
		const char *why = NULL;
		bool pass = true;
		snprintf(id, sizeof(id), "choose_kn %zu (len %lld)", i, len);
		EXPECT(len >= 0 && dm_erasure_params((size_t)len, &gk, &gn) == 0 && gk == k &&
			   gn == n,
		       "k/n differ");
		/* Encoding must agree: it works up to n = 256 and refuses beyond. */
		uint8_t *msg = calloc(len > 0 ? (size_t)len : 1, 1), *shares = NULL;
		int rc = msg ? dm_erasure_encode(msg, (size_t)len, &shares, &ek, &en) : DM_ENOMEM;
		if (n <= DM_FEC_MAX_N)
			EXPECT(rc == 0 && ek == k && en == n, "encode k/n");
		else
			EXPECT(rc == DM_ETOOBIG && shares == NULL, "encode must refuse n > 256");
		free(shares);
		free(msg);
		vec_case(&t, pass && params_ok, id, "%s", why ? why : "params differ");
	}
	json_decref(root);
	return vec_report(&t);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	int rc = check_rs();
	rc |= check_zfec();
	return rc;
}
