/*
 * dnsmesh-node-admin token issue | list | revoke | rotate and audit tail, as
 * the reference's admin CLI (node.md §8) but through the store, which alone
 * opens the token file: a token is minted here, printed once, and only its
 * SHA-256 digest is sent. Exit status: 0 done, 1 nothing matched / store
 * failure, 2 usage or ambiguous target, 64 bad usage.
 */
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "common/codec/hex.h"
#include "common/dmp/registration.h"
#include "common/dmp/token.h"
#include "common/err.h"
#include "common/node/ipc.h"
#include "services/admin/admin.h"

#define TOKEN_TIMEOUT_MS 10000
#define AUDIT_LIMIT_MAX	 10000 /* the store's cap on one audit tail reply */
#define AUDIT_EVENT_MAX	 32

struct tok {
	struct dm_ipc_client client;
	int status;
	bool started;
	const char *group; /* "token" or "audit" */
	const char *cmd;
	bool json;
	/* issue */
	char token[DM_TOKEN_LEN + 1];
	char hash[DM_TOKEN_DIGEST_HEX + 1];
	char subject[DM_REGISTRATION_SUBJECT_MAX + 1];
	char hash12[13];
	bool has_hash12;
	double rate;
	uint32_t burst;
	bool has_expires;
	int64_t expires_at;
	const char *note;
	char issuer[128];
	/* list */
	const char *list_subject;
	bool include_revoked;
	/* revoke */
	const char *target;
	/* audit tail */
	const char *event;
	uint32_t limit;
};

static struct tok T;

static void token_usage(void)
{
	fprintf(stderr,
		"usage: dnsmesh-node-admin token issue SUBJECT [--expires DUR] [--rate F] "
		"[--burst N] [--note TEXT] [--with-prekey-scope X25519_HEX] [--json]\n"
		"       dnsmesh-node-admin token list [--subject S] [--include-revoked] [--json]\n"
		"       dnsmesh-node-admin token revoke SUBJECT|HASH_PREFIX\n"
		"       dnsmesh-node-admin token rotate SUBJECT [--expires DUR] [--rate F] "
		"[--burst N] [--with-prekey-scope X25519_HEX] [--json]\n"
		"       dnsmesh-node-admin audit tail [--event E] [--limit N] [--json]\n");
	exit(64);
}

static void finish(int status)
{
	T.status = status;
	dm_ipc_client_stop(&T.client);
}

/* ^[0-9]+[smhdw]?$ after trimming ASCII whitespace (node.md §8). */
static int parse_duration(const char *s, int64_t *ret)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
		n--;
	if (n == 0 || s[0] < '0' || s[0] > '9')
		return -1;
	int64_t mult = 1;
	switch (s[n - 1]) {
	case 's':
		n--;
		break;
	case 'm':
		mult = 60, n--;
		break;
	case 'h':
		mult = 3600, n--;
		break;
	case 'd':
		mult = 86400, n--;
		break;
	case 'w':
		mult = 604800, n--;
		break;
	}
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > INT64_MAX / 10 / mult)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v * mult;
	return 0;
}

static int reply_err(const Dm__Envelope *rep, int err, Dm__Envelope__BodyCase want)
{
	if (err != 0)
		return err;
	if (rep->body_case == DM__ENVELOPE__BODY_ERROR)
		return rep->error->code;
	return rep->body_case == want ? 0 : DM_EPROTO;
}

/* The token just minted, shown once: issue's banner or JSON object; a
 * rotation adds how many tokens it revoked (revoked >= 0). */
static void print_minted(int64_t revoked)
{
	if (T.json) {
		json_t *o = json_pack(
		    "{s:s,s:s,s:o,s:o,s:f,s:I}", "token", T.token, "subject", T.subject,
		    "subject_hash12", T.has_hash12 ? json_string(T.hash12) : json_null(),
		    "expires_at", T.has_expires ? json_integer(T.expires_at) : json_null(),
		    "rate_per_sec", T.rate, "rate_burst", (json_int_t)T.burst);
		if (o != NULL && revoked >= 0)
			json_object_set_new(o, "revoked", json_integer(revoked));
		char *s = json_dumps(o, JSON_PRESERVE_ORDER);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(o);
	} else {
		if (revoked >= 0)
			printf("revoked %" PRId64 " token(s) of %s\n", revoked, T.subject);
		printf("Token for %s (shown once; store it now):\n\n  %s\n\n", T.subject, T.token);
		if (T.has_expires)
			printf("expires_at: %" PRId64 "\n", T.expires_at);
		else
			printf("expires_at: never\n");
		printf("rate: %g/s, burst %u\n", T.rate, T.burst);
	}
	sodium_memzero(T.token, sizeof(T.token));
}

