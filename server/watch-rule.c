/*
 * watch-rule.c: what a watcher may read and asked for (watch-rule.h):
 * the reading rule of events on the facts a watcher caches, the same rule
 * as event_readable() in sql/logic/event.sql, then its filters.  Pure: it
 * needs no server (tests/unit/test_watch_rule.c).
 */
#include <stdlib.h>
#include <string.h>

#include "watch-rule.h"
#include "xmalloc.h"

/* "{1,2,3}" (sorted by the statement) into ids; false when malformed. */
bool
watch_ids_parse(struct watch_ids *ids, const char *s)
{
	const char *p = s;
	char *end;
	int cap = 0;

	free(ids->v);
	ids->v = NULL;
	ids->n = 0;
	if (s == NULL || *p++ != '{')
		return false;
	while (*p != '}' && *p != '\0') {
		long long x = strtoll(p, &end, 10);
		if (end == p || ids->n >= WATCH_IDS_MAX)
			return false;
		if (ids->n == cap) {
			cap = cap ? cap * 2 : 16;
			ids->v = xrealloc(ids->v, (size_t)cap * sizeof *ids->v);
		}
		ids->v[ids->n++] = x;
		p = *end == ',' ? end + 1 : end;
	}
	return *p == '}';
}

bool
watch_ids_has(const struct watch_ids *ids, int64_t x)
{
	int lo = 0, hi = ids->n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (ids->v[mid] == x)
			return true;
		if (ids->v[mid] < x)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

/* The reading rule (event_readable() in sql/logic/event.sql), then the
 * watcher's own filters. */
bool
watch_rule_wants(const struct watch_rule *w, const struct ev *e)
{
	bool ok = false;

	switch (e->audience) {
	case EVA_ALL:
		ok = true;
		break;
	case EVA_ADMIN:
		ok = w->role == ROLE_ADMIN;
		break;
	case EVA_USER:		/* and, about a team's thing, readable */
		ok = e->user_id == w->user_id && (e->team_id == 0 ||
		    watch_ids_has(&w->teams, e->team_id) || (e->objective_id != 0 &&
		    watch_ids_has(&w->objs, e->objective_id)));
		break;
	case EVA_TEAM:
		ok = watch_ids_has(&w->teams, e->team_id) || (e->objective_id != 0 &&
		    watch_ids_has(&w->objs, e->objective_id));
		break;
	}
	if (!ok)
		return false;
	if (w->root != 0 && !watch_ids_has(&w->subtree, e->team_id))
		return false;
	if (w->period_id != 0 && e->period_id != w->period_id)
		return false;
	if (w->mine && e->owner_id != w->user_id && e->user_id != w->user_id)
		return false;
	if (w->nkinds > 0) {
		size_t n;
		int i;
		for (i = 0; i < w->nkinds; i++) {
			n = strlen(w->kinds[i]);
			/* "kpi" asks for kpi.health_changed as well as kpi */
			if (strcmp(e->kind, w->kinds[i]) == 0 ||
			    (strchr(w->kinds[i], '.') == NULL &&
			    strncmp(e->kind, w->kinds[i], n) == 0 &&
			    e->kind[n] == '.'))
				break;
		}
		if (i == w->nkinds)
			return false;
	}
	return true;
}

/* Whether an event may change what someone may read. */
bool
watch_changes_facts(const struct ev *e)
{
	static const char *const kinds[] = { "team.created", "team.move",
	    "team.remove", "team.add_member", "team.remove_member",
	    "objective.grant", "objective.revoke", "user.set_role",
	    "user.disable", NULL };

	for (int i = 0; kinds[i] != NULL; i++)
		if (strcmp(e->kind, kinds[i]) == 0)
			return true;
	return false;
}

bool
watch_kind_valid(const char *s, size_t n)
{
	int dots = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (++dots > 1 || i == 0 || i == n - 1)
				return false;
		} else if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return false;
	}
	return n > 0;
}

void
watch_rule_clear(struct watch_rule *r)
{
	free(r->teams.v);
	free(r->objs.v);
	free(r->subtree.v);
	r->teams.v = r->objs.v = r->subtree.v = NULL;
	r->teams.n = r->objs.n = r->subtree.n = 0;
}
