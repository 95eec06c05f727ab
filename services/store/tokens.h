/*
 * The token store (node.md §6.4): user-token digests, never tokens, in their
 * own sqlite file (DMP_TOKEN_DB_PATH), with the reference's schema so an
 * existing dmp_tokens.db opens in place. Served over IPC to the
 * https-frontend (lookups, audit rows, self-service registration) and to
 * dnsmesh-node-admin (issue, list, revoke, rotate, audit tail). The file is
 * opened on first use.
 */
#ifndef DM_STORE_TOKENS_H
#define DM_STORE_TOKENS_H

#include "common/node/ipc.h"

void tokens_on_lookup(struct dm_ipc_conn *conn, const Dm__Envelope *msg);
void tokens_on_audit(struct dm_ipc_conn *conn, const Dm__Envelope *msg);
void tokens_on_register(struct dm_ipc_conn *conn, const Dm__Envelope *msg);
void tokens_on_issue(struct dm_ipc_conn *conn, const Dm__Envelope *msg);
void tokens_on_list(struct dm_ipc_conn *conn, const Dm__Envelope *msg);
void tokens_on_revoke(struct dm_ipc_conn *conn, const Dm__Envelope *msg);
/* Revokes every live token of the subject and inserts the new one, in one transaction. */
void tokens_on_rotate(struct dm_ipc_conn *conn, const Dm__Envelope *msg);
/* The newest token_audit rows (optionally of one event), as many as fit in a frame. */
void tokens_on_audit_tail(struct dm_ipc_conn *conn, const Dm__Envelope *msg);

/* Closes the file if it was opened. */
void tokens_close(void);

#endif
