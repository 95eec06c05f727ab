#include "services/https-frontend/tls.h"

#include <bearssl.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHAIN_MAX 8
#define PEM_MAX	  (256 * 1024)

struct tls_creds {
	br_x509_certificate chain[CHAIN_MAX];
	size_t chain_len;
	br_skey_decoder_context skey; /* holds the private key itself */
	int key_type;		      /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
};

struct tls_conn {
	br_ssl_server_context sc;
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
	uint8_t *out; /* plaintext waiting for the engine */
	size_t out_len, out_cap;
	bool established;
};

/* ---- credentials ---- */

struct pem_obj {
	char name[160];
	uint8_t *data;
	size_t len, cap;
	bool failed;
};

static void pem_append(void *ctx, const void *buf, size_t len)
{
	struct pem_obj *o = ctx;
	if (o->failed)
		return;
	if (o->len + len > o->cap) {
		size_t ncap = o->cap ? o->cap * 2 : 2048;
		while (ncap < o->len + len)
			ncap *= 2;
		uint8_t *n = realloc(o->data, ncap);
		if (n == NULL) {
			o->failed = true;
			return;
		}
		o->data = n;
		o->cap = ncap;
	}
	memcpy(o->data + o->len, buf, len);
	o->len += len;
}

static uint8_t *read_file(const char *path, size_t *ret_len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	uint8_t *buf = malloc(PEM_MAX + 2);
	size_t n = buf ? fread(buf, 1, PEM_MAX + 1, f) : 0;
	fclose(f);
	if (buf == NULL || n > PEM_MAX) {
		snprintf(err, errlen, "%s: unreadable or larger than %d bytes", path, PEM_MAX);
		free(buf);
		return NULL;
	}
	buf[n++] = '\n'; /* the PEM decoder needs a final newline */
	*ret_len = n;
	return buf;
}

/*
 * Decodes every PEM object of `path`; `each` gets the ones it wants.
 * Returns the number of objects, or -1 with `err`.
 */
static int pem_each(const char *path, int (*each)(void *, struct pem_obj *), void *arg, char *err,
		    size_t errlen)
{
	size_t len;
	uint8_t *buf = read_file(path, &len, err, errlen);
	if (buf == NULL)
		return -1;
	br_pem_decoder_context pc;
	br_pem_decoder_init(&pc);
	struct pem_obj o;
	memset(&o, 0, sizeof(o));
	int count = 0, rc = 0;
	bool inobj = false;
	const uint8_t *p = buf;
	while (len > 0 && rc == 0) {
		size_t used = br_pem_decoder_push(&pc, p, len);
		p += used;
		len -= used;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			memset(&o, 0, sizeof(o));
			snprintf(o.name, sizeof(o.name), "%s", br_pem_decoder_name(&pc));
			br_pem_decoder_setdest(&pc, pem_append, &o);
			inobj = true;
			break;
		case BR_PEM_END_OBJ:
			if (inobj) {
				inobj = false;
				count++;
				if (o.failed) {
					snprintf(err, errlen, "%s: out of memory", path);
					rc = -1;
				} else if (each(arg, &o) < 0) {
					snprintf(err, errlen, "%s: cannot use the %s object", path,
						 o.name);
					rc = -1;
				}
				if (o.data != NULL)
					sodium_memzero(o.data, o.cap);
				free(o.data);
				o.data = NULL;
			}
			break;
		case BR_PEM_ERROR:
			snprintf(err, errlen, "%s: malformed PEM", path);
			rc = -1;
			break;
		}
	}
	if (o.data != NULL) {
		sodium_memzero(o.data, o.cap);
		free(o.data);
	}
	sodium_memzero(buf, PEM_MAX + 2);
	free(buf);
	return rc < 0 ? -1 : count;
}

static int take_cert(void *arg, struct pem_obj *o)
{
	struct tls_creds *c = arg;
	if (strcmp(o->name, "CERTIFICATE") != 0 && strcmp(o->name, "X509 CERTIFICATE") != 0)
		return 0;
	if (c->chain_len == CHAIN_MAX)
		return -1;
	uint8_t *d = malloc(o->len);
	if (d == NULL)
		return -1;
	memcpy(d, o->data, o->len);
	c->chain[c->chain_len].data = d;
	c->chain[c->chain_len].data_len = o->len;
	c->chain_len++;
	return 0;
}

static int take_key(void *arg, struct pem_obj *o)
{
	struct tls_creds *c = arg;
	if (strcmp(o->name, "RSA PRIVATE KEY") != 0 && strcmp(o->name, "EC PRIVATE KEY") != 0 &&
	    strcmp(o->name, "PRIVATE KEY") != 0)
		return 0;
	if (c->key_type != 0)
		return -1; /* one key only */
	br_skey_decoder_init(&c->skey);
	br_skey_decoder_push(&c->skey, o->data, o->len);
	if (br_skey_decoder_last_error(&c->skey) != 0)
		return -1;
	c->key_type = br_skey_decoder_key_type(&c->skey);
	return c->key_type == BR_KEYTYPE_RSA || c->key_type == BR_KEYTYPE_EC ? 0 : -1;
}

