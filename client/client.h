/*
 * client.h: the cairn command-line client.
 *
 * cairn is thin: every command is one entry in the table in commands.c
 * (designated initialisers, as tmux's cmd_entry), which says what it is
 * called, how it is used, which op it sends, which positional arguments
 * and options it takes and which of them go into the request.  main()
 * parses the command line against that entry, so exec functions receive
 * checked arguments and only build a request, call and print.  Adding a
 * family of commands (team, period, ...) means a new cmd-*.c file and
 * some table entries; nothing else changes.
 *
 * Nothing is checked client side beyond what a value's type can hold (an
 * integer that fits, a number a double holds, a date that exists) and the
 * string size the server announces: the server validates values and
 * permissions, so the client needs no change when they do.
 */
#ifndef CAIRN_CLIENT_H
#define CAIRN_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <msgpack.h>

#include "attr.h"
#include "config.h"
#include "mpack.h"
#include "peer.h"

/* Exit statuses.  cairn_exit_code() maps error codes onto them. */
#define CX_OK		0
#define CX_ERROR	1	/* anything else */
#define CX_USAGE	2
#define CX_AUTH		3	/* E_AUTH, not logged in */
#define CX_FORBIDDEN	4
#define CX_NOT_FOUND	5
#define CX_CONFLICT	6
#define CX_REFUSED	7	/* E_RULE, E_INVALID, E_LIMIT */
#define CX_CONNECT	8	/* connect, TLS, E_UNAVAILABLE */

/* Codes for errors found locally, reported like the server's. */
#define CE_CONNECT	"E_CONNECT"
#define CE_TLS		"E_TLS"
#define CE_CLIENT	"E_CLIENT"	/* any other local failure */

#define CAIRN_DEFAULT_SERVER	"127.0.0.1:7443"
#define CAIRN_TIMEOUT_MS	10000
#define PASSWORD_PROTO_MAX	1024	/* bytes the protocol allows */
#define PASSWORD_BUF		4096	/* so that the server says it */

/*
 * Options: "--name VALUE" (OPT_STR, OPT_INT, OPT_NUM, OPT_ID, OPT_DATE) or
 * "--name" (OPT_FLAG).  The same specs describe positional arguments
 * (ARG_*), whose name is their request key.  Values are checked for their
 * type only: OPT_INT an int64, OPT_ID a positive int64, OPT_NUM an integer
 * or a decimal number a double holds, neither infinite nor rounded to 0
 * (sent as an integer if it is written as one), OPT_DATE a YYYY-MM-DD day
 * that exists (sent as a string).
 */
enum opt_type { OPT_FLAG, OPT_STR, OPT_INT, OPT_NUM, OPT_ID, OPT_DATE,
	OPT_MULTI	/* a string option that may be repeated: the command
			 * reads every one (it has no request key) */
};

struct opt_spec {
	const char	*name;		/* without the leading "--" */
	enum opt_type	 type;
	const char	*key;		/* request argument it fills, or NULL */
	bool		 required;
	const char	*value;		/* a flag sends this string, not true */
	const char	*excludes;	/* an option it cannot go with */
};

#define OPT_(n, t, k, r)	{ .name = (n), .type = (t), .key = (k), \
			    .required = (r) }
#define OPT_S(n, k)	OPT_((n), OPT_STR, (k), false)
#define OPT_SREQ(n, k)	OPT_((n), OPT_STR, (k), true)
#define OPT_I(n, k)	OPT_((n), OPT_INT, (k), false)
#define OPT_N(n, k)	OPT_((n), OPT_NUM, (k), false)
#define OPT_NREQ(n, k)	OPT_((n), OPT_NUM, (k), true)
#define OPT_ID(n, k)	OPT_((n), OPT_ID, (k), false)
#define OPT_IDREQ(n, k)	OPT_((n), OPT_ID, (k), true)
#define OPT_D(n, k)	OPT_((n), OPT_DATE, (k), false)
#define OPT_DREQ(n, k)	OPT_((n), OPT_DATE, (k), true)
#define OPT_F(n, k)	OPT_((n), OPT_FLAG, (k), false)
/* A flag that sends the string v under k; flags sharing k exclude. */
#define OPT_FV(n, k, v)	{ .name = (n), .type = OPT_FLAG, .key = (k), \
			    .value = (v) }
