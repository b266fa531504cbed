/*
 * cairn.c: the command-line client's main, its global options, help and
 * the exit statuses (the command table is commands.c).
 *
 *	cairn [--server HOST:PORT] [--ca FILE] [--token-file FILE] [--json]
 *	    COMMAND [ARGS]
 *
 * See client.h for how a command is put together.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "client.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"

/* Global options: before the command, or anywhere after it. */
static const struct opt_spec global_opts[] = {
	OPT_S("server", NULL),
	OPT_S("ca", NULL),
	OPT_S("token-file", NULL),
	OPT_F("json", NULL),
	OPT_F("help", NULL),	/* also -h */
	OPT_END
};

/* Options that only make sense before any command. */
static const struct opt_spec lead_opts[] = {
	OPT_F("version", NULL),
	OPT_F("commands", NULL),	/* hidden: print_commands() */
	OPT_END
};

#define NO_OPTS	((const struct opt_spec []){ OPT_END })

/* The commands: commands.c. */
#define NCMDS	ncmds

static const char global_usage[] =
    "cairn [--server HOST:PORT] [--ca FILE] [--token-file FILE] [--json]\n"
    "       COMMAND [ARGS]";

static const char global_help[] =
"Global options (before or after the command):\n"
"  --server HOST:PORT  the server; default $CAIRN_SERVER, else the\n"
"                      remembered session's, else " CAIRN_DEFAULT_SERVER "\n"
"  --ca FILE           the CA certificate the server's must be signed by;\n"
"                      default $CAIRN_CA, else the remembered session's\n"
"  --token-file FILE   act with the API token in FILE (cairn token add),\n"
"                      not the remembered session; FILE must not be\n"
"                      readable by group or others.  Or $CAIRN_TOKEN.\n"
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
	fprintf(f, "Global options: --server HOST:PORT, --ca FILE, "
	    "--token-file FILE, --json (see cairn help).\n");
}

static int	family_usage(const char *, const char *, ...)
		    __attribute__((format(printf, 2, 3))) MUST_CHECK;

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
static MUST_CHECK int
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
	const char	*token_file;
	bool		 json;
	bool		 help;
};

/* The value of global option name: not a command's option of the same
 * name (source add's --ca is the source's CA, not the server's). */
static const char *
global_get(const struct cmd_args *a, const char *name)
{
	for (size_t n = 0; n < a->nopt; n++)
		if (a->opt[n].spec >= global_opts && a->opt[n].spec <
		    global_opts + sizeof global_opts / sizeof *global_opts &&
		    strcmp(a->opt[n].spec->name, name) == 0)
			return a->opt[n].val;
	return NULL;
}

/* Later on the line wins. */
static void
take_globals(struct globals *g, const struct cmd_args *a)
{
	const char *v;

	if ((v = global_get(a, "server")) != NULL)
		g->server = v;
	if ((v = global_get(a, "ca")) != NULL)
		g->ca = v;
	if ((v = global_get(a, "token-file")) != NULL)
		g->token_file = v;
	g->json |= global_get(a, "json") != NULL;
	g->help |= global_get(a, "help") != NULL;
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

/*
 * The API token of --token-file or CAIRN_TOKEN, if any, in c->api_token.
 * The file must be the user's alone, as ssh wants of a private key: a
 * token readable by others is refused rather than used.
 */
static MUST_CHECK int
api_token(struct client *c, const struct globals *g)
{
	const char *env = getenv("CAIRN_TOKEN");
	char buf[256];
	struct stat st;
	size_t n;
	FILE *f;
	int fd;

	if (g->token_file == NULL) {
		if (env != NULL && env[0] != '\0')
			c->api_token = xstrdup(env);
		return CX_OK;
	}
	if ((fd = open(g->token_file, O_RDONLY | O_NOCTTY)) == -1)
		return client_fail(c, CE_CLIENT, "cannot read the token file "
		    "%s: %s", g->token_file, strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return client_fail(c, CE_CLIENT, "the token file %s is not a "
		    "regular file", g->token_file);
	}
	if (st.st_mode & 077) {
		close(fd);
		return client_fail(c, CE_CLIENT, "permissions %04o for the "
		    "token file %s are too open: it must not be readable by "
		    "group or others (chmod 600)",
		    (unsigned)(st.st_mode & 07777), g->token_file);
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return client_fail(c, CE_CLIENT, "cannot read the token file "
		    "%s: %s", g->token_file, strerror(errno));
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	if (n == 0) {
		OPENSSL_cleanse(buf, sizeof buf);
		return client_fail(c, CE_CLIENT, "the token file %s is empty",
		    g->token_file);
	}
	c->api_token = xstrdup(buf);
	OPENSSL_cleanse(buf, sizeof buf);
	return CX_OK;
}

/* Where to connect and how to verify: option, env, session, default. */
static MUST_CHECK int
settle(struct client *c, const struct globals *g)
{
	char err[512];
	int rc;

	if (!config_load(&c->cfg, err, sizeof err))
		return client_fail(c, CE_CLIENT, "cannot read the session: %s",
		    err);
	if ((rc = api_token(c, g)) != CX_OK)
		return rc;
	/* Without a session there is no point in connecting (an API token
	 * replaces it for the commands that resume one). */
	if ((c->cmd->flags & CMD_TOKEN) && c->cfg.token == NULL &&
	    (c->api_token == NULL || !(c->cmd->flags & CMD_RESUME)))
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

/* One option list: "--name" for a flag, "--name=" for one taking a value. */
static void
print_opts(FILE *f, const struct opt_spec *o)
{
	const char *sep = "";

	for (; o != NULL && o->name != NULL; o++) {
		fprintf(f, "%s--%s%s", sep, o->name,
		    o->type == OPT_FLAG ? "" : "=");
		sep = " ";
	}
}

/*
 * --commands (hidden): the command table, for the generated shell
 * completions and the man page cairn(1) (docs/man/), so that neither is
 * a hand-kept list.  Tab-separated lines: "global", the global options;
 * then "command", NAME, SUB (empty for none), OPTIONS, USAGE, SUMMARY.
 */
static void
print_commands(FILE *f)
{
	fputs("global\t", f);
	print_opts(f, global_opts);
	fputs("\n", f);
	for (size_t i = 0; i < NCMDS; i++) {
		const struct cmd_entry *e = &cmd_table[i];

		fprintf(f, "command\t%s\t%s\t", e->name,
		    e->sub != NULL ? e->sub : "");
		print_opts(f, e->opts);
		fprintf(f, "\t%s\t%s\n", e->usage, e->summary);
	}
}

/* Output that cannot be written is a failure, except to a closed pipe. */
static MUST_CHECK int
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
	/* OpenSSL frees everything it built at exit (about a millisecond
	 * of every run): the process is ending, so let the kernel do it.
	 * Secrets are wiped where they are used (the token, passwords), not
	 * by this clean-up. */
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL) != 1) {
		fprintf(stderr, "cairn: cannot initialise OpenSSL\n");
		return CX_ERROR;
	}
	memset(&c, 0, sizeof c);

	if (args_parse(&lead, argc - 1, argv + 1, lead_specs, true, err,
	    sizeof err) != 0)
		return usage_error(NULL, "%s", err);
	take_globals(&g, &lead);
	if (args_flag(&lead, "version")) {
		printf("cairn %s\n", CAIRN_VERSION);
		return finish(CX_OK);
	}
	if (args_flag(&lead, "commands")) {
		print_commands(stdout);
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
	if (c.api_token != NULL) {
		OPENSSL_cleanse(c.api_token, strlen(c.api_token));
		free(c.api_token);
	}
	return finish(rc);
}
