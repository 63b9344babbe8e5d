#include "CPostgresShim.h"

#include <libpq-fe.h>

/* The untranslated severity (ERROR, FATAL, WARNING, NOTICE, ...), whatever lc_messages says. */
int plumb_pg_diag_severity(void) { return PG_DIAG_SEVERITY_NONLOCALIZED; }
int plumb_pg_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
int plumb_pg_diag_message_primary(void) { return PG_DIAG_MESSAGE_PRIMARY; }
int plumb_pg_diag_message_detail(void) { return PG_DIAG_MESSAGE_DETAIL; }
int plumb_pg_diag_constraint_name(void) { return PG_DIAG_CONSTRAINT_NAME; }
