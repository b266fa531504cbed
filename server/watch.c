/*
 * watch.c: event.watch, the op behind `cairn watch` (docs/protocol.md
 * "Events").
 *
 * A watcher is a request that does not end: after its first frame
 * {"id", "ok": true, "watching": {"seq": N}} the server pushes one frame
 * {"id", "ok": true, "event": {...}} per event the caller may read and
 * asked for, in seq order, and a "watching" frame again after
 * WATCH_HEARTBEAT_MS without one (so that a client can tell a quiet stream
 * from a dead one, and a dead client is found by the writes failing).  It
 * ends with an error frame only: E_LIMIT when the client fell behind by
 * more than watch_buffer bytes of output, E_AUTH when its user was
 * disabled, E_UNAVAILABLE when cairnd stops; each carries "seq", the last
 * event sent, from which `--since` resumes without a gap.
 *
 * Reading rule: each event is checked against facts cached per watcher
 * (the teams the user reads: teams_readable(); the objectives the user
 * contributes to; the role), the same rule as event_readable() in
 * sql/logic/event.sql.  An event that may change those facts (membership,
 * a team moved, created or removed, a contributor, a role, a user
 * disabled) makes every watcher catch up after it: the facts are read
 * again first, then the events after it are replayed from the ring (or
 * the table), so no event is judged on stale facts.
 *
 * Delivery (on_deliver): new events are taken from the ring of events.c
 * by sweeps over the live watchers, WATCH_SLICE of them per turn of the
 * loop, each watcher's frames in one write, written directly when its
 * connection has nothing queued (watch-frame.c): about 3 ms of CPU per
 * 1,000 frames (make bench, section watch).
 *
 * Catching up (--since, a refresh, a client that was slow): from the ring
 * when it reaches back far enough, else from the table in pages of
 * WATCH_PAGE, each page only once the client's output is below
 * WATCH_OUT_LOW: a catch-up is paced by the client, never dropped.
 * Memory per watcher: the struct, its cached facts (8 bytes per readable
 * team and contributed objective), and its connection's output, at most
 * watch_buffer plus one write (at most WATCH_OUT_LOW plus one event, or a
 * page).  One buffer per cairnd holds the write being built.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "events.h"
#include "frame.h"
#include "mpack.h"
#include "op.h"
#include "row.h"
#include "sql.h"
#include "stmt.h"
#include "watch-int.h"
#include "watch-rule.h"
#include "watch.h"
#include "xmalloc.h"

#define WATCH_PAGE		100
#define WATCH_HEARTBEAT_MS	30000
#define WATCH_TICK_MS		50
#define WATCH_SLICE		64	/* watchers written per turn */

/* The facts of a watcher (ctx) or of each watcher (refresh). */
#define WATCH_FACTS							\
	" u.role AS role, NOT u.enabled AS disabled,"			\
	" array(SELECT id FROM teams_readable(u.id, u.role)"		\
	" ORDER BY 1)::text AS teams,"					\
	" array(SELECT objective_id FROM objective_contributors"	\
	" WHERE user_id = u.id ORDER BY 1)::text AS objs"

static const struct field ctx_f[] = {
	{ "role", F_HIDDEN }, { "disabled", F_HIDDEN }, { "teams", F_HIDDEN },
	{ "objs", F_HIDDEN }, { "team_id", F_HIDDEN }, { "subtree", F_HIDDEN },
	{ "period_id", F_HIDDEN }, { "last_seq", F_HIDDEN },
	{ "pruned_through", F_HIDDEN },
};
static const struct fieldset FS_WATCH_CTX = FIELDSET("watch", ctx_f);

static const struct field refresh_f[] = {
	{ "n", F_HIDDEN }, { "role", F_HIDDEN }, { "disabled", F_HIDDEN },
	{ "teams", F_HIDDEN }, { "objs", F_HIDDEN }, { "subtree", F_HIDDEN },
	{ "ended", F_HIDDEN },
};
static const struct fieldset FS_WATCH_REFRESH = FIELDSET("watcher",
    refresh_f);