/* A flag that cannot be given with option x. */
#define OPT_FX(n, k, x)	{ .name = (n), .type = OPT_FLAG, .key = (k), \
			    .excludes = (x) }
/* A string option that may be repeated, read by the command itself. */
#define OPT_SM(n)	OPT_((n), OPT_MULTI, NULL, false)
/* The end of a list of specs. */
#define OPT_END		{ .name = NULL }
#define OPTS(...)	((const struct opt_spec []){ __VA_ARGS__, OPT_END })

/* Positional arguments, in order, each sent under its name. */
#define ARG_S(k)	OPT_((k), OPT_STR, (k), false)
#define ARG_I(k)	OPT_((k), OPT_INT, (k), false)
#define ARG_N(k)	OPT_((k), OPT_NUM, (k), false)
#define ARG_ID(k)	OPT_((k), OPT_ID, (k), false)
#define KEYS(...)	OPTS(__VA_ARGS__)

#define ARGS_MAX_OPTS	32

struct cmd_args {
	int		 argc;		/* positional arguments only */
	char		**argv;
	size_t		 nopt;
	struct {
		const struct opt_spec	*spec;
		const char		*val;	/* "" for a flag */
	}		 opt[ARGS_MAX_OPTS];
};

struct client;
struct column;

#define CMD_NET		0x1	/* connects and says hello */
#define CMD_TOKEN	0x2	/* needs a remembered session */
#define CMD_RESUME	0x4	/* resumes it before the first call */
#define CMD_SESSION	(CMD_NET | CMD_TOKEN | CMD_RESUME)
/* Creates something: sends an idempotency key (--idempotency-key, or a
 * fresh random one), so that it may be retried (retry.c). */
#define CMD_IDEM	0x8

/* The option every CMD_IDEM command takes. */
#define OPT_IDEM	OPT_S("idempotency-key", "idempotency_key")
/* A keyed write or a read whose connection dropped is sent again up to
 * CALL_RETRIES times, after CALL_RETRY_MS, then twice as long each time
 * (jittered): 3.75 s in all, long enough for HAProxy to find the other
 * cairnd or for a restarting one to come back (retry.c). */
#define CALL_RETRIES	4
#define CALL_RETRY_MS	250

struct cmd_entry {
	const char		*name;
	const char		*sub;		/* subcommand ("member add"), or
						 * NULL: the family's bare command */
	const char		*usage;		/* after "cairn name sub " */
	const char		*summary;
	const char		*op;		/* the op it sends, for cmd_request */
	const struct opt_spec	*keys;		/* positionals (ARG_*), or NULL */
	const struct opt_spec	*opts;		/* NULL: none */
	int			 min_args;
	int			 max_args;
	int			 flags;
	int			(*exec)(struct client *, struct cmd_args *);
};

struct client {
	const struct cmd_entry	*cmd;
	bool			 json;
	const char		*server;	/* borrowed from argv, env, cfg */
	const char		*ca;
	struct config		 cfg;
	/* An API token (CAIRN_TOKEN or --token-file): sent with
	 * session.token instead of resuming the saved session, which is
	 * then neither needed nor written.  Malloc'd, wiped when freed. */
	char			*api_token;

	struct peer		 peer;
	bool			 open;
	uint64_t		 next_id;
	uint64_t		 max_frame;	/* from the hello reply */
	uint64_t		 max_string;	/* from the hello reply, or 0 */
	double			 rtt_ms;	/* of the last roundtrip */