static void on_issued(struct dm_ipc_conn *c, const Dm__Envelope *rep, int err, void *arg)
{
	(void)c;
	(void)arg;
	err = reply_err(rep, err, DM__ENVELOPE__BODY_TOKEN_ISSUE_RESULT);
	if (err == 0)
		err = rep->token_issue_result->status;
	if (err != 0) {
		fprintf(stderr, "dnsmesh-node-admin: token issue failed: %s\n", dm_strerror(err));
		finish(1);
		return;
	}
	print_minted(-1);
	finish(0);
}

static void on_rotated(struct dm_ipc_conn *c, const Dm__Envelope *rep, int err, void *arg)
{
	(void)c;
	(void)arg;
	err = reply_err(rep, err, DM__ENVELOPE__BODY_TOKEN_ROTATE_RESULT);
	if (err == 0)
		err = rep->token_rotate_result->status;
	if (err == DM_ETIMEDOUT || err == DM_EUNAVAIL) {
		/* The transaction may have committed: the new token is lost either way. */
		fprintf(stderr,
			"dnsmesh-node-admin: token rotate: %s; see `token list --subject %s` "
			"and rotate again if the old tokens are gone\n",
			dm_strerror(err), T.subject);
		finish(1);
		return;
	}
	if (err != 0) {
		/* The store answered: its one transaction rolled back, the old tokens work. */
		fprintf(stderr, "dnsmesh-node-admin: token rotate failed, nothing changed: %s\n",
			dm_strerror(err));
		finish(1);
		return;
	}
	print_minted(rep->token_rotate_result->revoked);
	finish(0);
}

/* Audit rows hold what clients sent (addresses, details) or whatever a
 * reference file holds: the table shows printable ASCII only, so nothing in
 * them steers the terminal (C1 controls arrive as UTF-8). --json keeps the
 * text. NULL prints as "-". */
static const char *printable(const char *s, char *buf, size_t n)
{
	if (s == NULL)
		return "-";
	size_t i = 0;
	for (; s[i] != '\0' && i + 1 < n; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f) ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

/* A JSON string, null for NULL; bytes that are not UTF-8 become '?'. */
static json_t *json_text(const char *s)
{
	if (s == NULL)
		return json_null();
	json_t *j = json_string(s);
	if (j != NULL)
		return j;
	char *copy = strdup(s);
	if (copy == NULL)
		return json_null();
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j ? j : json_null();
}

static void on_audit(struct dm_ipc_conn *c, const Dm__Envelope *rep, int err, void *arg)
{
	(void)c;
	(void)arg;
	err = reply_err(rep, err, DM__ENVELOPE__BODY_AUDIT_TAIL_REPLY);
	if (err == 0)
		err = rep->audit_tail_reply->status;
	if (err != 0) {
		fprintf(stderr, "dnsmesh-node-admin: audit tail failed: %s\n", dm_strerror(err));
		finish(1);
		return;
	}
	const Dm__AuditTailReply *l = rep->audit_tail_reply;
	if (T.json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < l->n_rows; i++) {
			const Dm__AuditRow *r = l->rows[i];
			json_array_append_new(
			    arr,
			    json_pack("{s:I,s:o,s:o,s:o,s:o,s:o}", "ts", (json_int_t)r->ts, "event",
				      json_text(r->event), "token_hash", json_text(r->token_hash),
				      "subject", json_text(r->subject), "remote_addr",
				      json_text(r->remote_addr), "detail", json_text(r->detail)));
		}
		char *s = json_dumps(arr, JSON_PRESERVE_ORDER);
		printf("%s\n", s ? s : "[]");
		free(s);
		json_decref(arr);
	} else {
		printf("%-10s  %-9s  %-16s  %-32s  %-15s  %s\n", "TS", "EVENT", "HASH", "SUBJECT",
		       "ADDR", "DETAIL");
		for (size_t i = 0; i < l->n_rows; i++) {
			const Dm__AuditRow *r = l->rows[i];
			char ev[AUDIT_EVENT_MAX + 1], hash[17], subj[256], addr[64], detail[256];
			printf("%-10" PRId64 "  %-9s  %-16s  %-32s  %-15s  %s\n", r->ts,
			       printable(r->event, ev, sizeof(ev)),
			       printable(r->token_hash, hash, sizeof(hash)),
			       printable(r->subject, subj, sizeof(subj)),
			       printable(r->remote_addr, addr, sizeof(addr)),
			       printable(r->detail, detail, sizeof(detail)));
		}
	}
	if (l->has_truncated && l->truncated)
		fprintf(stderr,
			"dnsmesh-node-admin: only the newest %zu rows fit in one reply; use "
			"--event or a smaller --limit\n",
			l->n_rows);
	finish(0);
}