const stmt_table watch_stmts = {
	/* team, period: NULL for none; a name that does not exist gives
	 * its id NULL (answered E_NOT_FOUND). */
	[ST_WATCH_CTX] = { .name = "watch_ctx", .kind = STMT_READ,
	    .params = "caller team period",
	    .sql = "SELECT" WATCH_FACTS ","
	    " t.id AS team_id, CASE WHEN t.id IS NULL THEN NULL ELSE"
	    " array(SELECT id FROM team_subtree(t.id) ORDER BY 1)::text END"
	    " AS subtree, p.id AS period_id, s.last_seq, s.pruned_through"
	    " FROM users u CROSS JOIN events_state s"
	    " LEFT JOIN teams t ON t.slug = $team::text"
	    " LEFT JOIN periods p ON p.name = $period::text"
	    " WHERE u.id = $caller::bigint",
	    .returns = &FS_WATCH_CTX },
	/* users, roots: one element per watcher (root 0: no --team). */
	[ST_WATCH_REFRESH] = { .name = "watch_refresh", .kind = STMT_READ,
	    .params = "users roots sids tids",
	    .sql = "SELECT w.n," WATCH_FACTS ","
	    " CASE WHEN w.root = 0 THEN NULL ELSE array(SELECT id"
	    " FROM team_subtree(w.root) ORDER BY 1)::text END AS subtree,"
	    " (w.sid <> 0 AND NOT EXISTS (SELECT 1 FROM sessions s"
	    " WHERE s.id = w.sid AND s.revoked_at IS NULL"
	    " AND s.expires_at > now())) OR (w.tid <> 0 AND NOT EXISTS"
	    " (SELECT 1 FROM api_tokens t WHERE t.id = w.tid AND"
	    " (t.expires_at IS NULL OR t.expires_at > now()))) AS ended"
	    " FROM unnest($users::bigint[], $roots::bigint[],"
	    " $sids::bigint[], $tids::bigint[])"
	    " WITH ORDINALITY AS w (uid, root, sid, tid, n)"
	    " JOIN users u ON u.id = w.uid ORDER BY w.n",
	    .returns = &FS_WATCH_REFRESH },
	[ST_WATCH_PAGE] = { .name = "watch_page", .kind = STMT_READ,
	    .params = "after lim",
	    .sql = "SELECT * FROM events_after($after::bigint,"
	    " $lim::integer)" },
};

static const char *const wa_names[] = { "users", "roots", "sids", "tids" };

static struct watch *the_watch;		/* one per cairnd (watch_init) */

int
watch_count(void)
{
	return the_watch != NULL ? the_watch->n : 0;
}

static void	catch_up(struct watcher *);
static void	refresh(struct watch *);

/* Facts ----------------------------------------------------------------- */

/* The facts of one row (ctx or refresh); false when malformed. */
static bool MUST_CHECK
facts_read(struct watcher *w, const PGresult *res, int row)
{
	enum role r = role_parse(row_text(res, row, "role"));

	if (r == ROLE_NONE)
		return false;
	w->r.role = r;
	if (!watch_ids_parse(&w->r.teams, row_str(res, row, "teams")) ||
	    !watch_ids_parse(&w->r.objs, row_str(res, row, "objs")))
		return false;
	if (w->r.root != 0 && !watch_ids_parse(&w->r.subtree,
	    row_str(res, row, "subtree")))
		return false;
	return true;
}

static void
watcher_free(struct watcher *w)
{
	struct watch *wt = w->wt;

	if (wt->cursor == w)
		wt->cursor = TAILQ_NEXT(w, entry);
	TAILQ_REMOVE(&wt->list, w, entry);
	wt->n--;
	for (int i = 0; i < wt->nsnap; i++)
		if (wt->snap[i] == w)
			wt->snap[i] = NULL;
	watch_rule_clear(&w->r);
	free(w);
}

/* End the watch with an error frame carrying the last seq sent; the
 * connection closes once it is flushed. */
static void
watcher_end(struct watcher *w, enum wire_err code, const char *msg)
{
	struct request *req = w->req;
	msgpack_packer *pk;

	req->watch = NULL;
	req->watch_free = NULL;
	pk = req_error(req, code, msg, 1);
	mp_kv_int(pk, WIRE_SEQ, w->sent);
	req->close_after = true;
	watcher_free(w);
	req_reply(req);
}

/* The next slice, on the loop's next turn: a timer of 0, not
 * event_active(), which would run it in this turn, before the sockets are
 * polled again. */
static void
next_slice(struct watch *wt)
{
	static const struct timeval now = { 0, 0 };

	evtimer_add(wt->deliver, &now);
}

static void
sweep_start(struct watch *wt)
{
	if (wt->sweeping) {
		wt->again = true;	/* those already passed: once more */
		return;
	}
	wt->sweeping = true;
	wt->again = false;
	wt->cursor = TAILQ_FIRST(&wt->list);
	wt->sweep_ms = now_ms();
	next_slice(wt);
}

