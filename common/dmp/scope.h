/*
 * Which owner names a multi-tenant user token may write (node.md §6.3): the
 * scope class of a record name and, for owner-exclusive names, whether a
 * token's subject owns it. Pure; the caller does the token lookup.
 *
 * The name is classified lower-cased with trailing dots removed. Anything
 * that matches no rule (cluster.*, bootstrap.*, claim-*, _dnsmesh-*, ...)
 * is operator-only; a malformed name is UNKNOWN (denied as well).
 */
#ifndef DM_DMP_SCOPE_H
#define DM_DMP_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#define DM_SCOPE_NAME_MAX 253

enum dm_scope_class {
	DM_SCOPE_UNKNOWN = 0,  /* malformed: empty, bad characters, empty label, no dot */
	DM_SCOPE_OPERATOR = 1, /* operator token only */
	DM_SCOPE_OWNER = 2,    /* owner-exclusive: see `rule` */
	DM_SCOPE_SHARED = 3,   /* shared pool (mailbox slots, chunks): any live token */
};

enum dm_scope_rule {
	DM_SCOPE_RULE_NONE = 0,
	DM_SCOPE_RULE_USER = 1,	     /* dmp.<user>.<domain>, rotate.dmp.<user>.<domain> */
	DM_SCOPE_RULE_ID16 = 2,	     /* id-<h16>.<domain>, rotate.id-<h16>.<domain> */
	DM_SCOPE_RULE_PREKEYS12 = 3, /* prekeys.id-<h12>.<domain> */
	DM_SCOPE_RULE_PK12 = 4,	     /* pk-<n>.<h12>.<domain>: the token's subject_hash12 */
};

struct dm_scope {
	enum dm_scope_class cls;
	enum dm_scope_rule rule;
	char user[64];	  /* DM_SCOPE_RULE_USER */
	char domain[254]; /* USER, ID16, PREKEYS12 */
	char hex[17];	  /* ID16 (16), PREKEYS12 and PK12 (12) */
};

/* Classifies `name` (`len` bytes, any case) into `*ret`. Never fails. */
void dm_scope_classify(const char *name, size_t len, struct dm_scope *ret);

/*
 * True if a token for canonical `subject` (local@domain, lower-case) with
 * `subject_hash12` (NULL if none) owns the owner-exclusive name `s`.
 * False for every other class.
 */
bool dm_scope_owner_ok(const struct dm_scope *s, const char *subject, const char *subject_hash12);

#endif