static json_t *opt_int(bool has, int64_t v)
{
	return has ? json_integer(v) : json_null();
}

static void on_listed(struct dm_ipc_conn *c, const Dm__Envelope *rep, int err, void *arg)
{
	(void)c;
	(void)arg;
	err = reply_err(rep, err, DM__ENVELOPE__BODY_TOKEN_LIST_REPLY);
	if (err != 0) {
		fprintf(stderr, "dnsmesh-node-admin: token list failed: %s\n", dm_strerror(err));
		finish(1);
		return;
	}
	const Dm__TokenListReply *l = rep->token_list_reply;
	if (T.json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < l->n_rows; i++) {
			const Dm__TokenRow *r = l->rows[i];
			json_array_append_new(
			    arr, json_pack("{s:s,s:s,s:i,s:o,s:f,s:I,s:I,s:o,s:o,s:s,s:s,s:b}",
					   "token_hash", r->token_hash, "subject", r->subject,
					   "subject_type", (int)r->subject_type, "subject_hash12",
					   r->subject_hash12 ? json_string(r->subject_hash12)
							     : json_null(),
					   "rate_per_sec", r->rate_per_sec, "rate_burst",
					   (json_int_t)r->rate_burst, "issued_at",
					   (json_int_t)r->issued_at, "expires_at",
					   opt_int(r->has_expires_at, r->expires_at), "revoked_at",
					   opt_int(r->has_revoked_at, r->revoked_at), "issuer",
					   r->issuer, "note", r->note, "live", r->live));
		}
		char *s = json_dumps(arr, JSON_PRESERVE_ORDER);
		printf("%s\n", s ? s : "[]");
		free(s);
		json_decref(arr);
	} else {
		printf("%-16s  %-32s  %-4s  %-10s  %-10s  %s\n", "HASH", "SUBJECT", "LIVE",
		       "ISSUED", "EXPIRES", "ISSUER");
		for (size_t i = 0; i < l->n_rows; i++) {
			const Dm__TokenRow *r = l->rows[i];
			char exp[24] = "never";
			if (r->has_expires_at)
				snprintf(exp, sizeof(exp), "%" PRId64, r->expires_at);
			printf("%.16s  %-32s  %-4s  %-10" PRId64 "  %-10s  %s\n", r->token_hash,
			       r->subject, r->live ? "yes" : "no", r->issued_at, exp, r->issuer);
		}
	}
	finish(0);
}

static void on_revoked(struct dm_ipc_conn *c, const Dm__Envelope *rep, int err, void *arg)
{
	(void)c;
	(void)arg;
	err = reply_err(rep, err, DM__ENVELOPE__BODY_TOKEN_REVOKE_RESULT);
	if (err == 0)
		err = rep->token_revoke_result->status;
	if (err == DM_ENOTFOUND) {
		fprintf(stderr, "dnsmesh-node-admin: no live token matches %s\n", T.target);
		finish(1);
		return;
	}
	if (err == DM_EMISMATCH) {
		fprintf(stderr,
			"dnsmesh-node-admin: %s matches more than one token; give more of the "
			"hash\n",
			T.target);
		finish(2);
		return;
	}
	if (err != 0) {
		fprintf(stderr, "dnsmesh-node-admin: token revoke failed: %s\n", dm_strerror(err));
		finish(1);
		return;
	}
	printf("revoked %u token(s)\n", rep->token_revoke_result->revoked);
	finish(0);
}

