/*
 * watch-frame.c: the watchers' frames, their writes and the delays
 * logged (watch-int.h; the watchers themselves are watch.c's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "events.h"
#include "frame.h"
#include "mpack.h"
#include "samples.h"
#include "watch-int.h"

/*
 * cairnd's share of an event's delay: from its write (its "at", in the
 * change's transaction) to its frames queued on every live watcher's
 * connection, by this machine's clock.  The last WATCH_DELAYS events'
 * delays; logged (info) each WATCH_REPORT_MS there were any, so that an
 * operator (and the bench) can tell the server's part from the clients'.
 */
#define WATCH_REPORT_MS		10000
static struct {
	struct samples	 delay;		/* write to frames queued */
	struct samples	 sweep;		/* a sweep, first slice to last */
	uint64_t	 events, frames;
	uint64_t	 last_report;
} delays;

static void
delay_note(const struct ev *e)
{
	struct timespec ts;
	int64_t now;

	if (e->at_ms == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	samples_add(&delays.delay, now > e->at_ms ? now - e->at_ms : 0);
	delays.events++;
}

/* The tick's report of the delays since the last one, with those of the
 * stages before (events.c). */
void
watch_delay_report(struct watch *wt)
{
	char d[80], sw[80];
	int n = delays.delay.n;

	if (n == 0 || now_ms() - delays.last_report < WATCH_REPORT_MS)
		return;
	samples_take(&delays.delay, d, sizeof d);
	samples_take(&delays.sweep, sw, sizeof sw);
	log_info("watch: %llu events sent as %llu frames; delay from the "
	    "write to the frames queued: %s (%d sampled); a sweep of the "
	    "watchers: %s", (unsigned long long)delays.events,
	    (unsigned long long)delays.frames, d, n, sw);
	events_report(wt->ev);
	delays.events = delays.frames = 0;
	delays.last_report = now_ms();
}

void
watch_sweep_noted(uint64_t ms)
{
	samples_add(&delays.sweep, (int64_t)ms);
}

/* Frames ---------------------------------------------------------------- */

size_t
watch_out_len(const struct watcher *w)
{
	const struct conn *c = w->req->conn;

	if (c->state == CONN_DEAD || c->bev == NULL)
		return 0;
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

/* Append one frame {"id", "ok": true, key: body} to buf, body already
 * packed: one event is packed once for all watchers, and only this
 * envelope (its request's id) per watcher. */
static void
frame_append(msgpack_sbuffer *buf, const struct watcher *w, const char *key,
    const char *body, size_t blen)
{
	static const char room[FRAME_HEADER_SIZE];
	size_t at = buf->size;
	msgpack_packer pk;

	/* The header's room first, filled in once the length is known. */
	msgpack_sbuffer_write(buf, room, sizeof room);
	msgpack_packer_init(&pk, buf, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	mp_pack_key(&pk, WIRE_ID);
	msgpack_pack_uint64(&pk, w->req->id);
	mp_kv_bool(&pk, WIRE_OK, true);
	mp_pack_key(&pk, key);
	msgpack_sbuffer_write(buf, body, blen);
	frame_put_header((unsigned char *)buf->data + at,
	    (uint32_t)(buf->size - at - FRAME_HEADER_SIZE));
}

/*
 * Send buf's frames on w's connection, in one write.  When nothing is
 * queued on the connection they are written at once, one SSL_write: no
 * write interest turned on and off in epoll, no callback, for each of
 * 1,000 watchers at each watch_batch.  Safe because an empty output buffer
 * means no write of libevent's is pending in the SSL object (libevent's
 * writes come from that buffer), and SSL_want_write() says no read is
 * waiting on a write.  When the socket is full (WANT_WRITE, part of the
 * record in OpenSSL's buffer) or it failed, the bytes go to the output
 * buffer: libevent's next SSL_write then starts with the same bytes,
 * as OpenSSL requires (it sets SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, and
 * at most WATCH_DIRECT_MAX, its own write size, is written this way so
 * that its retry is never shorter), or meets the error and closes.
 */
void
watch_frames_send(struct watcher *w, const msgpack_sbuffer *buf, bool direct)
{
	struct conn *c = w->req->conn;
	struct evbuffer *out;
	SSL *ssl;

	if (buf->size == 0 || c->state == CONN_DEAD || c->bev == NULL)
		return;
	c->last_reply_ms = w->last_frame_ms = now_ms();
	out = bufferevent_get_output(c->bev);
	if (direct && evbuffer_get_length(out) == 0 &&
	    buf->size <= WATCH_DIRECT_MAX &&
	    (ssl = bufferevent_openssl_get_ssl(c->bev)) != NULL &&
	    SSL_is_init_finished(ssl) && !SSL_want_write(ssl)) {
		ERR_clear_error();
		if (SSL_write(ssl, buf->data, (int)buf->size) ==
		    (int)buf->size)
			return;
		ERR_clear_error();
	}
	evbuffer_add(out, buf->data, buf->size);
}

/* The frames of one watcher, built here, then sent in one write. */
msgpack_sbuffer watch_batch;

/* One frame, through the output buffer: the "watching" frames, whose
 * write callback kicks the connection (conn.c), so that requests
 * pipelined behind a watch that starts are answered then. */
static void
frame(struct watcher *w, const char *key, const char *body, size_t blen)
{
	watch_batch.size = 0;
	frame_append(&watch_batch, w, key, body, blen);
	watch_frames_send(w, &watch_batch, false);
}

void
watch_watching_frame(struct watcher *w)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	mp_kv_int(&pk, WIRE_SEQ, w->last);
	frame(w, WIRE_WATCHING, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

/* Consider event e for w: its frame appended to buf when w may read it
 * and asked for it (true). */
bool
watch_consider(struct watcher *w, const struct ev *e, msgpack_sbuffer *buf)
{
	if (e->seq <= w->last)
		return false;
	/* Not past a change of facts until they are read again. */
	if (w->wt->facts_at != 0 && e->seq > w->wt->facts_at)
		return false;
	w->last = e->seq;
	if (!watch_rule_wants(&w->r, e))
		return false;
	frame_append(buf, w, WIRE_EVENT, e->packed, e->size);
	w->sent = e->seq;
	return true;
}

/* One event of a replay into watch_batch: none once watch_batch holds WATCH_OUT_LOW,
 * so that one write of a watcher is bounded; the rest waits for the next
 * sweep (on_deliver) or turn of the catch-up. */
bool		watch_replay_held;		/* watch_replay_one left some out */

void
watch_replay_one(void *arg, const struct ev *e)
{
	if (watch_batch.size >= WATCH_OUT_LOW)
		watch_replay_held = true;
	else if (watch_consider(arg, e, &watch_batch))
		delays.frames++;
}

/* A sweep's end: the delay of each event it brought, to the frames
 * queued on every live watcher's connection. */
void
watch_note_one(void *arg, const struct ev *e)
{
	delay_note(e);
}