/*
 * The delivery: each live watcher is brought to wt->target from the ring,
 * its frames in one write, WATCH_SLICE watchers per turn of the loop, so
 * that requests are read and answered between the slices rather than
 * after 1,000 writes.  A watcher the ring no longer reaches back for
 * catches up from the table.  At a change of facts (facts_at) the sweep
 * stops there and every watcher reads its facts again (see the top of
 * this file).
 */
static void
on_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct watch *wt = arg;
	size_t max = (size_t)wt->srv->cf->watch_buffer;
	struct watcher *w;
	int n = 0;

	while ((w = wt->cursor) != NULL && n < WATCH_SLICE) {
		wt->cursor = TAILQ_NEXT(w, entry);
		if (!w->live || w->last >= wt->target)
			continue;
		n++;
		watch_batch.size = 0;
		if (!events_replay(wt->ev, w->last, wt->target, watch_replay_one,
		    w)) {
			w->live = false;
			catch_up(w);
			continue;
		}
		watch_frames_send(w, &watch_batch, true);
		if (watch_out_len(w) > max)
			watcher_end(w, E_LIMIT, "this watcher fell behind "
			    "(watch_buffer): resume with --since");
		else if (w->last < wt->target)
			wt->again = true;	/* held back by the bound */
	}
	if (wt->cursor != NULL) {
		next_slice(wt);
		return;
	}
	wt->sweeping = false;
	watch_sweep_noted(now_ms() - wt->sweep_ms);
	/* Noted only when someone watched (the log is about deliveries). */
	if (wt->n > 0 &&
	    !events_replay(wt->ev, wt->swept, wt->target, watch_note_one, NULL))
		log_debug("watch: the sweep's events left the ring: their "
		    "delays are not noted");
	wt->swept = wt->target;
	if (wt->facts_at != 0 && wt->target >= wt->facts_at) {
		wt->facts_at = 0;
		TAILQ_FOREACH(w, &wt->list, entry) {
			w->live = false;
			w->stale = true;
		}
		refresh(wt);
		return;
	}
	if (wt->again)
		sweep_start(wt);
}

/*
 * From the sink: the new events of one read.  The delivery takes them
 * from the ring; up to the first that may change what a watcher reads,
 * where it stops until the facts are read again.
 */
static void
on_events(void *arg, const struct ev *const *evs, int n)
{
	struct watch *wt = arg;

	if (n == 0)
		return;
	if (wt->facts_at != 0)
		return;			/* caught up after the refresh */
	for (int i = 0; i < n; i++) {
		wt->target = evs[i]->seq;
		if (watch_changes_facts(evs[i])) {
			wt->facts_at = evs[i]->seq;
			break;
		}
	}
	if (wt->swept == 0 && wt->target > 0)
		wt->swept = evs[0]->seq - 1;
	sweep_start(wt);
}

/* Catching up ----------------------------------------------------------- */

static void
on_page(void *arg, const PGresult *res)
{
	struct watcher *w = arg;
	struct watch *wt = the_watch;
	int n;

	/* The watcher may have ended while its page was read. */
	struct watcher *x;
	TAILQ_FOREACH(x, &wt->list, entry)
		if (x == w)
			break;
	if (x == NULL)
		return;
	w->paging = false;
	if (res == NULL || !db_ok(res)) {
		watcher_end(w, E_UNAVAILABLE, "reading the events failed");
		return;
	}
	n = PQntuples(res);
	watch_batch.size = 0;
	for (int i = 0; i < n; i++) {
		struct ev e;
		if (!ev_from_row(&e, res, i)) {
			watch_frames_send(w, &watch_batch, true);
			watcher_end(w, E_INTERNAL, "a malformed event");
			return;
		}
		(void)watch_consider(w, &e, &watch_batch);
		ev_clear(&e);
	}
	watch_frames_send(w, &watch_batch, true);
	catch_up(w);
}

