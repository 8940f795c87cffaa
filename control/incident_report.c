/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The breach report of an incident (incident_report.h). The JSON is the report; the HTML
 * page is drawn from that JSON alone, so the two cannot disagree:
 *
 *   struct incident ──incident_report_json──► JSON ──incident_report_html──► HTML page
 *
 * Art. 33(3) items and where they are: (a) nature, categories and approximate numbers of
 * data subjects and records: "nature", "data_categories", "data_subjects", "records";
 * (d) measures taken: "actions", "measures"; and what a controller also needs to assess
 * it: destinations, time line, the policy in force. (b) the contact point and (c) the
 * likely consequences are the controller's to write: the page leaves room for them.
 *
 * Control thread only.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "event_json.h"
#include "incident_report.h"

static const char *const action_names[INCIDENT_ACTION__COUNT] = {
	[INCIDENT_ALLOWED] = "allowed", [INCIDENT_BLOCKED] = "blocked",
	[INCIDENT_RESET] = "reset",
};

/* What a built-in data category holds (docs/sensors.md); custom ones say their name. */
static const char *
report_category_text(const char *cat, char *buf, size_t len)
{
	static const char *const known[][2] = {
		{ "financial", "Financial data (payment card and bank account numbers)" },
		{ "identity", "Identification numbers (national identity, social security and tax "
			      "numbers)" },
		{ "contact", "Contact details (e-mail addresses, telephone numbers)" },
		{ "credentials", "Credentials and secrets (access keys, private keys, tokens)" },
		{ "health", "Health data (a special category of personal data, GDPR Art. 9)" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(cat, known[i][0]) == 0)
			return known[i][1];
	snprintf(buf, len, "Custom data class of category \"%s\"", cat);
	return buf;
}

static json_t *
report_ts(uint64_t us)
{
	char ts[40];

	event_json_ts(us, ts, sizeof(ts));
	return json_string(ts);
}

static int
report_open(const struct incident_store *st, const struct incident *inc)
{
	return inc->last_us + incident_store_window_us(st) > incident_store_clock(st);
}

static json_t *
report_actions(const struct incident *inc)
{
	json_t *o = json_object();
	unsigned int a;

	for (a = 0; a < INCIDENT_ACTION__COUNT; a++)
		json_object_set_new(o, action_names[a], json_integer((json_int_t)inc->actions[a]));
	return o;
}

static json_t *
report_category_names(const struct incident *inc, uint16_t mask)
{
	json_t *a = json_array();
	uint32_t i;

	for (i = 0; i < inc->ncat; i++)
		if (mask == 0xffff || (mask & (1u << i)))
			json_array_append_new(a, json_string(inc->cat[i].name));
	return a;
}

json_t *
incident_report_summary(const struct incident_store *st, const struct incident *inc)
{
	return json_pack("{s:I, s:s, s:o, s:o, s:s, s:s, s:I, s:I, s:I, s:o, s:o, s:b}",
		"id", (json_int_t)inc->id,
		"state", report_open(st, inc) ? "open" : "closed",
		"first_seen", report_ts(inc->first_us),
		"last_seen", report_ts(inc->last_us),
		"to_group", inc->to_group,
		"rule", inc->rule,
		"findings", (json_int_t)inc->findings,
		"records", (json_int_t)inc->records,
		"data_subjects", (json_int_t)incident_subjects(inc),
		"data_categories", report_category_names(inc, 0xffff),
		"actions", report_actions(inc),
		"lower_bounds", inc->capped != 0);
}

static void
report_addr(const struct incident_dest *d, char *buf, size_t len)
{
	inet_ntop(d->family == 6 ? AF_INET6 : AF_INET, d->addr, buf, (socklen_t)len);
}

/* The nature of the breach, in one sentence a person reads. */
static json_t *
report_nature(const struct incident *inc)
{
	char text[1024], cats[256] = "", modes[64] = "", from[300] = "";
	const char *verdict;
	size_t o = 0, m = 0, f = 0;
	json_t *mode_list = json_array(), *from_list = json_array(), *n;
	uint32_t i;

	for (i = 0; i < inc->ncat && o < sizeof(cats); i++)
		o += (size_t)snprintf(cats + o, sizeof(cats) - o, "%s%s", i ? ", " : "",
				      inc->cat[i].name);
	for (i = 0; i < 8; i++) {
		if (!(inc->modes & (1u << i)))
			continue;
		json_array_append_new(mode_list, json_string(event_json_mode((uint8_t)i)));
		if (m < sizeof(modes))
			m += (size_t)snprintf(modes + m, sizeof(modes) - m, "%s%s", m ? ", " : "",
					      event_json_mode((uint8_t)i));
	}
	for (i = 0; i < inc->nsrc; i++) {
		json_array_append_new(from_list, json_string(inc->src_groups[i]));
		if (f < sizeof(from))
			f += (size_t)snprintf(from + f, sizeof(from) - f, "%s%s", f ? ", " : "",
					      inc->src_groups[i]);
	}
	if (inc->actions[INCIDENT_BLOCKED] == inc->findings)
		verdict = "every finding was blocked";
	else if (inc->actions[INCIDENT_BLOCKED] != 0)
		verdict = "some findings were blocked, the others allowed";
	else
		verdict = "no finding was blocked";
	snprintf(text, sizeof(text), "Confidentiality: personal data (%s) was sent from %s to "
		 "the destination group %s, in flows the rule %s inspects (mode %s): %" PRIu64
		 " findings in %u flows; %s.", cats[0] ? cats : "no category listed",
		 from[0] ? from : "unknown sources", inc->to_group, inc->rule,
		 modes[0] ? modes : "unknown", inc->findings, inc->flows.n, verdict);
	n = json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:I, s:I}",
		"type", "confidentiality", "description", text, "rule", inc->rule,
		"from_groups", from_list, "to_group", inc->to_group, "modes", mode_list,
		"findings", (json_int_t)inc->findings, "flows", (json_int_t)inc->flows.n);
	return n;
}

