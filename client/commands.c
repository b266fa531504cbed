/*
 * commands.c: the command table of the client (cairn.c looks commands up
 * in it and builds help from it).  A command is an entry here and a
 * cmd_* function in a cmd-*.c file; see client.h.  Entries name their
 * fields: one left out is NULL or 0 (no subcommand, no op, no positional
 * arguments or options, no flags).
 */
#include <stddef.h>

#include "client.h"

/*
 * The commands, in the order help lists them.  A family ("user") is the
 * entries sharing a name, each with a subcommand.
 */
const struct cmd_entry cmd_table[] = {
	{
		.name = "help",
		.usage = "[COMMAND [SUBCOMMAND]]",
		.summary = "show the commands, or how to use one",
		.max_args = 3,
		.exec = cmd_help,
	},
	{
		.name = "login",
		.usage = "LOGIN [--password-stdin]",
		.summary = "log in and remember the session",
		.op = "session.login",
		.keys = KEYS(ARG_S("login")),
		.opts = OPTS(OPT_F("password-stdin", NULL)),
		.min_args = 1, .max_args = 1,
		.flags = CMD_NET, .exec = cmd_login,
	},
	{
		.name = "logout",
		.usage = "",
		.summary = "end the session and forget it",
		.op = "session.logout",
		.flags = CMD_NET | CMD_TOKEN, .exec = cmd_logout,
	},
	{
		.name = "whoami",
		.usage = "",
		.summary = "show the logged-in user",
		.op = "session.whoami",
		.flags = CMD_SESSION, .exec = cmd_whoami,
	},
	{
		.name = "ping",
		.usage = "",
		.summary = "measure the round trip of a request to the server",
		.op = "ping",
		.flags = CMD_NET, .exec = cmd_ping,
	},
	{
		.name = "passwd",
		.usage = "[LOGIN] [--password-stdin]",
		.summary = "change your password (old, then new), or another "
		    "user's (new)",
		.op = "user.set_password",
		.opts = OPTS(OPT_F("password-stdin", NULL)),
		.max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_passwd,
	},

	{
		.name = "user", .sub = "add",
		.usage = "LOGIN --name NAME [--role ROLE] [--password-stdin]",
		.summary = "create a user; prints its id, and its password "
		    "if generated",
		.op = "user.create",
		.keys = KEYS(ARG_S("login")),
		.opts = OPTS(OPT_SREQ("name", "name"), OPT_S("role", "role"),
		    OPT_F("password-stdin", NULL)),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_user_add,
	},
	{
		.name = "user", .sub = "list",
		.usage = "",
		.summary = "list the users",
		.op = "user.list",
		.flags = CMD_SESSION, .exec = cmd_user_list,
	},
	{
		.name = "user", .sub = "show",
		.usage = "LOGIN",
		.summary = "show a user",
		.op = "user.get",
		.keys = KEYS(ARG_S("login")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_user_show,
	},
	{
		.name = "user", .sub = "set-role",
		.usage = "LOGIN ROLE",
		.summary = "change a user's role",
		.op = "user.set_role",
		.keys = KEYS(ARG_S("login"), ARG_S("role")),
		.min_args = 2, .max_args = 2,
		.flags = CMD_SESSION, .exec = cmd_user_change,
	},
	{
		.name = "user", .sub = "disable",
		.usage = "LOGIN",
		.summary = "disable a user and end their sessions",
		.op = "user.disable",
		.keys = KEYS(ARG_S("login")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_user_change,
	},
	{
		.name = "user", .sub = "enable",
		.usage = "LOGIN",
		.summary = "enable a disabled user",
		.op = "user.enable",
		.keys = KEYS(ARG_S("login")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_user_change,
	},
	{
		.name = "user", .sub = "budget",
		.usage = "LOGIN --lift | --restore",
		.summary = "exempt a user from the write budgets, or apply "
		    "them again",
		.op = "user.budget",
		.keys = KEYS(ARG_S("login")),
		.opts = OPTS(OPT_F("lift", NULL), OPT_F("restore", NULL)),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_user_budget,
	},

	{
		.name = "team", .sub = "add",
		.usage = "SLUG --name NAME [--parent SLUG] [--private]",
		.summary = "create a team; prints its slug",
		.op = "team.create",
		.keys = KEYS(ARG_S("slug")),
		.opts = OPTS(OPT_SREQ("name", "name"),
		    OPT_S("parent", "parent"), OPT_F("private", "private")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_created,
	},
	{
		.name = "team", .sub = "list",
		.usage = "",
		.summary = "list the teams as a tree",
		.op = "team.list",
		.flags = CMD_SESSION, .exec = cmd_team_list,
	},
	{
		.name = "team", .sub = "show",
		.usage = "SLUG",
		.summary = "show a team, its children and members",
		.op = "team.get",
		.keys = KEYS(ARG_S("slug")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_team_show,
	},
	{
		.name = "team", .sub = "move",
		.usage = "SLUG --parent SLUG",
		.summary = "move a team under another",
		.op = "team.move",
		.keys = KEYS(ARG_S("slug")),
		.opts = OPTS(OPT_SREQ("parent", "parent")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_team_change,
	},
	{
		.name = "team", .sub = "rename",
		.usage = "SLUG --name NAME",
		.summary = "rename a team",
		.op = "team.rename",
		.keys = KEYS(ARG_S("slug")),
		.opts = OPTS(OPT_SREQ("name", "name")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_team_change,
	},
	{
		.name = "team", .sub = "rm",
		.usage = "SLUG",
		.summary = "remove a team",
		.op = "team.remove",
		.keys = KEYS(ARG_S("slug")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_removed,
	},
	{
		.name = "team", .sub = "member add",
		.usage = "SLUG LOGIN [--lead]",
		.summary = "add a member to a team (or change their role), "
		    "as lead or not",
		.op = "team.add_member",
		.keys = KEYS(ARG_S("slug"), ARG_S("login")),
		.opts = OPTS(OPT_F("lead", "lead")),
		.min_args = 2, .max_args = 2,
		.flags = CMD_SESSION, .exec = cmd_team_member,
	},
	{
		.name = "team", .sub = "member rm",
		.usage = "SLUG LOGIN",
		.summary = "remove a member from a team",
		.op = "team.remove_member",
		.keys = KEYS(ARG_S("slug"), ARG_S("login")),
		.min_args = 2, .max_args = 2,
		.flags = CMD_SESSION, .exec = cmd_team_member,
	},

	{
		.name = "team", .sub = "framework",
		.usage = "SLUG okr|kpi|hybrid",
		.summary = "set a team's framework mode (kpi: KPIs only, no "
		    "new objectives)",
		.op = "team.framework",
		.keys = KEYS(ARG_S("team"), ARG_S("mode")),
		.min_args = 2, .max_args = 2,
		.flags = CMD_SESSION, .exec = cmd_team_framework,
	},
	{
		.name = "team", .sub = "signoff",
		.usage = "SLUG on|off",
		.summary = "make the team's new objectives need the parent "
		    "lead's sign-off (on), or not",
		.op = "team.signoff",
		.keys = KEYS(ARG_S("team"), ARG_S("mode")),
		.min_args = 2, .max_args = 2,
		.flags = CMD_SESSION, .exec = cmd_team_signoff,
	},

	{
		.name = "period", .sub = "add",
		.usage = "NAME --start YYYY-MM-DD --end YYYY-MM-DD",
		.summary = "create a period (a draft); prints its name",
		.op = "period.create",
		.keys = KEYS(ARG_S("name")),
		.opts = OPTS(OPT_DREQ("start", "start"),
		    OPT_DREQ("end", "end")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_created,
	},
	{
		.name = "period", .sub = "list",
		.usage = "",
		.summary = "list the periods",
		.op = "period.list",
		.flags = CMD_SESSION, .exec = cmd_period_list,
	},
	{
		.name = "period", .sub = "open",
		.usage = "NAME",
		.summary = "make a period active",
		.op = "period.set_state",
		.keys = KEYS(ARG_S("name")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_period_state,
	},
	{
		.name = "period", .sub = "review",
		.usage = "NAME",
		.summary = "put a period under review",
		.op = "period.set_state",
		.keys = KEYS(ARG_S("name")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_period_state,
	},
	{
		.name = "period", .sub = "close",
		.usage = "NAME [--auto-grade]",
		.summary = "close a period under review once every objective "
		    "is graded (--auto-grade: grade the rest with their "
		    "progress)",
		.op = "period.close",
		.keys = KEYS(ARG_S("name")),
		.opts = OPTS(OPT_F("auto-grade", "auto_grade")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_period_close,
	},
	{
		.name = "period", .sub = "carry",
		.usage = "FROM TO [--team SLUG]",
		.summary = "copy the unmet objectives of FROM and their key "
		    "results into TO (a team's and its sub-teams' with "
		    "--team)",
		.op = "period.carry",
		.keys = KEYS(ARG_S("from"), ARG_S("to")),
		.opts = OPTS(OPT_S("team", "team"), OPT_IDEM),
		.min_args = 2, .max_args = 2,
		.flags = CMD_SESSION | CMD_IDEM, .exec = cmd_period_carry,
	},
	{
		.name = "period", .sub = "reopen",
		.usage = "NAME",
		.summary = "make a period under review active again",
		.op = "period.set_state",
		.keys = KEYS(ARG_S("name")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_period_state,
	},

	{
		.name = "obj", .sub = "add",
		.usage = "--team SLUG --period NAME --title TEXT [--owner "
		    "LOGIN] [--parent ID] [--weight W] [--aspirational] "
		    "[--description TEXT] [--rollup krs|children|both] "
		    "[--idempotency-key K]",
		.summary = "create an objective; prints its id",
		.op = "objective.create",
		.opts = OPTS(OPT_SREQ("team", "team"),
		    OPT_SREQ("period", "period"), OPT_SREQ("title", "title"),
		    OPT_S("owner", "owner"), OPT_ID("parent", "parent"),
		    OPT_N("weight", "weight"),
		    OPT_FV("aspirational", "type", "aspirational"),
		    OPT_S("description", "description"),
		    OPT_S("rollup", "rollup"), OPT_IDEM),
		.flags = CMD_SESSION | CMD_IDEM, .exec = cmd_created,
	},
	{
		.name = "obj", .sub = "list",
		.usage = "[--team SLUG] [--period NAME] [--owner LOGIN | "
		    "--mine] [--archived]",
		.summary = "list objectives (--archived: archived ones too)",
		.op = "objective.list",
		.opts = OPTS(OPT_S("team", "team"), OPT_S("period", "period"),
		    OPT_S("owner", "owner"), OPT_FX("mine", "mine", "owner"),
		    OPT_F("archived", "archived")),
		.flags = CMD_SESSION, .exec = cmd_obj_list,
	},
	{
		.name = "obj", .sub = "show",
		.usage = "ID",
		.summary = "show an objective, its key results, children and "
		    "contributors",
		.op = "objective.get",
		.keys = KEYS(ARG_ID("id")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_obj_show,
	},
	{
		.name = "obj", .sub = "edit",
		.usage = "ID [--title TEXT] [--description TEXT] [--owner "
		    "LOGIN] [--aspirational | --committed] [--rollup "
		    "auto|krs|children|both] [--if-version N]",
		.summary = "change an objective",
		.op = "objective.update",
		.keys = KEYS(ARG_ID("id")),
		.opts = OPTS(OPT_S("title", "title"),
		    OPT_S("description", "description"),
		    OPT_S("owner", "owner"),
		    OPT_FV("aspirational", "type", "aspirational"),
		    OPT_FV("committed", "type", "committed"),
		    OPT_S("rollup", "rollup"), OPT_I("if-version", "version")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_obj_change,
	},
	{
		.name = "obj", .sub = "align",
		.usage = "ID --to PARENT_ID [--weight W] [--if-version N]",
		.summary = "make an objective contribute to another",
		.op = "objective.align",
		.keys = KEYS(ARG_ID("id")),
		.opts = OPTS(OPT_IDREQ("to", "parent"),
		    OPT_N("weight", "weight"), OPT_I("if-version", "version")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_obj_change,
	},
	{
		.name = "obj", .sub = "unalign",
		.usage = "ID [--if-version N]",
		.summary = "detach an objective from its parent",
		.op = "objective.unalign",
		.keys = KEYS(ARG_ID("id")),
		.opts = OPTS(OPT_I("if-version", "version")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_obj_change,
	},
	{
		.name = "obj", .sub = "archive",
		.usage = "ID [--if-version N]",
		.summary = "archive an objective",
		.op = "objective.archive",
		.keys = KEYS(ARG_ID("id")),
		.opts = OPTS(OPT_I("if-version", "version")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_obj_change,
	},
	{
		.name = "obj", .sub = "approve",
		.usage = "ID [--note TEXT]",
		.summary = "sign off a proposed objective (as the parent "
		    "team's lead or the parent objective's owner)",
		.op = "objective.approve",
		.keys = KEYS(ARG_ID("id")),
		.opts = OPTS(OPT_S("note", "note")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_obj_signoff,
	},
	{
		.name = "obj", .sub = "send-back",
		.usage = "ID --note TEXT",
		.summary = "send a proposed objective back to its owner, "
		    "saying why",
		.op = "objective.send_back",
		.keys = KEYS(ARG_ID("id")),
		.opts = OPTS(OPT_SREQ("note", "note")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_obj_signoff,
	},
	{
		.name = "obj", .sub = "grant",
		.usage = "ID LOGIN",
		.summary = "let a user contribute to an objective",
		.op = "objective.grant",
		.keys = KEYS(ARG_ID("id"), ARG_S("login")),
		.min_args = 2, .max_args = 2,
		.flags = CMD_SESSION, .exec = cmd_obj_change,
	},
	{
		.name = "obj", .sub = "revoke",
		.usage = "ID LOGIN",
		.summary = "stop a user contributing to an objective",
		.op = "objective.revoke",
		.keys = KEYS(ARG_ID("id"), ARG_S("login")),
		.min_args = 2, .max_args = 2,
		.flags = CMD_SESSION, .exec = cmd_obj_change,
	},

	{
		.name = "obj", .sub = "guard",
		.usage = "ID --kpi KPI_ID",
		.summary = "name a KPI that must stay healthy while the "
		    "objective is pursued",
		.op = "objective.guard",
		.keys = KEYS(ARG_ID("id")),
		.opts = OPTS(OPT_IDREQ("kpi", "kpi")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_obj_guard,
	},
	{
		.name = "obj", .sub = "unguard",
		.usage = "ID --kpi KPI_ID",
		.summary = "remove a guardrail from an objective",
		.op = "objective.unguard",
		.keys = KEYS(ARG_ID("id")),
		.opts = OPTS(OPT_IDREQ("kpi", "kpi")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_obj_guard,
	},

	{
		.name = "grade",
		.usage = "OBJ_ID SCORE [--note TEXT] [--if-version N] "
		    "[--idempotency-key K]",
		.summary = "grade an objective (SCORE 0.0 to 1.0) while its "
		    "period is in review; --note \"\" removes the note",
		.op = "objective.grade",
		.keys = KEYS(ARG_ID("id"), ARG_N("score")),
		.opts = OPTS(OPT_S("note", "note"),
		    OPT_I("if-version", "version"), OPT_IDEM),
		.min_args = 2, .max_args = 2,
		.flags = CMD_SESSION | CMD_IDEM, .exec = cmd_grade,
	},

	{
		.name = "kr", .sub = "add",
		.usage = "OBJ_ID --title TEXT --type "
		    "increase|decrease|above|below|boolean --target N "
		    "[--start N] [--unit U] [--weight W] [--owner LOGIN] "
		    "[--kpi KPI_ID] [--idempotency-key K]",
		.summary = "add a key result to an objective (bound to a KPI "
		    "with --kpi); prints its id",
		.op = "kr.create",
		.keys = KEYS(ARG_ID("objective")),
		.opts = OPTS(OPT_SREQ("title", "title"),
		    OPT_SREQ("type", "type"), OPT_NREQ("target", "target"),
		    OPT_N("start", "start"), OPT_S("unit", "unit"),
		    OPT_N("weight", "weight"), OPT_S("owner", "owner"),
		    OPT_ID("kpi", "kpi"), OPT_IDEM),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION | CMD_IDEM, .exec = cmd_created,
	},
	{
		.name = "kr", .sub = "show",
		.usage = "KR_ID",
		.summary = "show a key result",
		.op = "kr.get",
		.keys = KEYS(ARG_ID("id")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_kr_show,
	},
	{
		.name = "kr", .sub = "edit",
		.usage = "KR_ID [--title TEXT] [--type TYPE] [--start N] "
		    "[--target N] [--unit U] [--weight W] [--owner LOGIN] "
		    "[--if-version N]",
		.summary = "change a key result",
		.op = "kr.update",
		.keys = KEYS(ARG_ID("id")),
		.opts = OPTS(OPT_S("title", "title"), OPT_S("type", "type"),
		    OPT_N("start", "start"), OPT_N("target", "target"),
		    OPT_S("unit", "unit"), OPT_N("weight", "weight"),
		    OPT_S("owner", "owner"), OPT_I("if-version", "version")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_obj_change,
	},
	{
		.name = "kr", .sub = "rm",
		.usage = "KR_ID",
		.summary = "remove a key result",
		.op = "kr.remove",
		.keys = KEYS(ARG_ID("id")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_removed,
	},
	{
		.name = "kr", .sub = "checkin",
		.usage = "KR_ID VALUE [--confidence 1-10] [--note TEXT] "
		    "[--idempotency-key K]",
		.summary = "record a key result's current value",
		.op = "kr.checkin",
		.keys = KEYS(ARG_ID("id"), ARG_N("value")),
		.opts = OPTS(OPT_I("confidence", "confidence"),
		    OPT_S("note", "note"), OPT_IDEM),
		.min_args = 2, .max_args = 2,
		.flags = CMD_SESSION | CMD_IDEM, .exec = cmd_kr_checkin,
	},
	{
		.name = "kr", .sub = "history",
		.usage = "KR_ID",
		.summary = "list a key result's check-ins, oldest first",
		.op = "kr.history",
		.keys = KEYS(ARG_ID("id")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_kr_history,
	},

	{
		.name = "inbox", .sub = NULL,
		.usage = "",
		.summary = "what needs you, in one list: check-ins, KPI "
		    "readings and grades that are due, sign-offs to give, "
		    "objectives sent back to you, mentions not yet seen",
		.op = "inbox.get",
		.flags = CMD_SESSION, .exec = cmd_inbox,
	},
	{
		.name = "inbox", .sub = "seen",
		.usage = "ID|--all",
		.summary = "mark a mention (or all of yours) seen: it leaves "
		    "the inbox",
		.op = "inbox.seen",
		.keys = KEYS(ARG_ID("id")),
		.opts = OPTS(OPT_F("all", NULL)),
		.min_args = 0, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_inbox_seen,
	},
	{
		.name = "watch", .sub = NULL,
		.usage = "[--team SLUG] [--period NAME] [--mine] "
		    "[--kind K ...] [--since SEQ]",
		.summary = "print events as they happen, one line each "
		    "(--since SEQ: from after that event; --kind checkin, "
		    "kpi, kpi.health_changed ...; --mine: about what you own "
		    "or addressed to you)",
		.op = "event.watch",
		.opts = OPTS(OPT_S("team", "team"), OPT_S("period", "period"),
		    OPT_F("mine", "mine"), OPT_SM("kind"),
		    OPT_I("since", "since")),
		.min_args = 0, .max_args = 0,
		.flags = CMD_SESSION, .exec = cmd_watch,
	},
	{
		.name = "comment", .sub = "add",
		.usage = "obj|kr|checkin|kpi ID [TEXT|-] "
		    "[--idempotency-key K]",
		.summary = "comment on an objective, key result, check-in or "
		    "KPI (the text from standard input when TEXT is - or "
		    "left out); @login mentions tell that user; prints the "
		    "comment's id",
		.op = "comment.add",
		.opts = OPTS(OPT_IDEM),
		.min_args = 2, .max_args = 3,
		.flags = CMD_SESSION | CMD_IDEM, .exec = cmd_comment_add,
	},
	{
		.name = "comment", .sub = "edit",
		.usage = "CID [TEXT|-]",
		.summary = "change the text of a comment of yours (standard "
		    "input when TEXT is - or left out)",
		.op = "comment.edit",
		.min_args = 1, .max_args = 2,
		.flags = CMD_SESSION, .exec = cmd_comment_edit,
	},
	{
		.name = "comment", .sub = "rm",
		.usage = "CID",
		.summary = "remove a comment of yours",
		.op = "comment.remove",
		.keys = KEYS(ARG_ID("id")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_removed,
	},
	{
		.name = "comments",
		.usage = "obj|kr|checkin|kpi ID [--limit N] [--before CID]",
		.summary = "list the comments on a thing, oldest first (the "
		    "last N before comment CID, default the last 50)",
		.op = "comment.list",
		.opts = OPTS(OPT_I("limit", "limit"), OPT_ID("before", "before")),
		.min_args = 2, .max_args = 2,
		.flags = CMD_SESSION, .exec = cmd_comments,
	},
	{
		.name = "notify", .sub = "show",
		.usage = "",
		.summary = "show where your notifications go and which you get",
		.op = "notify.show",
		.flags = CMD_SESSION, .exec = cmd_notify_show,
	},
	{
		.name = "notify", .sub = "set",
		.usage = "[--email ADDR|none] [--reminders on|off] "
		    "[--digest weekly|off] [--alerts on|off] "
		    "[--mentions on|off]",
		.summary = "set your address and the notifications you get "
		    "(each on by default)",
		.op = "notify.set",
		.opts = OPTS(OPT_S("email", NULL), OPT_S("reminders", NULL),
		    OPT_S("digest", NULL), OPT_S("alerts", NULL),
		    OPT_S("mentions", NULL)),
		.flags = CMD_SESSION, .exec = cmd_notify_set,
	},
	{
		.name = "notify", .sub = "run",
		.usage = "reminders|digest|alerts",
		.summary = "send what the schedule would send, now (admin)",
		.op = "notify.run",
		.keys = KEYS(ARG_S("what")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_notify_run,
	},
	{
		.name = "hook", .sub = "add",
		.usage = "--team SLUG URL [--format json|slack] [--kind K ...]",
		.summary = "add a team webhook (admins, the team's leads); "
		    "prints its id and its signing secret once",
		.op = "hook.add",
		.keys = KEYS(ARG_S("url")),
		.opts = OPTS(OPT_SREQ("team", "team"),
		    OPT_S("format", "format"), OPT_SM("kind")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_hook_add,
	},
	{
		.name = "hook", .sub = "list",
		.usage = "[--team SLUG]",
		.summary = "list the webhooks you manage: failures, last "
		    "error, disabled",
		.op = "hook.list",
		.opts = OPTS(OPT_S("team", "team")),
		.flags = CMD_SESSION, .exec = cmd_hook_list,
	},
	{
		.name = "hook", .sub = "rm",
		.usage = "ID",
		.summary = "remove a webhook",
		.op = "hook.remove",
		.keys = KEYS(ARG_ID("id")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_removed,
	},
	{
		.name = "hook", .sub = "test",
		.usage = "ID",
		.summary = "send a webhook a test message (and enable it again "
		    "if it was disabled)",
		.op = "hook.test",
		.keys = KEYS(ARG_ID("id")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_hook_test,
	},

	{
		.name = "token", .sub = "add",
		.usage = "NAME --scope read|kpi.record|kr.checkin ... "
		    "[--kpi ID ...] [--expires DURATION]",
		.summary = "make an API token for scripts and print it once "
		    "(--expires 1h to 2y, default 90d; --kpi: the only KPIs "
		    "its kpi.record may record)",
		.op = "token.add",
		.keys = KEYS(ARG_S("name")),
		.opts = OPTS(OPT_SM("scope"), OPT_SM("kpi"),
		    OPT_S("expires", NULL)),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_token_add,
	},
	{
		.name = "token", .sub = "list",
		.usage = "[--user LOGIN]",
		.summary = "list your API tokens (an admin: another user's)",
		.op = "token.list",
		.opts = OPTS(OPT_S("user", "user")),
		.flags = CMD_SESSION, .exec = cmd_token_list,
	},
	{
		.name = "token", .sub = "rm",
		.usage = "NAME [--user LOGIN]",
		.summary = "revoke an API token at once",
		.op = "token.remove",
		.keys = KEYS(ARG_S("name")),
		.opts = OPTS(OPT_S("user", "user")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_removed,
	},

	{
		.name = "kpi", .sub = "add",
		.usage = "--team SLUG --name TEXT --unit U --direction "
		    "up|down|range --green N --amber N [--green-high N "
		    "--amber-high N] [--frequency daily|weekly|monthly] "
		    "[--owner LOGIN] [--breach-after N] [--description TEXT] "
		    "[--idempotency-key K]",
		.summary = "create a KPI of a team; prints its id",
		.op = "kpi.create",
		.opts = OPTS(OPT_SREQ("team", "team"),
		    OPT_SREQ("name", "name"), OPT_SREQ("unit", "unit"),
		    OPT_SREQ("direction", "direction"),
		    OPT_NREQ("green", "green"), OPT_NREQ("amber", "amber"),
		    OPT_N("green-high", "green_high"),
		    OPT_N("amber-high", "amber_high"),
		    OPT_S("frequency", "frequency"), OPT_S("owner", "owner"),
		    OPT_I("breach-after", "breach_after"),
		    OPT_S("description", "description"), OPT_IDEM),
		.flags = CMD_SESSION | CMD_IDEM, .exec = cmd_created,
	},
	{
		.name = "kpi", .sub = "list",
		.usage = "[--team SLUG] [--health red|amber|green|none] "
		    "[--stale]",
		.summary = "list KPIs: latest value, health, staleness and "
		    "the last 12 readings",
		.op = "kpi.list",
		.opts = OPTS(OPT_S("team", "team"), OPT_S("health", "health"),
		    OPT_F("stale", "stale")),
		.flags = CMD_SESSION, .exec = cmd_kpi_list,
	},
	{
		.name = "kpi", .sub = "show",
		.usage = "ID",
		.summary = "show a KPI",
		.op = "kpi.get",
		.keys = KEYS(ARG_ID("id")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_kpi_show,
	},
	{
		.name = "kpi", .sub = "edit",
		.usage = "ID [--name TEXT] [--description TEXT] [--unit U] "
		    "[--direction up|down|range] [--green N] [--amber N] "
		    "[--green-high N] [--amber-high N] [--frequency F] "
		    "[--owner LOGIN] [--breach-after N] [--if-version N]",
		.summary = "change a KPI's definition",
		.op = "kpi.update",
		.keys = KEYS(ARG_ID("id")),
		.opts = OPTS(OPT_S("name", "name"),
		    OPT_S("description", "description"),
		    OPT_S("unit", "unit"), OPT_S("direction", "direction"),
		    OPT_N("green", "green"), OPT_N("amber", "amber"),
		    OPT_N("green-high", "green_high"),
		    OPT_N("amber-high", "amber_high"),
		    OPT_S("frequency", "frequency"), OPT_S("owner", "owner"),
		    OPT_I("breach-after", "breach_after"),
		    OPT_I("if-version", "version")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_obj_change,
	},
	{
		.name = "kpi", .sub = "archive",
		.usage = "ID [--if-version N]",
		.summary = "archive a KPI (it takes no more readings)",
		.op = "kpi.archive",
		.keys = KEYS(ARG_ID("id")),
		.opts = OPTS(OPT_I("if-version", "version")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_obj_change,
	},
	{
		.name = "kpi", .sub = "record",
		.usage = "ID VALUE [--at TIMESTAMP] [--note TEXT] "
		    "[--idempotency-key K]",
		.summary = "record a reading of a KPI (--at: "
		    "2026-11-30T09:00:00Z or 2026-11-30; default now)",
		.op = "kpi.record",
		.keys = KEYS(ARG_ID("kpi"), ARG_N("value")),
		.opts = OPTS(OPT_S("at", NULL), OPT_S("note", NULL), OPT_IDEM),
		.min_args = 2, .max_args = 2,
		.flags = CMD_SESSION, .exec = cmd_kpi_record,
	},
	{
		.name = "kpi", .sub = "import",
		.usage = "FILE|-",
		.summary = "record readings from CSV (header "
		    "kpi,value,at,note; - for stdin), in batches of up to "
		    "1000, each all or nothing",
		.op = "kpi.record",
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_kpi_import,
	},
	{
		.name = "kpi", .sub = "feed",
		.usage = "ID --source NAME --query TEXT --every DURATION | "
		    "ID --off | ID --now",
		.summary = "read a KPI from a source on a schedule (--every "
		    "1m to 7d), turn its feed off, or run it once now and "
		    "print the reading or the error",
		.op = "kpi.feed",
		.opts = OPTS(OPT_S("source", NULL), OPT_S("query", NULL),
		    OPT_S("every", NULL), OPT_F("off", NULL),
		    OPT_F("now", NULL)),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_kpi_feed,
	},
	{
		.name = "kpi", .sub = "history",
		.usage = "ID [--limit N]",
		.summary = "list a KPI's readings, oldest first (the last N, "
		    "default 100)",
		.op = "kpi.history",
		.keys = KEYS(ARG_ID("id")),
		.opts = OPTS(OPT_I("limit", "limit")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_kpi_history,
	},
	{
		.name = "roi", .sub = "set",
		.usage = "TEAM --period NAME [--headcount N] [--hourly-cost "
		    "N] [--output-value N] [--productivity-pct N] "
		    "[--hours-saved-per-week N] [--retention-change-pct N] "
		    "[--replacement-cost N] [--efficiency-savings N] "
		    "[--framework-hours-per-week N] [--tool-cost N] "
		    "[--idempotency-key K]",
		.summary = "set a team's ROI inputs for a period; shows its "
		    "ROI",
		.op = "roi.set",
		.keys = KEYS(ARG_S("team")),
		.opts = OPTS(OPT_SREQ("period", "period"),
		    OPT_N("headcount", "headcount"),
		    OPT_N("hourly-cost", "hourly_cost"),
		    OPT_N("output-value", "output_value"),
		    OPT_N("productivity-pct", "productivity_pct"),
		    OPT_N("hours-saved-per-week", "hours_saved_per_week"),
		    OPT_N("retention-change-pct", "retention_change_pct"),
		    OPT_N("replacement-cost", "replacement_cost"),
		    OPT_N("efficiency-savings", "efficiency_savings"),
		    OPT_N("framework-hours-per-week", "framework_hours_per_week"),
		    OPT_N("tool-cost", "tool_cost"), OPT_IDEM),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION | CMD_IDEM, .exec = cmd_roi_set,
	},
	{
		.name = "roi", .sub = "show",
		.usage = "TEAM --period NAME | --org --period NAME",
		.summary = "show the framework's ROI for a team, or the "
		    "organisation",
		.op = "roi.get",
		.keys = KEYS(ARG_S("team")),
		.opts = OPTS(OPT_SREQ("period", "period"),
		    OPT_F("org", "org")),
		.max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_roi_show,
	},

	{
		.name = "report",
		.usage = "--period NAME --html FILE|- [--mode OCTAL]",
		.summary = "write one self-contained HTML page for "
		    "executives: the alignment tree, team health, KPIs with "
		    "sparklines, grades and retros (FILE 0600 unless --mode)",
		.opts = OPTS(OPT_SREQ("period", NULL), OPT_SREQ("html", NULL),
		    OPT_S("mode", NULL)),
		.flags = CMD_SESSION, .exec = cmd_report,
	},
	{
		.name = "export",
		.usage = "--period NAME [--format json|csv] [--out FILE "
		    "[--mode OCTAL]]",
		.summary = "everything of a period you may read: one JSON "
		    "document (stdout or FILE), or with csv a directory FILE "
		    "of NAME.csv tables (files 0600 unless --mode)",
		.op = "export",
		.opts = OPTS(OPT_SREQ("period", NULL), OPT_S("format", NULL),
		    OPT_S("out", NULL), OPT_S("mode", NULL)),
		.flags = CMD_SESSION, .exec = cmd_export,
	},
	{
		.name = "import",
		.usage = "FILE|- [--chunk N] [--idempotency-key K]",
		.summary = "(admin) load a JSON export into an empty or new "
		    "period, all or nothing; users and teams must exist (by "
		    "login and slug); N rows a request at most (default and "
		    "server's limit 1000)",
		.op = "import.commit",
		.opts = OPTS(OPT_I("chunk", NULL),
		    OPT_S("idempotency-key", NULL)),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_import,
	},
	{
		.name = "tree",
		.usage = "[--period NAME] [--team SLUG] [--depth N]",
		.summary = "the period's alignment tree and its team tree "
		    "(default period: the active one containing today)",
		.op = "tree",
		.opts = OPTS(OPT_S("period", "period"), OPT_S("team", "team"),
		    OPT_I("depth", "depth")),
		.flags = CMD_SESSION, .exec = cmd_tree,
	},
	{
		.name = "health",
		.usage = "[--period NAME] [--team SLUG]",
		.summary = "each team's framework health, 0 to 100, and its "
		    "weakest part",
		.op = "health",
		.opts = OPTS(OPT_S("period", "period"), OPT_S("team", "team")),
		.flags = CMD_SESSION, .exec = cmd_health,
	},
	{
		.name = "review",
		.usage = "[--period NAME] [--team SLUG]",
		.summary = "what needs attention before or during the "
		    "period's review, by team",
		.op = "review",
		.opts = OPTS(OPT_S("period", "period"), OPT_S("team", "team")),
		.flags = CMD_SESSION, .exec = cmd_review,
	},
	{
		.name = "due",
		.usage = "",
		.summary = "what needs you: check-ins, KPI readings and "
		    "grades that are due",
		.op = "due",
		.flags = CMD_SESSION, .exec = cmd_due,
	},

	{
		.name = "assess",
		.usage = "TEAM [--set KEY=VALUE ...] [--answers FILE] "
		    "[--apply] [--idempotency-key K]",
		.summary = "assess a team: the guide's decision matrix and "
		    "KPI checklist (asked at the terminal unless answered "
		    "with --set or --answers)",
		.op = "assessment.create",
		.keys = KEYS(ARG_S("team")),
		.opts = OPTS(OPT_SM("set"),
		    { .name = "answers", .type = OPT_STR, .excludes = "set" },
		    OPT_F("apply", "apply"), OPT_IDEM),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION | CMD_IDEM, .exec = cmd_assess,
	},
	{
		.name = "assess", .sub = "show",
		.usage = "TEAM [--history]",
		.summary = "show a team's latest assessment, or all of them, "
		    "newest first",
		.op = "assessment.get",
		.keys = KEYS(ARG_S("team")),
		.opts = OPTS(OPT_F("history", "history")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_assess_show,
	},
	{
		.name = "assess", .sub = "questions",
		.usage = "",
		.summary = "list the assessment's questions with their "
		    "weights",
		.op = "assessment.questions",
		.flags = CMD_SESSION, .exec = cmd_assess_questions,
	},
	{
		.name = "assess", .sub = "weight",
		.usage = "KEY N",
		.summary = "change a question's weight (admin)",
		.op = "assessment.set_weight",
		.keys = KEYS(ARG_S("key"), ARG_I("weight")),
		.min_args = 2, .max_args = 2,
		.flags = CMD_SESSION, .exec = cmd_assess_questions,
	},

	{
		.name = "retro",
		.usage = "TEAM --period NAME --note TEXT",
		.summary = "add a note to a team's retrospective of the "
		    "period (leads); prints its id",
		.op = "retro.set",
		.keys = KEYS(ARG_S("team")),
		.opts = OPTS(OPT_SREQ("period", "period"),
		    OPT_SREQ("note", "note"), OPT_IDEM),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION | CMD_IDEM, .exec = cmd_retro,
	},
	{
		.name = "retro", .sub = "show",
		.usage = "TEAM --period NAME",
		.summary = "show a team's retrospective notes of the period, "
		    "oldest first",
		.op = "retro.get",
		.keys = KEYS(ARG_S("team")),
		.opts = OPTS(OPT_SREQ("period", "period")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_retro_show,
	},

	{
		.name = "settings",
		.usage = "",
		.summary = "show the settings",
		.op = "settings.get",
		.flags = CMD_SESSION, .exec = cmd_settings,
	},
	{
		.name = "settings", .sub = "set",
		.usage = "NAME VALUE",
		.summary = "change a setting",
		.op = "settings.set",
		.keys = KEYS(ARG_S("name"), ARG_I("value")),
		.min_args = 2, .max_args = 2,
		.flags = CMD_SESSION, .exec = cmd_settings,
	},
	{
		.name = "audit",
		.usage = "[--since YYYY-MM-DD] [--user LOGIN] [--entity "
		    "TYPE:ID] [--limit N]",
		.summary = "show the audit log, newest first",
		.op = "audit.list",
		.opts = OPTS(OPT_D("since", "since"), OPT_S("user", "user"),
		    OPT_S("entity", "entity"), OPT_I("limit", "limit")),
		.flags = CMD_SESSION, .exec = cmd_audit,
	},
	{
		.name = "source", .sub = "add",
		.usage = "NAME --postgres DSN [--password-stdin] | NAME "
		    "--prometheus URL [--ca FILE] [--bearer-token-stdin]",
		.summary = "add a source feeds read from (admin); its "
		    "password or token from standard input",
		.op = "source.add",
		.keys = KEYS(ARG_S("name")),
		.opts = OPTS(
		    { .name = "postgres", .type = OPT_STR,
			.excludes = "prometheus" },
		    OPT_S("prometheus", NULL), OPT_S("ca", NULL),
		    OPT_F("password-stdin", NULL),
		    OPT_F("bearer-token-stdin", NULL)),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_source_add,
	},
	{
		.name = "source", .sub = "list",
		.usage = "",
		.summary = "list the sources (admin)",
		.op = "source.list",
		.flags = CMD_SESSION, .exec = cmd_source_list,
	},
	{
		.name = "source", .sub = "show",
		.usage = "NAME",
		.summary = "show a source: its target, teams and whether a "
		    "password is set (admin)",
		.op = "source.get",
		.keys = KEYS(ARG_S("name")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_source_show,
	},
	{
		.name = "source", .sub = "rm",
		.usage = "NAME",
		.summary = "remove a source (admin)",
		.op = "source.remove",
		.keys = KEYS(ARG_S("name")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_removed,
	},
	{
		.name = "source", .sub = "test",
		.usage = "NAME",
		.summary = "connect to a source and say what it found (admin)",
		.op = "source.test",
		.keys = KEYS(ARG_S("name")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_source_test,
	},
	{
		.name = "source", .sub = "allow",
		.usage = "NAME --team SLUG",
		.summary = "let a team (and its sub-teams) use a source "
		    "(admin)",
		.op = "source.allow",
		.keys = KEYS(ARG_S("name")),
		.opts = OPTS(OPT_SREQ("team", "team")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_source_show,
	},
	{
		.name = "source", .sub = "disallow",
		.usage = "NAME --team SLUG",
		.summary = "no longer let a team use a source (admin)",
		.op = "source.disallow",
		.keys = KEYS(ARG_S("name")),
		.opts = OPTS(OPT_SREQ("team", "team")),
		.min_args = 1, .max_args = 1,
		.flags = CMD_SESSION, .exec = cmd_source_show,
	},
};
const size_t ncmds = sizeof cmd_table / sizeof cmd_table[0];
