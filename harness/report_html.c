/* report.html: one self-contained file (inline CSS and JS, no network):
 * verdict and counts, target facts, a filterable/sortable table, and per
 * test the message, log tails, journal, config generations, runtimes
 * listing and the reproduce command. Every string goes through
 * rt_xml_puts. */
#include <stdlib.h>
#include <string.h>

#include "harness/report.h"
#include "jsonutil.h"

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}"
    "header{padding:16px 24px;background:#fff;border-bottom:1px solid #ddd}"
    "h1{margin:0 0 8px;font-size:20px}.verdict{font-weight:700;padding:2px 8px;border-radius:4px;color:#fff}"
    ".v-CONFORMS{background:#2a7d2e}.v-DOES{background:#b3261e}.v-NOTHING{background:#777}.v-HARNESS{background:#8a4b00}"
    ".counts span{display:inline-block;margin:4px 6px 0 0;padding:2px 8px;border-radius:10px;background:#eee}"
    "table{border-collapse:collapse;width:100%;background:#fff}th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}"
    "th{cursor:pointer;background:#f0f0f0;position:sticky;top:0}th:hover{background:#e4e4e4}"
    "tr.main{cursor:pointer}tr.main:hover{background:#f5f9ff}tr.det{display:none}tbody.open tr.det{display:table-row}"
    ".o{font-weight:600;padding:1px 6px;border-radius:3px}"
    ".o-PASS{color:#2a7d2e}.o-FAIL,.o-XPASS{color:#fff;background:#b3261e}.o-ERROR{color:#fff;background:#8a4b00}"
    ".o-SKIP,.o-DISABLED{color:#666}.o-XFAIL{color:#6a3fa0}.o-FLAKY{color:#b07800}"
    ".counts .o-FAIL,.counts .o-XPASS{background:#b3261e;color:#fff}.counts .o-ERROR{background:#8a4b00;color:#fff}"
    "pre{background:#f6f6f6;padding:6px;max-height:300px;overflow:auto;white-space:pre-wrap;word-break:break-all;margin:4px 0}"
    "main{padding:12px 24px}.filters{margin:8px 0}.filters *{margin-right:8px}.warn{color:#8a4b00}"
    "dl{margin:0}dt{font-weight:600;margin-top:6px}dd{margin:0 0 0 12px}";

static const char js[] =
    "(function(){var tb=document.getElementById('t'),q=document.getElementById('q'),"
    "fo=document.getElementById('fo'),fl=document.getElementById('fl'),n=document.getElementById('n');"
    "function apply(){var s=q.value.toLowerCase(),o=fo.value,l=fl.value,k=0;"
    "Array.prototype.forEach.call(tb.tBodies,function(b){var ok=(!o||b.dataset.outcome===o)&&(!l||b.dataset.level===l)"
    "&&(!s||b.textContent.toLowerCase().indexOf(s)>=0);b.style.display=ok?'':'none';if(ok)k++;});n.textContent=k;}"
    "[q,fo,fl].forEach(function(e){e.addEventListener('input',apply);});"
    "Array.prototype.forEach.call(tb.tBodies,function(b){b.rows[0].addEventListener('click',function(){b.classList.toggle('open');});});"
    "var dir={};Array.prototype.forEach.call(tb.tHead.rows[0].cells,function(th){th.addEventListener('click',function(){"
    "var key=th.dataset.key,d=dir[key]=-(dir[key]||-1),bs=Array.prototype.slice.call(tb.tBodies);"
    "bs.sort(function(a,b){var x=a.dataset[key],y=b.dataset[key];if(key==='duration'){x=+x;y=+y;}"
    "return x<y?-d:x>y?d:0;});bs.forEach(function(b){tb.appendChild(b);});});});apply();"
    /* report.html#RT-X-001 opens that test (links from CI logs) */
    "var h=decodeURIComponent(location.hash.slice(1));if(h)Array.prototype.forEach.call(tb.tBodies,function(b){"
    "if(b.dataset.id===h){b.classList.add('open');b.scrollIntoView();}});})();";