static json_t *
report_categories(const struct incident *inc)
{
	json_t *list = json_array();
	char buf[96];
	uint32_t i, k;

	for (i = 0; i < inc->ncat; i++) {
		const struct incident_category *c = &inc->cat[i];
		json_t *sensors = json_array();

		for (k = 0; k < c->nsensors; k++)
			json_array_append_new(sensors, json_string(c->sensors[k]));
		json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:I, s:I}",
			"category", c->name,
			"description", report_category_text(c->name, buf, sizeof(buf)),
			"sensors", sensors,
			"records", (json_int_t)c->records,
			"data_subjects", (json_int_t)c->values.n));
	}
	return list;
}

static json_t *
report_destinations(const struct incident *inc)
{
	json_t *list = json_array();
	char ip[INET6_ADDRSTRLEN];
	uint32_t i;

	for (i = 0; i < inc->ndest; i++) {
		const struct incident_dest *d = &inc->dest[i];

		report_addr(d, ip, sizeof(ip));
		json_array_append_new(list, json_pack("{s:s, s:s?, s:s, s:i, s:I}",
			"group", d->group, "fqdn", d->fqdn[0] ? d->fqdn : NULL, "ip", ip,
			"port", (int)d->port, "findings", (json_int_t)d->findings));
	}
	return list;
}

static json_t *
report_timeline(const struct incident *inc)
{
	json_t *list = json_array();
	char ip[INET6_ADDRSTRLEN], dest[INET6_ADDRSTRLEN + 16];
	uint32_t i;

	for (i = 0; i < inc->ntl; i++) {
		const struct incident_finding *f = &inc->tl[i];
		json_t *e;

		if (f->dest < inc->ndest) {
			const struct incident_dest *d = &inc->dest[f->dest];

			report_addr(d, ip, sizeof(ip));
			snprintf(dest, sizeof(dest), d->family == 6 ? "[%s]:%u" : "%s:%u", ip,
				 d->port);
		} else {
			snprintf(dest, sizeof(dest), "(not listed)");
		}
		e = json_pack("{s:o, s:I, s:s, s:s?, s:o, s:I, s:s, s:s, s:s, s:s?}",
			"timestamp", report_ts(f->ts_us),
			"flow_id", (json_int_t)f->flow_id,
			"finding", f->crossing ? "threshold alert" : "dlp",
			"sensor", f->crossing ? f->sensor : NULL,
			"data_categories", report_category_names(inc, f->categories),
			"records", (json_int_t)f->records,
			"direction", f->to_client ? "to_client" : "to_server",
			"destination", dest,
			"action", f->reset ? "reset" : f->blocked ? "blocked" : "allowed",
			"capture", f->capture < inc->ncap ? inc->caps[f->capture].id : NULL);
		json_array_append_new(list, e);
	}
	return list;
}

