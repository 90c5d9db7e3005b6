/* Outputs of `rtconform bench`: the console table, one SVG chart per
 * scenario (written by hand: bars for the median, a line from min to max,
 * a tick at p99) and report.html embedding them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/bench_int.h"
#include "harness/report.h"

static const char *const engines[] = {"rtengined", "dockerd"};

static double num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void cell(FILE *f, double v, int w)
{
    if (isnan(v)) fprintf(f, " %*s", w, "-");
    else if (fabs(v) >= 1000) fprintf(f, " %*.0f", w, v);
    else fprintf(f, " %*.*f", w, fabs(v) < 10 ? 2 : 1, v);
}

/* The lifecycle's shim floor (same shim, no engine) and what each engine
 * adds to it: the raw ratio's target stays as the issue states it, this
 * says how much of each run is the engine's at all. */
static void print_floor(json_t *sc, FILE *f)
{
    json_t *fl = json_object_get(sc, "shim_floor");
    if (!fl) return;
    fprintf(f, "%s: shim floor p50", json_string_value(json_object_get(sc, "name")));
    cell(f, num(fl, "median"), 0);
    fprintf(f, " ms; engine overhead p50 - floor:");
    for (int k = 0; k < 2; k++) {
        json_t *r = json_object_get(json_object_get(sc, "results"), engines[k]);
        if (isnan(num(r, "overhead_ms"))) continue;
        fprintf(f, " %s", engines[k]);
        cell(f, num(r, "overhead_ms"), 0);
        fprintf(f, " ms;");
    }
    fprintf(f, " overhead ratio");
    cell(f, num(sc, "overhead_ratio"), 0);
    fprintf(f, "; raw ratio at zero engine cost");
    cell(f, num(sc, "best_ratio_at_zero_overhead"), 0);
    fprintf(f, "\n");
}

void bench_print_table(json_t *results, FILE *f)
{
    fprintf(f, "%-16s %-5s %10s %10s %10s %10s %8s  %-7s %s\n", "scenario", "unit", "rtengined", "p99", "dockerd",
            "p99", "ratio", "target", "goal");
    size_t i;
    json_t *sc;
    json_array_foreach(json_object_get(results, "scenarios"), i, sc) {
        const char *metric = json_string_value(json_object_get(sc, "metric"));
        fprintf(f, "%-16s %-5s", json_string_value(json_object_get(sc, "name")),
                json_string_value(json_object_get(sc, "unit")));
        for (int k = 0; k < 2; k++) {
            json_t *r = json_object_get(json_object_get(sc, "results"), engines[k]);
            if (json_object_get(r, "error") && !json_object_get(r, metric)) {
                fprintf(f, " %10s %10s", "ERROR", "");
                continue;
            }
            cell(f, num(r, metric), 10);
            cell(f, num(r, "p99"), 10);
        }
        cell(f, num(sc, "ratio"), 8);
        json_t *met = json_object_get(sc, "target_met");
        fprintf(f, "  %-7s %s\n", json_is_true(met) ? "met" : json_is_false(met) ? "SHORT" : "n/a",
                json_string_value(json_object_get(json_object_get(sc, "target"), "text")));
    }
    fprintf(f, "ratio = dockerd / rtengined of the metric column (median unless stated); "
               "goal met/SHORT per bench-results.json target_met\n");
    json_array_foreach(json_object_get(results, "scenarios"), i, sc) print_floor(sc, f);
}

