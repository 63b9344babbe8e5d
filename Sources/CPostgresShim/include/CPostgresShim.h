#ifndef PLUMB_POSTGRES_SHIM_H
#define PLUMB_POSTGRES_SHIM_H

/*
 * libpq's PG_DIAG_* field codes for PQresultErrorField: character-literal macros, which the Swift
 * importer does not bring over. Each function answers one code and adds nothing of its own.
 */

int plumb_pg_diag_severity(void);
int plumb_pg_diag_sqlstate(void);
int plumb_pg_diag_message_primary(void);
int plumb_pg_diag_message_detail(void);
int plumb_pg_diag_constraint_name(void);

#endif
