/*
 * authz.c: the permission table.  Executives read everything and write
 * only where a row gives them the right, like anyone else.
 */
#include "authz.h"

bool
authz_allows(enum action a, const struct authz_facts *f)
{
	bool admin = f->role == ROLE_ADMIN;
	bool lead = f->lead_here || f->lead_above;

	switch (a) {
	case ACT_ADMIN:
		return admin;
	case ACT_TEAM_MEMBERS:
	case ACT_OBJ_CREATE:
		return admin || lead;
	case ACT_OBJ_EDIT:
	case ACT_OBJ_GRADE:
		return admin || f->obj_owner || lead;
	case ACT_CHECKIN:
		return admin || f->kr_owner || f->obj_owner ||
		    f->contributor || f->member_here || lead;
	case ACT_READ:
		return !f->private_team || admin ||
		    f->role == ROLE_EXECUTIVE || f->member_here ||
		    f->lead_above || f->contributor;
	case ACT_KPI_EDIT:
	case ACT_TEAM_GOVERN:
	case ACT_RETRO:
		return admin || lead;
	case ACT_KPI_RECORD:
		return admin || f->kpi_owner || f->member_here || lead;
	case ACT_SIGNOFF_SET:
		/* Sign-off is the parent's say over the team: not the team's
		 * own lead's (docs/rules.md "Sign-off"). */
		return admin || f->lead_parent;
	case ACT_ROI_READ:
		return admin || lead || f->role == ROLE_EXECUTIVE;
	case ACT_MAX:
		break;
	}
	return false;
}

const char *
authz_action_name(enum action a)
{
	static const char *const names[ACT_MAX] = {
		[ACT_ADMIN] = "administer",
		[ACT_TEAM_MEMBERS] = "manage the members of this team",
		[ACT_OBJ_CREATE] = "create objectives in this team",
		[ACT_OBJ_EDIT] = "change this objective",
		[ACT_CHECKIN] = "check in this key result",
		[ACT_READ] = "read this team's goals",
		[ACT_KPI_EDIT] = "change this team's KPIs",
		[ACT_KPI_RECORD] = "record readings of this KPI",
		[ACT_TEAM_GOVERN] = "set this team's framework, assessment "
		    "or ROI inputs",
		[ACT_ROI_READ] = "read this team's ROI",
		[ACT_RETRO] = "write this team's retrospective",
		[ACT_OBJ_GRADE] = "grade this objective",
		[ACT_SIGNOFF_SET] = "turn this team's sign-off on or off",
	};

	return a < ACT_MAX ? names[a] : "?";
}
