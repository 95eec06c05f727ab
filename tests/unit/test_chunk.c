/*
 * Chunk wrapping and the DMPDNSRecord syntax: wrap/unwrap round trips with
 * RS-correctable damage, checksum and length refusals, reedsolo's piece
 * semantics for odd lengths, and the from_txt_record parsing rules
 * (defaults, trimming, last duplicate wins, version forms, bad base64).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec/base64.h"
#include "common/dmp/chunk.h"
#include "common/err.h"
#include "tests/unit/test.h"

static void test_wrap(void)
{
	uint8_t blk[DM_ERASURE_BLOCK], wire[DM_CHUNK_WIRE_LEN], out[DM_ERASURE_BLOCK];
	char txt[DM_CHUNK_TXT_LEN + 1];
	size_t len;

	randombytes_buf(blk, sizeof(blk));
	dm_chunk_wrap(blk, wire);
	dm_chunk_txt(blk, txt);
	CHECK_EQ(strlen(txt), DM_CHUNK_TXT_LEN);
	CHECK(strncmp(txt, DM_CHUNK_TXT_PREFIX, strlen(DM_CHUNK_TXT_PREFIX)) == 0);

	/* 16 damaged bytes anywhere in the codeword are repaired. */
	for (unsigned i = 0; i < 16; i++)
		wire[DM_CHUNK_CHECKSUM + i * 10] ^= 0xa5;
	CHECK_EQ(dm_chunk_open(wire, sizeof(wire), out), 0);
	CHECK_MEM(out, blk, sizeof(blk));
	/* A damaged checksum is not repairable. */
	dm_chunk_wrap(blk, wire);
	wire[0] ^= 1;
	CHECK_EQ(dm_chunk_open(wire, sizeof(wire), out), DM_EINVAL);
	CHECK_EQ(dm_chunk_open(wire, 8, out), DM_EINVAL);
	CHECK_EQ(dm_chunk_open(wire, 0, out), DM_EINVAL);
	dm_chunk_wrap(blk, wire);
	CHECK_EQ(dm_chunk_unwrap(wire, sizeof(wire), out, 127, &len), DM_ETOOBIG);

	/*
	 * A well-formed chunk_wire of another size is accepted by the reference
	 * and yields a short block: dm_chunk_open() tells it apart (EMISMATCH).
	 */
	uint8_t small[8 + 10 + DM_RS_NSYM], data[10];
	randombytes_buf(data, sizeof(data));
	uint8_t d[32];
	crypto_hash_sha256(d, data, sizeof(data));
	memcpy(small, d, 8);
	memcpy(small + 8, data, sizeof(data));
	CHECK_EQ(dm_rs_encode(data, sizeof(data), small + 18), 0);
	CHECK_EQ(dm_chunk_unwrap(small, sizeof(small), out, sizeof(out), &len), 0);
	CHECK(len == 10 && memcmp(out, data, 10) == 0);
	CHECK_EQ(dm_chunk_open(small, sizeof(small), out), DM_EMISMATCH);
	small[9] ^= 1;
	CHECK_EQ(dm_chunk_open(small, sizeof(small), out), DM_EMISMATCH);
	small[0] ^= 1;
	CHECK_EQ(dm_chunk_open(small, sizeof(small), out), DM_EINVAL);

	/* Eight bytes of SHA256("") then up to 32 zero bytes: an empty block. */
	uint8_t empty[8 + 20] = {0};
	crypto_hash_sha256(d, NULL, 0);
	memcpy(empty, d, 8);
	CHECK_EQ(dm_chunk_unwrap(empty, sizeof(empty), out, 0, &len), 0);
	CHECK_EQ(len, 0);
	CHECK_EQ(dm_chunk_open(empty, sizeof(empty), out), DM_EMISMATCH);
	CHECK_EQ(dm_chunk_unwrapped_max(8), 0);
	CHECK_EQ(dm_chunk_unwrapped_max(DM_CHUNK_WIRE_LEN), DM_ERASURE_BLOCK);
}

static int parse(const char *s, struct dm_dns_record *r)
{
	return dm_dns_record_parse(s, strlen(s), r);
}

