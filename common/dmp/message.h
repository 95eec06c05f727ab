/*
 * Whole messages: the send sequence of wire.md §10 (encrypt, frame,
 * erasure-code, wrap chunks, sign the slot manifest) and the receive
 * sequence of §11, every check in the reference's order.
 *
 * Nothing here does I/O or keeps state. Sending returns the exact ordered
 * records to publish; receiving reads DNS through a lookup callback and
 * reaches the caller's replay cache and prekey store through a state
 * interface. State changes only in the commit callback, which runs once per
 * message and only after it fully verified and decrypted. `now` is always
 * injected.
 */
#ifndef DM_DMP_MESSAGE_H
#define DM_DMP_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dmp/envelope.h"
#include "common/dmp/identity.h"
#include "common/dmp/prekey.h"
#include "common/dmp/seal.h"
#include "common/dmp/sig.h"

#define DM_MESSAGE_MSG_ID_BYTES 16
#define DM_MESSAGE_SLOTS	10
#define DM_MESSAGE_DEFAULT_TTL	300
/* Bounds on what a lookup may hand back for one name. */
#define DM_TXTSET_MAX_VALUES	256
#define DM_TXTSET_MAX_VALUE_LEN 65535

/* ---- send ---------------------------------------------------------------- */

/* Which slot-manifest form to emit (§16): peers accept only their own. */
enum dm_manifest_form {
	DM_MANIFEST_FORM_044, /* 108-byte body; what 0.4.4 peers accept */
	DM_MANIFEST_FORM_075, /* body + SHA256 of every chunk; what 0.7.5 peers accept */
};

/* Fixed randomness, for vectors and tests only. */
struct dm_send_fixed {
	uint8_t msg_id[DM_MESSAGE_MSG_ID_BYTES];
	uint8_t eph_priv[DM_X25519_KEY_BYTES];
	uint8_t nonce[DM_SEAL_NONCE_BYTES];
};

struct dm_send_params {
	const struct dm_identity *sender;
	uint8_t recipient_x_pub[DM_X25519_KEY_BYTES];
	uint32_t prekey_id;			 /* 0: encrypt to the long-term key */
	uint8_t prekey_pub[DM_X25519_KEY_BYTES]; /* used when prekey_id != 0 */
	const char *zone;			 /* the sender's zone, NUL-terminated */
	const uint8_t *text;			 /* UTF-8 message body */
	size_t text_len;
	/* Non-NULL: wrap the body in the DMPv2 envelope with this `from` (only
	 * for recipients advertising version 2); ignored if it does not
	 * canonicalise. */
	const char *envelope_from;
	uint32_t ttl;
	uint64_t now;
	enum dm_manifest_form form;
	const struct dm_send_fixed *fixed; /* NULL: fresh randomness */
};

struct dm_msg_record {
	char *name;  /* owner name, NUL-terminated */
	char *value; /* TXT value, NUL-terminated (may exceed 255 bytes) */
	uint32_t ttl;
};

struct dm_msg_records {
	size_t count;
	struct dm_msg_record *items; /* chunks 0..n-1, then the manifest */
};

/* Frees a record list and everything in it. NULL-safe. */
void dm_msg_records_free(struct dm_msg_records *recs);

/*
 * Builds every record of one message, in publish order. DM_EINVAL (bad zone,
 * ttl 0), DM_ETOOBIG (outer message over 25084 bytes), DM_ECRYPTO (low-order
 * recipient key), DM_ENOMEM.
 * Returns a new list in *ret_records; caller frees with dm_msg_records_free().
 */
int dm_message_send(const struct dm_send_params *p, struct dm_msg_records **ret_records)
    __attribute__((warn_unused_result));

/*
 * §10 step 2: among the values of the recipient's prekey RRset, keep those
 * that parse, verify under the pinned `spk` and have now <= exp, and pick
 * one uniformly at random. DM_ENOTFOUND if none qualifies.
 */
int dm_message_pick_prekey(const char *const *values, const size_t *lens, size_t count,
			   const uint8_t spk[DM_ED25519_PK_BYTES], uint64_t now,
			   struct dm_prekey *ret_prekey) __attribute__((warn_unused_result));

/* ---- receive ------------------------------------------------------------- */

