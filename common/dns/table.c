#include "common/dns/table.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/dmp/txt.h"
#include "common/err.h"

/*
 * Largest RDATA we store: anything bigger could never be answered, even
 * over TCP, next to a header, a 255-byte question, an RR header and an OPT.
 */
#define TABLE_RDATA_MAX (65535 - 12 - (DM_DNAME_MAX + 4) - 12 - 11)
#define TABLE_MIN_CAP	64

struct slot {
	uint64_t hash;
	struct dm_dns_node *node; /* NULL: empty */
};

struct dm_dns_table {
	struct slot *slots;
	size_t cap;  /* power of two */
	size_t used; /* nodes, empty non-terminals included */
	size_t nvalues;
	size_t nnames;
	size_t bytes;
	bool available;
	uint8_t key[crypto_shorthash_KEYBYTES];
};

static uint64_t name_hash(const struct dm_dns_table *t, const uint8_t *n, size_t len)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;
	crypto_shorthash(h, n, len, t->key);
	memcpy(&v, h, sizeof(v));
	return v;
}

/* Index of `n`'s slot, or of the empty slot where it would go. */
static size_t probe(const struct dm_dns_table *t, const uint8_t *n, size_t len, uint64_t h,
		    bool *found)
{
	size_t mask = t->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const struct slot *s = &t->slots[i];
		if (s->node == NULL) {
			*found = false;
			return i;
		}
		if (s->hash == h && s->node->name_len == len &&
		    memcmp(s->node->name, n, len) == 0) {
			*found = true;
			return i;
		}
	}
}

static int resize(struct dm_dns_table *t, size_t cap)
{
	struct slot *ns = calloc(cap, sizeof(*ns));
	if (ns == NULL)
		return DM_ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i].node == NULL)
			continue;
		size_t j = t->slots[i].hash & (cap - 1);
		while (ns[j].node != NULL)
			j = (j + 1) & (cap - 1);
		ns[j] = t->slots[i];
	}
	free(t->slots);
	t->bytes = t->bytes - t->cap * sizeof(*ns) + cap * sizeof(*ns);
	t->slots = ns;
	t->cap = cap;
	return 0;
}

/* Backward-shift deletion: no tombstones, so probes stay short. */
static void slot_clear(struct dm_dns_table *t, size_t i)
{
	size_t mask = t->cap - 1;
	for (size_t j = (i + 1) & mask; t->slots[j].node != NULL; j = (j + 1) & mask) {
		size_t home = t->slots[j].hash & mask;
		bool stays = (j > i) ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i].node = NULL;
	t->slots[i].hash = 0;
}

static const uint8_t *parent_of(const uint8_t *n, size_t len, size_t *ret_len)
{
	*ret_len = len - n[0] - 1;
	return n + n[0] + 1;
}

static struct dm_dns_node *find(const struct dm_dns_table *t, const uint8_t *n, size_t len)
{
	bool found;
	if (t->cap == 0)
		return NULL;
	size_t i = probe(t, n, len, name_hash(t, n, len), &found);
	return found ? t->slots[i].node : NULL;
}

static void node_remove(struct dm_dns_table *t, struct dm_dns_node *node)
{
	bool found;
	size_t i =
	    probe(t, node->name, node->name_len, name_hash(t, node->name, node->name_len), &found);
	if (found)
		slot_clear(t, i);
	t->used--;
	t->bytes -= sizeof(*node) + node->name_len;
	free(node);
}

/* Removes `node` and then each ancestor left with no values and no children. */
static void prune(struct dm_dns_table *t, struct dm_dns_node *node)
{
	while (node != NULL && node->values == NULL && node->children == 0) {
		uint8_t pname[DM_DNAME_MAX];
		size_t plen;
		const uint8_t *p = parent_of(node->name, node->name_len, &plen);
		memcpy(pname, p, plen);
		node_remove(t, node);
		if (plen <= 1)
			return;
		node = find(t, pname, plen);
		if (node != NULL)
			node->children--;
	}
}

