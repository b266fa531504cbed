/*
 * cairn.c: the command-line client's main, its global options, the
 * command table, help and the exit statuses.
 *
 *	cairn [--server HOST:PORT] [--ca FILE] [--json] COMMAND [ARGS]
 *
 * See client.h for how a command is put together.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "log.h"
#include "wire.h"

#define NO_OPTS	((const struct opt_spec []){ \
	    { NULL, OPT_FLAG, NULL, false, NULL, NULL } })

/* Global options: before the command, or anywhere after it. */
static const struct opt_spec global_opts[] = {
	OPT_S("server", NULL),
	OPT_S("ca", NULL),
	OPT_F("json", NULL),
	OPT_F("help", NULL),	/* also -h */
	{ NULL, OPT_FLAG, NULL, false, NULL, NULL }
};

/* Options that only make sense before any command. */
static const struct opt_spec lead_opts[] = {
	OPT_F("version", NULL),
	{ NULL, OPT_FLAG, NULL, false, NULL, NULL }
};

/*
 * The commands, in the order help lists them.  A family ("user") is the
 * entries sharing a name, each with a subcommand.
 */
static const struct cmd_entry cmd_table[] = {
	{ "help", NULL, "[COMMAND [SUBCOMMAND]]",
	  "show the commands, or how to use one",
	  NULL, NULL, NULL, 0, 3, 0, cmd_help },
	{ "login", NULL, "LOGIN [--password-stdin]",
	  "log in and remember the session",
	  "session.login", KEYS(ARG_S("login")),
	  OPTS(OPT_F("password-stdin", NULL)), 1, 1, CMD_NET, cmd_login },
	{ "logout", NULL, "",
	  "end the session and forget it",
	  "session.logout", NULL, NULL, 0, 0, CMD_NET | CMD_TOKEN,
	  cmd_logout },
	{ "whoami", NULL, "",
	  "show the logged-in user",
	  "session.whoami", NULL, NULL, 0, 0, CMD_SESSION, cmd_whoami },
	{ "ping", NULL, "",
	  "measure the round trip of a request to the server",
	  "ping", NULL, NULL, 0, 0, CMD_NET, cmd_ping },
	{ "passwd", NULL, "[LOGIN] [--password-stdin]",
	  "change your password (old, then new), or another user's (new)",
	  "user.set_password", NULL,
	  OPTS(OPT_F("password-stdin", NULL)), 0, 1, CMD_SESSION,
	  cmd_passwd },

	{ "user", "add", "LOGIN --name NAME [--role ROLE] [--password-stdin]",
	  "create a user; prints its id, and its password if generated",
	  "user.create", KEYS(ARG_S("login")),
	  OPTS(OPT_SREQ("name", "name"), OPT_S("role", "role"),
	  OPT_F("password-stdin", NULL)), 1, 1, CMD_SESSION, cmd_user_add },
	{ "user", "list", "",
	  "list the users",
	  "user.list", NULL, NULL, 0, 0, CMD_SESSION, cmd_user_list },
	{ "user", "show", "LOGIN",
	  "show a user",
	  "user.get", KEYS(ARG_S("login")), NULL, 1, 1, CMD_SESSION,
	  cmd_user_show },
	{ "user", "set-role", "LOGIN ROLE",
	  "change a user's role",
	  "user.set_role", KEYS(ARG_S("login"), ARG_S("role")), NULL, 2, 2,
	  CMD_SESSION, cmd_user_change },
	{ "user", "disable", "LOGIN",
	  "disable a user and end their sessions",
	  "user.disable", KEYS(ARG_S("login")), NULL, 1, 1, CMD_SESSION,
	  cmd_user_change },
	{ "user", "enable", "LOGIN",
	  "enable a disabled user",
	  "user.enable", KEYS(ARG_S("login")), NULL, 1, 1, CMD_SESSION,
	  cmd_user_change },

	{ "team", "add", "SLUG --name NAME [--parent SLUG] [--private]",
	  "create a team; prints its slug",
	  "team.create", KEYS(ARG_S("slug")),
	  OPTS(OPT_SREQ("name", "name"), OPT_S("parent", "parent"),
	  OPT_F("private", "private")), 1, 1, CMD_SESSION, cmd_created },
	{ "team", "list", "",
	  "list the teams as a tree",
	  "team.list", NULL, NULL, 0, 0, CMD_SESSION, cmd_team_list },
	{ "team", "show", "SLUG",
	  "show a team, its children and members",
	  "team.get", KEYS(ARG_S("slug")), NULL, 1, 1, CMD_SESSION,
	  cmd_team_show },
	{ "team", "move", "SLUG --parent SLUG",
	  "move a team under another",
	  "team.move", KEYS(ARG_S("slug")), OPTS(OPT_SREQ("parent", "parent")),
	  1, 1, CMD_SESSION, cmd_team_change },
	{ "team", "rename", "SLUG --name NAME",
	  "rename a team",
	  "team.rename", KEYS(ARG_S("slug")), OPTS(OPT_SREQ("name", "name")),
	  1, 1, CMD_SESSION, cmd_team_change },
	{ "team", "rm", "SLUG",
	  "remove a team",
	  "team.remove", KEYS(ARG_S("slug")), NULL, 1, 1, CMD_SESSION,
	  cmd_removed },
	{ "team", "member add", "SLUG LOGIN [--lead]",
	  "add a member to a team (or change their role), as lead or not",
	  "team.add_member", KEYS(ARG_S("slug"), ARG_S("login")),
	  OPTS(OPT_F("lead", "lead")), 2, 2, CMD_SESSION, cmd_team_member },
	{ "team", "member rm", "SLUG LOGIN",
	  "remove a member from a team",
	  "team.remove_member", KEYS(ARG_S("slug"), ARG_S("login")), NULL,
	  2, 2, CMD_SESSION, cmd_team_member },

	{ "team", "framework", "SLUG okr|kpi|hybrid",
	  "set a team's framework mode (kpi: KPIs only, no new objectives)",
	  "team.framework", KEYS(ARG_S("team"), ARG_S("mode")), NULL, 2, 2,
	  CMD_SESSION, cmd_team_framework },

	{ "period", "add", "NAME --start YYYY-MM-DD --end YYYY-MM-DD",
	  "create a period (a draft); prints its name",
	  "period.create", KEYS(ARG_S("name")),
	  OPTS(OPT_DREQ("start", "start"), OPT_DREQ("end", "end")), 1, 1,
	  CMD_SESSION, cmd_created },
	{ "period", "list", "",
	  "list the periods",
	  "period.list", NULL, NULL, 0, 0, CMD_SESSION, cmd_period_list },
	{ "period", "open", "NAME",
	  "make a period active",
	  "period.set_state", KEYS(ARG_S("name")), NULL, 1, 1, CMD_SESSION,
	  cmd_period_state },
	{ "period", "review", "NAME",
	  "put a period under review",
	  "period.set_state", KEYS(ARG_S("name")), NULL, 1, 1, CMD_SESSION,
	  cmd_period_state },
	{ "period", "close", "NAME",
	  "close a period",
	  "period.set_state", KEYS(ARG_S("name")), NULL, 1, 1, CMD_SESSION,
	  cmd_period_state },
	{ "period", "reopen", "NAME",
	  "make a period under review active again",
	  "period.set_state", KEYS(ARG_S("name")), NULL, 1, 1, CMD_SESSION,
	  cmd_period_state },

	{ "obj", "add", "--team SLUG --period NAME --title TEXT [--owner LOGIN] "
	  "[--parent ID] [--weight W] [--aspirational] [--description TEXT] "
	  "[--rollup krs|children|both] [--idempotency-key K]",
	  "create an objective; prints its id",
	  "objective.create", NULL,
	  OPTS(OPT_SREQ("team", "team"), OPT_SREQ("period", "period"),
	  OPT_SREQ("title", "title"), OPT_S("owner", "owner"),
	  OPT_ID("parent", "parent"), OPT_N("weight", "weight"),
	  OPT_FV("aspirational", "type", "aspirational"),
	  OPT_S("description", "description"), OPT_S("rollup", "rollup"),
	  OPT_IDEM), 0, 0, CMD_SESSION | CMD_IDEM, cmd_created },
	{ "obj", "list", "[--team SLUG] [--period NAME] [--owner LOGIN | --mine] "
	  "[--archived]",
	  "list objectives (--archived: archived ones too)",
	  "objective.list", NULL,
	  OPTS(OPT_S("team", "team"), OPT_S("period", "period"),
	  OPT_S("owner", "owner"), OPT_FX("mine", "mine", "owner"),
	  OPT_F("archived", "archived")), 0, 0, CMD_SESSION, cmd_obj_list },
	{ "obj", "show", "ID",
	  "show an objective, its key results, children and contributors",
	  "objective.get", KEYS(ARG_ID("id")), NULL, 1, 1, CMD_SESSION,
	  cmd_obj_show },
	{ "obj", "edit", "ID [--title TEXT] [--description TEXT] "
	  "[--owner LOGIN] [--aspirational | --committed] "
	  "[--rollup auto|krs|children|both] [--if-version N]",
	  "change an objective",
	  "objective.update", KEYS(ARG_ID("id")),
	  OPTS(OPT_S("title", "title"), OPT_S("description", "description"),
	  OPT_S("owner", "owner"),
	  OPT_FV("aspirational", "type", "aspirational"),
	  OPT_FV("committed", "type", "committed"),
	  OPT_S("rollup", "rollup"), OPT_I("if-version", "version")),
	  1, 1, CMD_SESSION, cmd_obj_change },
	{ "obj", "align", "ID --to PARENT_ID [--weight W] [--if-version N]",
	  "make an objective contribute to another",
	  "objective.align", KEYS(ARG_ID("id")),
	  OPTS(OPT_IDREQ("to", "parent"), OPT_N("weight", "weight"),
	  OPT_I("if-version", "version")), 1, 1, CMD_SESSION, cmd_obj_change },
	{ "obj", "unalign", "ID [--if-version N]",
	  "detach an objective from its parent",
	  "objective.unalign", KEYS(ARG_ID("id")),
	  OPTS(OPT_I("if-version", "version")), 1, 1, CMD_SESSION,
	  cmd_obj_change },
	{ "obj", "archive", "ID [--if-version N]",
	  "archive an objective",
	  "objective.archive", KEYS(ARG_ID("id")),
	  OPTS(OPT_I("if-version", "version")), 1, 1, CMD_SESSION,
	  cmd_obj_change },
	{ "obj", "grant", "ID LOGIN",
	  "let a user contribute to an objective",
	  "objective.grant", KEYS(ARG_ID("id"), ARG_S("login")), NULL, 2, 2,
	  CMD_SESSION, cmd_obj_change },
	{ "obj", "revoke", "ID LOGIN",
	  "stop a user contributing to an objective",
	  "objective.revoke", KEYS(ARG_ID("id"), ARG_S("login")), NULL, 2, 2,
	  CMD_SESSION, cmd_obj_change },

	{ "obj", "guard", "ID --kpi KPI_ID",
	  "name a KPI that must stay healthy while the objective is pursued",
	  "objective.guard", KEYS(ARG_ID("id")),
	  OPTS(OPT_IDREQ("kpi", "kpi")), 1, 1, CMD_SESSION, cmd_obj_guard },
	{ "obj", "unguard", "ID --kpi KPI_ID",
	  "remove a guardrail from an objective",
	  "objective.unguard", KEYS(ARG_ID("id")),
	  OPTS(OPT_IDREQ("kpi", "kpi")), 1, 1, CMD_SESSION, cmd_obj_guard },

	{ "kr", "add", "OBJ_ID --title TEXT --type "
	  "increase|decrease|above|below|boolean --target N [--start N] "
	  "[--unit U] [--weight W] [--owner LOGIN] [--kpi KPI_ID] "
	  "[--idempotency-key K]",
	  "add a key result to an objective (bound to a KPI with --kpi); "
	  "prints its id",
	  "kr.create", KEYS(ARG_ID("objective")),
	  OPTS(OPT_SREQ("title", "title"), OPT_SREQ("type", "type"),
	  OPT_NREQ("target", "target"), OPT_N("start", "start"),
	  OPT_S("unit", "unit"), OPT_N("weight", "weight"),
	  OPT_S("owner", "owner"), OPT_ID("kpi", "kpi"), OPT_IDEM), 1, 1,
	  CMD_SESSION | CMD_IDEM,
	  cmd_created },
	{ "kr", "show", "KR_ID",
	  "show a key result",
	  "kr.get", KEYS(ARG_ID("id")), NULL, 1, 1, CMD_SESSION, cmd_kr_show },
	{ "kr", "edit", "KR_ID [--title TEXT] [--type TYPE] [--start N] "
	  "[--target N] [--unit U] [--weight W] [--owner LOGIN] "
	  "[--if-version N]",
	  "change a key result",
	  "kr.update", KEYS(ARG_ID("id")),
	  OPTS(OPT_S("title", "title"), OPT_S("type", "type"),
	  OPT_N("start", "start"), OPT_N("target", "target"),
	  OPT_S("unit", "unit"), OPT_N("weight", "weight"),
	  OPT_S("owner", "owner"), OPT_I("if-version", "version")),
	  1, 1, CMD_SESSION, cmd_obj_change },
	{ "kr", "rm", "KR_ID",
	  "remove a key result",
	  "kr.remove", KEYS(ARG_ID("id")), NULL, 1, 1, CMD_SESSION,
	  cmd_removed },
	{ "kr", "checkin", "KR_ID VALUE [--confidence 1-10] [--note TEXT] "
	  "[--idempotency-key K]",
	  "record a key result's current value",
	  "kr.checkin", KEYS(ARG_ID("id"), ARG_N("value")),
	  OPTS(OPT_I("confidence", "confidence"), OPT_S("note", "note"),
	  OPT_IDEM), 2, 2, CMD_SESSION | CMD_IDEM, cmd_kr_checkin },
	{ "kr", "history", "KR_ID",
	  "list a key result's check-ins, oldest first",
	  "kr.history", KEYS(ARG_ID("id")), NULL, 1, 1, CMD_SESSION,
	  cmd_kr_history },

	{ "kpi", "add", "--team SLUG --name TEXT --unit U "
	  "--direction up|down|range --green N --amber N "
	  "[--green-high N --amber-high N] [--frequency daily|weekly|monthly] "
	  "[--owner LOGIN] [--breach-after N] [--description TEXT] "
	  "[--idempotency-key K]",
	  "create a KPI of a team; prints its id",
	  "kpi.create", NULL,
	  OPTS(OPT_SREQ("team", "team"), OPT_SREQ("name", "name"),
	  OPT_SREQ("unit", "unit"), OPT_SREQ("direction", "direction"),
	  OPT_NREQ("green", "green"), OPT_NREQ("amber", "amber"),
	  OPT_N("green-high", "green_high"), OPT_N("amber-high", "amber_high"),
	  OPT_S("frequency", "frequency"), OPT_S("owner", "owner"),
	  OPT_I("breach-after", "breach_after"),
	  OPT_S("description", "description"), OPT_IDEM), 0, 0,
	  CMD_SESSION | CMD_IDEM, cmd_created },
	{ "kpi", "list", "[--team SLUG] [--health red|amber|green|none] "
	  "[--stale]",
	  "list KPIs: latest value, health, staleness and the last 12 "
	  "readings",
	  "kpi.list", NULL,
	  OPTS(OPT_S("team", "team"), OPT_S("health", "health"),
	  OPT_F("stale", "stale")), 0, 0, CMD_SESSION, cmd_kpi_list },
	{ "kpi", "show", "ID",
	  "show a KPI",
	  "kpi.get", KEYS(ARG_ID("id")), NULL, 1, 1, CMD_SESSION,
	  cmd_kpi_show },
	{ "kpi", "edit", "ID [--name TEXT] [--description TEXT] [--unit U] "
	  "[--direction up|down|range] [--green N] [--amber N] "
	  "[--green-high N] [--amber-high N] [--frequency F] [--owner LOGIN] "
	  "[--breach-after N] [--if-version N]",
	  "change a KPI's definition",
	  "kpi.update", KEYS(ARG_ID("id")),
	  OPTS(OPT_S("name", "name"), OPT_S("description", "description"),
	  OPT_S("unit", "unit"), OPT_S("direction", "direction"),
	  OPT_N("green", "green"), OPT_N("amber", "amber"),
	  OPT_N("green-high", "green_high"), OPT_N("amber-high", "amber_high"),
	  OPT_S("frequency", "frequency"), OPT_S("owner", "owner"),
	  OPT_I("breach-after", "breach_after"),
	  OPT_I("if-version", "version")), 1, 1, CMD_SESSION, cmd_obj_change },
	{ "kpi", "archive", "ID [--if-version N]",
	  "archive a KPI (it takes no more readings)",
	  "kpi.archive", KEYS(ARG_ID("id")),
	  OPTS(OPT_I("if-version", "version")), 1, 1, CMD_SESSION,
	  cmd_obj_change },
	{ "kpi", "record", "ID VALUE [--at TIMESTAMP] [--note TEXT] "
	  "[--idempotency-key K]",
	  "record a reading of a KPI (--at: 2026-11-30T09:00:00Z or "
	  "2026-11-30; default now)",
	  "kpi.record", KEYS(ARG_ID("kpi"), ARG_N("value")),
	  OPTS(OPT_S("at", NULL), OPT_S("note", NULL), OPT_IDEM), 2, 2,
	  CMD_SESSION, cmd_kpi_record },
	{ "kpi", "import", "FILE|-",
	  "record readings from CSV (header kpi,value,at,note; - for stdin), "
	  "in batches of up to 1000, each all or nothing",
	  "kpi.record", NULL, NULL, 1, 1, CMD_SESSION, cmd_kpi_import },
	{ "kpi", "history", "ID [--limit N]",
	  "list a KPI's readings, oldest first (the last N, default 100)",
	  "kpi.history", KEYS(ARG_ID("id")),
	  OPTS(OPT_I("limit", "limit")), 1, 1, CMD_SESSION, cmd_kpi_history },
	{ "roi", "set", "TEAM --period NAME [--headcount N] [--hourly-cost N] "
	  "[--output-value N] [--productivity-pct N] "
	  "[--hours-saved-per-week N] [--retention-change-pct N] "
	  "[--replacement-cost N] [--efficiency-savings N] "
	  "[--framework-hours-per-week N] [--tool-cost N]",
	  "set a team's ROI inputs for a period; shows its ROI",
	  "roi.set", KEYS(ARG_S("team")),
	  OPTS(OPT_SREQ("period", "period"), OPT_N("headcount", "headcount"),
	  OPT_N("hourly-cost", "hourly_cost"),
	  OPT_N("output-value", "output_value"),
	  OPT_N("productivity-pct", "productivity_pct"),
	  OPT_N("hours-saved-per-week", "hours_saved_per_week"),
	  OPT_N("retention-change-pct", "retention_change_pct"),
	  OPT_N("replacement-cost", "replacement_cost"),
	  OPT_N("efficiency-savings", "efficiency_savings"),
	  OPT_N("framework-hours-per-week", "framework_hours_per_week"),
	  OPT_N("tool-cost", "tool_cost")), 1, 1, CMD_SESSION, cmd_roi_set },
	{ "roi", "show", "TEAM --period NAME | --org --period NAME",
	  "show the framework's ROI for a team, or the organisation",
	  "roi.get", KEYS(ARG_S("team")),
	  OPTS(OPT_SREQ("period", "period"), OPT_F("org", "org")), 0, 1,
	  CMD_SESSION, cmd_roi_show },

	{ "assess", NULL, "TEAM [--set KEY=VALUE ...] [--answers FILE] "
	  "[--apply]",
	  "assess a team: the guide's decision matrix and KPI checklist "
	  "(asked at the terminal unless answered with --set or --answers)",
	  "assessment.create", KEYS(ARG_S("team")),
	  OPTS(OPT_SM("set"), { "answers", OPT_STR, NULL, false, NULL, "set" },
	  OPT_F("apply", "apply")), 1, 1, CMD_SESSION, cmd_assess },
	{ "assess", "show", "TEAM [--history]",
	  "show a team's latest assessment, or all of them, newest first",
	  "assessment.get", KEYS(ARG_S("team")),
	  OPTS(OPT_F("history", "history")), 1, 1, CMD_SESSION,
	  cmd_assess_show },
	{ "assess", "questions", "",
	  "list the assessment's questions with their weights",
	  "assessment.questions", NULL, NULL, 0, 0, CMD_SESSION,
	  cmd_assess_questions },
	{ "assess", "weight", "KEY N",
	  "change a question's weight (admin)",
	  "assessment.set_weight", KEYS(ARG_S("key"), ARG_I("weight")), NULL,
	  2, 2, CMD_SESSION, cmd_assess_questions },

	{ "settings", NULL, "",
	  "show the settings",
	  "settings.get", NULL, NULL, 0, 0, CMD_SESSION, cmd_settings },
	{ "settings", "set", "NAME VALUE",
	  "change a setting",
	  "settings.set", KEYS(ARG_S("name"), ARG_I("value")), NULL, 2, 2,
	  CMD_SESSION, cmd_settings },
	{ "audit", NULL, "[--since YYYY-MM-DD] [--user LOGIN] "
	  "[--entity TYPE:ID] [--limit N]",
	  "show the audit log, newest first",
	  "audit.list", NULL,
	  OPTS(OPT_D("since", "since"), OPT_S("user", "user"),
	  OPT_S("entity", "entity"), OPT_I("limit", "limit")), 0, 0,
	  CMD_SESSION, cmd_audit },
};
#define NCMDS	(sizeof cmd_table / sizeof cmd_table[0])

