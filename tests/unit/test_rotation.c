/* Rotation records (wire.md §12.7) and the subject rules they share with revocations. */
#include <sodium.h>
#include <string.h>

#include "common/dmp/rotation.h"
#include "common/dmp/subject.h"
#include "common/err.h"
#include "tests/unit/test.h"

#define NOW 1767225600ULL

static uint8_t pk_a[32], sk_a[64], pk_b[32], sk_b[64], pk_c[32], sk_c[64];
static struct dm_rotation base, got;
static char wire[DM_ROTATION_WIRE_MAX + 1];
static size_t wire_len;

static bool subject_ok(unsigned type, const char *s)
{
	return dm_subject_ok(type, s, strlen(s));
}

static void test_subjects(void)
{
	char user255[256];

	CHECK(subject_ok(DM_SUBJECT_USER, "alice@example.com"));
	CHECK(subject_ok(DM_SUBJECT_USER, "alice@example.com."));
	CHECK(subject_ok(DM_SUBJECT_USER, " alice @ example.com\t")); /* str.strip() halves */
	CHECK(subject_ok(DM_SUBJECT_USER, "\xc3\xa9lise@example.com"));
	CHECK(!subject_ok(DM_SUBJECT_USER, "a@b@example.com")); /* host "b@example.com" */
	CHECK(!subject_ok(DM_SUBJECT_USER, "alice"));
	CHECK(!subject_ok(DM_SUBJECT_USER, "@example.com"));
	CHECK(!subject_ok(DM_SUBJECT_USER, "alice@"));
	CHECK(!subject_ok(DM_SUBJECT_USER, "\xe3\x80\x80@example.com")); /* U+3000 only */
	CHECK(!subject_ok(DM_SUBJECT_USER, "alice@exa_mple.com"));
	CHECK(!subject_ok(DM_SUBJECT_USER, "alice@example.com.."));
	CHECK(!subject_ok(DM_SUBJECT_USER, "\xfflice@example.com"));
	/* A user subject may use the whole u8 length; its host has no 64-byte cap. */
	memset(user255, 'u', 255);
	user255[255] = '\0';
	memcpy(user255 + 100, "@", 1);
	for (size_t i = 101; i < 255; i += 50)
		user255[i] = '.';
	user255[101] = 'h';
	CHECK(subject_ok(DM_SUBJECT_USER, user255));

	CHECK(subject_ok(DM_SUBJECT_CLUSTER, "mesh.example.com"));
	CHECK(subject_ok(DM_SUBJECT_BOOTSTRAP, "example.com."));
	CHECK(!subject_ok(DM_SUBJECT_CLUSTER, "alice@example.com"));
	CHECK(!subject_ok(DM_SUBJECT_BOOTSTRAP, "example.com.."));
	CHECK(!subject_ok(DM_SUBJECT_CLUSTER,
			  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	CHECK(subject_ok(DM_SUBJECT_CLUSTER,
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."));
	CHECK(!subject_ok(0, "example.com"));
	CHECK(!subject_ok(4, "example.com"));
	CHECK(!dm_subject_ok(DM_SUBJECT_CLUSTER, "", 0));

	CHECK(dm_subject_equal(DM_SUBJECT_USER, "alice@example.com", 17, "alice@EXAMPLE.com.", 18));
	CHECK(
	    dm_subject_equal(DM_SUBJECT_USER, "alice@example.com", 17, " alice@example.com ", 19));
	CHECK(!dm_subject_equal(DM_SUBJECT_USER, "alice@example.com", 17, "Alice@example.com", 17));
	CHECK(!dm_subject_equal(DM_SUBJECT_USER, "alice@example.com", 17, "alice", 5));
	CHECK(
	    dm_subject_equal(DM_SUBJECT_CLUSTER, "mesh.example.com.", 17, "MESH.example.com", 16));
	CHECK(!dm_subject_equal(DM_SUBJECT_CLUSTER, "mesh.example.com", 16, "mesh.example.com..",
				18));
}

static void reset(void)
{
	memset(&base, 0, sizeof(base));
	base.subject_type = DM_SUBJECT_USER;
	base.subject_len = 17;
	memcpy(base.subject, "alice@example.com", 18);
	memcpy(base.old_spk, pk_a, 32);
	memcpy(base.new_spk, pk_b, 32);
	base.seq = 1;
	base.ts = NOW;
	base.exp = NOW + 86400;
}

static int sign(const uint8_t *old_sk, const uint8_t *new_sk)
{
	return dm_rotation_sign(&base, old_sk, new_sk, wire, sizeof(wire), &wire_len);
}

static int parse(uint64_t now, const uint8_t *old_pin, const char *subject)
{
	return dm_rotation_parse(wire, wire_len, now, old_pin, subject,
				 subject ? strlen(subject) : 0, &got);
}

static void test_rotation(void)
{
	reset();
	CHECK_EQ(sign(sk_a, sk_b), 0);
	CHECK_EQ(parse(NOW, pk_a, "alice@Example.COM"), 0);
	CHECK_STR(got.subject, "alice@example.com");
	CHECK_MEM(got.new_spk, pk_b, 32);
	CHECK_EQ(parse(NOW, pk_b, NULL), DM_EMISMATCH);
	CHECK_EQ(parse(NOW, NULL, "bob@example.com"), DM_EMISMATCH);
	CHECK_EQ(parse(base.exp + 1, NULL, NULL), DM_EEXPIRED);
	CHECK_EQ(parse(base.exp, NULL, NULL), 0);

	/* Swapping the two signatures breaks both. */
	uint8_t blob[DM_ROTATION_WIRE_MAX], tmp[64];
	size_t blob_len;
	CHECK_EQ(dm_record_decode(wire, wire_len, DM_PREFIX_ROTATION, DM_ROTATION_WIRE_MAX,
				  DM_RECORD_B64_STRICT, blob, sizeof(blob), &blob_len),
		 0);
	size_t body_len = blob_len - 128;
	memcpy(tmp, blob + body_len, 64);
	memcpy(blob + body_len, blob + body_len + 64, 64);
	memcpy(blob + body_len + 64, tmp, 64);
	CHECK_EQ(dm_record_encode(DM_PREFIX_ROTATION, blob, blob_len - 64, blob + blob_len - 64,
				  DM_ROTATION_WIRE_MAX, wire, sizeof(wire), &wire_len),
		 0);
	CHECK_EQ(parse(NOW, NULL, NULL), DM_ESIG);

	/* Only one signature: too short for the tail / body mismatch. */
	CHECK_EQ(dm_record_sign_encode(DM_PREFIX_ROTATION, blob, body_len, sk_a,
				       DM_ROTATION_WIRE_MAX, wire, sizeof(wire), &wire_len),
		 0);
	CHECK(parse(NOW, NULL, NULL) < 0);

	/* Sign-side refusals. */
	reset();
	CHECK_EQ(sign(sk_b, sk_b), DM_EMISMATCH);
	CHECK_EQ(sign(sk_a, sk_c), DM_EMISMATCH);
	memcpy(base.new_spk, pk_a, 32);
	CHECK_EQ(sign(sk_a, sk_a), DM_EINVAL); /* old == new */
	reset();
	base.subject_type = DM_SUBJECT_CLUSTER;
	CHECK_EQ(sign(sk_a, sk_b), DM_EINVAL); /* a user address is no DNS name */
	base.subject_type = 4;
	CHECK_EQ(sign(sk_a, sk_b), DM_EINVAL);
	reset();
	base.subject_len = 0;
	CHECK_EQ(sign(sk_a, sk_b), DM_EINVAL);
	CHECK_EQ(
	    dm_rotation_sign(&(struct dm_rotation){0}, sk_a, sk_b, wire, sizeof(wire), &wire_len),
	    DM_EINVAL);
	reset();
	CHECK_EQ(dm_rotation_sign(&base, sk_a, sk_b, wire, 200, &wire_len), DM_ETOOBIG);

	/* Bodies the signer refuses, signed by hand: old == new, bad subject, trailing byte. */
	uint8_t body[DM_ROTATION_WIRE_MAX];
	size_t len;
	uint8_t sig_old[64], sig_new[64];
	reset();
	CHECK_EQ(dm_rotation_body_encode(&base, body, sizeof(body), &len), 0);
	memcpy(body + 7 + 2 + 17 + 32, pk_a, 32);
	dm_ed25519_sign(sig_old, body, len, sk_a);
	memcpy(body + len, sig_old, 64);
	dm_ed25519_sign(sig_new, body, len, sk_a);
	CHECK_EQ(dm_record_encode(DM_PREFIX_ROTATION, body, len + 64, sig_new, DM_ROTATION_WIRE_MAX,
				  wire, sizeof(wire), &wire_len),
		 0);
	CHECK_EQ(parse(NOW, NULL, NULL), DM_EINVAL);

	reset();
	CHECK_EQ(dm_rotation_body_encode(&base, body, sizeof(body), &len), 0);
	body[len] = 0;
	len++;
	dm_ed25519_sign(sig_old, body, len, sk_a);
	dm_ed25519_sign(sig_new, body, len, sk_b);
	memcpy(body + len, sig_old, 64);
	CHECK_EQ(dm_record_encode(DM_PREFIX_ROTATION, body, len + 64, sig_new, DM_ROTATION_WIRE_MAX,
				  wire, sizeof(wire), &wire_len),
		 0);
	CHECK_EQ(parse(NOW, NULL, NULL), DM_EINVAL);
}

int main(void)
{
	static const uint8_t sa[32] = {5}, sb[32] = {6}, sc[32] = {7};
	if (sodium_init() < 0)
		return 1;
	crypto_sign_seed_keypair(pk_a, sk_a, sa);
	crypto_sign_seed_keypair(pk_b, sk_b, sb);
	crypto_sign_seed_keypair(pk_c, sk_c, sc);
	test_subjects();
	test_rotation();
	return TEST_DONE("test_rotation");
}