	/* The last reply; results point into it until the next call. */
	struct mp_doc		 doc;
	const msgpack_object	*err;		/* its error map, or NULL */
	char			 lcode[32];	/* a local error, if err NULL */
	char			 lmsg[640];

	char			 idem_key[33];	/* generated for CMD_IDEM */

	/* The parts of the last reply, and the map merging them (parts.c). */
	struct mp_doc		**parts;
	size_t			 nparts, partscap;
	msgpack_zone		*merged;
};

/* Request arguments, built up before packing (a map needs its size). */
#define REQ_MAX		32

struct reqargs {
	size_t	n;
	struct {
		const char	*key;
		enum opt_type	 type;	/* OPT_FLAG: boolean, OPT_NUM: double */
		const char	*s;
		int64_t		 i;
		double		 d;
		/* Already packed MessagePack (req_raw), or NULL. */
		const char	*raw;
		size_t		 rawlen;
	}	kv[REQ_MAX];
};

/* cairn.c */
int	 cairn_exit_code(const char *, size_t);
int	 usage_error(const struct cmd_entry *, const char *, ...)
	    __attribute__((format(printf, 2, 3))) MUST_CHECK;
int	 cmd_help(struct client *, struct cmd_args *) MUST_CHECK;

/* args.c */
int	 args_parse(struct cmd_args *, int, char **,
	    const struct opt_spec *const *, bool, char *, size_t) MUST_CHECK;
int	 args_check_positionals(const struct cmd_args *,
	    const struct opt_spec *, char *, size_t) MUST_CHECK;
const char *args_get(const struct cmd_args *, const char *);
bool	 args_flag(const struct cmd_args *, const char *);
void	 req_str(struct reqargs *, const char *, const char *);
void	 req_int(struct reqargs *, const char *, int64_t);
void	 req_bool(struct reqargs *, const char *, bool);
void	 req_double(struct reqargs *, const char *, double);
void	 req_raw(struct reqargs *, const char *, const char *, size_t);
void	 req_options(struct reqargs *, const struct cmd_args *);
void	 req_positionals(struct reqargs *, const struct cmd_args *,
	    const struct opt_spec *);
void	 req_pack(msgpack_packer *, const struct reqargs *);
/* The decimal syntax the option parser takes for numbers. */
bool	 double_syntax(const char *);
const char *req_longest_str(const struct reqargs *, size_t *);

/* retry.c */
bool	 client_is_read(const char *);
const char *const *client_read_ops(void);
bool	 client_may_retry(struct client *, const char *,
	    const struct reqargs *, int, bool) MUST_CHECK;

/* call.c */
int	 client_open(struct client *) MUST_CHECK;
int	 open_quiet(struct client *) MUST_CHECK;
int	 local_errorf(struct client *, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4))) MUST_CHECK;
int	 client_check_reply(struct client *, uint64_t,
	    const msgpack_object **) MUST_CHECK;
int	 client_send_parts(struct client *, const char *,
	    const struct reqargs *, uint64_t *, const msgpack_object **)
	    MUST_CHECK;
/* parts.c */
int	 cmd_request_parts(struct client *, const struct cmd_args *,
	    struct reqargs *, const msgpack_object **) MUST_CHECK;
bool	 client_is_part(const struct client *, uint64_t);
void	 client_parts_free(struct client *);
int	 client_try(struct client *, const char *, const struct reqargs *,
	    const msgpack_object **) MUST_CHECK;
int	 client_call(struct client *, const char *, const struct reqargs *,
	    const msgpack_object **) MUST_CHECK;
int	 client_try_idem(struct client *, const char *, const struct reqargs *,
	    const msgpack_object **) MUST_CHECK;
/*
 * A result in parts (docs/protocol.md, "Results in parts"): the request
 * asks for parts; each part's rows go to cb as they arrive (cb returns
 * CX_OK to go on); *result is the final result map.  With cb NULL the
 * parts are gathered instead: *result is then the final map with each
 * set's rows merged in as an array, exactly what a client that did not ask
 * for parts would get in one frame.  Valid until the next call.
 */