static void
catch_up(struct watcher *w)
{
	struct stmt_params sp;
	enum wire_err why;

	if (w->live || w->paging || w->stale)
		return;
	if (w->wt->facts_at != 0 && w->last >= w->wt->facts_at)
		return;			/* the sweep's end refreshes it */
	if (watch_out_len(w) > WATCH_OUT_LOW)
		return;			/* the tick tries again */
	watch_batch.size = 0;
	watch_replay_held = false;
	if (events_replay(w->wt->ev, w->last, w->wt->facts_at != 0 ?
	    w->wt->facts_at : INT64_MAX, watch_replay_one, w)) {
		watch_frames_send(w, &watch_batch, true);
		if (!watch_replay_held)
			w->live = true;
		return;			/* else: the tick goes on */
	}
	snprintf(w->after, sizeof w->after, "%lld", (long long)w->last);
	snprintf(w->lim, sizeof w->lim, "%d", WATCH_PAGE);
	stmt_params_init(&sp, ST_WATCH_PAGE);
	sp_set(&sp, "after", w->after);
	sp_set(&sp, "lim", w->lim);
	/* Pages are paced by the client, so a stalled one holds nothing. */
	if (db_query_named(w->wt->srv->db, &sp, on_page, w, &why))
		w->paging = true;
}

/* Refreshing the facts -------------------------------------------------- */

static void
on_refresh(void *arg, const PGresult *res)
{
	struct watch *wt = arg;
	struct watcher *w, *next;

	wt->refreshing = false;
	if (res == NULL || !db_ok(res)) {
		log_warnx("watch: reading the watchers' facts failed");
		/* Judge nothing on stale facts: end them all; they resume. */
		for (w = TAILQ_FIRST(&wt->list); w != NULL; w = next) {
			next = TAILQ_NEXT(w, entry);
			if (w->stale)
				watcher_end(w, E_UNAVAILABLE, "the watch "
				    "could not be checked: resume with "
				    "--since");
		}
		goto done;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		int64_t n = row_int(res, i, "n");
		if (n < 1 || n > wt->nsnap || (w = wt->snap[n - 1]) == NULL)
			continue;
		if (row_bool(res, i, "disabled")) {
			watcher_end(w, E_AUTH, "this user is disabled");
			continue;
		}
		if (row_bool(res, i, "ended")) {
			watcher_end(w, E_AUTH, "this session or token has "
			    "ended: log in again");
			continue;
		}
		if (!facts_read(w, res, i)) {
			watcher_end(w, E_INTERNAL, "malformed facts");
			continue;
		}
		w->stale = false;
	}
	/* A watcher whose user is gone had no row: end it. */
	for (int i = 0; i < wt->nsnap; i++)
		if ((w = wt->snap[i]) != NULL && w->stale)
			watcher_end(w, E_AUTH, "this user is gone");
done:
	free(wt->snap);
	wt->snap = NULL;
	wt->nsnap = 0;
	TAILQ_FOREACH(w, &wt->list, entry)
		if (w->stale) {
			refresh(wt);		/* stale since: again */
			return;
		}
	TAILQ_FOREACH(w, &wt->list, entry)
		catch_up(w);
}

static void
refresh(struct watch *wt)
{
	struct stmt_params sp;
	struct watcher *w;
	enum wire_err why;
	size_t len[4];
	int i = 0;

	if (wt->refreshing || wt->n == 0)
		return;
	wt->snap = xcalloc((size_t)wt->n, sizeof *wt->snap);
	for (int a = 0; a < 4; a++) {
		free(wt->arrays[a]);
		wt->arrays[a] = xmalloc(24 * (size_t)wt->n + 3);
		strcpy(wt->arrays[a], "{");
		len[a] = 1;
	}
	TAILQ_FOREACH(w, &wt->list, entry) {
		const struct session *ss = &w->req->conn->sess;
		const long long v[4] = { w->r.user_id, w->r.root,
		    ss->token_id != 0 ? 0 : ss->id, ss->token_id };

		if (!w->stale)
			continue;
		for (int a = 0; a < 4; a++)
			len[a] += sprintf(wt->arrays[a] + len[a], "%s%lld",
			    i ? "," : "", v[a]);
		wt->snap[i++] = w;
	}
	wt->nsnap = i;
	for (int a = 0; a < 4; a++)
		strcat(wt->arrays[a], "}");
	if (i == 0) {
		free(wt->snap);
		wt->snap = NULL;
		return;
	}
	stmt_params_init(&sp, ST_WATCH_REFRESH);
	for (int a = 0; a < 4; a++)
		sp_set(&sp, wa_names[a], wt->arrays[a]);
	if (db_query_named(wt->srv->db, &sp, on_refresh, wt, &why)) {
		wt->refreshing = true;
		return;
	}
	/* No connection: the tick tries again. */
	free(wt->snap);
	wt->snap = NULL;
	wt->nsnap = 0;
}

