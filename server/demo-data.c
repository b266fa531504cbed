/*
 * demo-data.c: the demo organisation, from the guide's three case studies
 * (shared/seed: "Real Operations Examples"):
 *
 *  - manufacturing replaced KPIs with OKRs to cut production downtime:
 *    uptime up 15%, $200,000 more revenue in a quarter;
 *  - logistics kept its delivery-timeliness KPI green (a guardrail) while
 *    an OKR cut supply-chain cost 10% and lifted satisfaction 25%;
 *  - customer service kept KPIs for response time and used OKRs to launch
 *    new service channels, lifting engagement 30%.
 *
 * The year's objective has the quarter's company objectives aligned
 * under it (rollup both: its key results and the quarter count).  The
 * quarter is 8 weeks in (expected progress about 0.62), and the data
 * is chosen so that every list has something to show: on-track, at-risk,
 * off-track and done objectives, stale key results (no check-in for more
 * than 14 days, one never checked in), a stale KPI, one guardrail breached
 * (response time turned red while the new channels launched), customer
 * service over the objective limit and one of its objectives unaligned,
 * an assessment per team (the company's a year old; maintenance runs
 * hybrid where its assessment says kpi), and ROI inputs for the three
 * departments (manufacturing's give the guide's $200,000).  Each lead
 * owns a key result last checked in over a week ago (due_days, 7), so
 * that `cairn due` has something for each of them.
 */
#include <stddef.h>

#include "demo.h"

#define N(a)	((int)(sizeof (a) / sizeof (a)[0]))

static const struct demo_user users[] = {
	{ "erin", "Erin Castillo", "executive", "executive, leads the company" },
	{ "marco", "Marco Rossi", "member", "lead, manufacturing" },
	{ "nadia", "Nadia Haddad", "member", "member, manufacturing" },
	{ "priya", "Priya Nair", "member", "lead, plant maintenance" },
	{ "tomas", "Tomás Novák", "member", "member, plant maintenance" },
	{ "lena", "Lena Fischer", "member", "lead, logistics" },
	{ "omar", "Omar Diallo", "member", "member, logistics" },
	{ "sara", "Sara Lindqvist", "member", "member, logistics" },
	{ "chen", "Chen Wei", "member", "lead, customer service" },
	{ "ruth", "Ruth Okafor", "member", "member, customer service" },
	{ "dev", "Dev Patel", "member", "member, customer service" },
};

static const struct demo_team teams[] = {
	{ "company", "Northwind Industries", NULL, "hybrid", "erin", { NULL }, false },
	{ "manufacturing", "Manufacturing", "company", "okr", "marco",
	  { "nadia" }, false },
	/* Its objectives need Marco's sign-off (manufacturing's lead). */
	{ "maintenance", "Plant Maintenance", "manufacturing", "hybrid",
	  "priya", { "tomas" }, true },
	{ "logistics", "Logistics", "company", "hybrid", "lena",
	  { "omar", "sara" }, false },
	{ "service", "Customer Service", "company", "hybrid", "chen",
	  { "ruth", "dev" }, false },
};

static const struct demo_kpi kpis[] = {
	{ "manufacturing", "Line uptime", "share of scheduled hours the lines "
	  "ran", "%", "up", 90, 85, "marco", 1,
	  { 79.5, 80.2, 80.0, 81.1, 82.4, 83.0, 83.8, 84.6, 85.1, 86.0, 86.9,
	    87.4 } },
	{ "manufacturing", "Scrap rate", "share of output scrapped", "%", "down",
	  2.0, 3.0, "nadia", 2,
	  { 3.1, 3.0, 2.9, 2.7, 2.6, 2.4, 2.3, 2.2, 2.0, 1.9, 1.9, 1.8 } },
	{ "maintenance", "Planned maintenance compliance", "planned jobs done "
	  "in their week", "%", "up", 85, 70, "priya", 3,
	  { 62, 64, 61, 66, 68, 70, 69, 72, 71, 73, 74, 72 } },
	{ "logistics", "On-time delivery", "orders delivered on the promised "
	  "day", "%", "up", 95, 92, "lena", 1,
	  { 96.1, 95.8, 96.4, 95.9, 96.2, 96.8, 96.5, 97.0, 96.7, 97.2, 96.9,
	    97.1 } },
	/* Creeping up since the carriers' new rates: amber, and red within
	 * two weeks at this trend (review: kpi_breach_forecast). */
	{ "logistics", "Supply-chain cost per order", "freight, storage and "
	  "handling per order", "USD", "down", 38, 41, "omar", 2,
	  { 38.4, 38.3, 38.5, 38.4, 38.9, 39.1, 39.4, 39.6, 39.9, 40.1, 40.4,
	    40.6 } },
	{ "service", "First response time (< 4 h)", "median hours to the "
	  "first answer", "h", "down", 2, 4, "chen", 1,
	  { 1.8, 1.7, 1.9, 1.8, 2.1, 2.4, 2.9, 3.3, 3.8, 4.2, 4.6, 4.9 } },
	{ "service", "Customer engagement score", "survey score, 0 to 100",
	  "pts", "up", 62, 55, "chen", 2,
	  { 50.0, 50.4, 51.2, 52.0, 53.1, 54.0, 55.2, 56.1, 56.8, 57.5, 58.3,
	    59.0 } },
	/* Nobody has recorded it for three weeks: stale. */
	{ "service", "First-contact resolution", "tickets solved in the first "
	  "reply", "%", "up", 75, 65, "ruth", 23,
	  { 68, 69, 70, 70, 71, 72, 72, 73, 73, 74, 74, 75 } },
};

