/*
 * dnsmesh-node-admin: the operator's tool. Talks to the store over its IPC
 * socket as ROLE_ADMIN (allowed for root and the store's own user).
 *
 *   put NAME VALUE [TTL]      publish one value (acknowledged when durable)
 *   get NAME                  print live values, one per line
 *   delete NAME [VALUE]       delete one value or the whole name
 *   load FILE|-               bulk publish "NAME<TAB>TTL<TAB>VALUE" lines
 *   stats                     live records and names
 *   watch                     print the snapshot and every later change
 *   token issue|list|revoke|rotate   user tokens of multi-tenant nodes (token.c)
 *   audit tail                the token audit log, newest first (token.c)
 *   cluster keygen|sign       the operator's signed cluster manifest (cluster.c)
 *   bootstrap keygen|sign     a zone operator's signed _dmp. record (cluster.c)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "common/err.h"
#include "common/node/config.h"
#include "common/node/ipc.h"
#include "common/node/log.h"
#include "services/admin/admin.h"

#define REQUEST_TIMEOUT_MS 10000
#define LOAD_WINDOW	   256 /* writes in flight during `load` */

struct admin {
	struct dm_ipc_client client;
	int argc;
	char **argv;
	int status;
	bool started;
	/* load */
	FILE *in;
	unsigned inflight;
	uint64_t loaded, failed;
	bool eof;
};

static struct admin A;

static void finish(int status)
{
	A.status = status;
	dm_ipc_client_stop(&A.client);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: dnsmesh-node-admin put NAME VALUE [TTL] | get NAME | delete NAME "
		"[VALUE] | load FILE | stats | watch | token issue|list|revoke|rotate ... | "
		"audit tail ... | cluster keygen|sign ... | bootstrap keygen|sign ...\n");
	exit(64);
}

static void on_put_reply(struct dm_ipc_conn *c, const Dm__Envelope *rep, int err, void *arg)
{
	(void)c;
	(void)arg;
	if (err == 0 && rep->body_case == DM__ENVELOPE__BODY_ERROR)
		err = rep->error->code;
	else if (err == 0 && rep->body_case == DM__ENVELOPE__BODY_PUT_RESULT)
		err = rep->put_result->status;
	if (err != 0) {
		fprintf(stderr, "dnsmesh-node-admin: put failed: %s\n", dm_strerror(err));
		finish(1);
		return;
	}
	printf("%s\n", rep->put_result->created ? "created" : "refreshed");
	finish(0);
}

static int send_put(const char *name, const char *value, size_t vlen, uint32_t ttl,
		    dm_ipc_reply_fn cb)
{
	Dm__Envelope env = DM__ENVELOPE__INIT;
	Dm__PutRecord put = DM__PUT_RECORD__INIT;
	put.name = (char *)name;
	put.value.data = (uint8_t *)value;
	put.value.len = vlen;
	put.ttl = ttl;
	env.body_case = DM__ENVELOPE__BODY_PUT_RECORD;
	env.put_record = &put;
	return dm_ipc_request(dm_ipc_client_conn(&A.client), &env, REQUEST_TIMEOUT_MS, cb, NULL);
}

static void load_pump(void);

static void on_load_reply(struct dm_ipc_conn *c, const Dm__Envelope *rep, int err, void *arg)
{
	(void)c;
	(void)arg;
	A.inflight--;
	if (err == 0 && rep->body_case == DM__ENVELOPE__BODY_ERROR)
		err = rep->error->code;
	else if (err == 0)
		err = rep->put_result->status;
	if (err != 0) {
		A.failed++;
		if (A.failed <= 5)
			fprintf(stderr, "dnsmesh-node-admin: load: %s\n", dm_strerror(err));
	} else {
		A.loaded++;
	}
	load_pump();
}

static void load_pump(void)
{
	char line[70000];
	while (!A.eof && A.inflight < LOAD_WINDOW) {
		if (fgets(line, sizeof(line), A.in) == NULL) {
			A.eof = true;
			break;
		}
		size_t len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		char *tab1 = strchr(line, '\t');
		char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		if (tab2 == NULL) {
			A.failed++;
			fprintf(stderr,
				"dnsmesh-node-admin: load: line without NAME\\tTTL\\tVALUE\n");
			continue;
		}
		*tab1 = *tab2 = '\0';
		uint32_t ttl = (uint32_t)strtoul(tab1 + 1, NULL, 10);
		if (send_put(line, tab2 + 1, strlen(tab2 + 1), ttl ? ttl : 3600, on_load_reply) ==
		    0)
			A.inflight++;
		else
			A.failed++;
	}
	if (A.eof && A.inflight == 0) {
		printf("loaded %" PRIu64 " values, %" PRIu64 " failed\n", A.loaded, A.failed);
		finish(A.failed ? 1 : 0);
	}
}