/* The tick: catch-ups waiting on a slow client, refreshes waiting on a
 * connection, heartbeats. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct watch *wt = arg;
	struct watcher *w;
	struct timeval tv = { 0, WATCH_TICK_MS * 1000 };
	uint64_t now = now_ms();
	bool stale = false;

	TAILQ_FOREACH(w, &wt->list, entry) {
		if (w->stale)
			stale = true;
		else if (!w->live)
			catch_up(w);
		if (now - w->last_frame_ms >= WATCH_HEARTBEAT_MS)
			watch_watching_frame(w);
	}
	if (stale)
		refresh(wt);
	watch_delay_report(wt);
	evtimer_add(wt->tick, &tv);
}

/* The op ------------------------------------------------------------------ */

static const struct op_arg watch_args[] = {
	A_STR("team", false, 1, 64), A_STR("period", false, 1, 64),
	A_BOOL("mine", false), A_INT("since", false, 0, INT64_MAX), A_END
};

/* The ctx's answer: the watch's facts, or why it cannot start. */
static void
on_ctx(void *arg, const PGresult *res)
{
	struct request *req = arg;
	struct watcher *w = req->watch;
	struct watch *wt = the_watch;
	enum wire_err code = E_OK;
	const char *field = NULL;
	char msg[200];
	int64_t top = 0, pruned = 0;

	req->watch = NULL;		/* ours until registered */
	if (!req_alive(req)) {
		code = E_UNAVAILABLE;
		snprintf(msg, sizeof msg, "connection closed");
	} else if (!db_ok(res) || PQntuples(res) != 1) {
		free(w);
		req_fail_db(req, res);
		return;
	} else {
		top = row_int(res, 0, "last_seq");
		pruned = row_int(res, 0, "pruned_through");
		w->r.root = row_null(res, 0, "team_id") ? 0 :
		    row_int(res, 0, "team_id");
		w->r.period_id = row_null(res, 0, "period_id") ? 0 :
		    row_int(res, 0, "period_id");
	}
	if (code != E_OK)
		;
	else if (w->has_team && w->r.root == 0) {
		code = E_NOT_FOUND;
		field = "team";
		snprintf(msg, sizeof msg, "no team '%s'", w->team);
	} else if (w->has_period && w->r.period_id == 0) {
		code = E_NOT_FOUND;
		field = "period";
		snprintf(msg, sizeof msg, "no period '%s'", w->period);
	} else if (w->has_since && w->last > top) {
		code = E_INVALID;
		field = "since";
		snprintf(msg, sizeof msg, "no event %lld yet (the last is "
		    "%lld)", (long long)w->last, (long long)top);
	} else if (w->has_since && w->last < pruned) {
		code = E_INVALID;
		field = "since";
		snprintf(msg, sizeof msg, "the events up to %lld are no "
		    "longer kept (events_keep_days): watch from %lld or later",
		    (long long)pruned, (long long)pruned);
	} else if (!facts_read(w, res, 0)) {
		code = E_INTERNAL;
		snprintf(msg, sizeof msg, "malformed facts");
	}
	if (code != E_OK) {
		watch_rule_clear(&w->r);
		free(w);
		req_fail(req, code, field, "%s", msg);
		return;
	}
	if (!w->has_since)
		w->last = top;
	w->sent = w->last;
	w->wt = wt;
	TAILQ_INSERT_TAIL(&wt->list, w, entry);
	wt->n++;
	req->watch = w;
	req->watch_free = watch_stream_free;
	log_req(LOG_LVL_INFO, req, "'%s' watching from seq %lld",
	    req->conn->sess.login, (long long)w->last);
	watch_watching_frame(w);
	catch_up(w);
}

