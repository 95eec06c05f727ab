/*
 * Post-quantum signature benchmark: operations per second on one core for
 * ML-DSA-65 and composite ML-DSA-65 + Ed25519 (keygen, sign, verify), plus
 * the object sizes. Build with optimisation (-O2, no sanitizers); each
 * operation runs for about `seconds` (argv[1], default 2.0) of CPU time,
 * split into rounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/pq/composite_sig.h"
#include "common/pq/mldsa65.h"

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint8_t pk[DM_COMPSIG65_PK_BYTES], sk[DM_MLDSA65_SK_BYTES];
static uint8_t csk[DM_COMPSIG65_SK_BYTES], sig[DM_COMPSIG65_SIG_BYTES];
static uint8_t seed[DM_MLDSA65_SEED_BYTES];
static const uint8_t msg[] = "a directory record of typical length, about one hundred bytes "
			     "long, to be signed";
static const uint8_t ctx[] = "dnsmesh-bench-v1";
static volatile int sink;

enum op { MLDSA_KEYGEN, MLDSA_SIGN, MLDSA_VERIFY, COMP_KEYGEN, COMP_SIGN, COMP_VERIFY };

static int run(enum op op)
{
	switch (op) {
	case MLDSA_KEYGEN:
		seed[0]++;
		return dm_mldsa65_keypair_from_seed(pk, sk, seed);
	case MLDSA_SIGN:
		return dm_mldsa65_sign(sig, msg, sizeof(msg) - 1, ctx, sizeof(ctx) - 1, sk, 0);
	case MLDSA_VERIFY:
		return dm_mldsa65_verify(sig, DM_MLDSA65_SIG_BYTES, msg, sizeof(msg) - 1, ctx,
					 sizeof(ctx) - 1, pk);
	case COMP_KEYGEN:
		return dm_compsig65_keypair(pk, csk);
	case COMP_SIGN:
		return dm_compsig65_sign(sig, msg, sizeof(msg) - 1, ctx, sizeof(ctx) - 1, csk);
	case COMP_VERIFY:
		return dm_compsig65_verify(sig, DM_COMPSIG65_SIG_BYTES, msg, sizeof(msg) - 1, ctx,
					   sizeof(ctx) - 1, pk);
	}
	return -1;
}

#define ROUNDS 5

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/*
 * Several timed rounds per operation; the best and the median are printed,
 * since other processes on a shared machine only ever make a round slower.
 */
static void bench(const char *name, enum op op, double seconds)
{
	double rate[ROUNDS];

	for (int r = 0; r < ROUNDS; r++) {
		double start = cpu_now(), el;
		long n = 0;
		do {
			if (run(op) != 0) {
				fprintf(stderr, "%s: operation failed\n", name);
				exit(1);
			}
			n++;
			el = cpu_now() - start;
		} while (el < seconds / ROUNDS);
		rate[r] = (double)n / el;
	}
	qsort(rate, ROUNDS, sizeof(rate[0]), cmp_double);
	printf("%-26s best %8.0f ops/s (%7.1f us/op)  median %8.0f ops/s\n", name, rate[ROUNDS - 1],
	       1e6 / rate[ROUNDS - 1], rate[ROUNDS / 2]);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;

	if (sodium_init() < 0 || seconds <= 0)
		return 2;
	printf("sizes: ML-DSA-65 pk %d sk %d (seed %d) sig %d; composite pk %d sk %d sig %d\n",
	       DM_MLDSA65_PK_BYTES, DM_MLDSA65_SK_BYTES, DM_MLDSA65_SEED_BYTES,
	       DM_MLDSA65_SIG_BYTES, DM_COMPSIG65_PK_BYTES, DM_COMPSIG65_SK_BYTES,
	       DM_COMPSIG65_SIG_BYTES);
	bench("ML-DSA-65 keygen (seed)", MLDSA_KEYGEN, seconds);
	bench("ML-DSA-65 sign (hedged)", MLDSA_SIGN, seconds);
	bench("ML-DSA-65 verify", MLDSA_VERIFY, seconds);
	bench("composite keygen", COMP_KEYGEN, seconds);
	bench("composite sign", COMP_SIGN, seconds);
	bench("composite verify", COMP_VERIFY, seconds);
	sink = sig[0];
	return 0;
}