static void on_get_reply(struct dm_ipc_conn *c, const Dm__Envelope *rep, int err, void *arg)
{
	(void)c;
	(void)arg;
	if (err == 0 && rep->body_case == DM__ENVELOPE__BODY_ERROR)
		err = rep->error->code;
	if (err != 0) {
		fprintf(stderr, "dnsmesh-node-admin: get failed: %s\n", dm_strerror(err));
		finish(1);
		return;
	}
	const Dm__RecordSet *set = rep->record_set;
	for (size_t i = 0; i < set->n_records; i++)
		printf("%.*s\n", (int)set->records[i]->value.len,
		       (const char *)set->records[i]->value.data);
	finish(set->status == 0 ? 0 : 2);
}

static void on_delete_reply(struct dm_ipc_conn *c, const Dm__Envelope *rep, int err, void *arg)
{
	(void)c;
	(void)arg;
	if (err == 0 && rep->body_case == DM__ENVELOPE__BODY_ERROR)
		err = rep->error->code;
	else if (err == 0)
		err = rep->delete_result->status;
	if (err != 0) {
		fprintf(stderr, "dnsmesh-node-admin: delete failed: %s\n", dm_strerror(err));
		finish(1);
		return;
	}
	printf("deleted %u\n", rep->delete_result->deleted);
	finish(rep->delete_result->deleted ? 0 : 2);
}

static void on_stats_reply(struct dm_ipc_conn *c, const Dm__Envelope *rep, int err, void *arg)
{
	(void)c;
	(void)arg;
	if (err == 0 && rep->body_case == DM__ENVELOPE__BODY_ERROR)
		err = rep->error->code;
	if (err != 0) {
		fprintf(stderr, "dnsmesh-node-admin: stats failed: %s\n", dm_strerror(err));
		finish(1);
		return;
	}
	printf("records %" PRIu64 "\nnames %" PRIu64 "\n", rep->stats_reply->records,
	       rep->stats_reply->names);
	finish(0);
}

static void print_batch(struct dm_ipc_conn *c, const Dm__Envelope *msg)
{
	(void)c;
	const Dm__RecordBatch *b = msg->record_batch;
	for (size_t i = 0; i < b->n_upserts; i++)
		printf("+ %s %.*s\n", b->upserts[i]->name, (int)b->upserts[i]->value.len,
		       (const char *)b->upserts[i]->value.data);
	for (size_t i = 0; i < b->n_deletes; i++)
		printf("- %s %.*s\n", b->deletes[i]->name, (int)b->deletes[i]->value.len,
		       (const char *)b->deletes[i]->value.data);
	fflush(stdout);
}

static void on_snapshot_end(struct dm_ipc_conn *c, const Dm__Envelope *rep, int err, void *arg)
{
	(void)c;
	(void)arg;
	if (err != 0 || rep->body_case != DM__ENVELOPE__BODY_SNAPSHOT_END) {
		fprintf(stderr, "dnsmesh-node-admin: watch failed\n");
		finish(1);
		return;
	}
	printf("= snapshot of %" PRIu64 " values\n", rep->snapshot_end->records);
	fflush(stdout);
}

static void on_up(struct dm_ipc_conn *conn, void *ctx)
{
	(void)ctx;
	if (A.started)
		return;
	A.started = true;
	const char *cmd = A.argv[0];
	Dm__Envelope env = DM__ENVELOPE__INIT;
	int r = 0;
	if (strcmp(cmd, "put") == 0) {
		uint32_t ttl = A.argc > 3 ? (uint32_t)strtoul(A.argv[3], NULL, 10) : 3600;
		r = send_put(A.argv[1], A.argv[2], strlen(A.argv[2]), ttl, on_put_reply);
	} else if (strcmp(cmd, "get") == 0) {
		Dm__GetRecords get = DM__GET_RECORDS__INIT;
		get.name = A.argv[1];
		env.body_case = DM__ENVELOPE__BODY_GET_RECORDS;
		env.get_records = &get;
		r = dm_ipc_request(conn, &env, REQUEST_TIMEOUT_MS, on_get_reply, NULL);
	} else if (strcmp(cmd, "delete") == 0) {
		Dm__DeleteRecord del = DM__DELETE_RECORD__INIT;
		del.name = A.argv[1];
		if (A.argc > 2) {
			del.has_value = true;
			del.value.data = (uint8_t *)A.argv[2];
			del.value.len = strlen(A.argv[2]);
		}
		env.body_case = DM__ENVELOPE__BODY_DELETE_RECORD;
		env.delete_record = &del;
		r = dm_ipc_request(conn, &env, REQUEST_TIMEOUT_MS, on_delete_reply, NULL);
	} else if (strcmp(cmd, "stats") == 0) {
		Dm__StatsRequest sr = DM__STATS_REQUEST__INIT;
		env.body_case = DM__ENVELOPE__BODY_STATS_REQUEST;
		env.stats_request = &sr;
		r = dm_ipc_request(conn, &env, REQUEST_TIMEOUT_MS, on_stats_reply, NULL);
	} else if (strcmp(cmd, "watch") == 0) {
		Dm__Subscribe sub = DM__SUBSCRIBE__INIT;
		env.body_case = DM__ENVELOPE__BODY_SUBSCRIBE;
		env.subscribe = &sub;
		r = dm_ipc_request(conn, &env, 60000, on_snapshot_end, NULL);
	} else if (strcmp(cmd, "load") == 0) {
		load_pump();
	}
	if (r < 0) {
		fprintf(stderr, "dnsmesh-node-admin: %s: %s\n", cmd, dm_strerror(r));
		finish(1);
	}
}

