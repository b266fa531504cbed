/*
 * fields-export.h: the fieldsets of export and import: one per set of an
 * export (its columns are the document's, docs/protocol.md "Export"), and
 * the import steps' replies.
 */
#ifndef CAIRN_FIELDS_EXPORT_H
#define CAIRN_FIELDS_EXPORT_H

#include "row.h"

extern const struct fieldset FS_EXPORT_CTX;
extern const struct fieldset FS_EXPORT_PERIOD;
extern const struct fieldset FS_EXPORT_TEAMS;
extern const struct fieldset FS_EXPORT_USERS;
extern const struct fieldset FS_EXPORT_KPIS;
extern const struct fieldset FS_EXPORT_OBJECTIVES;
extern const struct fieldset FS_EXPORT_CONTRIBUTORS;
extern const struct fieldset FS_EXPORT_GUARDRAILS;
extern const struct fieldset FS_EXPORT_KRS;
extern const struct fieldset FS_EXPORT_CHECKINS;
extern const struct fieldset FS_EXPORT_READINGS;
extern const struct fieldset FS_EXPORT_RETROS;

extern const struct fieldset FS_IMPORT_BEGIN_CTX;
extern const struct fieldset FS_IMPORT_BEGIN;
extern const struct fieldset FS_IMPORT_ROWS;
extern const struct fieldset FS_IMPORT_MISSING;
extern const struct fieldset FS_IMPORT_COMMIT;
extern const struct fieldset FS_IMPORT_ABORT;

#endif