static void on_up(struct dm_ipc_conn *conn, void *ctx)
{
	(void)ctx;
	if (T.started)
		return;
	T.started = true;
	Dm__Envelope env = DM__ENVELOPE__INIT;
	int r;
	if (strcmp(T.cmd, "issue") == 0) {
		Dm__TokenIssue ti = DM__TOKEN_ISSUE__INIT;
		ti.token_hash = T.hash;
		ti.subject = T.subject;
		ti.subject_hash12 = T.has_hash12 ? T.hash12 : NULL;
		ti.rate_per_sec = T.rate;
		ti.rate_burst = T.burst;
		ti.has_expires_at = T.has_expires;
		ti.expires_at = T.expires_at;
		ti.issuer = T.issuer;
		ti.note = (char *)(T.note ? T.note : "");
		env.body_case = DM__ENVELOPE__BODY_TOKEN_ISSUE;
		env.token_issue = &ti;
		r = dm_ipc_request(conn, &env, TOKEN_TIMEOUT_MS, on_issued, NULL);
	} else if (strcmp(T.cmd, "list") == 0) {
		Dm__TokenList tl = DM__TOKEN_LIST__INIT;
		tl.subject = (char *)T.list_subject;
		tl.has_include_revoked = true;
		tl.include_revoked = T.include_revoked;
		env.body_case = DM__ENVELOPE__BODY_TOKEN_LIST;
		env.token_list = &tl;
		r = dm_ipc_request(conn, &env, TOKEN_TIMEOUT_MS, on_listed, NULL);
	} else if (strcmp(T.cmd, "rotate") == 0) {
		Dm__TokenRotate rot = DM__TOKEN_ROTATE__INIT;
		rot.token_hash = T.hash;
		rot.subject = T.subject;
		rot.subject_hash12 = T.has_hash12 ? T.hash12 : NULL;
		rot.rate_per_sec = T.rate;
		rot.rate_burst = T.burst;
		rot.has_expires_at = T.has_expires;
		rot.expires_at = T.expires_at;
		rot.issuer = T.issuer;
		rot.note = (char *)"rotation";
		env.body_case = DM__ENVELOPE__BODY_TOKEN_ROTATE;
		env.token_rotate = &rot;
		r = dm_ipc_request(conn, &env, TOKEN_TIMEOUT_MS, on_rotated, NULL);
	} else if (strcmp(T.cmd, "tail") == 0) {
		Dm__AuditTail at = DM__AUDIT_TAIL__INIT;
		at.event = (char *)T.event;
		at.limit = T.limit;
		env.body_case = DM__ENVELOPE__BODY_AUDIT_TAIL;
		env.audit_tail = &at;
		r = dm_ipc_request(conn, &env, TOKEN_TIMEOUT_MS, on_audit, NULL);
	} else {
		Dm__TokenRevoke tr = DM__TOKEN_REVOKE__INIT;
		tr.target = (char *)T.target;
		env.body_case = DM__ENVELOPE__BODY_TOKEN_REVOKE;
		env.token_revoke = &tr;
		r = dm_ipc_request(conn, &env, TOKEN_TIMEOUT_MS, on_revoked, NULL);
	}
	if (r < 0) {
		fprintf(stderr, "dnsmesh-node-admin: %s %s: %s\n", T.group, T.cmd, dm_strerror(r));
		finish(1);
	}
}

static void on_down(struct dm_ipc_conn *conn, void *ctx)
{
	(void)conn;
	(void)ctx;
	if (T.started && !T.client.stopping) {
		fprintf(stderr, "dnsmesh-node-admin: lost the connection to the store\n");
		finish(1);
	}
}

static void give_up(uv_timer_t *t)
{
	if (!T.started) {
		fprintf(stderr, "dnsmesh-node-admin: store not reachable at %s\n", T.client.path);
		finish(1);
	}
	uv_close((uv_handle_t *)t, NULL);
}

static const struct dm_ipc_rule token_rules[] = {{0, 0, NULL}};

