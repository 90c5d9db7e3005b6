/* The race explorer's configuration model (race_model.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites/race_common.h"
#include "suites/race_model.h"

const char *const rt_race_names[RT_RACE_NRT] = {"ra", "rb"};

int rt_race_name_index(const char *name)
{
    for (int i = 0; i < RT_RACE_NRT; i++)
        if (!strcmp(name, rt_race_names[i])) return i;
    return -1;
}

uint64_t rt_race_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static const char *rt_path(const struct rt_race_rt *r, const char *shim_runc)
{
    return r->abs_path ? shim_runc : "runc";
}

static void args_joined(const struct rt_race_rt *r, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < r->nargs; i++) {
        if (i) strncat(buf, " ", len - strlen(buf) - 1);
        strncat(buf, r->args[i], len - strlen(buf) - 1);
    }
}

struct rt_race_cfg *rt_race_cfg_gen(uint64_t *rng, const struct rt_race_cfg *prev, long gen,
                                    const char *shim_runc)
{
    struct rt_race_cfg *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->gen = gen;
    for (int k = 0; k < RT_RACE_NRT; k++) {
        struct rt_race_rt *r = &c->rt[k];
        /* the startup config defines both; later ones drop one now and then */
        r->present = !prev || rt_race_rand(rng) % 8 != 0;
        r->abs_path = rt_race_rand(rng) % 3 == 0;
        r->nargs = rt_race_rand(rng) % 6 == 0 ? 0 : 1 + rt_race_rand(rng) % 2;
        /* a small value pool: some reloads repeat a content (same wrapper
         * name), most change it */
        for (size_t a = 0; a < r->nargs; a++)
            snprintf(r->args[a], sizeof r->args[a], RT_RACE_ARG_PREFIX "%c%u", (int)('a' + a),
                     (unsigned)(rt_race_rand(rng) % 3));
    }
    const char *cand[RT_RACE_NRT + 1] = {"runc"};
    size_t n = 1;
    for (int k = 0; k < RT_RACE_NRT; k++)
        if (c->rt[k].present) cand[n++] = rt_race_names[k];
    /* §4.1: an omitted default-runtime keeps the previous one, which must
     * still be defined (a dangling default is rejected) */
    if (prev && rt_race_cfg_defines(c, prev->def) && rt_race_rand(rng) % 3 == 0) {
        snprintf(c->def, sizeof c->def, "%s", prev->def);
        c->def_in_file = false;
    } else {
        snprintf(c->def, sizeof c->def, "%s", cand[rt_race_rand(rng) % n]);
        c->def_in_file = true;
    }

    json_t *rts = json_object();
    for (int k = 0; k < RT_RACE_NRT; k++) {
        const struct rt_race_rt *r = &c->rt[k];
        if (!r->present) continue;
        json_t *o = json_pack("{s:s}", "path", rt_path(r, shim_runc));
        if (r->nargs) {
            json_t *a = json_array();
            for (size_t i = 0; i < r->nargs; i++) json_array_append_new(a, json_string(r->args[i]));
            json_object_set_new(o, "runtimeArgs", a);
        }
        json_object_set_new(rts, rt_race_names[k], o);
    }
    json_t *doc = json_pack("{s:o}", "runtimes", rts);
    if (c->def_in_file) json_object_set_new(doc, "default-runtime", json_string(c->def));
    c->text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    return c;
}

void rt_race_cfg_free(struct rt_race_cfg *c)
{
    if (!c) return;
    free(c->text);
    free(c);
}

bool rt_race_cfg_defines(const struct rt_race_cfg *c, const char *name)
{
    if (!strcmp(name, "runc")) return true;
    int k = rt_race_name_index(name);
    return k >= 0 && c->rt[k].present;
}

void rt_race_cfg_describe(const struct rt_race_cfg *c, char *buf, size_t len)
{
    int at = snprintf(buf, len, "gen %ld:", c->gen);
    for (int k = 0; k < RT_RACE_NRT && at > 0 && (size_t)at < len; k++) {
        const struct rt_race_rt *r = &c->rt[k];
        char a[80];
        args_joined(r, a, sizeof a);
        if (r->present)
            at += snprintf(buf + at, len - (size_t)at, " %s=%s[%s]", rt_race_names[k], r->abs_path ? "/abs/runc" : "runc", a);
        else
            at += snprintf(buf + at, len - (size_t)at, " %s=-", rt_race_names[k]);
    }
    if (at > 0 && (size_t)at < len) snprintf(buf + at, len - (size_t)at, " default=%s%s", c->def, c->def_in_file ? "" : "(sticky)");
}

bool rt_race_cfg_matches(const struct rt_race_cfg *c, const char *name, const char *binary, const char *args,
                         const char *wrapper_content, const char *runtimes_dir, const char *shim_runc)
{
    /* stock runc (App. A.1): BinaryName runc, no wrapper */
    if (!strcmp(name, "runc")) return !strcmp(binary, "runc") && !*args;
    int k = rt_race_name_index(name);
    if (k < 0 || !c->rt[k].present) return false;
    const struct rt_race_rt *r = &c->rt[k];
    char want[80];
    args_joined(r, want, sizeof want);
    if (strcmp(want, args)) return false;
    const char *path = rt_path(r, shim_runc);
    if (!r->nargs) return !strcmp(binary, path); /* §1.4: BinaryName = path */
    size_t dl = strlen(runtimes_dir), nl = strlen(name);
    if (strncmp(binary, runtimes_dir, dl) || binary[dl] != '/' || strncmp(binary + dl + 1, name, nl) ||
        binary[dl + 1 + nl] != '.' || !wrapper_content)
        return false;
    const char *av[2] = {r->args[0], r->args[1]};
    char *content = rt_race_content(path, av, r->nargs);
    bool ok = !strcmp(content, wrapper_content);
    free(content);
    return ok;
}
