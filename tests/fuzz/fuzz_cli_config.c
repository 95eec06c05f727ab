/*
 * config.yaml parser (cli/config.c): arbitrary bytes must parse or fail
 * cleanly; whatever parses must emit, and the emitted text must parse again
 * to the same values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cli_config c, c2;
	char err[CLI_CONFIG_ERR_MAX], *text;
	size_t len;

	if (size > 65536)
		return 0;
	if (cli_config_parse((const char *)data, size, &c, err) != 0)
		return 0;
	if (cli_config_emit(&c, &text, &len) != 0)
		abort();
	if (cli_config_parse(text, len, &c2, err) != 0)
		abort();
	if (!same(c.username, c2.username) || !same(c.kdf_salt, c2.kdf_salt) ||
	    !same(c.http_token, c2.http_token) || !same(c.dns_host, c2.dns_host) ||
	    c.dns_port != c2.dns_port || c.contact_count != c2.contact_count ||
	    c.resolver_count != c2.resolver_count)
		abort();
	for (size_t i = 0; i < c.contact_count; i++) {
		struct cli_contact *k = cli_config_contact(&c2, c.contacts[i].label);
		if (k == NULL || !same(k->pub, c.contacts[i].pub) ||
		    !same(k->spk, c.contacts[i].spk))
			abort();
	}
	free(text);
	cli_config_free(&c2);
	cli_config_free(&c);
	return 0;
}
