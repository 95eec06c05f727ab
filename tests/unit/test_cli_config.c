/* config.yaml (cli/config.c): reference-format files load unchanged, unknown
 * keys survive a rewrite, bad types fail with one line. */
#include <stdlib.h>
#include <string.h>

#include "cli/config.h"
#include "cli/tokens.h"
#include "tests/unit/test.h"

/* What the reference's yaml.safe_dump(sort_keys=True) writes. */
static const char reference_yaml[] =
    "bootstrap_signer_spk: ''\n"
    "bootstrap_user_domain: ''\n"
    "cluster_base_domain: ''\n"
    "cluster_enabled: false\n"
    "cluster_node_token: ''\n"
    "cluster_operator_spk: ''\n"
    "cluster_refresh_interval: 3600\n"
    "contacts:\n"
    "  bob:\n"
    "    domain: ''\n"
    "    pub: aa61185ca06a4df04e6cd585a634fa67ba13ac68d4e5577ce51b0412eac1da1b\n"
    "    spk: 0f90f49472e8e07f657ed09f33fb3ce3567212f6a7f0507504fb675bcb889cd9\n"
    "  carol: 1111111111111111111111111111111111111111111111111111111111111111\n"
    "dns_host: null\n"
    "dns_port: 5353\n"
    "dns_resolvers:\n"
    "- 1.1.1.1\n"
    "- 8.8.8.8:53\n"
    "domain: mesh.example.com\n"
    "endpoint: https://node.example.com\n"
    "http_token: null\n"
    "identity_domain: ''\n"
    "kdf_salt: 7f3a0c1e2d4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff\n"
    "passphrase_file: ~/.dmp/pass\n"
    "some_future_key:\n"
    "  nested: [1, 2, three]\n"
    "username: alice\n"
    "verify_pubkey: ''\n";

static void test_reference_file(void)
{
	struct cli_config c, c2;
	char err[CLI_CONFIG_ERR_MAX], *text;
	size_t len;

	CHECK_EQ(cli_config_parse(reference_yaml, strlen(reference_yaml), &c, err), 0);
	CHECK_STR(c.username, "alice");
	CHECK_STR(c.domain, "mesh.example.com");
	CHECK_STR(c.endpoint, "https://node.example.com");
	CHECK(c.http_token == NULL);
	CHECK(c.dns_host == NULL);
	CHECK_EQ(c.dns_port, 5353);
	CHECK_EQ(c.resolver_count, 2);
	CHECK_STR(c.dns_resolvers[1], "8.8.8.8:53");
	CHECK_STR(c.passphrase_file, "~/.dmp/pass");
	CHECK_STR(c.kdf_salt, "7f3a0c1e2d4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff");
	CHECK_EQ(c.cluster_enabled, 0);
	CHECK_EQ(c.contact_count, 2);
	struct cli_contact *bob = cli_config_contact(&c, "bob");
	CHECK(bob != NULL);
	if (bob) {
		CHECK_STR(bob->spk,
			  "0f90f49472e8e07f657ed09f33fb3ce3567212f6a7f0507504fb675bcb889cd9");
		CHECK_STR(bob->domain, "");
	}
	struct cli_contact *carol = cli_config_contact(&c, "carol");
	CHECK(carol != NULL && !strcmp(carol->spk, "") && strlen(carol->pub) == 64);

	/* Rewrite and reload: same values, the unknown key kept. */
	CHECK_EQ(cli_config_emit(&c, &text, &len), 0);
	CHECK(strstr(text, "some_future_key:") != NULL);
	CHECK(strstr(text, "three") != NULL);
	CHECK(strstr(text, "http_token: null") != NULL);
	CHECK(strstr(text, "cluster_enabled: false") != NULL);
	CHECK(strstr(text, "bootstrap_signer_spk: ''") != NULL);
	CHECK(strstr(text, "claim_provider_zone: ''") != NULL);
	CHECK(strstr(text, "doh_url") == NULL); /* ours, written only when set */
	CHECK(strstr(text, "dns_port: 5353") != NULL);
	CHECK_EQ(cli_config_parse(text, len, &c2, err), 0);
	CHECK_STR(c2.kdf_salt, c.kdf_salt);
	CHECK_EQ(c2.contact_count, 2);
	CHECK(c2.http_token == NULL);
	CHECK_EQ(c2.resolver_count, 2);
	/* Keys come out sorted. */
	CHECK(strstr(text, "bootstrap_signer_spk") < strstr(text, "contacts"));
	CHECK(strstr(text, "some_future_key") < strstr(text, "username"));
	free(text);
	cli_config_free(&c2);
	cli_config_free(&c);
}