static const struct demo_objective objectives[] = {
	{ "Y1", true, "company", "Be the region's most dependable operator",
	  "The year's ambition; each quarter's objectives serve it.", "erin",
	  "aspirational", NULL, NULL, "both", {
	    { "Net promoter score from 22 to 40", "increase", 22, 40, 31, "",
	      "erin", 7, NULL, { 150, 120, 90, 60, 30, 9 },
	      "Q2 survey: +4 after the delivery changes" },
	    { "Operating margin from 8% to 11%", "increase", 8, 11, 9.6, "%",
	      "erin", 6, NULL, { 120, 60, 12 }, "Finance estimate for Q3" } }, false },

	{ "C1", false, "company", "Run operations customers can rely on",
	  "Fewer stops, lower cost, deliveries on time.", "erin",
	  "aspirational", "Y1", NULL, NULL, { { NULL } }, false },
	{ "C2", false, "company", "Win and keep customers through service",
	  "Happier customers, more ways to reach us.", "erin", "aspirational",
	  "Y1", NULL, NULL, { { NULL } }, false },

	/* Manufacturing: the OKR that replaced the KPIs. */
	{ "M1", false, "manufacturing", "Cut production downtime",
	  "Uptime up 15% (80% to 92%) on the two bottleneck lines.", "marco",
	  "aspirational", "C1", NULL, NULL, {
	    { "Line uptime from 80% to 92% (+15%)", "increase", 80, 92, 80,
	      "%", "marco", 0, "Line uptime", { 0 }, NULL },
	    { "Unplanned stops per week from 12 to 4", "decrease", 12, 4, 6,
	      "", "nadia", 7, NULL, { 49, 42, 35, 28, 21, 14, 7, 2 },
	      "Two stops this week, both on line 2" },
	    { "Revenue from recovered capacity to $200,000", "increase", 0,
	      200000, 128000, "USD", "marco", 6, NULL, { 44, 30, 16, 9 },
	      "Extra shift orders booked through month end" } }, false },
	{ "M2", false, "manufacturing", "Standard work on every line",
	  "", "marco", "committed", "C1", NULL, NULL, {
	    { "Lines with documented standard work from 2 to 8", "increase", 2,
	      8, 7, "", "nadia", 8, NULL, { 45, 30, 16, 4 },
	      "Line 7 signed off" } }, false },
	{ "MT1", false, "maintenance", "Fix machines before they break",
	  "Planned maintenance instead of repairs.", "priya", "committed", "M1",
	  NULL, NULL, {
	    { "Planned maintenance share from 40% to 80%", "increase", 40, 80,
	      58, "%", "priya", 5, NULL, { 50, 36, 22, 8 },
	      "Spare parts for the presses still on order" },
	    /* Last checked in 24 days ago: stale. */
	    { "Mean time to repair from 6 h to 3 h", "decrease", 6, 3, 5.2, "h",
	      "tomas", 4, NULL, { 47, 33, 24 }, "" } }, false },

	/* Logistics: cost down, on-time delivery kept green. */
	{ "L1", false, "logistics",
	  "Cut supply-chain cost 10% & keep deliveries on time",
	  "Consolidate carriers and routes; on-time delivery must stay green.",
	  "lena", "committed", "C1", "On-time delivery", NULL, {
	    { "Cost per order from $42.00 to $37.80 (-10%)", "decrease", 42,
	      37.8, 39.4, "USD", "lena", 7, NULL, { 50, 36, 22, 8 },
	      "New regional carrier live in the north" },
	    { "Carriers from 9 to 5", "decrease", 9, 5, 6, "", "omar", 8, NULL,
	      { 40, 26, 12 }, "" } }, false },
	{ "L2", false, "logistics", "Customers are delighted by their deliveries",
	  "Satisfaction up 25%.", "lena", "aspirational", "C2", NULL, NULL, {
	    { "Customer satisfaction from 64 to 80 (+25%)", "increase", 64, 80,
	      73, "", "sara", 7, NULL, { 50, 36, 22, 8 }, "" },
	    { "Delivery complaints per 1,000 orders from 8 to 4", "decrease", 8,
	      4, 5.5, "", "omar", 6, NULL, { 44, 30, 16, 5 }, "" } }, false },

	/* Customer service: five objectives (one over the limit). */
	{ "S1", false, "service", "Launch new service channels",
	  "Live chat and WhatsApp, without letting response time slip.",
	  "chen", "aspirational", "C2", "First response time (< 4 h)", NULL, {
	    { "Live chat open to every customer", "boolean", 0, 1, 1, "",
	      "ruth", 9, NULL, { 30, 10 }, "Live for all customers" },
	    { "WhatsApp support launched", "boolean", 0, 1, 0, "", "dev", 5,
	      NULL, { 20, 6 }, "Waiting for the provider's approval" },
	    { "Contacts through the new channels from 0% to 25%", "increase", 0,
	      25, 11, "%", "chen", 6, NULL, { 28, 14, 4 }, "" } }, false },
	{ "S2", false, "service", "Lift customer engagement 30%",
	  "Engagement score from 50 to 65.", "chen", "aspirational", "C2", NULL, NULL, {
	    { "Engagement score from 50 to 65 (+30%)", "increase", 50, 65, 50,
	      "pts", "chen", 0, "Customer engagement score", { 0 }, NULL } }, false },
	{ "S3", false, "service", "Rewrite the help centre", "", "ruth",
	  "committed", "C2", NULL, NULL, {
	    /* Off track, and stale since 30 days. */
	    { "Help articles rewritten from 0 to 200", "increase", 0, 200, 38,
	      "", "ruth", 3, NULL, { 44, 30 }, "Writers moved to chat launch" } }, false },
	{ "S4", false, "service", "Train every agent on the new CRM", "",
	  "dev", "committed", "C2", NULL, NULL, {
	    { "Agents trained from 0 to 30", "increase", 0, 30, 30, "", "dev",
	      10, NULL, { 40, 25, 11 }, "All 30 certified" } }, false },
	/* Unaligned, never checked in. */
	{ "S5", false, "service", "Clear the ticket backlog", "", "chen",
	  "committed", NULL, NULL, NULL, {
	    { "Open tickets from 450 to 100", "decrease", 450, 100, 450, "",
	      "chen", 0, NULL, { 0 }, NULL } }, false },
	/* Proposed by Priya, awaiting Marco's sign-off (his `cairn due`). */
	{ "MT2", false, "maintenance", "Pilot predictive maintenance on line 2",
	  "Vibration sensors on the two presses that stop most.", "priya",
	  "aspirational", "M1", NULL, NULL, {
	    { "Press stops predicted a day ahead from 0% to 50%", "increase",
	      0, 50, 10, "%", "tomas", 6, NULL, { 12, 5 },
	      "First sensor data in" } }, true },
};

