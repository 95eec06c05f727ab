/*
 * TLS for the https-frontend with BearSSL's sans-I/O engine: ciphertext in
 * from the socket, plaintext out to the HTTP reader, and back. No I/O and
 * no allocation after tls_conn_new(); the engine and its buffer live in the
 * connection (STYLE.md §6). TLS 1.2 with ECDHE and AEAD suites only.
 */
#ifndef HTTPSFE_TLS_H
#define HTTPSFE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tls_creds;
struct tls_conn;

/*
 * Loads the PEM certificate chain (leaf first) and private key (RSA or EC;
 * PKCS#1, SEC1 or PKCS#8). Returns 0, or -1 with a reason in `err`.
 * Caller frees with tls_creds_free(), which wipes the key.
 */
int tls_creds_load(const char *cert_path, const char *key_path, struct tls_creds **ret, char *err,
		   size_t errlen);
void tls_creds_free(struct tls_creds *c);

/* A server session using `creds` (borrowed); NULL on allocation failure. */
struct tls_conn *tls_conn_new(const struct tls_creds *creds);
void tls_conn_free(struct tls_conn *t);

/* Plaintext received goes to `app`; records to send go to `net`. */
typedef void (*tls_data_fn)(void *arg, const uint8_t *data, size_t len);

/*
 * Feeds received ciphertext `in` (may be empty) and queued plaintext
 * through the engine until it can make no progress. Returns 0, 1 once the
 * session has closed cleanly, or -1 on a TLS error.
 */
int tls_conn_pump(struct tls_conn *t, const uint8_t *in, size_t len, tls_data_fn app,
		  tls_data_fn net, void *arg);

/* Queues plaintext to send; returns 0 or -1 on allocation failure. Pump afterwards. */
int tls_conn_write(struct tls_conn *t, const void *data, size_t len);

/* Starts a close_notify; pump afterwards to send it. */
void tls_conn_close(struct tls_conn *t);

/* True once the handshake completed. */
bool tls_conn_established(const struct tls_conn *t);

#endif
