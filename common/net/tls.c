#include "common/net/tls.h"

#include <arpa/inet.h>
#include <bearssl.h>
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/codec/hex.h"
#include "common/err.h"

#define CA_BUNDLE_MAX (8u << 20)

/* ---- trust anchors from a PEM bundle (loaded once per process) ------------ */

struct bytes {
	unsigned char *p;
	size_t len, cap;
	bool failed;
};

static void bytes_append(void *ctx, const void *buf, size_t len)
{
	struct bytes *b = ctx;
	if (b->failed)
		return;
	if (len > b->cap - b->len) {
		size_t ncap = (b->len + len) * 2 + 64;
		unsigned char *q = realloc(b->p, ncap);
		if (q == NULL) {
			b->failed = true;
			return;
		}
		b->p = q;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, buf, len);
	b->len += len;
}

/* Written under anchors_lock until anchors_loaded, read-only afterwards. */
static pthread_mutex_t anchors_lock = PTHREAD_MUTEX_INITIALIZER;
static br_x509_trust_anchor *anchors;
static size_t anchor_count;
static bool anchors_loaded;

static unsigned char *dup_bytes(const unsigned char *p, size_t n)
{
	unsigned char *q = malloc(n ? n : 1);
	if (q != NULL)
		memcpy(q, p, n);
	return q;
}

static void free_key(br_x509_trust_anchor *ta)
{
	if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
		free(ta->pkey.key.rsa.n);
		free(ta->pkey.key.rsa.e);
	} else if (ta->pkey.key_type == BR_KEYTYPE_EC) {
		free(ta->pkey.key.ec.q);
	}
}

static void add_anchor(const unsigned char *der, size_t len)
{
	br_x509_decoder_context dc;
	struct bytes dn = {0};
	const br_x509_pkey *pk;
	br_x509_trust_anchor ta, *more;
	bool ok = false;

	br_x509_decoder_init(&dc, bytes_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	memset(&ta, 0, sizeof(ta));
	if (pk == NULL || dn.len == 0 || dn.failed) {
		free(dn.p);
		return;
	}
	ta.dn.data = dn.p;
	ta.dn.len = dn.len;
	ta.flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta.pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta.pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
		ta.pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta.pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
		ta.pkey.key.rsa.elen = pk->key.rsa.elen;
		ok = ta.pkey.key.rsa.n != NULL && ta.pkey.key.rsa.e != NULL;
	} else if (pk->key_type == BR_KEYTYPE_EC) {
		ta.pkey.key.ec.curve = pk->key.ec.curve;
		ta.pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
		ta.pkey.key.ec.qlen = pk->key.ec.qlen;
		ok = ta.pkey.key.ec.q != NULL;
	}
	if (ok && (more = realloc(anchors, (anchor_count + 1) * sizeof(*anchors))) != NULL) {
		anchors = more;
		anchors[anchor_count++] = ta;
		return;
	}
	free_key(&ta);
	free(dn.p);
}

/* A regular file of at most CA_BUNDLE_MAX bytes, or NULL. */
static char *read_bundle(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	char *buf = NULL;
	size_t n;

	if (f == NULL)
		return NULL;
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (unsigned long long)st.st_size > CA_BUNDLE_MAX ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	buf[n] = '\0';
	*ret_len = n;
	return buf;
}

static void load_anchors(const char *path)
{
	br_pem_decoder_context pc;
	struct bytes der = {0};
	bool in_cert = false;
	size_t len;
	char *text = read_bundle(path, &len);

	if (text == NULL)
		return;
	br_pem_decoder_init(&pc);
	/* The decoder needs a final newline to close the last object. */
	for (int pass = 0; pass < 2; pass++) {
		const unsigned char *q = pass ? (const unsigned char *)"\n" : (unsigned char *)text;
		size_t left = pass ? 1 : len;
		while (left > 0) {
			size_t n = br_pem_decoder_push(&pc, q, left);
			q += n;
			left -= n;
			switch (br_pem_decoder_event(&pc)) {
			case BR_PEM_BEGIN_OBJ: {
				const char *name = br_pem_decoder_name(&pc);
				in_cert = !strcmp(name, "CERTIFICATE") ||
					  !strcmp(name, "X509 CERTIFICATE");
				der.len = 0;
				der.failed = false;
				br_pem_decoder_setdest(&pc, in_cert ? bytes_append : NULL, &der);
				break;
			}
			case BR_PEM_END_OBJ:
				if (in_cert && der.len > 0 && !der.failed)
					add_anchor(der.p, der.len);
				in_cert = false;
				break;
			case BR_PEM_ERROR:
				left = 0;
				pass = 2;
				break;
			default:
				break;
			}
		}
	}
	free(der.p);
	free(text);
}