typedef int part_cb(void *, const char *set, size_t setlen,
	    const msgpack_object *rows);
int	 client_call_parts(struct client *, const char *,
	    const struct reqargs *, part_cb *, void *,
	    const msgpack_object **) MUST_CHECK;
/* client_call_parts without reporting the error (as client_try). */
int	 client_try_parts(struct client *, const char *,
	    const struct reqargs *, part_cb *, void *,
	    const msgpack_object **) MUST_CHECK;
int	 client_new_idem_key(struct client *, char *, size_t) MUST_CHECK;
int	 cmd_request(struct client *, const struct cmd_args *,
	    struct reqargs *, const msgpack_object **) MUST_CHECK;
int	 cmd_fetch(struct client *, const struct cmd_args *,
	    struct reqargs *, const msgpack_object **) MUST_CHECK;
int	 cmd_fetch_table(struct client *, struct cmd_args *,
	    const struct column *) MUST_CHECK;
int	 cmd_created(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_removed(struct client *, struct cmd_args *) MUST_CHECK;
int	 client_fail(struct client *, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4))) MUST_CHECK;
bool	 client_failed_with(const struct client *, const char *);
void	 client_report(struct client *);
void	 client_close(struct client *);

/* output.c */
/* A number of a reply (integer or finite float) as a double; false for
 * none (v NULL) or anything else. */
bool	 mp_num(const msgpack_object *, double *) MUST_CHECK;
int	 out_json(const msgpack_object *);	/* CX_OK, always */
/* Text for a terminal: controls and invalid bytes '?', the format
 * characters of out_is_format_char as "<U+" and four hex digits ">"
 * (a zero-width space prints "<U+200B>"). */
void	 out_text(FILE *, const char *, size_t);
bool	 out_is_format_char(uint32_t);
void	 out_value(FILE *, const msgpack_object *);
void	 out_kv(const msgpack_object *);
/* A cell (or field) shows row[key], through fmt if not NULL. */
typedef void out_fmt(FILE *, const msgpack_object *, const char *);
struct column {
	const char	*title;
	const char	*key;
	out_fmt		*fmt;
};
out_fmt	 out_field;
out_fmt	 out_percent;
out_fmt	 out_list;
void	 out_table(const struct column *, const msgpack_object *);
void	 out_fields(const struct column *, const msgpack_object *);
void	 out_section(const char *, const struct column *,
	    const msgpack_object *, const char *);
void	 out_id_says(const msgpack_object *, const char *,
	    const struct column *);
const msgpack_object *map_get_type(const msgpack_object *, const char *,
	    msgpack_object_type);
/* A number (integer or float) of a map as a double; false if none. */
bool	 map_get_num(const msgpack_object *, const char *, double *)
	    __attribute__((warn_unused_result));

/* tty.c */
int	 read_secret(struct client *, const char *, bool, char *, size_t)
	    MUST_CHECK;

/* cmd-session.c */
/* cmd-feed.c */
bool	 duration_parse(const char *, int64_t *) MUST_CHECK;
void	 out_feed(FILE *, const msgpack_object *, const char *);
void	 out_feed_short(FILE *, const msgpack_object *, const char *);
int	 cmd_kpi_feed(struct client *, struct cmd_args *) MUST_CHECK;