static void
op_event_watch(struct request *req)
{
	const char *team = NULL, *period = NULL;
	const msgpack_object *kinds = NULL;
	struct watcher *w;
	struct stmt_params sp;
	int64_t since = 0;
	bool mine = false;

	(void)op_str(req, "team", &team);
	(void)op_str(req, "period", &period);
	(void)op_bool(req, "mine", &mine);
	bool has_since = op_int(req, "since", &since);
	mp_get_array(&req->args, "kinds", MP_OPTIONAL, WATCH_KINDS_MAX,
	    &kinds);
	if (!req_args_done(req))
		return;
	if (the_watch == NULL) {
		req_fail(req, E_UNAVAILABLE, NULL, "events are not served");
		return;
	}
	w = xcalloc(1, sizeof *w);
	w->req = req;
	w->r.user_id = req->conn->sess.user_id;
	w->r.mine = mine;
	w->last = since;
	w->has_since = has_since;
	w->has_team = team != NULL;
	w->has_period = period != NULL;
	snprintf(w->team, sizeof w->team, "%s", team ? team : "");
	snprintf(w->period, sizeof w->period, "%s", period ? period : "");
	snprintf(w->caller, sizeof w->caller, "%lld", (long long)w->r.user_id);
	for (uint32_t i = 0; kinds != NULL && i < kinds->via.array.size;
	    i++) {
		const msgpack_object *o = &kinds->via.array.ptr[i];
		if (o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0 ||
		    o->via.str.size >= sizeof w->r.kinds[0] ||
		    !watch_kind_valid(o->via.str.ptr, o->via.str.size)) {
			free(w);
			req_fail(req, E_INVALID, "kinds", "a kind is letters, "
			    "'_' and at most one '.' (checkin, kpi, "
			    "kpi.health_changed), at most 47 bytes");
			return;
		}
		memcpy(w->r.kinds[w->r.nkinds], o->via.str.ptr, o->via.str.size);
		w->r.kinds[w->r.nkinds++][o->via.str.size] = '\0';
	}
	req->watch = w;
	stmt_params_init(&sp, ST_WATCH_CTX);
	sp_set(&sp, "caller", w->caller);
	sp_set(&sp, "team", w->has_team ? w->team : NULL);
	sp_set(&sp, "period", w->has_period ? w->period : NULL);
	if (!req_db_named(req, &sp, on_ctx))
		free(w);	/* answered and freed; w was not registered */
}

const struct op watch_ops[] = {
	{ .name = "event.watch", .fn = op_event_watch, .flags = OP_SESSION,
	    .args = watch_args },
	{ .name = NULL }
};

/* The request ends (its connection closed, cairnd stopping): the watcher
 * goes with it. */
void
watch_stream_free(void *arg)
{
	struct watcher *w = arg;

	if (w != NULL && w->wt != NULL)
		watcher_free(w);
}

/* A watch is registered by on_ctx, which alone sets a request's
 * watch_free; before that (its facts still being read) it may yet be
 * refused, and the requests behind it wait their turn as behind any
 * other (conn.c answers them only once it is watching). */
bool
watch_is_watching(const struct conn *c)
{
	return c->active != NULL && c->active->watch != NULL &&
	    c->active->watch_free == watch_stream_free;
}

bool
watch_release(struct conn *c)
{
	struct watcher *w;

	if (the_watch == NULL || c->active == NULL)
		return false;
	TAILQ_FOREACH(w, &the_watch->list, entry)
		if (w->req == c->active) {
			req_fail(c->active, E_UNAVAILABLE, NULL,
			    "connection closed");
			return true;
		}
	return false;
}

void
watch_recheck(struct conn *c)
{
	struct watcher *w;

	if (the_watch == NULL || c->active == NULL)
		return;
	TAILQ_FOREACH(w, &the_watch->list, entry)
		if (w->req == c->active) {
			w->live = false;
			w->stale = true;
			refresh(the_watch);
			return;
		}
}

void
watch_stop(void)
{
	struct watcher *w;

	if (the_watch == NULL)
		return;
	while ((w = TAILQ_FIRST(&the_watch->list)) != NULL)
		watcher_end(w, E_UNAVAILABLE, "server shutting down: resume "
		    "with --since");
}

void
watch_init(struct server *srv, struct events *ev)
{
	struct watch *wt = xcalloc(1, sizeof *wt);
	struct timeval tv = { 0, WATCH_TICK_MS * 1000 };

	wt->srv = srv;
	wt->ev = ev;
	TAILQ_INIT(&wt->list);
	wt->tick = evtimer_new(srv->base, on_tick, wt);
	wt->deliver = evtimer_new(srv->base, on_deliver, wt);
	if (wt->tick == NULL || wt->deliver == NULL)
		fatalx("watch: cannot make the timers");
	evtimer_add(wt->tick, &tv);
	events_set_sink(ev, on_events, wt);
	the_watch = wt;
}

void
watch_free(void)
{
	struct watch *wt = the_watch;

	if (wt == NULL)
		return;
	watch_stop();
	event_free(wt->tick);
	event_free(wt->deliver);
	free(wt->snap);
	for (int a = 0; a < 4; a++)
		free(wt->arrays[a]);
	free(wt);
	the_watch = NULL;
}