/* Parses the options after the subcommand; exits on misuse. */
static void parse(int argc, char **argv, const struct dm_config *cfg)
{
	const char *db = NULL;
	const char *pos = NULL;
	T.rate = 10.0;
	T.burst = 50;
	T.limit = 50;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (strcmp(a, "--json") == 0) {
			T.json = true;
		} else if (strcmp(a, "--include-revoked") == 0) {
			T.include_revoked = true;
		} else if (strcmp(a, "--db") == 0 && more) {
			db = argv[++i];
		} else if (strcmp(a, "--subject") == 0 && more) {
			T.list_subject = argv[++i];
		} else if (strcmp(a, "--note") == 0 && more) {
			T.note = argv[++i];
		} else if (strcmp(a, "--event") == 0 && more) {
			T.event = argv[++i];
			if (T.event[0] == '\0' || strlen(T.event) > AUDIT_EVENT_MAX)
				token_usage();
		} else if (strcmp(a, "--limit") == 0 && more) {
			char *end;
			const char *v = argv[++i];
			unsigned long n = strtoul(v, &end, 10);
			if (v[0] < '0' || v[0] > '9' || *end != '\0')
				token_usage();
			/* The store answers at most this many; asking for more is asking for all.
			 */
			T.limit = n > AUDIT_LIMIT_MAX ? AUDIT_LIMIT_MAX : (uint32_t)n;
		} else if (strcmp(a, "--rate") == 0 && more) {
			char *end;
			T.rate = strtod(argv[++i], &end);
			if (*end != '\0' || T.rate < 0)
				token_usage();
		} else if (strcmp(a, "--burst") == 0 && more) {
			char *end;
			unsigned long b = strtoul(argv[++i], &end, 10);
			if (*end != '\0' || b > UINT32_MAX)
				token_usage();
			T.burst = (uint32_t)b;
		} else if (strcmp(a, "--expires") == 0 && more) {
			int64_t d;
			if (parse_duration(argv[++i], &d) < 0) {
				fprintf(stderr,
					"dnsmesh-node-admin: --expires: expected N[smhdw]\n");
				exit(2);
			}
			T.has_expires = true;
			T.expires_at = (int64_t)time(NULL) + d;
		} else if (strcmp(a, "--with-prekey-scope") == 0 && more) {
			uint8_t pk[32], h[32];
			const char *hex = argv[++i];
			if (strlen(hex) != 64 || dm_hex_decode(hex, 64, pk, sizeof(pk)) != 32) {
				fprintf(stderr,
					"dnsmesh-node-admin: --with-prekey-scope: expected 64 "
					"hex digits (an X25519 public key)\n");
				exit(2);
			}
			char hx[65];
			crypto_hash_sha256(h, pk, sizeof(pk));
			dm_hex_encode(h, sizeof(h), hx);
			memcpy(T.hash12, hx, 12);
			T.hash12[12] = '\0';
			T.has_hash12 = true;
		} else if (a[0] == '-' || pos != NULL) {
			token_usage();
		} else {
			pos = a;
		}
	}
	if (db != NULL && strcmp(db, cfg->token_db_path) != 0) {
		fprintf(stderr,
			"dnsmesh-node-admin: the token store is opened by dnsmesh-store at %s "
			"(DMP_TOKEN_DB_PATH); --db cannot point elsewhere\n",
			cfg->token_db_path);
		exit(2);
	}
	if (strcmp(T.group, "audit") == 0) {
		if (strcmp(T.cmd, "tail") != 0 || pos != NULL)
			token_usage();
	} else if (strcmp(T.cmd, "issue") == 0 || strcmp(T.cmd, "rotate") == 0) {
		bool rotate = strcmp(T.cmd, "rotate") == 0;
		size_t len;
		/* A rotation's note is always "rotation" (node.md §8). */
		if (pos == NULL || (rotate && T.note != NULL))
			token_usage();
		if (dm_registration_canonical_subject(pos, strlen(pos), T.subject,
						      sizeof(T.subject), &len) < 0) {
			fprintf(stderr,
				"dnsmesh-node-admin: subject must look like user@example.com\n");
			exit(2);
		}
		dm_token_new(T.token);
		dm_token_digest(T.token, strlen(T.token), T.hash);
		const char *user = getenv("USER");
		snprintf(T.issuer, sizeof(T.issuer), "admin:%s%s", user ? user : "unknown",
			 rotate ? ":rotate" : "");
	} else if (strcmp(T.cmd, "list") == 0) {
		if (pos != NULL)
			token_usage();
	} else if (strcmp(T.cmd, "revoke") == 0) {
		if (pos == NULL)
			token_usage();
		T.target = pos;
	} else {
		token_usage();
	}
}

int admin_token_main(int argc, char **argv, const struct dm_config *cfg)
{
	if (argc < 2)
		token_usage();
	if (sodium_init() < 0)
		return 1;
	T.group = argv[0];
	T.cmd = argv[1];
	parse(argc - 1, argv + 1, cfg);
	char path[DM_PATH_MAX];
	if (dm_config_socket_path(cfg, "store.sock", path, sizeof(path)) < 0)
		return DM_EX_CONFIG;
	uv_loop_t *loop = uv_default_loop();
	T.client.ep.loop = loop;
	T.client.ep.self_role = DM__ROLE__ROLE_ADMIN;
	T.client.ep.rules = token_rules;
	T.client.ep.on_up = on_up;
	T.client.ep.on_down = on_down;
	if (dm_ipc_client_start(&T.client, path) < 0)
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
	sodium_memzero(T.token, sizeof(T.token));
	return T.status;
}