/* The automatic captures made for the findings: the evidence, with the capture's URL. */
static json_t *
report_captures(const struct incident *inc)
{
	json_t *list = json_array();
	char url[INCIDENT_CAPTURE_ID_LEN + 16];
	uint32_t i;

	for (i = 0; i < inc->ncap; i++) {
		snprintf(url, sizeof(url), "/v1/captures/%s", inc->caps[i].id);
		json_array_append_new(list, json_pack("{s:s, s:I, s:s}", "id", inc->caps[i].id,
			"findings", (json_int_t)inc->caps[i].findings, "url", url));
	}
	return list;
}

/* Measures taken, in words: what the gateway did with the findings. */
static const char *
report_measures(const struct incident *inc, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 " of %" PRIu64 " findings were blocked by the gateway "
		 "(protect mode)%s; %" PRIu64 " were reported only (allowed). Each finding was "
		 "reported as an event (threshold alert or dlp event) when it was made.",
		 inc->actions[INCIDENT_BLOCKED], inc->findings,
		 inc->actions[INCIDENT_RESET] != 0 ? ", their TCP connections reset at both ends" :
						     "", inc->actions[INCIDENT_ALLOWED]);
	return buf;
}

json_t *
incident_report_json(const struct incident_store *st, const struct incident *inc,
		     uint64_t now_us)
{
	json_t *revs = json_array(), *r, *notes = json_array();
	char measures[512];
	uint32_t i;

	for (i = 0; i < inc->nrev; i++)
		json_array_append_new(revs, json_integer((json_int_t)inc->revisions[i]));
	json_array_append_new(notes, json_string(
		"Data subjects are counted as distinct values: each value is known by its keyed "
		"hash only, so no personal data is in this report."));
	json_array_append_new(notes, json_string(
		"Records and data subjects come from the matches the events list (at most "
		"dlp.max_matches_per_event per event): they are approximate, as Art. 33(3)(a) "
		"allows."));
	if (inc->capped)
		json_array_append_new(notes, json_string(
			"A limit of the incident store was reached: the counts are lower bounds."));
	r = json_pack("{s:I, s:o, s:s, s:o, s:o, s:I, s:I, s:I, s:o, s:I, s:o, s:o, s:o, "
		      "s:I, s:o, s:s, s:o, s:I, s:{s:o, s:s}, s:b, s:o}",
		"incident", (json_int_t)inc->id,
		"generated", report_ts(now_us),
		"state", report_open(st, inc) ? "open" : "closed",
		"nature", report_nature(inc),
		"data_categories", report_categories(inc),
		"records", (json_int_t)inc->records,
		"records_without_category", (json_int_t)inc->unlisted,
		"data_subjects", (json_int_t)incident_subjects(inc),
		"destinations", report_destinations(inc),
		"destinations_not_listed", (json_int_t)inc->dests_unlisted,
		"first_seen", report_ts(inc->first_us),
		"last_seen", report_ts(inc->last_us),
		"timeline", report_timeline(inc),
		"timeline_not_listed", (json_int_t)(inc->findings - inc->ntl),
		"actions", report_actions(inc),
		"measures", report_measures(inc, measures, sizeof(measures)),
		"captures", report_captures(inc),
		"captures_not_listed", (json_int_t)inc->caps_unlisted,
		"policy", "revisions", revs, "etag", inc->etag,
		"lower_bounds", inc->capped != 0,
		"notes", notes);
	return r;
}

/* ---- HTML ---- */