/* The node for `n`, created with its missing ancestors; NULL only on ENOMEM. */
static struct dm_dns_node *node_get_or_add(struct dm_dns_table *t, const uint8_t *n, size_t len)
{
	struct dm_dns_node *node = find(t, n, len), *parent = NULL;
	if (node != NULL)
		return node;
	size_t plen;
	const uint8_t *p = parent_of(n, len, &plen);
	if (plen > 1) {
		parent = node_get_or_add(t, p, plen);
		if (parent == NULL)
			return NULL;
	}
	/* Keep the load at or under 3/4 so every probe meets an empty slot. */
	if ((t->used + 1) * 4 > t->cap * 3 && resize(t, t->cap ? t->cap * 2 : TABLE_MIN_CAP) != 0)
		goto fail;
	node = malloc(sizeof(*node) + len);
	if (node == NULL)
		goto fail;
	node->values = NULL;
	node->children = 0;
	node->name_len = (uint8_t)len;
	memcpy(node->name, n, len);
	bool found;
	uint64_t h = name_hash(t, n, len);
	size_t i = probe(t, n, len, h, &found);
	t->slots[i].hash = h;
	t->slots[i].node = node;
	t->used++;
	t->bytes += sizeof(*node) + len;
	if (parent != NULL)
		parent->children++;
	return node;
fail:
	if (parent != NULL)
		prune(t, parent);
	return NULL;
}

/* True if `v` carries exactly `value` (our RDATA is the canonical split). */
static bool value_equals(const struct dm_dns_value *v, const uint8_t *value, size_t len)
{
	if (v->rdlen != dm_txt_rdata_len(len))
		return false;
	size_t ri = 0, vi = 0;
	while (ri < v->rdlen) {
		size_t n = v->rdata[ri++];
		if (n > len - vi || memcmp(v->rdata + ri, value + vi, n) != 0)
			return false;
		ri += n;
		vi += n;
	}
	return vi == len;
}

static void value_free(struct dm_dns_table *t, struct dm_dns_value *v)
{
	t->bytes -= sizeof(*v) + v->rdlen;
	t->nvalues--;
	free(v);
}

struct dm_dns_table *dm_dns_table_new(void)
{
	struct dm_dns_table *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	if (sodium_init() < 0) {
		free(t);
		return NULL;
	}
	crypto_shorthash_keygen(t->key);
	t->available = true;
	t->bytes = sizeof(*t);
	return t;
}

void dm_dns_table_clear(struct dm_dns_table *t)
{
	for (size_t i = 0; i < t->cap; i++) {
		struct dm_dns_node *node = t->slots[i].node;
		if (node == NULL)
			continue;
		for (struct dm_dns_value *v = node->values, *next; v != NULL; v = next) {
			next = v->next;
			free(v);
		}
		free(node);
	}
	free(t->slots);
	t->slots = NULL;
	t->cap = t->used = t->nvalues = t->nnames = 0;
	t->bytes = sizeof(*t);
}

void dm_dns_table_free(struct dm_dns_table *t)
{
	if (t == NULL)
		return;
	dm_dns_table_clear(t);
	sodium_memzero(t->key, sizeof(t->key));
	free(t);
}

int dm_dns_table_put(struct dm_dns_table *t, const char *name, size_t name_len,
		     const uint8_t *value, size_t value_len, uint64_t expires_at)
{
	uint8_t lname[DM_DNAME_MAX];
	size_t llen;

	if (dm_dname_from_text(name, name_len, lname, &llen) != 0)
		return DM_EINVAL;
	size_t rdlen = dm_txt_rdata_len(value_len);
	if (value_len > TABLE_RDATA_MAX || rdlen > TABLE_RDATA_MAX)
		return DM_ETOOBIG;
	struct dm_dns_node *node = node_get_or_add(t, lname, llen);
	if (node == NULL)
		return DM_ENOMEM;

	struct dm_dns_value **pp = &node->values, *v = NULL;
	for (; *pp != NULL; pp = &(*pp)->next) {
		if (value_equals(*pp, value, value_len)) {
			v = *pp;
			*pp = v->next; /* unlinked; re-appended last below */
			break;
		}
	}
	while (*pp != NULL)
		pp = &(*pp)->next;
	if (v == NULL) {
		v = malloc(sizeof(*v) + rdlen);
		if (v == NULL) {
			prune(t, node);
			return DM_ENOMEM;
		}
		if (dm_txt_rdata_encode(value, value_len, v->rdata, rdlen) != (long)rdlen) {
			free(v);
			prune(t, node);
			return DM_EINVAL;
		}
		v->rdlen = (uint16_t)rdlen;
		if (node->values == NULL)
			t->nnames++;
		t->nvalues++;
		t->bytes += sizeof(*v) + rdlen;
	}
	v->expires_at = expires_at;
	v->next = NULL;
	*pp = v;
	return 0;
}