static const char *jstr(const json_t *o, const char *k) { return rt_json_str(o, k, ""); }

static void pre(FILE *f, const char *title, const char *text)
{
    fputs("<dt>", f);
    rt_xml_puts(f, title);
    fputs("</dt><dd><pre>", f);
    rt_xml_puts(f, text && *text ? text : "(empty)");
    fputs("</pre></dd>", f);
}

static void details(FILE *f, const json_t *t)
{
    fputs("<dl>", f);
    pre(f, "Message", jstr(t, "message"));
    json_t *e = json_object_get(t, "expectation");
    if (json_is_object(e)) {
        fputs("<dt>Expectation</dt><dd>", f);
        rt_xml_puts(f, jstr(e, "outcome"));
        fputs(" (", f);
        rt_xml_puts(f, jstr(e, "reason_class"));
        fputs("): ", f);
        rt_xml_puts(f, jstr(e, "reason"));
        fputs(" — ", f);
        rt_xml_puts(f, jstr(e, "link"));
        fputs("; expires ", f);
        rt_xml_puts(f, jstr(e, "expires"));
        if (json_is_true(json_object_get(e, "expired"))) fputs(" <span class=\"warn\">EXPIRED</span>", f);
        fputs("</dd>", f);
    }
    pre(f, "Reproduce", jstr(t, "reproduce"));
    json_t *obs = json_object_get(t, "observables");
    if (json_object_size(obs)) {
        fputs("<dt>Observables</dt><dd><pre>", f);
        const char *ok;
        json_t *ov;
        json_object_foreach(obs, ok, ov) {
            rt_xml_puts(f, ok);
            fputs(" = ", f);
            rt_xml_puts(f, json_string_value(ov));
            fputc('\n', f);
        }
        fputs("</pre></dd>", f);
    }
    if (json_is_string(json_object_get(t, "artifacts"))) pre(f, "Artifacts", jstr(t, "artifacts"));
    json_t *d = json_object_get(t, "details");
    if (json_is_object(d)) {
        pre(f, "Engine log (tail)", jstr(d, "engine_log_tail"));
        pre(f, "Test log (tail)", jstr(d, "test_log_tail"));
        json_t *j = json_object_get(d, "journal"), *v;
        size_t i;
        fputs("<dt>Journal (RTCONFORM_JOURNAL)</dt><dd><pre>", f);
        if (!json_array_size(j)) fputs("(empty)", f);
        json_array_foreach(j, i, v) {
            rt_xml_puts(f, json_string_value(v));
            fputc('\n', f);
        }
        fputs("</pre></dd>", f);
        json_array_foreach(json_object_get(d, "configs"), i, v) pre(f, jstr(v, "name"), jstr(v, "content"));
        fputs("<dt>Runtimes directory</dt><dd><pre>", f);
        json_t *r = json_object_get(d, "runtimes");
        if (!json_array_size(r)) fputs("(empty)", f);
        json_array_foreach(r, i, v) {
            fprintf(f, "%s  %8lld  ", *jstr(v, "sha256") ? jstr(v, "sha256") : "-", (long long)json_integer_value(json_object_get(v, "size")));
            rt_xml_puts(f, jstr(v, "path"));
            fputc('\n', f);
        }
        fputs("</pre></dd>", f);
    }
    fputs("</dl>", f);
}