/* Text as HTML: &, <, >, " and ' escaped; control characters dropped. */
static void
html_text(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n')
				fputc(*s, f);
			break;
		}
	}
}

static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static json_int_t
jint(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* A JSON array of strings joined by ", ". */
static void
html_list(FILE *f, const json_t *a)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) {
		if (i > 0)
			fputs(", ", f);
		html_text(f, json_string_value(v));
	}
}

static const char html_style[] =
	"body{font-family:sans-serif;margin:2em;color:#111;max-width:60em}"
	"h1{font-size:1.5em}h2{font-size:1.15em;border-bottom:1px solid #999;margin-top:1.5em}"
	"table{border-collapse:collapse;width:100%;margin:.5em 0}"
	"th,td{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top}"
	"th{background:#eee}td.n{text-align:right}.figure{font-size:1.3em;font-weight:bold}"
	"dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}"
	".blank{border-bottom:1px solid #999;height:2.5em}"
	"@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}}";

static void
html_nature(FILE *f, const json_t *r)
{
	const json_t *n = json_object_get(r, "nature");

	fputs("<h2>1. Nature of the breach</h2>\n<p id=\"nature\">", f);
	html_text(f, jstr(n, "description"));
	fputs("</p>\n<dl>\n<dt>Type</dt><dd>", f);
	html_text(f, jstr(n, "type"));
	fputs("</dd>\n<dt>Rule</dt><dd id=\"rule\">", f);
	html_text(f, jstr(n, "rule"));
	fputs("</dd>\n<dt>Source groups</dt><dd>", f);
	html_list(f, json_object_get(n, "from_groups"));
	fputs("</dd>\n<dt>Destination group</dt><dd id=\"to-group\">", f);
	html_text(f, jstr(n, "to_group"));
	fputs("</dd>\n<dt>Mode</dt><dd>", f);
	html_list(f, json_object_get(n, "modes"));
	fprintf(f, "</dd>\n<dt>Findings</dt><dd id=\"findings\">%" JSON_INTEGER_FORMAT
		"</dd>\n<dt>Flows</dt><dd id=\"flows\">%" JSON_INTEGER_FORMAT
		"</dd>\n<dt>State</dt><dd>", jint(n, "findings"), jint(n, "flows"));
	html_text(f, jstr(r, "state"));
	fputs("</dd>\n</dl>\n", f);
}

static void
html_categories(FILE *f, const json_t *r)
{
	const json_t *c;
	size_t i;

	fputs("<h2>2. Categories and approximate numbers</h2>\n<table id=\"categories\">\n"
	      "<tr><th>Category</th><th>What it is</th><th>Sensors</th><th>Records</th>"
	      "<th>Data subjects</th></tr>\n", f);
	json_array_foreach(json_object_get(r, "data_categories"), i, c) {
		fputs("<tr data-category=\"", f);
		html_text(f, jstr(c, "category"));
		fputs("\"><td>", f);
		html_text(f, jstr(c, "category"));
		fputs("</td><td>", f);
		html_text(f, jstr(c, "description"));
		fputs("</td><td>", f);
		html_list(f, json_object_get(c, "sensors"));
		fprintf(f, "</td><td class=\"n records\">%" JSON_INTEGER_FORMAT "</td>"
			"<td class=\"n subjects\">%" JSON_INTEGER_FORMAT "</td></tr>\n",
			jint(c, "records"), jint(c, "data_subjects"));
	}
	fprintf(f, "<tr><th colspan=\"3\">All categories</th><td class=\"n figure\" "
		"id=\"records\">%" JSON_INTEGER_FORMAT "</td><td class=\"n figure\" "
		"id=\"data-subjects\">%" JSON_INTEGER_FORMAT "</td></tr>\n</table>\n",
		jint(r, "records"), jint(r, "data_subjects"));
	if (jint(r, "records_without_category") != 0)
		fprintf(f, "<p>Of the records, %" JSON_INTEGER_FORMAT " were not listed in their "
			"event and have no category.</p>\n", jint(r, "records_without_category"));
}