static const char global_usage[] =
    "cairn [--server HOST:PORT] [--ca FILE] [--json] COMMAND [ARGS]";

static const char global_help[] =
"Global options (before or after the command):\n"
"  --server HOST:PORT  the server; default $CAIRN_SERVER, else the\n"
"                      remembered session's, else " CAIRN_DEFAULT_SERVER "\n"
"  --ca FILE           the CA certificate the server's must be signed by;\n"
"                      default $CAIRN_CA, else the remembered session's\n"
"  --json              print the result on stdout, and errors on stderr,\n"
"                      as JSON\n"
"  --help, -h          show help (also: cairn COMMAND --help)\n"
"  --version           print the version\n"
"\n"
"login remembers the server, CA and session in\n"
"$XDG_CONFIG_HOME/cairn/session (~/.config/cairn/session by default);\n"
"logout forgets them.  Passwords are read from the terminal, or with\n"
"--password-stdin from the first line(s) of standard input.\n"
"\n"
"Exit status:\n"
"  0  success\n"
"  1  other error\n"
"  2  usage error\n"
"  3  not logged in, or authentication failed (E_AUTH)\n"
"  4  not allowed (E_FORBIDDEN)\n"
"  5  no such object (E_NOT_FOUND)\n"
"  6  already exists, or changed meanwhile (E_CONFLICT)\n"
"  7  refused: bad value, rule or limit (E_INVALID, E_RULE, E_LIMIT)\n"
"  8  cannot connect, TLS failure, or server unavailable (E_UNAVAILABLE)\n";

