/*
 * Which services this node runs. Each entry says what binary to exec, which
 * user it runs as under root, which sockets it receives, and a "wanted"
 * predicate; services a later issue adds run once their binary is built next
 * to dnsmeshd and, for sync and heartbeat, once they are configured.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/node/log.h"
#include "common/node/syncconf.h"
#include "services/supervisor/supervisor.h"

static bool always(const struct dm_config *cfg)
{
	(void)cfg;
	return true;
}

/* node.md §2: booleans are exactly 1/true/yes/on after trimming, and
 * DMP_HEARTBEAT_ENABLED is not lower-cased. */
static bool truthy(const char *name)
{
	const char *v = secure_getenv(name);
	if (v == NULL)
		return false;
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	static const char *const yes[] = {"1", "true", "yes", "on"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strlen(yes[i]) == n && strncmp(v, yes[i], n) == 0)
			return true;
	return false;
}

static bool set(const char *name)
{
	const char *v = secure_getenv(name);
	return v != NULL && v[0] != '\0';
}

/* node.md §9.4: the worker runs with a peer token and peers, from
 * DMP_SYNC_PEERS or a cluster file (DMP_CLUSTER_FILE, its alias, or the
 * reference's default path). */
static bool sync_wanted(const struct dm_config *cfg)
{
	(void)cfg;
	if (!set("DMP_SYNC_PEER_TOKEN"))
		return false;
	if (set("DMP_SYNC_PEERS"))
		return true;
	const char *file = DM_SYNC_DEFAULT_CLUSTER_FILE;
	if (set("DMP_CLUSTER_FILE"))
		file = secure_getenv("DMP_CLUSTER_FILE");
	else if (set("DMP_CLUSTER_MANIFEST_PATH"))
		file = secure_getenv("DMP_CLUSTER_MANIFEST_PATH");
	return access(file, R_OK) == 0;
}

static bool heartbeat_wanted(const struct dm_config *cfg)
{
	(void)cfg;
	return truthy("DMP_HEARTBEAT_ENABLED");
}

const struct sup_service sup_services[] = {
    {"store", "dnsmesh-store", "dnsmesh-store", {"store", NULL}, true, always},
    {"dns", "dnsmesh-dns", "dnsmesh-dns", {"dns-udp", "dns-tcp", NULL}, true, always},
    {"https", "dnsmesh-https", "dnsmesh-https", {"https", NULL}, false, always},
    {"sync", "dnsmesh-sync", "dnsmesh-sync", {NULL}, false, sync_wanted},
    {"heartbeat", "dnsmesh-heartbeat", "dnsmesh-heartbeat", {NULL}, false, heartbeat_wanted},
    {NULL, NULL, NULL, {NULL}, false, NULL},
};

static int binary_path(const struct supervisor *sup, const struct sup_service *svc, char *out,
		       size_t cap)
{
	int n = snprintf(out, cap, "%s/%s", sup->bindir, svc->binary);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int sup_services_select(struct supervisor *sup)
{
	sup->nchildren = 0;
	for (const struct sup_service *svc = sup_services; svc->name != NULL; svc++) {
		if (!svc->wanted(&sup->cfg))
			continue;
		struct child *c = &sup->children[sup->nchildren];
		memset(c, 0, sizeof(*c));
		if (binary_path(sup, svc, c->path, sizeof(c->path)) < 0 ||
		    access(c->path, X_OK) < 0) {
			if (!svc->required)
				continue;
			log_warnx("%s is missing from %s: build it (cmake --build) or reinstall",
				  svc->binary, sup->bindir);
			return -1;
		}
		c->sup = sup;
		c->svc = svc;
		sup->nchildren++;
	}
	return 0;
}

void sup_services_describe(const struct supervisor *sup, const struct dm_config *cfg, FILE *out)
{
	fputs("# services:", out);
	for (const struct sup_service *svc = sup_services; svc->name != NULL; svc++) {
		char path[DM_PATH_MAX];
		const char *why = NULL;
		if (!svc->wanted(cfg))
			why = "not configured";
		else if (binary_path(sup, svc, path, sizeof(path)) < 0 || access(path, X_OK) < 0)
			why = "not built";
		if (why == NULL)
			fprintf(out, " %s", svc->name);
		else
			fprintf(out, " (%s: %s)", svc->name, why);
	}
	fputc('\n', out);
}