static void
html_destinations(FILE *f, const json_t *r)
{
	const json_t *d;
	size_t i;

	fputs("<h2>3. Destinations</h2>\n<table id=\"destinations\">\n<tr><th>Group</th>"
	      "<th>Name</th><th>Address</th><th>Port</th><th>Findings</th></tr>\n", f);
	json_array_foreach(json_object_get(r, "destinations"), i, d) {
		fputs("<tr><td>", f);
		html_text(f, jstr(d, "group"));
		fputs("</td><td>", f);
		html_text(f, jstr(d, "fqdn"));
		fputs("</td><td>", f);
		html_text(f, jstr(d, "ip"));
		fprintf(f, "</td><td class=\"n\">%" JSON_INTEGER_FORMAT "</td><td class=\"n\">%"
			JSON_INTEGER_FORMAT "</td></tr>\n", jint(d, "port"), jint(d, "findings"));
	}
	fputs("</table>\n", f);
	if (jint(r, "destinations_not_listed") != 0)
		fprintf(f, "<p>%" JSON_INTEGER_FORMAT " findings went to destinations not "
			"listed.</p>\n", jint(r, "destinations_not_listed"));
}

static void
html_timeline(FILE *f, const json_t *r)
{
	const json_t *e;
	size_t i;

	fputs("<h2>4. Time line</h2>\n<dl>\n<dt>First seen</dt><dd id=\"first-seen\">", f);
	html_text(f, jstr(r, "first_seen"));
	fputs("</dd>\n<dt>Last seen</dt><dd id=\"last-seen\">", f);
	html_text(f, jstr(r, "last_seen"));
	fputs("</dd>\n</dl>\n<table id=\"timeline\">\n<tr><th>Time (UTC)</th><th>Flow</th>"
	      "<th>Finding</th><th>Categories</th><th>Records</th><th>Destination</th>"
	      "<th>Action</th><th>Capture</th></tr>\n", f);
	json_array_foreach(json_object_get(r, "timeline"), i, e) {
		fputs("<tr><td>", f);
		html_text(f, jstr(e, "timestamp"));
		fprintf(f, "</td><td>%" JSON_INTEGER_FORMAT "</td><td>", jint(e, "flow_id"));
		html_text(f, jstr(e, "finding"));
		if (json_is_string(json_object_get(e, "sensor"))) {
			fputs(" (", f);
			html_text(f, jstr(e, "sensor"));
			fputs(")", f);
		}
		fputs("</td><td>", f);
		html_list(f, json_object_get(e, "data_categories"));
		fprintf(f, "</td><td class=\"n\">%" JSON_INTEGER_FORMAT "</td><td>",
			jint(e, "records"));
		html_text(f, jstr(e, "destination"));
		fputs("</td><td>", f);
		html_text(f, jstr(e, "action"));
		fputs("</td><td>", f);
		html_text(f, jstr(e, "capture"));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	if (jint(r, "timeline_not_listed") != 0)
		fprintf(f, "<p>%" JSON_INTEGER_FORMAT " later findings are not listed.</p>\n",
			jint(r, "timeline_not_listed"));
}

/* A link: href and text escaped as any text. */
static void
html_link(FILE *f, const char *href, const char *text)
{
	fputs("<a href=\"", f);
	html_text(f, href);
	fputs("\">", f);
	html_text(f, text);
	fputs("</a>", f);
}

/* The automatic captures: each with its files' download links (the files the API found
 * when it made the report: "available" false means the capture was deleted since). */
static void
html_captures(FILE *f, const json_t *r)
{
	const json_t *c, *fi;
	size_t i, j;

	fputs("<h2>7. Related packet captures</h2>\n", f);
	if (json_array_size(json_object_get(r, "captures")) == 0) {
		fputs("<p id=\"no-captures\">No packet capture was made for these findings "
		      "(automatic captures: <code>capture:</code> in the configuration).</p>\n", f);
		return;
	}
	fputs("<p>Downloads need an API token (<code>Authorization: Bearer</code>).</p>\n"
	      "<table id=\"captures\">\n<tr><th>Capture</th><th>Findings</th><th>Files"
	      "</th></tr>\n", f);
	json_array_foreach(json_object_get(r, "captures"), i, c) {
		fputs("<tr><td>", f);
		html_link(f, jstr(c, "url"), jstr(c, "id"));
		fprintf(f, "</td><td class=\"n\">%" JSON_INTEGER_FORMAT "</td><td>",
			jint(c, "findings"));
		if (json_is_false(json_object_get(c, "available")))
			fputs("deleted since", f);
		json_array_foreach(json_object_get(c, "files"), j, fi) {
			fputs(j ? "<br>" : "", f);
			html_link(f, jstr(fi, "url"), jstr(fi, "name"));
			fprintf(f, " (%" JSON_INTEGER_FORMAT " packets, %" JSON_INTEGER_FORMAT
				" bytes)", jint(fi, "packets"), jint(fi, "size"));
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	if (jint(r, "captures_not_listed") != 0)
		fprintf(f, "<p>%" JSON_INTEGER_FORMAT " findings had captures not listed.</p>\n",
			jint(r, "captures_not_listed"));
}

static void
html_measures_policy(FILE *f, const json_t *r)
{
	const json_t *a = json_object_get(r, "actions"), *p = json_object_get(r, "policy"), *v;
	size_t i;

	fprintf(f, "<h2>5. Measures taken</h2>\n<table id=\"actions\">\n<tr><th>Blocked</th>"
		"<th>of them reset</th><th>Allowed (reported)</th></tr>\n<tr><td class=\"n\" "
		"id=\"actions-blocked\">%" JSON_INTEGER_FORMAT "</td><td class=\"n\" "
		"id=\"actions-reset\">%" JSON_INTEGER_FORMAT "</td><td class=\"n\" "
		"id=\"actions-allowed\">%" JSON_INTEGER_FORMAT "</td></tr>\n</table>\n<p>",
		jint(a, "blocked"), jint(a, "reset"), jint(a, "allowed"));
	html_text(f, jstr(r, "measures"));
	fputs("</p>\n<h2>6. Policy in force</h2>\n<dl>\n<dt>Revisions</dt><dd id=\"revisions\">",
	      f);
	json_array_foreach(json_object_get(p, "revisions"), i, v)
		fprintf(f, "%s%" JSON_INTEGER_FORMAT, i ? ", " : "", json_integer_value(v));
	fputs("</dd>\n<dt>ETag at the last finding</dt><dd>", f);
	html_text(f, jstr(p, "etag"));
	fputs("</dd>\n</dl>\n", f);
}

char *
incident_report_html(const json_t *r, size_t *len)
{
	char *text = NULL;
	const json_t *v;
	size_t i;
	FILE *f;

	*len = 0;
	f = open_memstream(&text, len);
	if (f == NULL)
		return NULL;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<title>Incident %" JSON_INTEGER_FORMAT ": personal data breach report</title>\n"
		"<style>%s</style>\n</head>\n<body>\n<h1>Personal data breach report "
		"(GDPR Art. 33)</h1>\n<p>Incident <span id=\"incident\">%" JSON_INTEGER_FORMAT
		"</span>, generated ", jint(r, "incident"), html_style, jint(r, "incident"));
	html_text(f, jstr(r, "generated"));
	fputs(" by Tollgate.</p>\n", f);
	html_nature(f, r);
	html_categories(f, r);
	html_destinations(f, r);
	html_timeline(f, r);
	html_measures_policy(f, r);
	html_captures(f, r);
	fputs("<h2>8. To be completed by the controller</h2>\n<p>Name and contact details of the "
	      "data protection officer or other contact point (Art. 33(3)(b)):</p>\n"
	      "<div class=\"blank\"></div>\n<p>Likely consequences of the breach "
	      "(Art. 33(3)(c)):</p>\n<div class=\"blank\"></div>\n<p>Measures proposed to "
	      "address the breach and mitigate its effects (Art. 33(3)(d)):</p>\n"
	      "<div class=\"blank\"></div>\n<h2>Notes</h2>\n<ul>\n", f);
	json_array_foreach(json_object_get(r, "notes"), i, v) {
		fputs("<li>", f);
		html_text(f, json_string_value(v));
		fputs("</li>\n", f);
	}
	fputs("</ul>\n</body>\n</html>\n", f);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