/*
 * The one mapping from an error code, the server's or a local one, to
 * the exit status.  Unknown codes are "other": a newer server may add some.
 */
int
cairn_exit_code(const char *code, size_t len)
{
	if ((len == strlen(CE_CONNECT) && memcmp(code, CE_CONNECT, len) == 0) ||
	    (len == strlen(CE_TLS) && memcmp(code, CE_TLS, len) == 0))
		return CX_CONNECT;
	switch (wire_err_parse(code, len)) {
	case E_AUTH:
		return CX_AUTH;
	case E_FORBIDDEN:
		return CX_FORBIDDEN;
	case E_NOT_FOUND:
		return CX_NOT_FOUND;
	case E_CONFLICT:
		return CX_CONFLICT;
	case E_RULE:
	case E_INVALID:
	case E_LIMIT:
		return CX_REFUSED;
	case E_UNAVAILABLE:
		return CX_CONNECT;
	default:
		/* Including E_OK: an error must never exit 0. */
		return CX_ERROR;
	}
}

static void
print_usage_of(FILE *f, const struct cmd_entry *cmd)
{
	fprintf(f, "cairn %s%s%s%s%s\n", cmd->name, cmd->sub ? " " : "",
	    cmd->sub ? cmd->sub : "", cmd->usage[0] ? " " : "", cmd->usage);
}

