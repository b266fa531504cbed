/*
 * mpack.h: MessagePack handling shared by both sides.
 *
 * Decoding is two steps.  mp_check() walks the raw bytes without allocating
 * and refuses anything malformed, truncated, too deep, with an oversized
 * string or with more elements than allowed, and any container that
 * announces more elements than there are bytes left (so msgpack-c never
 * reserves memory for a lie).  The element count matters because msgpack-c
 * spends 24 bytes on each object: a 1 MiB frame of nils is 25 MiB decoded.  Only then does
 * mp_decode() let msgpack-c build objects, in a zone owned by the mp_doc.
 * msgpack-c's strings point into the bytes it decoded, not into its zone,
 * so the mp_doc keeps its own copy of them: the caller's buffer may be
 * drained or reused as soon as mp_decode() returns.
 *
 * Handlers never touch msgpack_object directly: they read arguments through
 * an mp_reader, whose typed getters check type, range, length and (for
 * strings) UTF-8, copy what
 * they return into the reader's arena, and remember which keys were used so
 * that mp_reader_end() can refuse unknown ones.
 */
#ifndef CAIRN_MPACK_H
#define CAIRN_MPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "attr.h"
#include "wire.h"

struct mp_limits {
	size_t	max_depth;	/* <= MP_DEPTH_HARD_MAX */
	size_t	max_string;
};

enum mp_status {
	MP_OK,
	MP_TRUNCATED,
	MP_MALFORMED,
	MP_TOO_DEEP,
	MP_STR_TOO_LONG,
	MP_TRAILING,
	MP_NOMEM,
	MP_TOO_MANY
};

enum mp_status	 mp_check(const unsigned char *, size_t,
		    const struct mp_limits *) MUST_CHECK;
/* The same, refusing (MP_TOO_MANY) a value of more than max_elements
 * objects, every key and value counted (0: no limit). */
enum mp_status	 mp_check_elements(const unsigned char *, size_t,
		    const struct mp_limits *, size_t max_elements) MUST_CHECK;
const char	*mp_status_str(enum mp_status);

struct mp_doc {
	msgpack_unpacked	 up;	/* owns the zone the objects live in */
	char			*bytes;	/* the copy that strings point into */
	const msgpack_object	*root;
	bool			 live;
};

enum mp_status	 mp_decode(struct mp_doc *, const char *, size_t,
		    const struct mp_limits *) MUST_CHECK;
/* The same, taking a malloc'd buffer that the doc then owns (freed by
 * mp_doc_free, or at once if decoding fails): no second copy; and with
 * mp_check_elements()'s limit. */
enum mp_status	 mp_decode_take(struct mp_doc *, char *, size_t,
		    const struct mp_limits *, size_t max_elements) MUST_CHECK;
void		 mp_doc_free(struct mp_doc *);

const msgpack_object *mp_map_get(const msgpack_object *, const char *)
	    MUST_CHECK;
/* Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing
 * above U+10FFFF, no truncated sequence. */
bool		 mp_utf8_valid(const char *, size_t) MUST_CHECK;
bool		 mp_str_eq(const msgpack_object *, const char *) MUST_CHECK;

/* Typed, checked access to an argument map. */
#define MP_OPTIONAL	0
#define MP_REQUIRED	1

struct mp_reader {
	const msgpack_object	*map;	/* NULL: no arguments */
	uint64_t		 used;	/* bit i: key i was read */
	enum wire_err		 err;	/* first error, E_OK if none */
	char			 msg[200];
	char			 field[64];
	char			**arena;
	size_t			 narena;
};

/* Not MUST_CHECK: a refused map leaves its error in the reader, where the
 * getters and mp_reader_end() find it (the nested readers of import rows
 * and readings rely on that). */
bool	 mp_reader_init(struct mp_reader *, const msgpack_object *);
void	 mp_reader_free(struct mp_reader *);
bool	 mp_reader_ok(const struct mp_reader *) MUST_CHECK;
bool	 mp_reader_end(struct mp_reader *) MUST_CHECK;
void	 mp_reader_fail(struct mp_reader *, enum wire_err, const char *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));

/* Each returns false when absent (optional) or on error (see r->err).
 * Not MUST_CHECK, on purpose: an error is sticky in the reader, so a
 * handler reads every argument and then checks them all at once with
 * req_args_done() (the expect-end); the result only says "present". */
bool	 mp_get_str(struct mp_reader *, const char *, int, size_t, size_t,
	    const char **);
bool	 mp_get_int(struct mp_reader *, const char *, int, int64_t, int64_t,
	    int64_t *);
bool	 mp_get_bool(struct mp_reader *, const char *, int, bool *);
bool	 mp_get_double(struct mp_reader *, const char *, int, double, double,
	    double *);
bool	 mp_get_map(struct mp_reader *, const char *, int,
	    const msgpack_object **);
/* An array of at most max elements (more: E_LIMIT naming it). */
bool	 mp_get_array(struct mp_reader *, const char *, int, size_t,
	    const msgpack_object **);

/* Packing shorthands. */
void	 mp_pack_cstr(msgpack_packer *, const char *);
void	 mp_pack_strn(msgpack_packer *, const char *, size_t);
void	 mp_kv_str(msgpack_packer *, const char *, const char *);
void	 mp_kv_strn(msgpack_packer *, const char *, const char *, size_t);
void	 mp_kv_int(msgpack_packer *, const char *, int64_t);
void	 mp_kv_uint(msgpack_packer *, const char *, uint64_t);
void	 mp_kv_bool(msgpack_packer *, const char *, bool);
void	 mp_kv_double(msgpack_packer *, const char *, double);
void	 mp_kv_nil(msgpack_packer *, const char *);
void	 mp_pack_key(msgpack_packer *, const char *);

#endif