int	 cmd_login(struct client *, struct cmd_args *) MUST_CHECK;
/* cmd-rollup.c: due's and the inbox's items, one a line */
void	 out_items(const msgpack_object *, const char *);
/* cmd-inbox.c */
int	 cmd_inbox(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_inbox_seen(struct client *, struct cmd_args *) MUST_CHECK;
/* cmd-watch.c */
int	 cmd_watch(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_logout(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_whoami(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_ping(struct client *, struct cmd_args *) MUST_CHECK;

/* cmd-user.c */
int	 cmd_user_add(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_user_list(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_user_show(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_user_change(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_user_budget(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_passwd(struct client *, struct cmd_args *) MUST_CHECK;

/* cmd-team.c */
int	 cmd_team_add(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_team_list(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_team_show(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_team_change(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_team_rm(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_team_member(struct client *, struct cmd_args *) MUST_CHECK;

/* cmd-period.c */
int	 cmd_period_add(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_period_list(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_period_state(struct client *, struct cmd_args *) MUST_CHECK;

/* cmd-cycle.c */
int	 cmd_retro(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_retro_show(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_period_close(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_period_carry(struct client *, struct cmd_args *) MUST_CHECK;

/* cmd-obj.c */
int	 cmd_obj_add(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_obj_list(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_obj_show(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_grade(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_obj_change(struct client *, struct cmd_args *) MUST_CHECK;

/* cmd-kr.c */
int	 cmd_kr_add(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_kr_show(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_kr_edit(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_kr_rm(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_kr_checkin(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_kr_history(struct client *, struct cmd_args *) MUST_CHECK;
/* cmd-comment.c */
int	 cmd_comment_add(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_comment_edit(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_comments(struct client *, struct cmd_args *) MUST_CHECK;
/* obj show's comments: their count and the last one. */
void	 print_comments(const msgpack_object *);
/* cmd-notify.c */
int	 cmd_notify_show(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_notify_set(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_notify_run(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_hook_add(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_hook_list(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_hook_test(struct client *, struct cmd_args *) MUST_CHECK;

/* cmd-token.c */
int	 cmd_token_add(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_token_list(struct client *, struct cmd_args *) MUST_CHECK;
/* A key result's field that the server withholds when its KPI is hidden
 * to the caller (kpi_hidden): "(hidden)" then. */
out_fmt	 out_kr_seen;
out_fmt	 out_kr_seen_percent;

/* cmd-assess.c */
int	 cmd_assess(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_assess_show(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_assess_questions(struct client *, struct cmd_args *) MUST_CHECK;

/* cmd-tiers.c */
int	 cmd_obj_guard(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_team_framework(struct client *, struct cmd_args *) MUST_CHECK;
/* cmd-signoff.c */
int	 cmd_team_signoff(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_obj_signoff(struct client *, struct cmd_args *) MUST_CHECK;
out_fmt	 out_signoff;
out_fmt	 out_on_off;
void	 print_guardrails(const msgpack_object *);
/* row[key], or "(hidden)" when the row is {"hidden": true}. */
out_fmt	 out_or_hidden;
/* cmd-kpi.c */
int	 cmd_kpi_list(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_kpi_show(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_kpi_record(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_kpi_import(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_kpi_history(struct client *, struct cmd_args *) MUST_CHECK;
/* cmd-roi.c */
int	 cmd_roi_set(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_roi_show(struct client *, struct cmd_args *) MUST_CHECK;
/* cmd-tree.c, cmd-rollup.c */
int	 cmd_tree(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_health(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_review(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_due(struct client *, struct cmd_args *) MUST_CHECK;

/* cmd-report.c */
int	 cmd_report(struct client *, struct cmd_args *) MUST_CHECK;

/* cmd-export.c, cmd-import.c */
int	 cmd_export(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_import(struct client *, struct cmd_args *) MUST_CHECK;

/* cmd-source.c */
int	 cmd_source_add(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_source_list(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_source_show(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_source_test(struct client *, struct cmd_args *) MUST_CHECK;

/* cmd-admin.c */
int	 cmd_settings(struct client *, struct cmd_args *) MUST_CHECK;
int	 cmd_audit(struct client *, struct cmd_args *) MUST_CHECK;

/* commands.c: the command table. */
extern const struct cmd_entry cmd_table[];
extern const size_t ncmds;

#endif