int tls_creds_load(const char *cert_path, const char *key_path, struct tls_creds **ret, char *err,
		   size_t errlen)
{
	struct tls_creds *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (pem_each(cert_path, take_cert, c, err, errlen) < 0 ||
	    pem_each(key_path, take_key, c, err, errlen) < 0) {
		tls_creds_free(c);
		return -1;
	}
	if (c->chain_len == 0 || c->key_type == 0) {
		snprintf(err, errlen, "%s",
			 c->chain_len == 0 ? "no certificate in DMP_TLS_CERT"
					   : "no private key in DMP_TLS_KEY");
		tls_creds_free(c);
		return -1;
	}
	/* The leaf's public key must match the private key: check by a handshake-free
	 * decode of the leaf's key type at least. */
	br_x509_decoder_context xd;
	br_x509_decoder_init(&xd, NULL, NULL);
	br_x509_decoder_push(&xd, c->chain[0].data, c->chain[0].data_len);
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&xd);
	if (pk == NULL || (int)pk->key_type != c->key_type) {
		snprintf(err, errlen, "the first certificate of %s does not match the key in %s",
			 cert_path, key_path);
		tls_creds_free(c);
		return -1;
	}
	*ret = c;
	return 0;
}

void tls_creds_free(struct tls_creds *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->chain_len; i++)
		free(c->chain[i].data);
	sodium_memzero(c, sizeof(*c));
	free(c);
}

/* ---- sessions ---- */

static const uint16_t suites_ec[] = {
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
};
static const uint16_t suites_rsa[] = {
    BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};

struct tls_conn *tls_conn_new(const struct tls_creds *creds)
{
	struct tls_conn *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	if (creds->key_type == BR_KEYTYPE_RSA) {
		br_ssl_server_init_full_rsa(&t->sc, creds->chain, creds->chain_len,
					    br_skey_decoder_get_rsa(&creds->skey));
		br_ssl_engine_set_suites(&t->sc.eng, suites_rsa,
					 sizeof(suites_rsa) / sizeof(suites_rsa[0]));
	} else {
		br_ssl_server_init_full_ec(&t->sc, creds->chain, creds->chain_len, BR_KEYTYPE_EC,
					   br_skey_decoder_get_ec(&creds->skey));
		br_ssl_engine_set_suites(&t->sc.eng, suites_ec,
					 sizeof(suites_ec) / sizeof(suites_ec[0]));
	}
	br_ssl_engine_set_versions(&t->sc.eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_buffer(&t->sc.eng, t->iobuf, sizeof(t->iobuf), 1);
	if (!br_ssl_server_reset(&t->sc)) {
		free(t);
		return NULL;
	}
	return t;
}

void tls_conn_free(struct tls_conn *t)
{
	if (t == NULL)
		return;
	free(t->out);
	/* session keys live in the context */
	sodium_memzero(t, sizeof(*t));
	free(t);
}

int tls_conn_write(struct tls_conn *t, const void *data, size_t len)
{
	if (t->out_len + len > t->out_cap) {
		size_t ncap = t->out_cap ? t->out_cap : 4096;
		while (ncap < t->out_len + len)
			ncap *= 2;
		uint8_t *n = realloc(t->out, ncap);
		if (n == NULL)
			return -1;
		t->out = n;
		t->out_cap = ncap;
	}
	memcpy(t->out + t->out_len, data, len);
	t->out_len += len;
	return 0;
}

void tls_conn_close(struct tls_conn *t)
{
	br_ssl_engine_close(&t->sc.eng);
}

bool tls_conn_established(const struct tls_conn *t)
{
	return t->established;
}

int tls_conn_pump(struct tls_conn *t, const uint8_t *in, size_t len, tls_data_fn app,
		  tls_data_fn net, void *arg)
{
	br_ssl_engine_context *eng = &t->sc.eng;
	size_t out_off = 0;
	int rc = 0;
	for (;;) {
		unsigned st = br_ssl_engine_current_state(eng);
		if (st & BR_SSL_CLOSED) {
			rc = br_ssl_engine_last_error(eng) == BR_ERR_OK ? 1 : -1;
			break;
		}
		if (!t->established && (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)))
			t->established = true;
		size_t n;
		if (st & BR_SSL_SENDREC) {
			unsigned char *buf = br_ssl_engine_sendrec_buf(eng, &n);
			net(arg, buf, n);
			br_ssl_engine_sendrec_ack(eng, n);
			continue;
		}
		if (st & BR_SSL_RECVAPP) {
			unsigned char *buf = br_ssl_engine_recvapp_buf(eng, &n);
			app(arg, buf, n);
			br_ssl_engine_recvapp_ack(eng, n);
			continue;
		}
		if ((st & BR_SSL_SENDAPP) && out_off < t->out_len) {
			unsigned char *buf = br_ssl_engine_sendapp_buf(eng, &n);
			size_t k = t->out_len - out_off < n ? t->out_len - out_off : n;
			memcpy(buf, t->out + out_off, k);
			br_ssl_engine_sendapp_ack(eng, k);
			out_off += k;
			if (out_off == t->out_len)
				br_ssl_engine_flush(eng, 0);
			continue;
		}
		if ((st & BR_SSL_RECVREC) && len > 0) {
			unsigned char *buf = br_ssl_engine_recvrec_buf(eng, &n);
			size_t k = len < n ? len : n;
			memcpy(buf, in, k);
			br_ssl_engine_recvrec_ack(eng, k);
			in += k;
			len -= k;
			continue;
		}
		break;
	}
	if (out_off > 0) {
		memmove(t->out, t->out + out_off, t->out_len - out_off);
		t->out_len -= out_off;
	}
	if (rc == 0 && len > 0)
		rc = -1; /* the engine refused input it should have taken */
	return rc;
}
