/* Escaping, TAP test points and junit.xml, all rendered from results JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "harness/report.h"
#include "jsonutil.h"

void rt_xml_puts(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') break; /* not allowed in XML 1.0 */
            if (*p == 0x7f) break;
            fputc(*p, f);
        }
    }
}

void rt_quoted_puts(FILE *f, const char *s)
{
    json_t *v = json_string(s ? s : "");
    char *d = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
    fputs(d ? d : "\"\"", f);
    free(d);
    json_decref(v);
}

static const char *jstr(const json_t *o, const char *k) { return rt_json_str(o, k, ""); }

/* A TAP description may not contain an unescaped '#' (directive). */
static void tap_desc(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '#' || *s == '\\') fputc('\\', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
}

void rt_tap_point(FILE *f, size_t k, size_t n, const json_t *t)
{
    const char *oc = jstr(t, "outcome"), *msg = jstr(t, "message");
    bool ok = !strcmp(oc, "PASS") || !strcmp(oc, "SKIP") || !strcmp(oc, "DISABLED") || !strcmp(oc, "FLAKY");
    bool xfail = !strcmp(oc, "XFAIL");
    fprintf(f, "%s %zu - ", ok ? "ok" : "not ok", k);
    if (n) fprintf(f, "[%zu/%zu] ", k, n);
    else fprintf(f, "[%zu] ", k);
    tap_desc(f, jstr(t, "id"));
    fputc(' ', f);
    tap_desc(f, jstr(t, "level"));
    fputs(": ", f);
    tap_desc(f, jstr(t, "desc"));
    if (!strcmp(oc, "SKIP") || !strcmp(oc, "DISABLED")) {
        fputs(" # SKIP ", f);
        if (!strcmp(oc, "DISABLED")) fputs("DISABLED: ", f);
        tap_desc(f, msg);
    } else if (xfail) {
        fputs(" # TODO XFAIL: ", f);
        tap_desc(f, msg);
    } else if (!strcmp(oc, "FLAKY")) {
        fputs(" (FLAKY)", f);
    }
    fputc('\n', f);
    if (ok && strcmp(oc, "FLAKY")) return;
    json_t *exp = json_object_get(t, "expectation");
    fputs("  ---\n  outcome: ", f);
    fputs(oc, f);
    fputs("\n  expected: ", f);
    rt_quoted_puts(f, json_is_object(exp) ? "failure (listed in the expectation file)" : "PASS");
    fputs("\n  actual: ", f);
    rt_quoted_puts(f, msg);
    fputs("\n  spec: ", f);
    rt_quoted_puts(f, jstr(t, "spec"));
    fprintf(f, "\n  duration_s: %.3f\n  attempts: %lld\n", json_real_value(json_object_get(t, "duration_s")),
            (long long)json_integer_value(json_object_get(t, "attempts")));
    if (json_is_object(exp)) {
        fputs("  expectation: ", f);
        char line[1024];
        snprintf(line, sizeof line, "%s (%s) %s; expires %s%s", jstr(exp, "outcome"), jstr(exp, "reason_class"),
                 jstr(exp, "link"), jstr(exp, "expires"), json_is_true(json_object_get(exp, "expired")) ? " (EXPIRED)" : "");
        rt_quoted_puts(f, line);
        fputc('\n', f);
    }
    if (json_is_string(json_object_get(t, "artifacts"))) {
        fputs("  artifacts: ", f);
        rt_quoted_puts(f, jstr(t, "artifacts"));
        fputc('\n', f);
    }
    fputs("  reproduce: ", f);
    rt_quoted_puts(f, jstr(t, "reproduce"));
    fputs("\n  ...\n", f);
}

static void junit_props(FILE *f, const json_t *doc)
{
    json_t *target = json_object_get(doc, "target");
    char seed[32];
    snprintf(seed, sizeof seed, "%lld", (long long)json_integer_value(json_object_get(doc, "seed")));
    const char *props[][2] = {
        {"target", jstr(target, "kind")},
        {"engine_version", jstr(target, "engine_version")},
        {"harness_version", jstr(json_object_get(doc, "harness"), "version")},
        {"seed", seed},
        {"profile", jstr(doc, "profile")},
        {"expectations", jstr(json_object_get(doc, "expectations"), "file")},
    };
    fputs("    <properties>\n", f);
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
        fputs("      <property name=\"", f);
        rt_xml_puts(f, props[i][0]);
        fputs("\" value=\"", f);
        rt_xml_puts(f, props[i][1]);
        fputs("\"/>\n", f);
    }
    fputs("    </properties>\n", f);
}