static const struct demo_assessment assessments[] = {
	/* A year old: due again. */
	{ "company", "erin", 330, false,
	  { 3, 4, 3, 4, 3, 5, 3, 3, 2, 4, 3, 3 },
	  { true, false, true, false, true, false } },
	/* okr: the case study's switch from KPIs to OKRs. */
	{ "manufacturing", "marco", 60, true,
	  { 4, 4, 5, 3, 4, 5, 5, 4, 4, 3, 4, 4 },
	  { false, false, true, false, true, false } },
	/* kpi, while the team runs hybrid: a mode mismatch. */
	{ "maintenance", "priya", 50, false,
	  { 1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 1 },
	  { true, true, true, true, true, false } },
	{ "logistics", "lena", 55, true,
	  { 3, 4, 3, 3, 3, 4, 3, 3, 3, 4, 3, 3 },
	  { true, false, true, true, true, false } },
	{ "service", "chen", 40, true,
	  { 3, 3, 4, 2, 4, 3, 4, 4, 3, 3, 3, 3 },
	  { true, false, false, true, true, true } },
};

/* headcount, hourly_cost, output_value, productivity_pct,
 * hours_saved_per_week, retention_change_pct, replacement_cost,
 * efficiency_savings, framework_hours_per_week, tool_cost */
static const struct demo_roi roi[] = {
	/* 1,333,333.33 x 15% = the guide's $200,000. */
	{ "manufacturing", "marco",
	  { 40, 45, 1333333.33, 15, 1.5, 2, 30000, 25000, 1.25, 4000 } },
	/* 10% of 1.2 M of supply-chain cost saved. */
	{ "logistics", "lena",
	  { 25, 40, 900000, 5, 1, 3, 25000, 120000, 1, 3000 } },
	{ "service", "chen",
	  { 30, 35, 600000, 8, 2, 5, 20000, 15000, 1.5, 3500 } },
};

const struct demo_org demo_org = {
	users, teams, kpis, objectives, assessments, roi,
	N(users), N(teams), N(kpis), N(objectives), N(assessments), N(roi),
};
