/*
 * Privilege separation: find a service's unprivileged identity, then give
 * up root for good. Every step here is async-signal-safe, so dnsmeshd runs
 * them in the child between fork() and exec(); a service started as root by
 * other means can call them from main() before its event loop instead.
 *
 * Order (STYLE.md §8): dm_privdrop_apply() (setgroups, setresgid, setresuid,
 * then prove that root cannot be regained), then dm_privdrop_no_new_privs().
 */
#ifndef DM_NODE_PRIVDROP_H
#define DM_NODE_PRIVDROP_H

#include <sys/types.h>

/* Every service user is a member of this group; it owns the run directory. */
#define DM_SERVICE_GROUP "dnsmesh"

struct dm_privdrop_ids {
	uid_t uid;
	gid_t gid;
};

/* Resolves `user` and `group`. Returns 0, DM_ENOTFOUND if either is missing
 * (or is root: dropping to root would be no drop), or -errno. Not
 * async-signal-safe: call it before fork(). */
int dm_privdrop_lookup(const char *user, const char *group, struct dm_privdrop_ids *ret_ids)
    __attribute__((warn_unused_result));

/* Sets the supplementary groups to just ids->gid, then the real, effective
 * and saved gid and uid; then checks that setuid(0) and setgid(0) now fail.
 * Returns 0 or -errno (-EPERM when root could be regained). */
int dm_privdrop_apply(const struct dm_privdrop_ids *ids) __attribute__((warn_unused_result));

/* prctl(PR_SET_NO_NEW_PRIVS): no later exec can grant privileges (setuid
 * binaries, file capabilities). Returns 0 or -errno. */
int dm_privdrop_no_new_privs(void) __attribute__((warn_unused_result));

#endif
