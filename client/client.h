/*
 * client.h: the cairn command-line client.
 *
 * cairn is thin: every command is one line in the table in cairn.c, which
 * says what it is called, how it is used, which op it sends, which
 * positional arguments and options it takes and which of them go into the
 * request.  main() parses the command line against that entry, so exec
 * functions receive checked arguments and only build a request, call and
 * print.  Adding a family of commands (team, period, ...) means a new
 * cmd-*.c file and some table lines; nothing else changes.
 *
 * Nothing is checked client side beyond syntax: the server validates
 * values and permissions, so the client needs no change when they do.
 */
#ifndef CAIRN_CLIENT_H
#define CAIRN_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <msgpack.h>

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
#define PASSWORD_BUF		4096	/* the protocol allows 1024 bytes */

/* Options: "--name VALUE" (OPT_STR, OPT_INT) or "--name" (OPT_FLAG). */
enum opt_type { OPT_FLAG, OPT_STR, OPT_INT };

struct opt_spec {
	const char	*name;		/* without the leading "--" */
	enum opt_type	 type;
	const char	*key;		/* request argument it fills, or NULL */
	bool		 required;
};

#define OPT_S(n, k)	{ (n), OPT_STR, (k), false }
#define OPT_SREQ(n, k)	{ (n), OPT_STR, (k), true }
#define OPT_I(n, k)	{ (n), OPT_INT, (k), false }
#define OPT_F(n, k)	{ (n), OPT_FLAG, (k), false }
#define OPTS(...)	((const struct opt_spec []){ __VA_ARGS__, \
			    { NULL, OPT_FLAG, NULL, false } })
#define KEYS(...)	((const char *const []){ __VA_ARGS__, NULL })

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

#define CMD_NET		0x1	/* connects and says hello */
#define CMD_TOKEN	0x2	/* needs a remembered session */
#define CMD_RESUME	0x4	/* resumes it before the first call */
#define CMD_SESSION	(CMD_NET | CMD_TOKEN | CMD_RESUME)

struct cmd_entry {
	const char		*name;
	const char		*sub;		/* subcommand, or NULL */
	const char		*usage;		/* after "cairn name sub " */
	const char		*summary;
	const char		*op;		/* the op it sends, for cmd_request */
	const char *const	*keys;		/* request keys of positionals */
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

	struct peer		 peer;
	bool			 open;
	uint64_t		 next_id;
	uint64_t		 max_frame;	/* from the hello reply */
	double			 rtt_ms;	/* of the last roundtrip */

	/* The last reply; results point into it until the next call. */
	struct mp_doc		 doc;
	const msgpack_object	*err;		/* its error map, or NULL */
	char			 lcode[32];	/* a local error, if err NULL */
	char			 lmsg[640];
};

/* Request arguments, built up before packing (a map needs its size). */
#define REQ_MAX		32

struct reqargs {
	size_t	n;
	struct {
		const char	*key;
		enum opt_type	 type;	/* OPT_FLAG packs a boolean */
		const char	*s;
		int64_t		 i;
	}	kv[REQ_MAX];
};

/* cairn.c */
int	 cairn_exit_code(const char *, size_t);
int	 usage_error(const struct cmd_entry *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 cmd_help(struct client *, struct cmd_args *);

/* args.c */
int	 args_parse(struct cmd_args *, int, char **,
	    const struct opt_spec *const *, bool, char *, size_t);
const char *args_get(const struct cmd_args *, const char *);
bool	 args_flag(const struct cmd_args *, const char *);
void	 req_str(struct reqargs *, const char *, const char *);
void	 req_int(struct reqargs *, const char *, int64_t);
void	 req_bool(struct reqargs *, const char *, bool);
void	 req_options(struct reqargs *, const struct cmd_args *);
void	 req_positionals(struct reqargs *, const struct cmd_args *,
	    const char *const *);
void	 req_pack(msgpack_packer *, const struct reqargs *);

/* call.c */
int	 client_open(struct client *);
int	 client_try(struct client *, const char *, const struct reqargs *,
	    const msgpack_object **);
int	 client_call(struct client *, const char *, const struct reqargs *,
	    const msgpack_object **);
int	 cmd_request(struct client *, const struct cmd_args *,
	    struct reqargs *, const msgpack_object **);
int	 client_fail(struct client *, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
bool	 client_failed_with(const struct client *, const char *);
void	 client_report(struct client *);
void	 client_close(struct client *);

/* output.c */
int	 out_json(const msgpack_object *);
void	 out_text(FILE *, const char *, size_t);
void	 out_value(FILE *, const msgpack_object *);
void	 out_field(FILE *, const msgpack_object *, const char *);
void	 out_kv(const msgpack_object *);
struct column {
	const char	*title;
	const char	*key;
};
void	 out_table(const struct column *, const msgpack_object *);
const msgpack_object *map_get_type(const msgpack_object *, const char *,
	    msgpack_object_type);

/* tty.c */
int	 read_secret(struct client *, const char *, bool, char *, size_t);

/* cmd-session.c */
int	 cmd_login(struct client *, struct cmd_args *);
int	 cmd_logout(struct client *, struct cmd_args *);
int	 cmd_whoami(struct client *, struct cmd_args *);
int	 cmd_ping(struct client *, struct cmd_args *);

/* cmd-user.c */
int	 cmd_user_add(struct client *, struct cmd_args *);
int	 cmd_user_list(struct client *, struct cmd_args *);
int	 cmd_user_show(struct client *, struct cmd_args *);
int	 cmd_user_change(struct client *, struct cmd_args *);
int	 cmd_passwd(struct client *, struct cmd_args *);

#endif