static void on_down(struct dm_ipc_conn *conn, void *ctx)
{
	(void)conn;
	(void)ctx;
	if (A.started && !A.client.stopping) {
		fprintf(stderr, "dnsmesh-node-admin: lost the connection to the store\n");
		finish(1);
	}
}

static void give_up(uv_timer_t *t)
{
	if (!A.started) {
		fprintf(stderr, "dnsmesh-node-admin: store not reachable at %s\n", A.client.path);
		finish(1);
	}
	uv_close((uv_handle_t *)t, NULL);
}

static const struct dm_ipc_rule admin_rules[] = {
    {DM__ROLE__ROLE_STORE, DM__ENVELOPE__BODY_RECORD_BATCH, print_batch},
    {0, 0, NULL},
};

int main(int argc, char **argv)
{
	static struct dm_config cfg;
	char err[256];
	if (argc < 2)
		usage();
	A.argc = argc - 1;
	A.argv = argv + 1;
	const char *cmd = A.argv[0];
	if (strcmp(cmd, "cluster") == 0)
		return admin_cluster_main(A.argc, A.argv);
	if (strcmp(cmd, "bootstrap") == 0)
		return admin_bootstrap_main(A.argc, A.argv);
	if (strcmp(cmd, "token") == 0 || strcmp(cmd, "audit") == 0) {
		log_procinit("dnsmesh-node-admin", "WARNING");
		if (dm_config_from_env(&cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "dnsmesh-node-admin: configuration: %s\n", err);
			return DM_EX_CONFIG;
		}
		return admin_token_main(A.argc, A.argv, &cfg);
	}
	if ((strcmp(cmd, "put") == 0 && (A.argc < 3 || A.argc > 4)) ||
	    (strcmp(cmd, "get") == 0 && A.argc != 2) ||
	    (strcmp(cmd, "delete") == 0 && (A.argc < 2 || A.argc > 3)) ||
	    (strcmp(cmd, "load") == 0 && A.argc != 2) ||
	    ((strcmp(cmd, "stats") == 0 || strcmp(cmd, "watch") == 0) && A.argc != 1))
		usage();
	if (strcmp(cmd, "put") && strcmp(cmd, "get") && strcmp(cmd, "delete") &&
	    strcmp(cmd, "load") && strcmp(cmd, "stats") && strcmp(cmd, "watch"))
		usage();
	log_procinit("dnsmesh-node-admin", "WARNING");
	if (dm_config_from_env(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "dnsmesh-node-admin: configuration: %s\n", err);
		return DM_EX_CONFIG;
	}
	if (strcmp(cmd, "load") == 0) {
		A.in = strcmp(A.argv[1], "-") == 0 ? stdin : fopen(A.argv[1], "r");
		if (A.in == NULL) {
			fprintf(stderr, "dnsmesh-node-admin: %s: %s\n", A.argv[1], strerror(errno));
			return 1;
		}
	}
	char path[DM_PATH_MAX];
	if (dm_config_socket_path(&cfg, "store.sock", path, sizeof(path)) < 0)
		return DM_EX_CONFIG;
	uv_loop_t *loop = uv_default_loop();
	A.client.ep.loop = loop;
	A.client.ep.self_role = DM__ROLE__ROLE_ADMIN;
	A.client.ep.rules = admin_rules;
	A.client.ep.on_up = on_up;
	A.client.ep.on_down = on_down;
	if (dm_ipc_client_start(&A.client, path) < 0)
		return 1;
	uv_timer_t deadline;
	uv_timer_init(loop, &deadline);
	uv_timer_start(&deadline, give_up, 5000, 0);
	uv_unref((uv_handle_t *)&deadline);
	uv_run(loop, UV_RUN_DEFAULT);
	if (!uv_is_closing((uv_handle_t *)&deadline))
		uv_close((uv_handle_t *)&deadline, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	(void)uv_loop_close(loop);
	return A.status;
}
