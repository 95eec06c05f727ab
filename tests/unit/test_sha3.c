/*
 * SHA-3 / SHAKE: known answers from Python's hashlib, incremental absorb and
 * squeeze in odd-sized pieces across rate boundaries (must equal one-shot).
 */
#include <stdint.h>
#include <string.h>

#include "common/pq/sha3.h"
#include "tests/unit/test.h"

static uint8_t msg[512];

static int hexeq(const uint8_t *p, size_t n, const char *hex)
{
	uint8_t want[512];
	size_t hl = strlen(hex);

	if (hl != 2 * n || n > sizeof(want))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return 0;
		want[i] = (uint8_t)v;
	}
	return memcmp(p, want, n) == 0;
}

static void test_known(void)
{
	uint8_t out[300];

	dm_sha3_256(out, msg, 200);
	CHECK(hexeq(out, 32, "5f728f63bf5ee48c77f453c0490398fa645b8d4c4e56be9a41cfec344d6ca899"));
	dm_sha3_512(out, msg, 0);
	CHECK(
	    hexeq(out, 64,
		  "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a615b2123af1f5f94c"
		  "11e3e9402c3ac558f500199d95b6d3e301758586281dcd26"));
	dm_sha3_224(out, (const uint8_t *)"abc", 3);
	CHECK(hexeq(out, 28, "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf"));
	dm_sha3_384(out, (const uint8_t *)"abc", 3);
	CHECK(hexeq(out, 48,
		    "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7"
		    "f539f1edf228376d25"));
	dm_shake256(out, 200, msg, 137);
	CHECK(hexeq(
	    out, 200,
	    "01d90952c642a5eb2a8fc9d713f843a45d7ac05132dddcb2efc9bebc27e37bcbe42130c36f354025"
	    "0ab11796980e773683f28d07f0f838606fb9c45e452bd38fb9ed42c8994cbad998a1971cf3d7bc76"
	    "3f40cb04fefe876a20c27ece851d489539e1eaa5ecd62bb20bdad6526819462c6e4efb71a45c5b46"
	    "dd012647abd1d899a03d1b514fb93828a21bc9368bc24fe63808d6be567248bae61f38ba3f9e676b"
	    "be8275ba47c2ff92d770468944b9933c96435488224af296b8b542f9fd3dc0f9f8f23a3e654af44e"));
	dm_shake128(out, 300, msg, 167);
	CHECK(
	    hexeq(out + 236, 64,
		  "5dfff42f4810222b704e9bff978d30e7bdd8f7f98e954b18274240a722a3ef59485c12ce13a37a97"
		  "10f999d6c253e881b39c7e6ce3c2344a4c64ee396c0914c5"));
}

/* Absorbing and squeezing in pieces must match the one-shot result. */
static void test_incremental(void)
{
	static const size_t pieces[] = {1, 7, 8, 13, 135, 136, 137, 167, 168, 169, 300};
	uint8_t one[700], inc[700];

	for (int alg = 0; alg < 2; alg++) {
		for (size_t pi = 0; pi < sizeof(pieces) / sizeof(pieces[0]); pi++) {
			size_t step = pieces[pi];
			struct dm_keccak k;

			if (alg == 0) {
				dm_shake128(one, sizeof(one), msg, sizeof(msg));
				dm_shake128_init(&k);
			} else {
				dm_shake256(one, sizeof(one), msg, sizeof(msg));
				dm_shake256_init(&k);
			}
			for (size_t off = 0; off < sizeof(msg); off += step)
				dm_shake_absorb(&k, msg + off,
						step < sizeof(msg) - off ? step
									 : sizeof(msg) - off);
			for (size_t off = 0; off < sizeof(inc); off += step)
				dm_shake_squeeze(&k, inc + off,
						 step < sizeof(inc) - off ? step
									  : sizeof(inc) - off);
			dm_keccak_wipe(&k);
			CHECK_MEM(one, inc, sizeof(one));
		}
	}
}

/* The x4 sponges equal four scalar ones, including inputs longer than a block. */
static void test_x4(void)
{
	static const size_t lens[] = {0, 34, 66, 135, 136, 168, 300};
	uint8_t want[3 * DM_SHAKE128_RATE], got[4][3 * DM_SHAKE128_RATE];
	uint8_t *out[4] = {got[0], got[1], got[2], got[3]};

	for (int alg = 0; alg < 2; alg++) {
		unsigned rate = alg ? DM_SHAKE256_RATE : DM_SHAKE128_RATE;
		for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
			const uint8_t *in[4] = {msg, msg + 1, msg + 2, msg + 3};
			struct dm_keccak_x4 k;

			dm_shake_x4_absorb_once(&k, rate, in, lens[li]);
			dm_shake_x4_squeezeblocks(&k, out, 2);
			dm_shake_x4_squeezeblocks(&k, out, 1); /* overwrites block 0 */
			dm_keccak_x4_wipe(&k);
			for (int j = 0; j < 4; j++) {
				if (alg)
					dm_shake256(want, 3 * rate, in[j], lens[li]);
				else
					dm_shake128(want, 3 * rate, in[j], lens[li]);
				CHECK_MEM(got[j], want + 2 * rate, rate);
				CHECK_MEM(got[j] + rate, want + rate, rate);
			}
		}
	}
}

int main(void)
{
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	test_known();
	test_incremental();
	test_x4();
	return TEST_DONE("test_sha3");
}
