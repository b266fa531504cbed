/*
 * authz.h: who may do what (docs/rules.md, "Permissions").  One table, pure
 * functions over facts the handlers fetch from the database, so that the
 * whole matrix is unit tested without a server.
 */
#ifndef CAIRN_AUTHZ_H
#define CAIRN_AUTHZ_H

#include <stdbool.h>

#include "attr.h"
#include "server.h"

enum action {
	ACT_ADMIN,		/* users, roles, periods, settings, teams */
	ACT_TEAM_MEMBERS,	/* add/remove members, make/unmake leads */
	ACT_OBJ_CREATE,		/* create an objective in the team */
	ACT_OBJ_EDIT,		/* edit, align, archive, KRs, contributors */
	ACT_CHECKIN,		/* check in a key result */
	ACT_READ,		/* read a team's objectives and KRs */
	ACT_KPI_EDIT,		/* create, edit, archive a KPI of the team */
	ACT_KPI_RECORD,		/* record a KPI reading */
	ACT_TEAM_GOVERN,	/* framework mode, assessment, ROI inputs */
	ACT_ROI_READ,		/* read the team's ROI */
	ACT_RETRO,		/* write the team's retrospective */
	ACT_OBJ_GRADE,		/* grade an objective in review */
	ACT_SIGNOFF_SET,	/* turn the team's sign-off on or off */
	ACT_MAX
};

/* What the database says about the caller and the object. */
struct authz_facts {
	enum role	 role;		/* global role */
	bool		 lead_here;	/* lead of the team */
	bool		 lead_above;	/* lead of an ancestor team */
	bool		 lead_parent;	/* lead of the parent team */
	bool		 member_here;	/* lead or member of the team */
	bool		 obj_owner;	/* owns the objective */
	bool		 kr_owner;	/* owns the key result */
	bool		 kpi_owner;	/* owns the KPI */
	bool		 contributor;	/* contributor to the objective */
	bool		 private_team;	/* the team is private */
};

bool		 authz_allows(enum action, const struct authz_facts *)
	    MUST_CHECK;
const char	*authz_action_name(enum action);

#endif