size_t dm_http_tls_init(const char *ca_file)
{
	size_t n;
	pthread_mutex_lock(&anchors_lock);
	if (!anchors_loaded) {
		load_anchors(ca_file != NULL && ca_file[0] != '\0' ? ca_file : DM_HTTP_CA_BUNDLE);
		anchors_loaded = true;
	}
	n = anchor_count;
	pthread_mutex_unlock(&anchors_lock);
	return n;
}

/* ---- pinned certificate: an X.509 "engine" that only checks the leaf hash -- */

struct pin_engine {
	const br_x509_class *vtable;
	uint8_t want[32];
	br_sha256_context sha;
	br_x509_decoder_context dec;
	unsigned depth;
	bool matched;
	const br_x509_pkey *pkey;
};

static void pin_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct pin_engine *e = (struct pin_engine *)ctx;
	(void)server_name;
	e->depth = 0;
	e->matched = false;
	e->pkey = NULL;
}

static void pin_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct pin_engine *e = (struct pin_engine *)ctx;
	(void)length;
	if (e->depth == 0) {
		br_sha256_init(&e->sha);
		br_x509_decoder_init(&e->dec, NULL, NULL);
	}
}

static void pin_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct pin_engine *e = (struct pin_engine *)ctx;
	if (e->depth == 0) {
		br_sha256_update(&e->sha, buf, len);
		br_x509_decoder_push(&e->dec, buf, len);
	}
}

static void pin_end_cert(const br_x509_class **ctx)
{
	struct pin_engine *e = (struct pin_engine *)ctx;
	if (e->depth == 0) {
		uint8_t got[32];
		br_sha256_out(&e->sha, got);
		e->pkey = br_x509_decoder_get_pkey(&e->dec);
		e->matched = e->pkey != NULL && memcmp(got, e->want, 32) == 0;
	}
	e->depth++;
}

static unsigned pin_end_chain(const br_x509_class **ctx)
{
	struct pin_engine *e = (struct pin_engine *)ctx;
	return e->matched ? 0 : BR_ERR_X509_NOT_TRUSTED;
}

static const br_x509_pkey *pin_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct pin_engine *e = (const struct pin_engine *)ctx;
	if (usages != NULL)
		*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
	return e->matched ? e->pkey : NULL;
}

static const br_x509_class pin_vtable = {
    sizeof(struct pin_engine),
    pin_start_chain,
    pin_start_cert,
    pin_append,
    pin_end_cert,
    pin_end_chain,
    pin_get_pkey,
};

/* ---- the connection ------------------------------------------------------- */

struct dm_tls {
	br_ssl_client_context cc;
	br_x509_minimal_context xc;
	struct pin_engine pin;
	br_sslio_context io;
	unsigned char buf[BR_SSL_BUFSIZE_BIDI];
};

/* 64 hex digits, optionally split by ':' or ' ' (as openssl prints them). */
static bool parse_pin(const char *pin, uint8_t out[32])
{
	char hex[65];
	size_t n = 0;
	for (const char *p = pin; *p; p++) {
		if (*p == ':' || *p == ' ')
			continue;
		if (!isxdigit((unsigned char)*p) || n == 64)
			return false;
		hex[n++] = (char)tolower((unsigned char)*p);
	}
	hex[n] = '\0';
	return n == 64 && dm_hex_decode(hex, 64, out, 32) == 32;
}

static bool is_ip_literal(const char *host)
{
	unsigned char b[16];
	return inet_pton(AF_INET, host, b) == 1 || inet_pton(AF_INET6, host, b) == 1;
}

