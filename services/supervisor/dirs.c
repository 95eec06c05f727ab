/*
 * The directories the services share. Under root each service runs as its
 * own user, so the layout is part of the privilege separation: the database
 * directory belongs to the store's user alone, the run directory (the
 * sockets) to root with the service group allowed in.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/node/log.h"
#include "services/supervisor/supervisor.h"

static void __attribute__((noreturn, format(printf, 1, 2))) config_exit(const char *fmt, ...);

static void config_exit(const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s", msg);
	exit(DM_EX_CONFIG);
}

int sup_abspath(const char *path, char *out, size_t cap)
{
	if (path[0] == '/') {
		if (strlen(path) >= cap)
			return -1;
		strcpy(out, path);
		return 0;
	}
	char cwd[PATH_MAX];
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	int n = snprintf(out, cap, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", path);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* mkdir -p: parents 0755 (others must traverse them), the leaf `mode`. */
static int mkdir_p(const char *dir, mode_t mode)
{
	char buf[DM_PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void db_dir_of(const struct supervisor *sup, char *out, size_t cap)
{
	if (sup_abspath(sup->cfg.db_path, out, cap) < 0)
		config_exit("DMP_DB_PATH=%s: path too long", sup->cfg.db_path);
	char *slash = strrchr(out, '/');
	if (slash == out)
		slash[1] = '\0';
	else
		*slash = '\0';
}

static const struct child *child_named(const struct supervisor *sup, const char *name)
{
	for (size_t i = 0; i < sup->nchildren; i++)
		if (strcmp(sup->children[i].svc->name, name) == 0)
			return &sup->children[i];
	return NULL;
}

/* Every directory from / down to `dir` must be searchable by `ids`. */
static void check_reachable(const char *dir, const struct dm_privdrop_ids *ids, const char *user)
{
	char buf[DM_PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", dir);
	size_t len = strlen(buf);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char saved = buf[i];
		buf[i] = '\0';
		struct stat st;
		if (stat(buf, &st) < 0)
			config_exit("%s: %s", buf, strerror(errno));
		mode_t need = st.st_uid == ids->uid   ? S_IXUSR
			      : st.st_gid == ids->gid ? S_IXGRP
						      : S_IXOTH;
		if ((st.st_mode & need) == 0)
			config_exit(
			    "%s is not reachable by the service user %s (%s has mode %04o); "
			    "put DMP_DB_PATH and DMP_RUN_DIR where the service users can "
			    "reach them",
			    dir, user, buf, (unsigned)(st.st_mode & 07777));
		buf[i] = saved;
	}
}

/* Opens a directory we are about to hand to someone, refusing shared ones. */
static int open_private_dir(const char *var, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		config_exit("%s: %s: %s", var, dir, strerror(errno));
	if ((st.st_mode & S_IWOTH) != 0 || st.st_ino == 1 || strcmp(dir, "/") == 0)
		config_exit("%s: %s is shared (world-writable or /); give the node a directory "
			    "of its own",
			    var, dir);
	return fd;
}

/* The store's files (records, tokens, ...) change owner too, but never
 * through a link the store could have planted: no symlinks, no hard links. */
static void chown_db_files(int dirfd, const struct dm_privdrop_ids *ids)
{
	int fd = dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (d == NULL)
		config_exit("DMP_DB_PATH: cannot list the database directory: %s", strerror(errno));
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || (st.st_uid == ids->uid && st.st_gid == ids->gid))
			continue;
		if (st.st_nlink != 1) {
			log_warnx("%s in the database directory has other links, not handing it to "
				  "the store",
				  de->d_name);
			continue;
		}
		if (fchownat(dirfd, de->d_name, ids->uid, ids->gid, AT_SYMLINK_NOFOLLOW) < 0)
			config_exit("DMP_DB_PATH: cannot chown %s: %s", de->d_name,
				    strerror(errno));
	}
	closedir(d);
}

void sup_dirs_prepare(struct supervisor *sup)
{
	char run[DM_PATH_MAX], db[DM_PATH_MAX];
	if (sup_abspath(sup->cfg.run_dir, run, sizeof(run)) < 0)
		config_exit("DMP_RUN_DIR=%s: path too long", sup->cfg.run_dir);
	db_dir_of(sup, db, sizeof(db));
	int r = mkdir_p(run, sup->root ? 0750 : 0700);
	if (r < 0)
		config_exit("DMP_RUN_DIR: cannot create %s: %s", run, strerror(-r));
	r = mkdir_p(db, 0700);
	if (r < 0)
		config_exit("DMP_DB_PATH: cannot create %s: %s", db, strerror(-r));
	if (!sup->root)
		return;

	char run_real[PATH_MAX], db_real[PATH_MAX];
	if (realpath(run, run_real) == NULL || realpath(db, db_real) == NULL)
		config_exit("cannot resolve %s or %s: %s", run, db, strerror(errno));
	size_t dblen = strlen(db_real);
	if (strcmp(run_real, db_real) == 0)
		config_exit("DMP_RUN_DIR must not be the directory of DMP_DB_PATH (%s) when "
			    "dnsmeshd runs as root: they belong to different users",
			    db_real);
	/* ./var/run inside ./var: the group may pass through, not list or read. */
	bool nested =
	    strncmp(run_real, db_real, dblen) == 0 && (run_real[dblen] == '/' || dblen == 1);
	const struct child *store = child_named(sup, "store");

	int dfd = open_private_dir("DMP_DB_PATH", db_real);
	if (fchown(dfd, store->ids.uid, sup->group_gid) < 0 ||
	    fchmod(dfd, nested ? 0710 : 0700) < 0)
		config_exit("DMP_DB_PATH: cannot hand %s to %s: %s", db_real, store->svc->user,
			    strerror(errno));
	chown_db_files(dfd, &store->ids);
	(void)close(dfd);

	int rfd = open_private_dir("DMP_RUN_DIR", run_real);
	if (fchown(rfd, 0, sup->group_gid) < 0 || fchmod(rfd, 0750) < 0)
		config_exit("DMP_RUN_DIR: cannot set the owner of %s: %s", run_real,
			    strerror(errno));
	(void)close(rfd);

	check_reachable(db_real, &store->ids, store->svc->user);
	for (size_t i = 0; i < sup->nchildren; i++)
		check_reachable(run_real, &sup->children[i].ids, sup->children[i].svc->user);
}