int dm_dns_table_del_value(struct dm_dns_table *t, const char *name, size_t name_len,
			   const uint8_t *value, size_t value_len)
{
	uint8_t lname[DM_DNAME_MAX];
	size_t llen;

	if (dm_dname_from_text(name, name_len, lname, &llen) != 0)
		return DM_EINVAL;
	struct dm_dns_node *node = find(t, lname, llen);
	if (node == NULL)
		return DM_ENOTFOUND;
	for (struct dm_dns_value **pp = &node->values; *pp != NULL; pp = &(*pp)->next) {
		struct dm_dns_value *v = *pp;
		if (!value_equals(v, value, value_len))
			continue;
		*pp = v->next;
		value_free(t, v);
		if (node->values == NULL) {
			t->nnames--;
			prune(t, node);
		}
		return 0;
	}
	return DM_ENOTFOUND;
}

int dm_dns_table_del_name(struct dm_dns_table *t, const char *name, size_t name_len)
{
	uint8_t lname[DM_DNAME_MAX];
	size_t llen;

	if (dm_dname_from_text(name, name_len, lname, &llen) != 0)
		return DM_EINVAL;
	struct dm_dns_node *node = find(t, lname, llen);
	if (node == NULL || node->values == NULL)
		return DM_ENOTFOUND;
	for (struct dm_dns_value *v = node->values, *next; v != NULL; v = next) {
		next = v->next;
		value_free(t, v);
	}
	node->values = NULL;
	t->nnames--;
	prune(t, node);
	return 0;
}

size_t dm_dns_table_expire(struct dm_dns_table *t, uint64_t now)
{
	struct dm_dns_node **leaves = NULL;
	size_t nleaves = 0, capleaves = 0, dropped = 0;

	for (size_t i = 0; i < t->cap; i++) {
		struct dm_dns_node *node = t->slots[i].node;
		if (node == NULL || node->values == NULL)
			continue;
		for (struct dm_dns_value **pp = &node->values; *pp != NULL;) {
			struct dm_dns_value *v = *pp;
			if (v->expires_at > now) {
				pp = &v->next;
				continue;
			}
			*pp = v->next;
			value_free(t, v);
			dropped++;
		}
		if (node->values != NULL)
			continue;
		t->nnames--;
		if (node->children != 0)
			continue;
		/*
		 * Pruning moves slots around, so emptied leaves are removed
		 * after the scan. Without memory for the list a leaf stays
		 * until its name is next touched: harmless, as a node with
		 * no values and no children does not count as existing.
		 */
		if (nleaves == capleaves) {
			size_t nc = capleaves ? capleaves * 2 : 64;
			struct dm_dns_node **nl = realloc(leaves, nc * sizeof(*nl));
			if (nl == NULL)
				continue;
			leaves = nl;
			capleaves = nc;
		}
		leaves[nleaves++] = node;
	}
	/* A leaf is never another leaf's ancestor, so none is freed twice. */
	for (size_t i = 0; i < nleaves; i++)
		prune(t, leaves[i]);
	free(leaves);
	return dropped;
}

void dm_dns_table_set_available(struct dm_dns_table *t, bool available)
{
	t->available = available;
}

bool dm_dns_table_available(const struct dm_dns_table *t)
{
	return t->available;
}

const struct dm_dns_node *dm_dns_table_get(const struct dm_dns_table *t, const uint8_t *lname,
					   size_t len)
{
	return find(t, lname, len);
}

size_t dm_dns_table_values(const struct dm_dns_table *t)
{
	return t->nvalues;
}

size_t dm_dns_table_names(const struct dm_dns_table *t)
{
	return t->nnames;
}

size_t dm_dns_table_bytes(const struct dm_dns_table *t)
{
	return t->bytes;
}