/* --diff-with: the tests whose observables differ from the other run. */
static void differential(FILE *f, const json_t *d)
{
    if (!json_is_object(d)) return;
    fputs("<h2>Differential: A = ", f);
    rt_xml_puts(f, jstr(d, "a"));
    fputs(", B = ", f);
    rt_xml_puts(f, jstr(d, "b"));
    fprintf(f, "</h2><p>%lld tests with differing observables, %lld the same, %lld not compared (B: ",
            (long long)json_integer_value(json_object_get(d, "differing")),
            (long long)(json_integer_value(json_object_get(d, "compared")) - json_integer_value(json_object_get(d, "differing"))),
            (long long)json_integer_value(json_object_get(d, "not_compared")));
    rt_xml_puts(f, jstr(d, "results"));
    fputs(")</p>", f);
    json_t *g;
    size_t i;
    json_array_foreach(json_object_get(d, "not_run"), i, g) {
        fprintf(f, "<p class=\"warn\">Not compared: %lld test(s) ", (long long)json_integer_value(json_object_get(g, "count")));
        rt_xml_puts(f, jstr(g, "outcome"));
        fputs(" in ", f);
        rt_xml_puts(f, jstr(g, "side"));
        fputs(": ", f);
        rt_xml_puts(f, jstr(g, "message"));
        fputs("</p>", f);
    }
    if (!json_integer_value(json_object_get(d, "compared")))
        fputs("<p class=\"warn\">Nothing compared: no test ran in both runs (this is not equality).</p>", f);
    if (!json_array_size(json_object_get(d, "tests"))) return;
    fputs("<table><thead><tr><th>ID</th><th>Outcomes A / B</th><th>Observable</th><th>A</th><th>B</th></tr></thead><tbody>", f);
    json_t *t;
    json_array_foreach(json_object_get(d, "tests"), i, t) {
        json_t *k;
        size_t j;
        json_array_foreach(json_object_get(t, "keys"), j, k) {
            fputs("<tr><td>", f);
            rt_xml_puts(f, j ? "" : jstr(t, "id"));
            fputs("</td><td>", f);
            if (!j) {
                rt_xml_puts(f, jstr(t, "a_outcome"));
                fputs(" / ", f);
                rt_xml_puts(f, jstr(t, "b_outcome"));
            }
            fputs("</td><td>", f);
            rt_xml_puts(f, jstr(k, "key"));
            fputs("</td><td><code>", f);
            rt_xml_puts(f, json_is_string(json_object_get(k, "a")) ? jstr(k, "a") : "(not recorded)");
            fputs("</code></td><td><code>", f);
            rt_xml_puts(f, json_is_string(json_object_get(k, "b")) ? jstr(k, "b") : "(not recorded)");
            fputs("</code></td></tr>", f);
        }
    }
    fputs("</tbody></table>", f);
}

static void counts(FILE *f, const char *label, const json_t *c)
{
    fputs("<div class=\"counts\"><b>", f);
    rt_xml_puts(f, label);
    fputs("</b> ", f);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)c, k, v) {
        if (!strcmp(k, "total") || !json_integer_value(v)) continue;
        fputs("<span class=\"o-", f);
        rt_xml_puts(f, k);
        fputs("\">", f);
        rt_xml_puts(f, k);
        fprintf(f, " %lld</span>", (long long)json_integer_value(v));
    }
    fputs("</div>", f);
}