/* Print "cairn: usage: ..." and why; returns the usage exit status. */
int
usage_error(const struct cmd_entry *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("cairn: usage: ", stderr);
	if (cmd != NULL)
		print_usage_of(stderr, cmd);
	else
		fprintf(stderr, "%s\n", global_usage);
	fputs("cairn: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CX_USAGE;
}

/* The first entry of a family (or the command itself), or NULL. */
static const struct cmd_entry *
find_family(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	return NULL;
}

/* Whether the family has subcommands (it may also have a bare one). */
static bool
has_subs(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(cmd_table[i].name, name) == 0 &&
		    cmd_table[i].sub != NULL)
			return true;
	return false;
}

/*
 * How many of argv's first words spell sub ("member add": 2); 0 if they
 * do not.  With prefix, also count a proper prefix of sub ("member").
 */
static int
sub_words(const char *sub, char *const *argv, int argc, bool prefix)
{
	size_t len;
	int n = 0;

	while (*sub != '\0') {
		if (n == argc)
			return prefix ? n : 0;
		len = strcspn(sub, " ");
		if (strlen(argv[n]) != len || memcmp(argv[n], sub, len) != 0)
			return 0;
		n++;
		sub += len;
		sub += *sub == ' ';
	}
	return n;
}

/*
 * The command of family name that argv starts with, and in *used how
 * many words name it: the subcommand that argv spells, else the bare
 * command of the family, if there is one.
 */
