/*
 * ML-DSA-65 verification on hostile bytes. First input byte picks a mode:
 *   even: free form. u16 siglen, u16 msglen, u8 ctxlen (big-endian), then
 *         sig, msg, ctx and the rest as the public key: any lengths, any
 *         bytes; verify must return, never crash or read out of bounds.
 *   odd:  a fixed key and message with one valid deterministic signature;
 *         the rest is (u16 offset, u8 xor) patches applied to it. Any
 *         accepted signature must be that exact signature (ML-DSA with
 *         strict hint decoding is strongly unforgeable), else abort().
 * The odd mode patches a fixed composite signature the same way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/pq/composite_sig.h"
#include "common/pq/mldsa.h"
#include "common/pq/mldsa65.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t pk[DM_MLDSA65_PK_BYTES], sk[DM_MLDSA65_SK_BYTES], sig[DM_MLDSA65_SIG_BYTES];
static uint8_t cpk[DM_COMPSIG65_PK_BYTES], csig[DM_COMPSIG65_SIG_BYTES];
static const uint8_t msg[] = "fuzz: a fixed message";
static const uint8_t ctx[] = "dnsmesh-fuzz";
static volatile int sink;

static void setup(void)
{
	static int done;
	uint8_t seed[DM_MLDSA65_SEED_BYTES] = {7}, csk[DM_COMPSIG65_SK_BYTES] = {9};

	if (done)
		return;
	if (sodium_init() < 0 || dm_mldsa65_keypair_from_seed(pk, sk, seed) != 0 ||
	    dm_mldsa65_sign(sig, msg, sizeof(msg) - 1, ctx, sizeof(ctx) - 1, sk, 1) != 0 ||
	    dm_compsig_public_key(&dm_compsig_mldsa65_ed25519, cpk, sizeof(cpk), csk,
				  sizeof(csk)) != 0 ||
	    dm_compsig_sign(&dm_compsig_mldsa65_ed25519, csig, sizeof(csig), msg, sizeof(msg) - 1,
			    ctx, sizeof(ctx) - 1, csk, sizeof(csk), 1) != 0)
		abort();
	done = 1;
}

static void free_form(const uint8_t *data, size_t size)
{
	size_t siglen, msglen, ctxlen;

	if (size < 5)
		return;
	siglen = (size_t)data[0] << 8 | data[1];
	msglen = (size_t)data[2] << 8 | data[3];
	ctxlen = data[4];
	data += 5;
	size -= 5;
	if (siglen > size)
		siglen = size;
	const uint8_t *s = data;
	data += siglen;
	size -= siglen;
	if (msglen > size)
		msglen = size;
	const uint8_t *m = data;
	data += msglen;
	size -= msglen;
	if (ctxlen > size)
		ctxlen = size;
	const uint8_t *c = data;
	data += ctxlen;
	size -= ctxlen;
	/* Exact-size copies so ASan catches any read past the caller's buffers. */
	uint8_t *ps = malloc(siglen ? siglen : 1), *pm = malloc(msglen ? msglen : 1);
	uint8_t *pc = malloc(ctxlen ? ctxlen : 1), *pp = malloc(size ? size : 1);
	if (ps == NULL || pm == NULL || pc == NULL || pp == NULL)
		abort();
	memcpy(ps, s, siglen);
	memcpy(pm, m, msglen);
	memcpy(pc, c, ctxlen);
	memcpy(pp, data, size);
	/* Results are ignored: arbitrary keys can have genuine signatures. */
	sink +=
	    dm_mldsa_verify_ext(&dm_mldsa65_params, ps, siglen, pm, msglen, pc, ctxlen, pp, size);
	sink += dm_mldsa_verify_internal(&dm_mldsa44_params, ps, siglen, pm, msglen, pp, size);
	sink += dm_compsig_verify(&dm_compsig_mldsa65_ed25519, ps, siglen, pm, msglen, pc, ctxlen,
				  pp, size);
	free(ps);
	free(pm);
	free(pc);
	free(pp);
}

static void patched(const uint8_t *data, size_t size)
{
	uint8_t s[DM_MLDSA65_SIG_BYTES];
	static uint8_t cs[DM_COMPSIG65_SIG_BYTES];
	int r;

	memcpy(s, sig, sizeof(s));
	memcpy(cs, csig, sizeof(cs));
	for (; size >= 3; data += 3, size -= 3) {
		size_t off = (size_t)data[0] << 8 | data[1];
		s[off % sizeof(s)] ^= data[2];
		cs[off % sizeof(cs)] ^= data[2];
	}
	r = dm_mldsa65_verify(s, sizeof(s), msg, sizeof(msg) - 1, ctx, sizeof(ctx) - 1, pk);
	/* Accepted iff unchanged: another valid signature would be malleability. */
	if ((r == 0) != (memcmp(s, sig, sizeof(s)) == 0))
		abort();
	r = dm_compsig65_verify(cs, sizeof(cs), msg, sizeof(msg) - 1, ctx, sizeof(ctx) - 1, cpk);
	if ((r == 0) != (memcmp(cs, csig, sizeof(cs)) == 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size == 0)
		return 0;
	if (data[0] & 1)
		patched(data + 1, size - 1);
	else
		free_form(data + 1, size - 1);
	return 0;
}