int rt_report_html(FILE *f, const json_t *doc)
{
    const char *verdict = jstr(doc, "verdict");
    char vclass[16];
    snprintf(vclass, sizeof vclass, "%.*s", (int)strcspn(verdict, " "), verdict);
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
          "<title>rtconform report</title><style>", f);
    fputs(css, f);
    fputs("</style></head><body><header><h1>rtconform conformance report</h1><p><span class=\"verdict v-", f);
    rt_xml_puts(f, vclass);
    fputs("\">", f);
    rt_xml_puts(f, verdict);
    fprintf(f, "</span> exit code %lld &middot; profile <b>", (long long)json_integer_value(json_object_get(doc, "exit_code")));
    rt_xml_puts(f, jstr(doc, "profile"));
    fprintf(f, "</b> &middot; seed %lld &middot; ", (long long)json_integer_value(json_object_get(doc, "seed")));
    rt_xml_puts(f, jstr(doc, "started"));
    fputs(" &rarr; ", f);
    rt_xml_puts(f, jstr(doc, "finished"));
    fputs(" &middot; rtconform ", f);
    rt_xml_puts(f, jstr(json_object_get(doc, "harness"), "version"));
    fputs("</p>", f);
    counts(f, "Outcomes:", json_object_get(doc, "counts"));
    const char *lv;
    json_t *lc;
    json_object_foreach(json_object_get(doc, "counts_by_level"), lv, lc) counts(f, lv, lc);
    fputs("<p><b>Target:</b> ", f);
    json_t *target = json_object_get(doc, "target");
    const char *k;
    json_t *v;
    json_object_foreach(target, k, v) {
        char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        rt_xml_puts(f, k);
        fputs("=<code>", f);
        rt_xml_puts(f, s ? s : json_string_value(v));
        fputs("</code> ", f);
        free(s);
    }
    json_t *exp = json_object_get(doc, "expectations");
    fputs("<br><b>Expectation file:</b> ", f);
    rt_xml_puts(f, json_is_object(exp) ? jstr(exp, "file") : "(none)");
    fputs("</p>", f);
    size_t i;
    json_array_foreach(json_object_get(doc, "warnings"), i, v) {
        fputs("<p class=\"warn\">Warning: ", f);
        rt_xml_puts(f, json_string_value(v));
        fputs("</p>", f);
    }
    differential(f, json_object_get(doc, "differential"));
    fputs("</header><main><div class=\"filters\">Filter: <input id=\"q\" placeholder=\"text\"> "
          "<select id=\"fo\"><option value=\"\">all outcomes</option>", f);
    static const char *const outcomes[] = {"PASS", "FAIL", "ERROR", "SKIP", "DISABLED", "XFAIL", "XPASS", "FLAKY"};
    for (size_t o = 0; o < 8; o++) fprintf(f, "<option>%s</option>", outcomes[o]);
    fputs("</select><select id=\"fl\"><option value=\"\">all levels</option><option>MUST</option><option>SHOULD</option>"
          "<option>MAY</option></select> showing <span id=\"n\"></span> tests (click a row for details, a header to sort)</div>\n"
          "<table id=\"t\"><thead><tr><th data-key=\"id\">ID</th><th data-key=\"level\">Level</th>"
          "<th data-key=\"outcome\">Outcome</th><th data-key=\"suite\">Area</th><th data-key=\"desc\">Description</th>"
          "<th data-key=\"spec\">Spec</th><th data-key=\"duration\">Time (s)</th></tr></thead>\n", f);
    json_t *t;
    json_array_foreach(json_object_get(doc, "tests"), i, t) {
        const char *oc = jstr(t, "outcome");
        fputs("<tbody data-id=\"", f);
        rt_xml_puts(f, jstr(t, "id"));
        fputs("\" data-level=\"", f);
        rt_xml_puts(f, jstr(t, "level"));
        fputs("\" data-outcome=\"", f);
        rt_xml_puts(f, oc);
        fputs("\" data-suite=\"", f);
        rt_xml_puts(f, jstr(t, "suite"));
        fputs("\" data-desc=\"", f);
        rt_xml_puts(f, jstr(t, "desc"));
        fputs("\" data-spec=\"", f);
        rt_xml_puts(f, jstr(t, "spec"));
        double dur = json_real_value(json_object_get(t, "duration_s"));
        fprintf(f, "\" data-duration=\"%.3f\"><tr class=\"main\"><td>", dur);
        rt_xml_puts(f, jstr(t, "id"));
        fputs("</td><td>", f);
        rt_xml_puts(f, jstr(t, "level"));
        fputs("</td><td><span class=\"o o-", f);
        rt_xml_puts(f, oc);
        fputs("\">", f);
        rt_xml_puts(f, oc);
        fputs("</span></td><td>", f);
        rt_xml_puts(f, jstr(t, "suite"));
        fputs("</td><td>", f);
        rt_xml_puts(f, jstr(t, "desc"));
        fputs("</td><td>", f);
        rt_xml_puts(f, jstr(t, "spec"));
        fprintf(f, "</td><td>%.3f</td></tr><tr class=\"det\"><td colspan=\"7\">", dur);
        details(f, t);
        fputs("</td></tr></tbody>\n", f);
    }
    fputs("</table></main><script>", f);
    fputs(js, f);
    fputs("</script></body></html>\n", f);
    return ferror(f) ? -1 : 0;
}
