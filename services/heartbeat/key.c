/*
 * Loading the operator key. The seed is read straight into libsodium's
 * secret key and the read buffer wiped; the key never leaves this process.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/codec/hex.h"
#include "common/err.h"
#include "services/heartbeat/peers.h"

int hb_key_path(const char *configured, char *out, size_t cap)
{
	int n;
	if (configured != NULL && configured[0] != '\0') {
		n = snprintf(out, cap, "%s", configured);
	} else {
		const char *creds = secure_getenv("CREDENTIALS_DIRECTORY");
		if (creds == NULL || creds[0] == '\0')
			return DM_ENOTFOUND;
		n = snprintf(out, cap, "%s/%s", creds, HB_CRED_NAME);
	}
	return n < 0 || (size_t)n >= cap ? DM_ETOOBIG : 0;
}

int hb_key_load(const char *path, uint8_t sk[DM_ED25519_SK_BYTES], uint8_t pk[DM_ED25519_PK_BYTES],
		char *err, size_t errlen)
{
	uint8_t buf[HB_KEY_FILE_MAX + 1];
	uint8_t seed[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return DM_EINVAL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return DM_EINVAL;
	}
	/* A key others can read is a key others have: refuse it, as ssh does. */
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
			 "%s: mode %04o gives the group or others access; chmod 0600 it", path,
			 (unsigned)(st.st_mode & 07777));
		close(fd);
		return DM_EINVAL;
	}
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			sodium_memzero(buf, sizeof(buf));
			return DM_EINVAL;
		}
		if (n == 0 || (len += (size_t)n) == sizeof(buf))
			break;
	}
	close(fd);
	int r = DM_EINVAL;
	if (len == sizeof(seed)) {
		memcpy(seed, buf, sizeof(seed));
		r = 0;
	} else if (len < sizeof(buf)) {
		size_t a = 0, b = len;
		while (a < b && isspace(buf[a]))
			a++;
		while (b > a && isspace(buf[b - 1]))
			b--;
		if (b - a == 2 * sizeof(seed) && dm_hex_decode((const char *)buf + a, b - a, seed,
							       sizeof(seed)) == (long)sizeof(seed))
			r = 0;
	}
	sodium_memzero(buf, sizeof(buf));
	if (r != 0) {
		snprintf(err, errlen, "%s: expected a 32-byte Ed25519 seed or 64 hex digits", path);
		return r;
	}
	r = crypto_sign_seed_keypair(pk, sk, seed) == 0 ? 0 : DM_EINVAL;
	sodium_memzero(seed, sizeof(seed));
	if (r != 0)
		snprintf(err, errlen, "%s: cannot derive the key", path);
	return r;
}
