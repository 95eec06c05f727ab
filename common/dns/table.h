/*
 * The in-memory record table the dns-frontend answers from: owner name ->
 * RRset of TXT values, each with its absolute expiry (node.md §3.2).
 *
 * Keys are lower-case wire names (DNS lookup is case-insensitive, §12.2), in
 * an open-addressing hash table keyed with SipHash under a per-table random
 * key, so names published by strangers cannot be chosen to collide. Values
 * are stored as ready-made TXT RDATA (wire.md §4.3), so an answer is a
 * memcpy per value. Lookups never allocate; only changes do.
 *
 * The table also keeps every ancestor of a stored name as an empty
 * non-terminal with a count of its children, so "does anything exist at or
 * below this name" (NODATA vs NXDOMAIN, §12.2) is one lookup.
 *
 * Not thread-safe: one writer, and readers only between writes.
 */
#ifndef DM_DNS_TABLE_H
#define DM_DNS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dns/dname.h"

/* One TXT value; read-only outside table.c. */
struct dm_dns_value {
	struct dm_dns_value *next; /* insertion order, i.e. store created_at order */
	uint64_t expires_at;	   /* unix seconds; live while now < expires_at */
	uint16_t rdlen;
	uint8_t rdata[]; /* TXT RDATA: the value as <=255-byte character-strings */
};

/* One owner name (or empty non-terminal); read-only outside table.c. */
struct dm_dns_node {
	struct dm_dns_value *values; /* NULL for an empty non-terminal */
	uint32_t children;	     /* nodes whose parent is this name */
	uint8_t name_len;
	uint8_t name[]; /* lower-case wire name */
};

struct dm_dns_table;

/* Returns a new empty table (available); caller frees with dm_dns_table_free(). */
struct dm_dns_table *dm_dns_table_new(void);
void dm_dns_table_free(struct dm_dns_table *t);

/*
 * Adds `value` to the RRset of store name `name` (text, any case), or, when
 * the same value is already there, refreshes its expiry and moves it last,
 * as the store's INSERT OR REPLACE does. DM_EINVAL for a name
 * dm_dname_from_text() rejects, DM_ETOOBIG for a value whose RDATA would
 * not fit a DNS message, DM_ENOMEM on allocation failure (table unchanged).
 */
int dm_dns_table_put(struct dm_dns_table *t, const char *name, size_t name_len,
		     const uint8_t *value, size_t value_len, uint64_t expires_at)
    __attribute__((warn_unused_result));

/* Removes one value; DM_ENOTFOUND if absent, DM_EINVAL for a bad name. */
int dm_dns_table_del_value(struct dm_dns_table *t, const char *name, size_t name_len,
			   const uint8_t *value, size_t value_len);

/* Removes every value of a name; DM_ENOTFOUND if it had none. */
int dm_dns_table_del_name(struct dm_dns_table *t, const char *name, size_t name_len);

/* Drops every value with expires_at <= now; returns how many were dropped. */
size_t dm_dns_table_expire(struct dm_dns_table *t, uint64_t now);

/* Removes everything (for a full reload from the store). */
void dm_dns_table_clear(struct dm_dns_table *t);

/*
 * Marks the data source unavailable (store unreachable, not yet loaded):
 * queries for our names are then answered SERVFAIL instead of NXDOMAIN.
 */
void dm_dns_table_set_available(struct dm_dns_table *t, bool available);
bool dm_dns_table_available(const struct dm_dns_table *t);

/* The node for lower-case wire name `lname`, or NULL. Never allocates. */
const struct dm_dns_node *dm_dns_table_get(const struct dm_dns_table *t, const uint8_t *lname,
					   size_t len);

/* Stored values (live or not yet swept), and names holding at least one. */
size_t dm_dns_table_values(const struct dm_dns_table *t);
size_t dm_dns_table_names(const struct dm_dns_table *t);
/* Bytes requested from malloc for nodes, values and slots (allocator overhead excluded). */
size_t dm_dns_table_bytes(const struct dm_dns_table *t);

#endif
