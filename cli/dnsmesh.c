/* dnsmesh: the end-user CLI. Commands land with the CLI issue. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0)) {
		printf("dnsmesh %s\n", DM_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: dnsmesh --version\n");
	return 64;
}
