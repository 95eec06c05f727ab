/*
 * Minimal unit-test macros: each failed check prints where and why and marks
 * the test failed; TEST_MAIN's return value is the process exit status.
 */
#ifndef DM_TESTS_UNIT_TEST_H
#define DM_TESTS_UNIT_TEST_H

#include <stdio.h>
#include <string.h>

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		test_checks++;                                                                     \
		if (!(cond)) {                                                                     \
			test_failures++;                                                           \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		test_checks++;                                                                     \
		if (_a != _b) {                                                                    \
			test_failures++;                                                           \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n",        \
				__FILE__, __LINE__, #a, _a, #b, _b);                               \
		}                                                                                  \
	} while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)
#define CHECK_STR(a, b)	   CHECK(strcmp((a), (b)) == 0)

/* Prints the closing line; returns the exit status. */
#define TEST_DONE(name)                                                                            \
	(printf("%s: %d passed, %d failed\n", (name), test_checks - test_failures, test_failures), \
	 test_failures ? 1 : 0)

#endif
