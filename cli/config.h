/*
 * config.yaml (cli.md §2-§3): the reference's keys, read with libyaml and
 * written back whole, keys sorted, mode 0600, in the shape PyYAML's
 * safe_dump gives, so a reference user's config directory works unchanged
 * and the reference can still read what we write. Unlike the reference,
 * unknown top-level keys survive a rewrite.
 */
#ifndef DM_CLI_CONFIG_H
#define DM_CLI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CLI_CONFIG_FILE	     "config.yaml"
#define CLI_CONFIG_MAX_BYTES (1024 * 1024)
#define CLI_DEFAULT_DOMAIN   "mesh.local"
#define CLI_DEFAULT_DNS_PORT 5353
#define CLI_DEFAULT_REFRESH  3600
#define CLI_CONFIG_ERR_MAX   256
/* Caps on unknown keys we carry through a rewrite. */
#define CLI_CONFIG_EXTRA_DEPTH 32
#define CLI_CONFIG_EXTRA_NODES 4096

struct cli_contact {
	char *label;
	char *pub;	       /* X25519 hex, or "" for an intro-trust placeholder */
	char *spk;	       /* Ed25519 hex, or "" (unpinned) */
	char *domain;	       /* remote zone, or "" (= own effective domain) */
	char *remote_username; /* protocol name when it differs from label, else NULL */
};

struct cli_config {
	char *username;
	char *domain;
	char *endpoint;
	char *http_token; /* NULL: null */
	char *dns_host;	  /* NULL: system resolver */
	long dns_port;
	char **dns_resolvers;
	size_t resolver_count;
	char *passphrase_file; /* NULL: null */
	char *kdf_salt;
	char *identity_domain;
	char *verify_pubkey;
	char *cluster_base_domain;
	char *cluster_operator_spk;
	bool cluster_enabled;
	long cluster_refresh_interval;
	char *cluster_node_token;
	char *bootstrap_user_domain;
	char *bootstrap_signer_spk;
	char *claim_provider_override;
	char *claim_provider_zone;
	/* Our own keys, written only when set (the reference ignores them). */
	char *doh_url;	      /* read over DoH (RFC 8484) from this URL */
	char *tls_pin_sha256; /* hex SHA-256 of the node's certificate (self-signed nodes) */
	struct cli_contact *contacts;
	size_t contact_count;
	void *extra; /* unknown keys: the loaded YAML document and their pairs */
};

/* A config with every key at its reference default. Free with cli_config_free(). */
void cli_config_defaults(struct cli_config *ret);

/*
 * Parses config.yaml text. Missing keys take their defaults, a bare string
 * for dns_resolvers is a one-element list, `label: <pub_hex>` is a legacy
 * contact. DM_EINVAL with a one-line reason in `err` (capacity
 * CLI_CONFIG_ERR_MAX) on bad YAML or a key of the wrong type.
 * Fills *ret (free with cli_config_free()) only on success.
 */
int cli_config_parse(const char *text, size_t len, struct cli_config *ret, char *err)
    __attribute__((warn_unused_result));

/* Reads `path`: -ENOENT when missing, else as cli_config_parse(). */
int cli_config_load(const char *path, struct cli_config *ret, char *err)
    __attribute__((warn_unused_result));

/*
 * The YAML text of `c` (keys sorted, every reference key present).
 * Returns a new NUL-terminated string in *ret_text; caller frees.
 */
int cli_config_emit(const struct cli_config *c, char **ret_text, size_t *ret_len)
    __attribute__((warn_unused_result));

/* Emits and writes `path` atomically with mode 0600 (directory 0700). 0 or negative. */
int cli_config_save(const struct cli_config *c, const char *path)
    __attribute__((warn_unused_result));

void cli_config_free(struct cli_config *c);

/* Replaces a string field (NULL allowed) with a copy of `v`. */
void cli_config_set(char **field, const char *v);

/* The zone records go to: cluster_base_domain when both cluster anchors are set. */
const char *cli_config_effective_domain(const struct cli_config *c);

/* The contact labelled `label`, or NULL. */
struct cli_contact *cli_config_contact(const struct cli_config *c, const char *label);
/* Adds or overwrites contact `label`; `remote_username` may be NULL. */
struct cli_contact *cli_config_contact_put(struct cli_config *c, const char *label, const char *pub,
					   const char *spk, const char *domain,
					   const char *remote_username);
/* Removes contact `label`; false if there was none. */
bool cli_config_contact_remove(struct cli_config *c, const char *label);

#endif
