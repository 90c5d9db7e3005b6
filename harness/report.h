/* The reports of one run. results.json (schema: docs/results-json.md)
 * is built first; TAP lines, junit.xml and report.html are rendered from
 * its JSON, so every output says the same thing. */
#ifndef RT_REPORT_H
#define RT_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "harness/runner.h"

#define RT_RESULTS_SCHEMA 1

struct rt_run_meta {
    const char *started, *finished;   /* ISO 8601 UTC */
    unsigned long seed;
    const char *profile;
    json_t *target;                   /* the probe (borrowed) */
    const struct rt_expect *expect;   /* may be NULL */
    json_t *warnings;                 /* array of strings (borrowed) */
    bool xpass_ok;
    const char *reproduce;
};

/* One test as a results.json entry (also what TAP lines are made from). */
json_t *rt_result_json(const struct rt_result *r, const char *reproduce);
/* The whole results.json document; counts, verdict and exit code included. */
json_t *rt_results_json(const struct rt_run_meta *m, const struct rt_result *res, size_t n);

/* TAP 14 test point K of N (N = 0: unknown yet) from a test entry. */
void rt_tap_point(FILE *f, size_t k, size_t n, const json_t *test);
int rt_report_junit(FILE *f, const json_t *results);
int rt_report_html(FILE *f, const json_t *results);
/* results.json, junit.xml, report.html into DIR. */
int rt_reports_write(const char *dir, const json_t *results, char *err, size_t len);

/* Escaping, one place: XML/HTML text and attributes (& < > " '; control
 * characters other than \t \n \r dropped, as XML 1.0 cannot carry them). */
void rt_xml_puts(FILE *f, const char *s);
/* A JSON/YAML double-quoted string literal. */
void rt_quoted_puts(FILE *f, const char *s);

#endif
