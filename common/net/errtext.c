#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/net/http.h"

void dm_http_error_text(const struct dm_http_resp *r, char out[DM_HTTP_ERR_MAX])
{
	json_t *j = r->body != NULL ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
	const char *e = json_string_value(json_object_get(j, "error"));
	size_t n, start = 0;

	if (e != NULL) {
		snprintf(out, DM_HTTP_ERR_MAX, "%s", e);
	} else {
		/* Not JSON: the start of whatever the server said. */
		n = r->body == NULL ? 0 : strnlen(r->body, r->body_len > 200 ? 200 : r->body_len);
		if (n > 0)
			memcpy(out, r->body, n);
		out[n] = '\0';
	}
	json_decref(j);
	/* One line, whatever the server put in it. */
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	while (out[start] == ' ')
		start++;
	n = strlen(out + start);
	while (n > 0 && out[start + n - 1] == ' ')
		n--;
	memmove(out, out + start, n);
	out[n] = '\0';
}
