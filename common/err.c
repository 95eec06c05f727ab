#include "common/err.h"

#include <string.h>

const char *dm_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case DM_EINVAL:
		return "malformed input";
	case DM_ESIG:
		return "signature verification failed";
	case DM_EEXPIRED:
		return "expired or not yet valid";
	case DM_ETOOBIG:
		return "too large";
	case DM_ECRYPTO:
		return "cryptographic operation failed";
	case DM_ENOTFOUND:
		return "not found";
	case DM_EREPLAY:
		return "replayed message";
	case DM_EMISMATCH:
		return "unexpected value";
	case DM_ENOMEM:
		return "out of memory";
	case DM_EUNSUPPORTED:
		return "unsupported";
	case DM_EPROTO:
		return "protocol violation";
	case DM_ETIMEDOUT:
		return "timed out";
	case DM_EUNAVAIL:
		return "service unavailable";
	default:
		break;
	}
	if (err < 0 && err > -1000)
		return strerror(-err);
	return "unknown error";
}
