/*
 * config.h: every cairnd setting, settable on the command line and in the
 * config file (key = value lines).  docs/operations.md lists them.
 */
#ifndef CAIRN_CONFIG_H
#define CAIRN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "attr.h"

#define CONFIG_MAX_REPLICAS	8	/* db.h's DB_MAXREPLICAS */

struct config {
	char	*listen;		/* HOST:PORT */
	char	*cert, *key;		/* PEM files */
	char	*secret_key;		/* sources' credentials (secret.h) */
	char	*secret_key_previous;	/* ... the key being rotated out */
	char	*tls_min_version;	/* "1.3" or "1.2" */
	char	*data_dir;		/* embedded cluster (default) */
	char	*db;			/* external PostgreSQL URL */
	char	*pg_bindir;		/* where initdb/pg_ctl live */
	char	*cluster_user;		/* runs the cluster when root */
	char	*user;			/* serves, when started as root;
					 * NULL: cluster_user */
	char	*init_admin;		/* --init-admin LOGIN */
	bool	 password_stdin;
	bool	 demo;			/* --demo: load the demo and exit */
	char	*log_level;
	char	*log_format;		/* "text" or "json" */
	/* What an operator sees (docs/operations.md, "Metrics"). */
	char	*metrics;		/* HOST:PORT of the HTTP listener */
	int	 metrics_remote;	/* 1: a non-loopback address is meant */
	int	 metrics_interval;	/* s between the database gauges' reads */
	int	 drain_delay;		/* s /readyz is 503 before the stop */
	char	*config_file;		/* --config, read again on SIGHUP */
	char	*outgoing_ca;		/* PEM CAs for outgoing HTTPS, beside
					 * the system store (NULL: none) */
	/* Mail (mail.h): NULL smtp_host, none. */
	char	*smtp_host;
	int	 smtp_port;
	char	*smtp_starttls;		/* "required" or "off" */
	char	*smtp_user;
	char	*smtp_password_file;
	char	*smtp_password;		/* read from the file at start */
	char	*smtp_from;

	/* Limits. */
	size_t	 max_frame;
	size_t	 max_depth;
	size_t	 max_string;
	size_t	 max_queue;		/* requests per connection */
	size_t	 max_output;		/* bytes unsent before we stop */
	size_t	 max_buffered;		/* received bytes not yet decoded */
	size_t	 max_elements;		/* MessagePack objects per request */
	size_t	 max_conns;
	size_t	 max_conns_per_addr;	/* IPv4 address or IPv6 /64 */
	size_t	 conns_reserve;		/* slots kept for light addresses */
	int	 handshake_timeout;	/* seconds */
	int	 idle_timeout;		/* seconds */
	int	 hello_timeout;		/* seconds from TLS to hello */

	/* Database. */
	int	 db_pool;		/* connections */
	int	 db_pipeline;		/* queries in flight per connection */
	size_t	 db_queue;		/* queries waiting for one */
	int	 db_statement_timeout;	/* ms */
	int	 db_connect_timeout;	/* s */
	/* Streaming replicas for the reads that tolerate lag (db.h,
	 * "Replicas"): db_replica given once per replica, in the file or
	 * on the command line (the command line's replace the file's). */
	char	*db_replica[CONFIG_MAX_REPLICAS];
	int	 ndb_replica;
	bool	 db_replica_cli;	/* set from the command line */
	int	 max_replica_lag_ms;
	int	 stream_stall_timeout;	/* s a stream may wait for its reader */
	int	 max_streams_per_user;	/* results in parts at once */
	size_t	 watch_buffer;		/* bytes a watcher may lag by */

	/* Passwords and sessions. */
	int	 hash_threads;
	size_t	 hash_queue;
	int	 session_idle;		/* s */
	int	 session_max;		/* s */
	int	 session_recheck;	/* s between database re-checks */
	int	 login_slow_after;
	int	 login_max_failures;
	int	 login_lockout;		/* s */
	int	 login_addr_logins;	/* names one address may be failing */
	int	 session_keep;		/* s an ended session's row is kept */
	int	 housekeep_interval;	/* s between housekeeping runs */
	int	 shutdown_grace;	/* s; shutdown_timeout is an alias */

	/* Before login (issue 13): startups, their grace and their memory,
	 * and the hash workers shared between sources. */
	int	 login_grace;		/* s from accept to a session */
	size_t	 max_startups;		/* connections not logged in */
	size_t	 max_startups_per_addr;
	size_t	 startup_max_frame;	/* frame limit before login */
	size_t	 startup_max_elements;
	size_t	 startup_max_queue;
	size_t	 startup_max_output;
	size_t	 hash_queue_per_addr;	/* hashes waiting per source */
};

/* conns_reserve left to its default: max_conns / 8. */
#define CONNS_RESERVE_AUTO	((size_t)-1)
/* max_startups left to its default: max_conns / 4. */
#define MAX_STARTUPS_AUTO	((size_t)-1)
/* hash_queue left to its default: max_conns (one job per connection). */
#define HASH_QUEUE_AUTO		((size_t)-1)

void	config_defaults(struct config *);
/* Both return false after printing why. */
bool	config_parse_args(struct config *, int, char **) MUST_CHECK;
bool	config_load_file(struct config *, const char *) MUST_CHECK;
void	config_free(struct config *);
void	config_usage(void);
/* --dump-settings: the table for cairnd.conf(5) (config.c). */
void	config_dump_settings(FILE *);
/*
 * SIGHUP: read the config file again into a fresh config (defaults, then
 * the file, then the command line again, which still wins), then take
 * the settings that may change live from it into cf, logging each one
 * changed; a changed setting that needs a restart is logged as ignored.
 * False (cf untouched) when the file does not parse.
 */
bool	config_reload(struct config *cf, int argc, char **argv) MUST_CHECK;

#endif
