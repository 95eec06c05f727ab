/*
 * Node heartbeat (wire.md §12.3, §16): a node's signed "I am <endpoint>,
 * operated by <operator_spk>" liveness ping. `v=dmp1;t=heartbeat;` + strict
 * b64(magic || u16 ep_len || endpoint || operator_spk[32] || u8 ver_len
 * || version || u16 capabilities [|| u8 zone_len || zone] || u64 ts
 * || u64 exp || sig[64]), whole value ≤ 1200 bytes.
 *
 * Magic DMPHB02 (0.4.4, no zone) and DMPHB03 (0.7.5, with the claim
 * provider zone) are both parsed; the signer writes whichever `format` says.
 * The endpoint is later fetched by crawlers, so it is held to the
 * reference's SSRF rules (dm_heartbeat_endpoint_check()).
 */
#ifndef DM_DMP_HEARTBEAT_H
#define DM_DMP_HEARTBEAT_H

#include <stddef.h>
#include <stdint.h>

#include "common/dmp/record.h"
#include "common/dmp/sig.h"

#define DM_HEARTBEAT_ENDPOINT_MAX	255
#define DM_HEARTBEAT_VERSION_MAX	32
#define DM_HEARTBEAT_ZONE_MAX		64
#define DM_HEARTBEAT_TS_SKEW		300 /* |ts − now| allowed, seconds */
#define DM_HEARTBEAT_CAP_CLAIM_PROVIDER 0x0001

enum dm_heartbeat_format {
	DM_HEARTBEAT_HB02, /* 0.4.4: no claim provider zone */
	DM_HEARTBEAT_HB03, /* 0.7.5: adds the zone */
};

struct dm_heartbeat {
	enum dm_heartbeat_format format;
	size_t endpoint_len;
	char endpoint[DM_HEARTBEAT_ENDPOINT_MAX + 1]; /* NUL-terminated ASCII */
	uint8_t operator_spk[DM_ED25519_PK_BYTES];
	size_t version_len;
	char version[DM_HEARTBEAT_VERSION_MAX + 1]; /* NUL-terminated ASCII */
	uint16_t capabilities;			    /* unknown bits kept, ignored */
	size_t zone_len;			    /* always 0 for HB02 */
	char zone[DM_HEARTBEAT_ZONE_MAX + 1];	    /* NUL-terminated ASCII */
	uint64_t ts;
	uint64_t exp;			   /* > ts */
	uint8_t sig[DM_ED25519_SIG_BYTES]; /* set by _sign() / _parse() */
};

/*
 * 0 if `ep` is an acceptable endpoint, DM_EINVAL otherwise: 1..255 ASCII
 * bytes without whitespace or controls, scheme http/https (any case), no
 * userinfo, non-empty host, no path/query/fragment (as Python's urlsplit
 * splits them), host not a localhost alias, and an IP-literal host (IPv6
 * in brackets) not loopback/private/link-local/multicast/reserved/
 * unspecified. The port is not examined, as in the reference.
 */
int dm_heartbeat_endpoint_check(const char *ep, size_t len) __attribute__((warn_unused_result));

/*
 * Signs `hb` with `sk` (which must belong to hb->operator_spk), stores
 * hb->sig and writes the value plus a NUL into `out` (capacity `outcap`;
 * DM_RECORD_CAP_SIGNED + 1 always suffices). DM_EINVAL on a bad field or key
 * mismatch, DM_ETOOBIG over the cap or `outcap`. Sets *ret_len.
 */
int dm_heartbeat_sign(struct dm_heartbeat *hb, const uint8_t sk[DM_ED25519_SK_BYTES], char *out,
		      size_t outcap, size_t *ret_len) __attribute__((warn_unused_result));

/* Re-emits an already signed `hb` with hb->sig. Same errors as _sign(). */
int dm_heartbeat_encode(const struct dm_heartbeat *hb, char *out, size_t outcap, size_t *ret_len)
    __attribute__((warn_unused_result));

/*
 * Parses and verifies a heartbeat value. DM_ETOOBIG (value over 1200 bytes),
 * DM_EINVAL (malformed, bad endpoint/version/zone, exp ≤ ts), DM_ESIG (bad
 * signature or low-order operator_spk), DM_EEXPIRED (|ts − now| > 300 or
 * exp ≤ now).
 */
int dm_heartbeat_parse(const char *value, size_t len, uint64_t now, struct dm_heartbeat *ret)
    __attribute__((warn_unused_result));

#endif