void bench_svg(json_t *sc, FILE *f)
{
    const char *metric = json_string_value(json_object_get(sc, "metric"));
    const char *unit = json_string_value(json_object_get(sc, "unit"));
    double top = 0;
    for (int k = 0; k < 2; k++) {
        json_t *r = json_object_get(json_object_get(sc, "results"), engines[k]);
        double v = num(r, "max");
        if (isnan(v) || !strcmp(metric, "storm_quiet_p99")) v = num(r, metric);
        if (!isnan(v) && v > top) top = v;
    }
    if (top <= 0) top = 1;
    const int W = 640, L = 90, R = 150, row = 34;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
               "font-size=\"12\">\n", W, 30 + 2 * row);
    fprintf(f, "<text x=\"4\" y=\"14\" font-weight=\"bold\">");
    rt_xml_puts(f, json_string_value(json_object_get(sc, "title")));
    fprintf(f, "</text>\n");
    for (int k = 0; k < 2; k++) {
        json_t *r = json_object_get(json_object_get(sc, "results"), engines[k]);
        int y = 24 + k * row;
        fprintf(f, "<text x=\"4\" y=\"%d\">%s</text>\n", y + 16, engines[k]);
        double v = num(r, metric);
        if (isnan(v)) {
            fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#777\">%s</text>\n", L, y + 16,
                    json_object_get(r, "error") ? "error" : "not measured");
            continue;
        }
        double sx = (double)(W - L - R) / top;
        const char *color = k == 0 ? "#2a7d2e" : "#3b6db3";
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>\n", L, y + 4,
                fmax(v * sx, 1.0), color);
        double mn = num(r, "min"), mx = num(r, "max"), p99 = num(r, "p99");
        if (!isnan(mn) && !isnan(mx) && strcmp(metric, "storm_quiet_p99") != 0) {
            fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#222\"/>\n", L + mn * sx,
                    L + mx * sx, y + 13, y + 13);
            if (!isnan(p99))
                fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#b3261e\" stroke-width=\"2\"/>\n",
                        L + p99 * sx, L + p99 * sx, y + 4, y + 22);
        }
        fprintf(f, "<text x=\"%d\" y=\"%d\">%.*f %s", W - R + 6, y + 17, v < 10 ? 2 : 1, v, unit);
        if (!isnan(p99) && strcmp(metric, "storm_quiet_p99") != 0) fprintf(f, " (p99 %.*f)", p99 < 10 ? 2 : 1, p99);
        fprintf(f, "</text>\n");
    }
    fprintf(f, "</svg>\n");
}

int bench_write_html(json_t *results, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>rtconform bench</title><style>"
          "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse}"
          "td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}"
          ".met{color:#2a7d2e;font-weight:600}.short{color:#b3261e;font-weight:600}section{margin:18px 0}"
          "pre{background:#f6f6f6;padding:8px}</style></head><body>\n<h1>rtconform bench</h1>\n<p>", f);
    json_t *m = json_object_get(results, "machine");
    rt_xml_puts(f, json_string_value(json_object_get(results, "date")));
    fputs(" &middot; ", f);
    rt_xml_puts(f, json_string_value(json_object_get(m, "cpu")));
    fprintf(f, " &middot; %d cpus &middot; ", (int)json_integer_value(json_object_get(m, "cpus")));
    rt_xml_puts(f, json_string_value(json_object_get(m, "kernel")));
    fputs("</p>\n<p>Green: rtengined, blue: dockerd (+ containerd). Bar: the metric (median unless stated); "
          "black line: min to max; red tick: p99. Ratio = dockerd / rtengined.</p>\n<pre>", f);
    char *table = NULL;
    size_t tlen = 0;
    FILE *mf = open_memstream(&table, &tlen);
    bench_print_table(results, mf);
    fclose(mf);
    rt_xml_puts(f, table);
    free(table);
    fputs("</pre>\n", f);
    size_t i;
    json_t *sc;
    json_array_foreach(json_object_get(results, "scenarios"), i, sc) {
        json_t *met = json_object_get(sc, "target_met");
        fputs("<section><h3>", f);
        rt_xml_puts(f, json_string_value(json_object_get(sc, "name")));
        fprintf(f, " <span class=\"%s\">%s</span></h3>\n", json_is_true(met) ? "met" : "short",
                json_is_true(met) ? "target met" : json_is_false(met) ? "target SHORT" : "");
        bench_svg(sc, f);
        fputs("<p>Target: ", f);
        rt_xml_puts(f, json_string_value(json_object_get(json_object_get(sc, "target"), "text")));
        double ratio = num(sc, "ratio");
        if (!isnan(ratio)) fprintf(f, "; ratio %.2f", ratio);
        fputs("</p></section>\n", f);
    }
    fputs("<details><summary>bench-results.json</summary><pre>", f);
    char *js = json_dumps(results, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    rt_xml_puts(f, js);
    free(js);
    fputs("</pre></details>\n</body></html>\n", f);
    return fclose(f);
}