static const struct cmd_entry *
find_cmd(const char *name, char *const *argv, int argc, int *used)
{
	const struct cmd_entry *bare = NULL;
	int n;

	*used = 0;
	for (size_t i = 0; i < NCMDS; i++) {
		const struct cmd_entry *e = &cmd_table[i];

		if (strcmp(e->name, name) != 0)
			continue;
		if (e->sub == NULL)
			bare = e;
		else if ((n = sub_words(e->sub, argv, argc, false)) > 0) {
			*used = n;
			return e;
		}
	}
	return bare;
}

/* Whether argv starts some subcommand of family name without ending it. */
static bool
incomplete_sub(const char *name, char *const *argv, int argc)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(cmd_table[i].name, name) == 0 &&
		    cmd_table[i].sub != NULL &&
		    sub_words(cmd_table[i].sub, argv, argc, true) == argc)
			return true;
	return false;
}

static void
list_commands(FILE *f, const char *family)
{
	for (size_t i = 0; i < NCMDS; i++) {
		const struct cmd_entry *e = &cmd_table[i];

		if (family != NULL && strcmp(e->name, family) != 0)
			continue;
		fputs("  ", f);
		print_usage_of(f, e);
		fprintf(f, "      %s\n", e->summary);
	}
}

static void
help_all(FILE *f)
{
	fprintf(f, "usage: %s\n\nCommands:\n", global_usage);
	list_commands(f, NULL);
	fprintf(f, "\n%s", global_help);
}