static void test_quoting(void)
{
	struct cli_config c, c2;
	char err[CLI_CONFIG_ERR_MAX], *text;
	size_t len;

	cli_config_defaults(&c);
	/* Strings PyYAML would read back as another type must come back as strings. */
	cli_config_set(&c.username, "yes");
	cli_config_set(&c.kdf_salt, "1234");
	cli_config_set(&c.identity_domain, "null");
	cli_config_set(&c.verify_pubkey, "");
	cli_config_contact_put(&c, "true", "", "", "", NULL);
	CHECK_EQ(cli_config_emit(&c, &text, &len), 0);
	CHECK_EQ(cli_config_parse(text, len, &c2, err), 0);
	CHECK_STR(c2.username, "yes");
	CHECK_STR(c2.kdf_salt, "1234");
	CHECK_STR(c2.identity_domain, "null");
	CHECK_STR(c2.verify_pubkey, "");
	CHECK(cli_config_contact(&c2, "true") != NULL);
	free(text);
	cli_config_free(&c2);
	cli_config_free(&c);
}

static void test_errors_and_legacy(void)
{
	struct cli_config c;
	char err[CLI_CONFIG_ERR_MAX];
	static const char *bad[] = {
	    "- a\n- b\n",		 /* not a mapping */
	    "dns_port: abc\n",		 /* wrong type */
	    "username: [1, 2]\n",	 /* wrong type */
	    "contacts: [a]\n",		 /* wrong type */
	    "username: 'unterminated\n", /* bad YAML */
	    "cluster_enabled: maybe\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(cli_config_parse(bad[i], strlen(bad[i]), &c, err) < 0);
		CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
	}
	/* A bare string resolver list, an empty file, defaults. */
	CHECK_EQ(cli_config_parse("dns_resolvers: 9.9.9.9\n", 23, &c, err), 0);
	CHECK_EQ(c.resolver_count, 1);
	CHECK_STR(c.domain, CLI_DEFAULT_DOMAIN);
	CHECK_EQ(c.dns_port, CLI_DEFAULT_DNS_PORT);
	cli_config_free(&c);
	CHECK_EQ(cli_config_parse("", 0, &c, err), 0);
	CHECK_STR(c.username, "");
	cli_config_free(&c);
	/* An alias bomb in an unknown key is refused, not expanded. */
	const char *bomb = "a: &a [x, x, x, x, x, x, x, x]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
			   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
			   "e: [*d, *d, *d, *d, *d, *d, *d, *d]\n";
	CHECK(cli_config_parse(bomb, strlen(bomb), &c, err) < 0);
}

static void test_contacts_api(void)
{
	struct cli_config c;
	cli_config_defaults(&c);
	cli_config_contact_put(&c, "x", "p", "s", "d", NULL);
	cli_config_contact_put(&c, "x", "p2", "", "", "remote");
	CHECK_EQ(c.contact_count, 1);
	CHECK_STR(c.contacts[0].pub, "p2");
	CHECK_STR(c.contacts[0].remote_username, "remote");
	CHECK(cli_config_contact_remove(&c, "x"));
	CHECK(!cli_config_contact_remove(&c, "x"));
	CHECK_EQ(c.contact_count, 0);
	/* Effective domain: cluster base only when both anchors are set. */
	cli_config_set(&c.cluster_base_domain, "cluster.example");
	CHECK_STR(cli_config_effective_domain(&c), CLI_DEFAULT_DOMAIN);
	cli_config_set(&c.cluster_operator_spk, "ab");
	CHECK_STR(cli_config_effective_domain(&c), "cluster.example");
	cli_config_free(&c);
}

static void test_token_keys(void)
{
	char key[CLI_TOKEN_KEY_MAX];
	CHECK_EQ(cli_token_key("Node.Example.COM", 0, key), 0);
	CHECK_STR(key, "node.example.com");
	CHECK_EQ(cli_token_key("127.0.0.1", 8053, key), 0);
	CHECK_STR(key, "127.0.0.1_8053");
	CHECK(cli_token_key("-bad", 0, key) < 0);
	CHECK(cli_token_key("a/b", 0, key) < 0);
	CHECK(cli_token_key("..", 0, key) < 0);
}

int main(void)
{
	test_reference_file();
	test_quoting();
	test_errors_and_legacy();
	test_contacts_api();
	test_token_keys();
	return TEST_DONE("test_cli_config");
}