int rt_report_junit(FILE *f, const json_t *doc)
{
    json_t *tests = json_object_get(doc, "tests");
    json_t *c = json_object_get(doc, "counts");
    long long fails = json_integer_value(json_object_get(c, "FAIL")) + json_integer_value(json_object_get(c, "XPASS"));
    long long errs = json_integer_value(json_object_get(c, "ERROR"));
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"rtconform\" tests=\"%zu\" failures=\"%lld\" errors=\"%lld\">\n",
            json_array_size(tests), fails, errs);
    /* One <testsuite> per area, in first-seen order. */
    json_t *seen = json_object();
    size_t i;
    json_t *t;
    json_array_foreach(tests, i, t) {
        const char *suite = jstr(t, "suite");
        if (json_object_get(seen, suite)) continue;
        json_object_set_new(seen, suite, json_true());
        size_t n = 0, nf = 0, ne = 0, ns = 0, j;
        double time = 0;
        json_t *u;
        json_array_foreach(tests, j, u) {
            if (strcmp(jstr(u, "suite"), suite)) continue;
            const char *oc = jstr(u, "outcome");
            n++;
            time += json_real_value(json_object_get(u, "duration_s"));
            nf += !strcmp(oc, "FAIL") || !strcmp(oc, "XPASS");
            ne += !strcmp(oc, "ERROR");
            ns += !strcmp(oc, "SKIP") || !strcmp(oc, "DISABLED");
        }
        fputs("  <testsuite name=\"", f);
        rt_xml_puts(f, suite);
        fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\" timestamp=\"", n, nf,
                ne, ns, time);
        rt_xml_puts(f, jstr(doc, "started"));
        fputs("\">\n", f);
        junit_props(f, doc);
        json_array_foreach(tests, j, u) {
            if (strcmp(jstr(u, "suite"), suite)) continue;
            const char *oc = jstr(u, "outcome"), *msg = jstr(u, "message");
            fputs("    <testcase classname=\"", f);
            rt_xml_puts(f, suite);
            fputs("\" name=\"", f);
            rt_xml_puts(f, jstr(u, "id"));
            fputs(" ", f);
            rt_xml_puts(f, jstr(u, "desc"));
            fprintf(f, "\" time=\"%.3f\">\n", json_real_value(json_object_get(u, "duration_s")));
            const char *elem = !strcmp(oc, "FAIL") || !strcmp(oc, "XPASS") ? "failure"
                               : !strcmp(oc, "ERROR")                        ? "error"
                               : !strcmp(oc, "SKIP") || !strcmp(oc, "DISABLED") ? "skipped"
                                                                               : NULL;
            if (elem) {
                fprintf(f, "      <%s message=\"%s: ", elem, oc);
                rt_xml_puts(f, msg);
                fprintf(f, "\" type=\"%s\">", oc);
                rt_xml_puts(f, msg);
                fputs("\nspec: ", f);
                rt_xml_puts(f, jstr(u, "spec"));
                fputs("\nreproduce: ", f);
                rt_xml_puts(f, jstr(u, "reproduce"));
                fprintf(f, "</%s>\n", elem);
            }
            if (!strcmp(oc, "XFAIL") || !strcmp(oc, "FLAKY")) {
                fprintf(f, "      <system-out>%s: ", oc);
                rt_xml_puts(f, msg);
                fputs("</system-out>\n", f);
            }
            fputs("    </testcase>\n", f);
        }
        fputs("  </testsuite>\n", f);
    }
    json_decref(seen);
    fputs("</testsuites>\n", f);
    return ferror(f) ? -1 : 0;
}

static int write_with(const char *dir, const char *name, int (*fn)(FILE *, const json_t *), const json_t *doc,
                      char *err, size_t len)
{
    char *path = rt_path_join(dir, name);
    FILE *f = fopen(path, "w");
    int rc = f ? fn(f, doc) : -1;
    if (f && fclose(f) != 0) rc = -1;
    if (rc < 0) snprintf(err, len, "cannot write %s: %s", path, rt_strerror(errno));
    free(path);
    return rc;
}

static int dump_json(FILE *f, const json_t *doc)
{
    int rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    return rc;
}

int rt_reports_write(const char *dir, const json_t *doc, char *err, size_t len)
{
    if (write_with(dir, "results.json", dump_json, doc, err, len) < 0) return -1;
    if (write_with(dir, "junit.xml", rt_report_junit, doc, err, len) < 0) return -1;
    return write_with(dir, "report.html", rt_report_html, doc, err, len);
}