static void
help_family(FILE *f, const char *family)
{
	int used;
	bool bare = find_cmd(family, NULL, 0, &used) != NULL;

	fprintf(f, "usage: cairn %s %s [ARGS]\n\nCommands:\n", family,
	    bare ? "[SUBCOMMAND]" : "SUBCOMMAND");
	list_commands(f, family);
}

static void
help_command(FILE *f, const struct cmd_entry *cmd)
{
	fputs("usage: ", f);
	print_usage_of(f, cmd);
	fprintf(f, "%s\n", cmd->summary);
	if (cmd->op != NULL)
		fprintf(f, "Sends the %s request.\n", cmd->op);
	fprintf(f, "Global options: --server HOST:PORT, --ca FILE, --json "
	    "(see cairn help).\n");
}

static int	family_usage(const char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
family_usage(const char *family, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "cairn: usage: cairn %s SUBCOMMAND [ARGS]\ncairn: ",
	    family);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see cairn help %s)\n", family);
	return CX_USAGE;
}

/* help [COMMAND [SUBCOMMAND...]] */
int
cmd_help(struct client *c, struct cmd_args *a)
{
	const struct cmd_entry *cmd;
	int used;

	if (a->argc == 0) {
		help_all(stdout);
		return CX_OK;
	}
	if (find_family(a->argv[0]) == NULL)
		return usage_error(c->cmd, "unknown command: %s", a->argv[0]);
	if (a->argc == 1 && has_subs(a->argv[0])) {
		help_family(stdout, a->argv[0]);
		return CX_OK;
	}
	cmd = find_cmd(a->argv[0], a->argv + 1, a->argc - 1, &used);
	if (cmd == NULL || used != a->argc - 1)
		return usage_error(c->cmd, "unknown command: %s %s%s",
		    a->argv[0], a->argv[1], a->argc > 2 ? " ..." : "");
	help_command(stdout, cmd);
	return CX_OK;
}

