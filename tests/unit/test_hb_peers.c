/* The heartbeat service's key loader and peer lists (services/heartbeat/peers.h). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "tests/unit/test.h"

/* Compiled in: the service's library needs libuv and IPC, these two files do not. */
#include "services/heartbeat/key.c"
#include "services/heartbeat/peers.c"

static void canon(const char *in, const char *want)
{
	char out[HB_URL_MAX];
	int r = hb_url_canon(in, strlen(in), out);
	if (want == NULL) {
		CHECK(r != 0);
	} else {
		CHECK_EQ(r, 0);
		if (r == 0 && strcmp(out, want) != 0) {
			fprintf(stderr, "canon(%s) = %s, want %s\n", in, out, want);
			CHECK(0);
		}
	}
}

static void test_canon(void)
{
	canon("https://Node.Example.COM", "https://node.example.com");
	canon("HTTPS://node.example:443/", "https://node.example");
	canon("http://node.example:80/x?y#z", "http://node.example");
	canon("http://node.example:8053", "http://node.example:8053");
	canon("https://node.example:80", "https://node.example:80");
	canon(" http://[2001:DB8::1]:8443/ ", "http://[2001:db8::1]:8443");
	canon("ftp://node.example", NULL);
	canon("node.example", NULL);
	canon("http://user@node.example", NULL);
	canon("http://", NULL);
	canon("http://node.example:", NULL);
	canon("http://node.example:99999", NULL);
	canon("http://node.example:8x", NULL);
	canon("http://no de.example", NULL);
}

static void test_list(void)
{
	static struct hb_peer_list l;
	const char *learned[] = {"https://b.example/", "https://SELF.example", "https://c.example",
				 "garbage", "https://a.example:443"};
	hb_peer_list(" https://a.example , ,http://b.example:8053,https://a.example/", learned, 5,
		     "https://self.example/", 25, &l);
	CHECK_EQ(l.n, 4u);
	CHECK(strcmp(l.url[0], "https://a.example") == 0);
	CHECK(strcmp(l.url[1], "http://b.example:8053") == 0);
	CHECK(strcmp(l.url[2], "https://b.example") == 0);
	CHECK(strcmp(l.url[3], "https://c.example") == 0);
	hb_peer_list("https://a.example,https://b.example", learned, 5, NULL, 1, &l);
	CHECK_EQ(l.n, 1u);
	hb_peer_list(NULL, NULL, 0, NULL, 25, &l);
	CHECK_EQ(l.n, 0u);
}

static void test_resolve(void)
{
	char out[HB_URL_MAX];
	const char *map = "node-a.test=127.0.0.1,node-b.test=[::1]";
	CHECK_EQ(hb_resolve(map, "http://node-a.test:8053", out), 1);
	CHECK(strcmp(out, "http://127.0.0.1:8053") == 0);
	CHECK_EQ(hb_resolve(map, "http://NODE-B.test", out), 1);
	CHECK(strcmp(out, "http://[::1]") == 0);
	CHECK_EQ(hb_resolve(map, "http://node-a.testx:1", out), 0);
	CHECK(strcmp(out, "http://node-a.testx:1") == 0);
	/* https needs the name for the certificate: never rewritten */
	CHECK_EQ(hb_resolve(map, "https://node-a.test", out), 0);
	CHECK_EQ(hb_resolve("", "http://node-a.test", out), 0);
	CHECK_EQ(hb_resolve(NULL, "http://node-a.test", out), 0);
}

static void write_file(const char *path, const void *p, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK_EQ(fwrite(p, 1, len, f), len);
	fclose(f);
	CHECK_EQ(chmod(path, mode), 0);
}

static void test_key(void)
{
	char dir[] = "/tmp/test_hb_keyXXXXXX", path[64], err[256];
	uint8_t seed[32], pk[32], sk[64], want_pk[32], want_sk[64];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/k", dir);
	for (size_t i = 0; i < 32; i++)
		seed[i] = (uint8_t)(i * 7 + 1);
	crypto_sign_seed_keypair(want_pk, want_sk, seed);

	write_file(path, seed, 32, 0600);
	CHECK_EQ(hb_key_load(path, sk, pk, err, sizeof(err)), 0);
	CHECK(memcmp(pk, want_pk, 32) == 0);

	char hex[80];
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", seed[i]);
	strcat(hex, "\n");
	write_file(path, hex, strlen(hex), 0400);
	memset(pk, 0, sizeof(pk));
	CHECK_EQ(hb_key_load(path, sk, pk, err, sizeof(err)), 0);
	CHECK(memcmp(pk, want_pk, 32) == 0);

	write_file(path, hex, strlen(hex), 0640);
	CHECK_EQ(hb_key_load(path, sk, pk, err, sizeof(err)), DM_EINVAL);
	CHECK(strstr(err, "group or others") != NULL);
	write_file(path, hex, strlen(hex), 0604);
	CHECK_EQ(hb_key_load(path, sk, pk, err, sizeof(err)), DM_EINVAL);
	write_file(path, hex, 63, 0600);
	CHECK_EQ(hb_key_load(path, sk, pk, err, sizeof(err)), DM_EINVAL);
	write_file(path, seed, 31, 0600);
	CHECK_EQ(hb_key_load(path, sk, pk, err, sizeof(err)), DM_EINVAL);
	hex[5] = 'x';
	write_file(path, hex, strlen(hex), 0600);
	CHECK_EQ(hb_key_load(path, sk, pk, err, sizeof(err)), DM_EINVAL);
	CHECK_EQ(hb_key_load(dir, sk, pk, err, sizeof(err)), DM_EINVAL); /* a directory */
	unlink(path);
	CHECK_EQ(hb_key_load(path, sk, pk, err, sizeof(err)), DM_EINVAL);
	rmdir(dir);

	CHECK_EQ(hb_key_path("/etc/k", path, sizeof(path)), 0);
	CHECK(strcmp(path, "/etc/k") == 0);
	setenv("CREDENTIALS_DIRECTORY", "/run/creds/x", 1);
	CHECK_EQ(hb_key_path("", path, sizeof(path)), 0);
	CHECK(strcmp(path, "/run/creds/x/operator.key") == 0);
	unsetenv("CREDENTIALS_DIRECTORY");
	CHECK_EQ(hb_key_path(NULL, path, sizeof(path)), DM_ENOTFOUND);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_canon();
	test_list();
	test_resolve();
	test_key();
	return TEST_DONE("hb_peers");
}
