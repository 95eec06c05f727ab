#include "common/node/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/err.h"

int dm_privdrop_lookup(const char *user, const char *group, struct dm_privdrop_ids *ret_ids)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (pw == NULL)
		return errno != 0 && errno != ENOENT && errno != ESRCH ? -errno : DM_ENOTFOUND;
	uid_t uid = pw->pw_uid;
	errno = 0;
	struct group *gr = getgrnam(group);
	if (gr == NULL)
		return errno != 0 && errno != ENOENT && errno != ESRCH ? -errno : DM_ENOTFOUND;
	if (uid == 0 || gr->gr_gid == 0)
		return DM_ENOTFOUND;
	ret_ids->uid = uid;
	ret_ids->gid = gr->gr_gid;
	return 0;
}

int dm_privdrop_apply(const struct dm_privdrop_ids *ids)
{
	gid_t gid = ids->gid;
	/* Groups first: once the uid is gone we could no longer change them. */
	if (setgroups(1, &gid) < 0)
		return -errno;
	if (setresgid(gid, gid, gid) < 0)
		return -errno;
	if (setresuid(ids->uid, ids->uid, ids->uid) < 0)
		return -errno;
	/* A drop that can be undone is no drop (saved ids, capabilities). */
	if (setuid(0) == 0 || setgid(0) == 0)
		return -EPERM;
	uid_t r, e, s;
	if (getresuid(&r, &e, &s) < 0 || r != ids->uid || e != ids->uid || s != ids->uid)
		return -EPERM;
	return 0;
}

int dm_privdrop_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}