/* --help anywhere wins, even over mistakes in the other arguments. */
static bool
wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

/* Name the first positional argument missing, when the table does. */
static int
missing_argument(const struct cmd_entry *cmd, int given)
{
	const struct opt_spec *k = cmd->keys;

	for (int i = 0; k != NULL && k[i].name != NULL; i++)
		if (i == given)
			return usage_error(cmd, "missing argument '%s'",
			    k[i].name);
	return usage_error(cmd, "missing argument");
}

struct globals {
	const char	*server;
	const char	*ca;
	bool		 json;
	bool		 help;
};

/* Later on the line wins. */
static void
take_globals(struct globals *g, const struct cmd_args *a)
{
	const char *v;

	if ((v = args_get(a, "server")) != NULL)
		g->server = v;
	if ((v = args_get(a, "ca")) != NULL)
		g->ca = v;
	g->json |= args_flag(a, "json");
	g->help |= args_flag(a, "help");
}

static const char *
pick(const char *opt, const char *envname, const char *remembered)
{
	const char *env = getenv(envname);

	if (opt != NULL)
		return opt;
	if (env != NULL && env[0] != '\0')
		return env;
	return remembered;
}

/* Where to connect and how to verify: option, env, session, default. */
static int
settle(struct client *c, const struct globals *g)
{
	char err[512];

	if (!config_load(&c->cfg, err, sizeof err))
		return client_fail(c, CE_CLIENT, "cannot read the session: %s",
		    err);
	/* Without a session there is no point in connecting. */
	if ((c->cmd->flags & CMD_TOKEN) && c->cfg.token == NULL)
		return client_fail(c, "E_AUTH",
		    "not logged in: run cairn login LOGIN");
	c->server = pick(g->server, "CAIRN_SERVER", c->cfg.server);
	if (c->server == NULL)
		c->server = CAIRN_DEFAULT_SERVER;
	/* No default CA: never trust a server by accident. */
	if ((c->ca = pick(g->ca, "CAIRN_CA", c->cfg.ca)) == NULL)
		return client_fail(c, CE_TLS, "no CA file: use --ca or "
		    "CAIRN_CA");
	return CX_OK;
}