static void test_record(void)
{
	struct dm_dns_record r;
	char *txt;
	size_t len;

	CHECK_EQ(parse("v=dmp1;t=chunk;d=AQID", &r), 0);
	CHECK_EQ(r.version, 1);
	CHECK_STR(r.type, "chunk");
	CHECK(r.data_len == 3 && r.data[0] == 1 && r.data[2] == 3);
	CHECK(r.metadata == NULL);
	dm_dns_record_done(&r);

	/* Defaults: no v, no t, no d. */
	CHECK_EQ(parse("", &r), 0);
	CHECK(r.version == 1 && strcmp(r.type, "chunk") == 0 && r.data_len == 0);
	dm_dns_record_done(&r);

	/* Trimming (incl. Python's Unicode spaces), parts without '=', last duplicate wins. */
	CHECK_EQ(parse(" v = dmp7 ;junk; t =\xc2\xa0identity\xe3\x80\x80;d=AA==;d= AQ== ", &r), 0);
	CHECK(r.version == 7 && strcmp(r.type, "identity") == 0);
	CHECK(r.data_len == 1 && r.data[0] == 1);
	dm_dns_record_done(&r);

	/* Version: every "dmp" removed, then Python int(). */
	static const struct {
		const char *v;
		int rc;
		long long want;
	} vers[] = {
	    {"v=dmp1", 0, 1},
	    {"v=1", 0, 1},
	    {"v=dmpdmp2", 0, 2},
	    {"v=1dmp", 0, 1},
	    {"v=dmp 3", 0, 3},
	    {"v=dmp+4", 0, 4},
	    {"v=dmp-5", 0, -5},
	    {"v=dmp1_0", 0, 10},
	    {"v=dmp007", 0, 7},
	    {"v=dmp", DM_EINVAL, 0},
	    {"v=dmpx", DM_EINVAL, 0},
	    {"v=dmp1_", DM_EINVAL, 0},
	    {"v=dmp_1", DM_EINVAL, 0},
	    {"v=dmp1__0", DM_EINVAL, 0},
	    {"v=dmp+ 1", DM_EINVAL, 0},
	    {"v=dm p1", DM_EINVAL, 0},
	    {"v=dmp1.0", DM_EINVAL, 0},
	    {"v=dmp99999999999999999999", DM_EINVAL, 0},
	    {"v=dmp-9223372036854775808", 0, (-9223372036854775807LL - 1)},
	};
	for (size_t i = 0; i < sizeof(vers) / sizeof(vers[0]); i++) {
		int rc = parse(vers[i].v, &r);
		CHECK_EQ(rc, vers[i].rc);
		if (rc == 0) {
			CHECK_EQ(r.version, vers[i].want);
			dm_dns_record_done(&r);
		}
	}

	/* Undecodable d= gives empty data, not a failure; non-ASCII is undecodable. */
	CHECK_EQ(parse("d=AQI", &r), 0);
	CHECK_EQ(r.data_len, 0);
	dm_dns_record_done(&r);
	CHECK_EQ(parse("d=AQ\xc3\xa9ID", &r), 0);
	CHECK_EQ(r.data_len, 0);
	dm_dns_record_done(&r);
	/* Lenient: junk characters skipped, stop after the padding. */
	CHECK_EQ(parse("d=A*Q=*=AAAA", &r), 0);
	CHECK(r.data_len == 1 && r.data[0] == 1);
	dm_dns_record_done(&r);

	/* Metadata: kept when it is base64 JSON, dropped otherwise. */
	CHECK_EQ(parse("v=dmp1;t=chunk;d=AQ==;m=eyJjaHVuayI6MCwibXNnX2lkIjoiMDAifQ==", &r), 0);
	CHECK(json_is_object(r.metadata));
	CHECK_STR(json_string_value(json_object_get(r.metadata, "msg_id")), "00");
	dm_dns_record_done(&r);
	CHECK_EQ(parse("m=bm90IGpzb24=", &r), 0);
	CHECK(r.metadata == NULL);
	dm_dns_record_done(&r);
	CHECK_EQ(parse("m=/w==", &r), 0); /* 0xff: not UTF-8 */
	CHECK(r.metadata == NULL);
	dm_dns_record_done(&r);

	/* Type may contain NUL. */
	CHECK_EQ(dm_dns_record_parse("t=a\0b", 5, &r), 0);
	CHECK(r.type_len == 3 && memcmp(r.type, "a\0b", 3) == 0);
	dm_dns_record_done(&r);
	dm_dns_record_done(NULL);

	/* Format, with and without metadata. */
	uint8_t d3[3] = {1, 2, 3}, d1[1] = {1};
	CHECK_EQ(dm_dns_record_format(1, "chunk", d3, 3, NULL, &txt, &len), 0);
	CHECK_STR(txt, "v=dmp1;t=chunk;d=AQID");
	CHECK_EQ(len, strlen(txt));
	free(txt);
	CHECK_EQ(
	    dm_dns_record_format(1, "chunk", d1, 1, "{\"chunk\":0,\"msg_id\":\"00\"}", &txt, NULL),
	    0);
	CHECK_STR(txt, "v=dmp1;t=chunk;d=AQ==;m=eyJjaHVuayI6MCwibXNnX2lkIjoiMDAifQ==");
	free(txt);
	CHECK_EQ(dm_dns_record_format(-2, "x", NULL, 0, "", &txt, &len), 0);
	CHECK_STR(txt, "v=dmp-2;t=x;d=");
	free(txt);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_wrap();
	test_record();
	return TEST_DONE("test_chunk");
}
