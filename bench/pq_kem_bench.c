/*
 * Single-core throughput of ML-KEM-768 and X-Wing (keygen, encaps, decaps),
 * plus the object sizes that matter for DNS records. Each operation runs for
 * about `secs` seconds (argv[1], default 0.5) of process CPU time, so other
 * load on a shared machine skews the figures less than wall time would.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/pq/mlkem768.h"
#include "common/pq/xwing.h"

static struct {
	uint8_t ek[DM_MLKEM768_EK_BYTES];
	uint8_t dk[DM_MLKEM768_DK_BYTES];
	uint8_t ct[DM_MLKEM768_CT_BYTES];
	uint8_t ss[32];
	uint8_t xpk[DM_XWING_PK_BYTES];
	uint8_t xsk[DM_XWING_SK_BYTES];
	uint8_t xct[DM_XWING_CT_BYTES];
	int fail;
} b;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void op_mlkem_keygen(void)
{
	b.fail |= dm_mlkem768_keypair(b.ek, b.dk, NULL);
}

static void op_mlkem_encaps(void)
{
	b.fail |= dm_mlkem768_encaps(b.ct, b.ss, b.ek);
}

static void op_mlkem_decaps(void)
{
	b.fail |= dm_mlkem768_decaps(b.ss, b.ct, b.dk);
}

static void op_xwing_keygen(void)
{
	b.fail |= dm_xwing_keypair(b.xpk, b.xsk);
}

static void op_xwing_encaps(void)
{
	b.fail |= dm_xwing_encaps(b.xct, b.ss, b.xpk);
}

static void op_xwing_decaps(void)
{
	b.fail |= dm_xwing_decaps(b.ss, b.xct, b.xsk);
}

static void run(const char *name, void (*op)(void), double secs)
{
	unsigned long n = 0, batch = 16;
	double t0 = now(), t;

	do {
		for (unsigned long i = 0; i < batch; i++)
			op();
		n += batch;
		t = now() - t0;
	} while (t < secs);
	printf("%-20s %10.0f ops/s  %8.1f us/op\n", name, (double)n / t, t * 1e6 / (double)n);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 0.5;

	if (sodium_init() < 0 || secs <= 0)
		return 2;
	printf("sizes: ML-KEM-768 ek %d, dk %d (seed %d), ct %d, ss %d\n", DM_MLKEM768_EK_BYTES,
	       DM_MLKEM768_DK_BYTES, DM_MLKEM768_SEED_BYTES, DM_MLKEM768_CT_BYTES,
	       DM_MLKEM768_SS_BYTES);
	printf("sizes: X-Wing pk %d, sk %d, ct %d, ss %d\n", DM_XWING_PK_BYTES, DM_XWING_SK_BYTES,
	       DM_XWING_CT_BYTES, DM_XWING_SS_BYTES);
	run("mlkem768 keygen", op_mlkem_keygen, secs);
	run("mlkem768 encaps", op_mlkem_encaps, secs);
	run("mlkem768 decaps", op_mlkem_decaps, secs);
	run("xwing keygen", op_xwing_keygen, secs);
	run("xwing encaps", op_xwing_encaps, secs);
	run("xwing decaps", op_xwing_decaps, secs);
	if (b.fail) {
		fprintf(stderr, "an operation failed\n");
		return 1;
	}
	return 0;
}