/* The TXT values found at one name, in answer order; owned by the receiver. */
struct dm_txtset {
	size_t count;
	char **values; /* NUL-terminated copies */
	size_t *lens;
	size_t cap;
};

/*
 * Appends a copy of `value[0..len)`. DM_ETOOBIG past DM_TXTSET_MAX_VALUES
 * values or a value over DM_TXTSET_MAX_VALUE_LEN bytes, DM_ENOMEM.
 */
int dm_txtset_add(struct dm_txtset *set, const char *value, size_t len);

/*
 * Fills `out` (empty on entry) with the TXT values at `name` (multi-string
 * RRs already concatenated). Return 0, also when there are none; a negative
 * return counts as "no values". `name` is valid only during the call.
 */
typedef int (*dm_lookup_fn)(void *ctx, const char *name, struct dm_txtset *out);

/* What the commit step must make permanent (§11 steps 14-15). */
struct dm_recv_commit {
	const uint8_t *sender_spk; /* 32 bytes */
	const uint8_t *msg_id;	   /* 16 bytes */
	uint64_t replay_expiry;	   /* record (sender_spk, msg_id) until now > this */
	uint32_t prekey_id;	   /* 0: no one-time prekey was used */
	/* When prekey_id != 0 and the params name the owner: the prekey RRset
	 * and the exact value to unpublish (best effort), else NULL. */
	const char *prekey_name;
	const char *prekey_value;
};

struct dm_recv_state {
	void *ctx;
	/* True if (sender_spk, msg_id) is in the replay cache. Read only. */
	bool (*seen)(void *ctx, const uint8_t spk[DM_ED25519_PK_BYTES],
		     const uint8_t msg_id[DM_MESSAGE_MSG_ID_BYTES], uint64_t now);
	/* Copies the local one-time private key `prekey_id` and its expiry if it
	 * exists and exp > now; DM_ENOTFOUND otherwise. Read only. */
	int (*prekey)(void *ctx, uint32_t prekey_id, uint64_t now,
		      uint8_t ret_priv[DM_X25519_KEY_BYTES], uint64_t *ret_exp);
	/* Records the replay entry, deletes the local prekey, unpublishes its
	 * value. A negative return withholds the message (a later poll retries). */
	int (*commit)(void *ctx, const struct dm_recv_commit *c);
};

struct dm_recv_params {
	const struct dm_identity *self;
	/* Own username and domain, to name the prekey RRset whose used value is
	 * unpublished; NULL: commit gets no prekey_name/prekey_value. */
	const char *username;
	const char *domain;
	const char *const *zones; /* poll order: pinned contacts' zones, then own */
	size_t zone_count;
	const uint8_t (*pinned_spks)[DM_ED25519_PK_BYTES]; /* none: accept any signer (TOFU) */
	size_t pinned_count;
	uint64_t now;
	dm_lookup_fn lookup;
	void *lookup_ctx;
	struct dm_recv_state state;
};

struct dm_inbox_msg {
	uint8_t sender_spk[DM_ED25519_PK_BYTES];
	uint8_t msg_id[DM_MESSAGE_MSG_ID_BYTES];
	int64_t ts; /* the outer header's send time */
	uint32_t prekey_id;
	size_t zone_index;  /* index into params.zones */
	uint8_t *plaintext; /* never NULL, even when empty */
	size_t plaintext_len;
	/* DMPv2 split; env.body points into plaintext. `from` is unverified:
	 * resolve it and compare its spk with sender_spk before showing it. */
	struct dm_envelope_view env;
};

struct dm_inbox {
	size_t count;
	struct dm_inbox_msg *msgs;
};

/* Frees an inbox (wiping plaintexts). NULL-safe. */
void dm_inbox_free(struct dm_inbox *inbox);

/*
 * Polls slots 0..9 of `self` in every zone (duplicates polled once) and runs
 * §11 on every manifest value, accepting both manifest forms. Delivered
 * messages are those the commit step accepted. DM_EINVAL on bad params,
 * DM_ENOMEM. Returns a new inbox in *ret_inbox (possibly empty); caller frees
 * with dm_inbox_free().
 */
int dm_message_receive(const struct dm_recv_params *p, struct dm_inbox **ret_inbox)
    __attribute__((warn_unused_result));

#endif