int dm_tls_new(const char *host, const char *pin_sha256, const char *ca_file, dm_tls_rd_fn rd,
	       dm_tls_wr_fn wr, void *io_ctx, struct dm_tls **ret, char err[DM_HTTP_ERR_MAX])
{
	struct dm_tls *t;
	bool ip = is_ip_literal(host);
	bool pinned = pin_sha256 != NULL && pin_sha256[0] != '\0';
	size_t n = 0;

	/* BearSSL checks no name for an IP literal: a CA-signed certificate
	 * for any host would pass, so only a pin can vouch for one. */
	if (!pinned && ip) {
		snprintf(err, DM_HTTP_ERR_MAX,
			 "https://%.200s: certificates cannot be checked for an IP address; set "
			 "tls_pin_sha256 (the certificate's SHA-256) or use the node's hostname",
			 host);
		return DM_EINVAL;
	}
	if (!pinned && (n = dm_http_tls_init(ca_file)) == 0) {
		snprintf(err, DM_HTTP_ERR_MAX,
			 "no trusted CA certificates could be loaded from %.200s",
			 ca_file != NULL && ca_file[0] != '\0' ? ca_file : DM_HTTP_CA_BUNDLE);
		return DM_EUNAVAIL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		snprintf(err, DM_HTTP_ERR_MAX, "out of memory");
		return DM_ENOMEM;
	}
	if (pinned && !parse_pin(pin_sha256, t->pin.want)) {
		free(t);
		snprintf(err, DM_HTTP_ERR_MAX, "tls_pin_sha256 must be 64 hex digits");
		return DM_EINVAL;
	}
	/* `anchors` is read-only once loaded; a pinned client never reads it. */
	br_ssl_client_init_full(&t->cc, &t->xc, pinned ? NULL : anchors, pinned ? 0 : n);
	if (pinned) {
		t->pin.vtable = &pin_vtable;
		br_ssl_engine_set_x509(&t->cc.eng, &t->pin.vtable);
	}
	br_ssl_engine_set_buffer(&t->cc.eng, t->buf, sizeof(t->buf), 1);
	/* No SNI for IP literals (RFC 6066 forbids it). */
	if (!br_ssl_client_reset(&t->cc, ip ? NULL : host, 0)) {
		free(t);
		snprintf(err, DM_HTTP_ERR_MAX, "https://%.200s: TLS setup failed", host);
		return DM_EUNAVAIL;
	}
	br_sslio_init(&t->io, &t->cc.eng, rd, io_ctx, wr, io_ctx);
	*ret = t;
	return 0;
}

int dm_tls_write_all(struct dm_tls *t, const void *p, size_t len)
{
	if (br_sslio_write_all(&t->io, p, len) < 0 || br_sslio_flush(&t->io) < 0)
		return -1;
	return 0;
}

long dm_tls_read(struct dm_tls *t, void *p, size_t len)
{
	int n = br_sslio_read(&t->io, p, len);
	if (n > 0)
		return n;
	/* A peer that closes without close_notify ends the stream too; the
	 * HTTP framing decides whether the response was complete. */
	int e = br_ssl_engine_last_error(&t->cc.eng);
	if (e == 0 || e == BR_ERR_IO)
		return 0;
	return -1;
}

const char *dm_tls_error(const struct dm_tls *t)
{
	int e = br_ssl_engine_last_error(&t->cc.eng);
	switch (e) {
	case 0:
		return "connection closed";
	case BR_ERR_IO:
		return "connection failed during the TLS handshake";
	case BR_ERR_X509_NOT_TRUSTED:
		return "certificate not trusted (unknown CA, or fingerprint does not match the "
		       "pin)";
	case BR_ERR_X509_BAD_SERVER_NAME:
		return "certificate does not match the host name";
	case BR_ERR_X509_EXPIRED:
		return "certificate expired or not yet valid";
	default:
		if (e >= BR_ERR_RECV_FATAL_ALERT)
			return "the server sent a fatal TLS alert";
		if (e >= 32 && e < 64)
			return "certificate rejected";
		return "TLS error";
	}
}

void dm_tls_free(struct dm_tls *t)
{
	free(t);
}