/* Output that cannot be written is a failure, except to a closed pipe. */
static int
finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "cairn: cannot write output: %s\n",
			    strerror(errno));
		if (rc == CX_OK)
			rc = CX_ERROR;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	const struct opt_spec *const lead_specs[] =
	    { global_opts, lead_opts, NULL };
	const struct opt_spec *const mid_specs[] = { global_opts, NULL };
	const struct opt_spec *specs[3];
	const struct cmd_entry *cmd;
	struct globals g = { 0 };
	struct cmd_args lead, mid, a;
	struct client c;
	char err[256], **rest;
	const char *name;
	int rc, nrest, used;

	/* A server that hangs up must give an error, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	log_init("cairn", LOG_LVL_WARN);
	memset(&c, 0, sizeof c);

	if (args_parse(&lead, argc - 1, argv + 1, lead_specs, true, err,
	    sizeof err) != 0)
		return usage_error(NULL, "%s", err);
	take_globals(&g, &lead);
	if (args_flag(&lead, "version")) {
		printf("cairn %s\n", CAIRN_VERSION);
		return finish(CX_OK);
	}
	if (g.help) {
		help_all(stdout);
		return finish(CX_OK);
	}
	if (lead.argc == 0)
		return usage_error(NULL, "no command: see cairn help");
	name = lead.argv[0];
	rest = lead.argv + 1;
	nrest = lead.argc - 1;
	if (find_family(name) == NULL)
		return usage_error(NULL, "unknown command: %s", name);
	if (has_subs(name)) {
		/* Global options may also sit between family and subcommand. */
		if (args_parse(&mid, nrest, rest, mid_specs, true, err,
		    sizeof err) != 0)
			return family_usage(name, "%s", err);
		take_globals(&g, &mid);
		if (g.help) {
			help_family(stdout, name);
			return finish(CX_OK);
		}
		cmd = find_cmd(name, mid.argv, mid.argc, &used);
		if (cmd == NULL && mid.argc == 0)
			return family_usage(name, "missing subcommand");
		if (cmd == NULL && incomplete_sub(name, mid.argv, mid.argc))
			return family_usage(name, "incomplete subcommand: %s",
			    mid.argv[0]);
		if (cmd == NULL && mid.argc > 1 &&
		    incomplete_sub(name, mid.argv, 1))
			return family_usage(name, "unknown subcommand: %s %s",
			    mid.argv[0], mid.argv[1]);
		if (cmd == NULL)
			return family_usage(name, "unknown subcommand: %s",
			    mid.argv[0]);
		rest = mid.argv + used;
		nrest = mid.argc - used;
	} else
		cmd = find_family(name);
	if (wants_help(nrest, rest)) {
		help_command(stdout, cmd);
		return finish(CX_OK);
	}
	specs[0] = cmd->opts != NULL ? cmd->opts : NO_OPTS;
	specs[1] = global_opts;
	specs[2] = NULL;
	if (args_parse(&a, nrest, rest, specs, false, err, sizeof err) != 0)
		return usage_error(cmd, "%s", err);
	take_globals(&g, &a);
	if (a.argc < cmd->min_args)
		return missing_argument(cmd, a.argc);
	if (a.argc > cmd->max_args)
		return usage_error(cmd, "unexpected argument: %s",
		    a.argv[cmd->max_args]);
	if (args_check_positionals(&a, cmd->keys, err, sizeof err) != 0)
		return usage_error(cmd, "%s", err);

	c.cmd = cmd;
	c.json = g.json;
	if ((cmd->flags & CMD_NET) == 0 || (rc = settle(&c, &g)) == CX_OK)
		rc = cmd->exec(&c, &a);
	client_close(&c);
	return finish(rc);
}
