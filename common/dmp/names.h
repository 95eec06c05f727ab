/*
 * DNS owner names of every DMP record (wire.md §3) and the three DNS-name
 * checks (§3.1 strict, the legacy DNSEncoder one, and what the node stores).
 *
 * Builders write a NUL-terminated name into `out` (capacity `cap`, NUL
 * included) and return its length, or DM_EINVAL for bad input / DM_ETOOBIG
 * when `cap` is too small; `out` is written only on success. Hash labels are
 * lowercase hex. Zones are taken with explicit lengths and must be non-empty
 * and free of NUL bytes; each builder says whether it keeps the zone verbatim
 * (case and trailing dots preserved), strips all trailing dots (rstrip), or
 * requires §3.1 and removes one trailing dot.
 */
#ifndef DM_DMP_NAMES_H
#define DM_DMP_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DM_NAME_MSG_ID_BYTES 16
#define DM_NAME_ID_BYTES     32 /* user ids and Ed25519 public keys */
#define DM_NAME_KEY12_LEN    12
#define DM_NAME_MAX_SLOT     9 /* slots and claims: 0..9 */

/* `slot-<N>.mb-<hash12(recipient_id)>.<zone>`, zone verbatim, N 0..9. */
int dm_name_slot(char *out, size_t cap, const uint8_t recipient_id[DM_NAME_ID_BYTES], unsigned slot,
		 const char *zone, size_t zone_len);

/* mk12 = hex(SHA256(msg_id || recipient_id || sender_spk))[:12] plus a NUL. */
void dm_chunk_msg_key12(const uint8_t msg_id[DM_NAME_MSG_ID_BYTES],
			const uint8_t recipient_id[DM_NAME_ID_BYTES],
			const uint8_t sender_spk[DM_NAME_ID_BYTES],
			char ret[DM_NAME_KEY12_LEN + 1]);

/* `chunk-<%04u>-<mk12>.<zone>`, zone verbatim; mk12 must be 12 lowercase hex digits. */
int dm_name_chunk(char *out, size_t cap, uint32_t chunk_number, const char *mk12, const char *zone,
		  size_t zone_len);

/* `id-<hex(SHA256(username))[:16]>.<rstrip(domain)>`; username is UTF-8, hashed as given. */
int dm_name_identity_hashed(char *out, size_t cap, const char *username, size_t username_len,
			    const char *domain, size_t domain_len);

/* `dmp.<rstrip(identity_domain)>` (address user@identity_domain). */
int dm_name_identity_zone(char *out, size_t cap, const char *identity_domain, size_t len);

/* `prekeys.id-<hex(SHA256(username))[:12]>.<rstrip(domain)>` (12 hex, not 16). */
int dm_name_prekeys(char *out, size_t cap, const char *username, size_t username_len,
		    const char *domain, size_t domain_len);

/* `rotate.` + dm_name_identity_hashed(). */
int dm_name_rotation_user_hashed(char *out, size_t cap, const char *username, size_t username_len,
				 const char *domain, size_t domain_len);

/* `rotate.dmp.<rstrip(identity_domain)>`. */
int dm_name_rotation_user_zone(char *out, size_t cap, const char *identity_domain, size_t len);

/*
 * `cluster.<name>`, `rotate.cluster.<name>`, `_dmp.<user_domain>` and
 * `rotate._dmp.<user_domain>`: the subject must pass §3.1 and loses one
 * trailing dot. As in the reference's rrset-name helpers, the 64-byte field
 * cap is left to the record codecs that carry the subject.
 */
int dm_name_cluster(char *out, size_t cap, const char *cluster_name, size_t len);
int dm_name_rotation_cluster(char *out, size_t cap, const char *cluster_name, size_t len);
int dm_name_bootstrap(char *out, size_t cap, const char *user_domain, size_t len);
int dm_name_rotation_bootstrap(char *out, size_t cap, const char *user_domain, size_t len);

/* `claim-<N>.mb-<hash12(recipient_id)>.<provider_zone>`, zone verbatim, N 0..9. */
int dm_name_claim(char *out, size_t cap, const uint8_t recipient_id[DM_NAME_ID_BYTES],
		  unsigned slot, const char *provider_zone, size_t zone_len);

/*
 * Legacy helpers of dmp/core/dns.py, not used on the wire by 0.4.4 clients:
 * `mb-<hash12(user_id)>-<%02u>.<domain>` and
 * `chunk-<chunk_id>-<hex(SHA256(msg_id))[:12]>.<domain>` (first label cut to
 * 63 bytes as the reference does); domains verbatim, chunk_id 1+ bytes, no NUL.
 */
int dm_name_legacy_mailbox(char *out, size_t cap, const uint8_t user_id[DM_NAME_ID_BYTES],
			   unsigned slot, const char *domain, size_t domain_len);
int dm_name_legacy_chunk(char *out, size_t cap, const char *chunk_id, size_t chunk_id_len,
			 const uint8_t msg_id[DM_NAME_MSG_ID_BYTES], const char *domain,
			 size_t domain_len);

/* wire.md §3.1; max_bytes (0 = no limit) applies after one trailing dot is removed. */
bool dm_dns_name_strict_ok(const char *name, size_t len, size_t max_bytes);

/*
 * The legacy DNSEncoder.validate_domain check (vectors: dnsencoder_validate_domain):
 * valid UTF-8, <= 253 code points, labels of 1..63 code points made of
 * Unicode alphanumerics (Python str.isalnum, so `café` passes) or `-`, no
 * leading/trailing `-`, no trailing dot.
 */
bool dm_dns_name_legacy_ok(const char *name, size_t len);

/*
 * Canonical DNS presentation-name check for names we store/serve: total <= 253
 * bytes (excluding a trailing dot), labels 1..63, no empty label, printable
 * ASCII except whitespace/`"`/`\`. Used by the node for record names.
 */
bool dm_dns_name_storable(const char *name, size_t len);

#endif
