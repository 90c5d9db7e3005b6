#include "suites/ctr_common.h"

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <curl/curl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/observe.h"
#include "harness/testlib.h"
#include "jsonutil.h"

void *rt_ct_make_tar(const char *const *paths, const char *const *contents, size_t n, size_t *len)
{
    size_t cap = 1 << 16;
    for (size_t i = 0; i < n; i++) cap += 1024 + (contents[i] ? strlen(contents[i]) : 0);
    void *buf = malloc(cap);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_open_memory(a, buf, cap, len);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, paths[i]);
        archive_entry_set_filetype(e, contents[i] ? AE_IFREG : AE_IFDIR);
        archive_entry_set_perm(e, contents[i] ? 0755 : 0755);
        archive_entry_set_size(e, contents[i] ? (la_int64_t)strlen(contents[i]) : 0);
        archive_write_header(a, e);
        if (contents[i]) archive_write_data(a, contents[i], strlen(contents[i]));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return buf;
}

static size_t collect(char *p, size_t sz, size_t nm, void *ud)
{
    struct rt_http_resp *r = ud;
    size_t n = sz * nm;
    char *nb = realloc(r->body, r->len + n + 1);
    if (!nb) return 0;
    r->body = nb;
    memcpy(r->body + r->len, p, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

/* The harness client sends NUL-terminated bodies; a tar needs its length. */
long rt_ct_post_tar(const char *path, const void *tar, size_t len, struct rt_http_resp *out)
{
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    char url[1024];
    snprintf(url, sizeof url, "http://localhost%s", path);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/x-tar");
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, rt_t.socket);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, tar);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, rt_scaled_ms(30000));
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    else snprintf(out->error, sizeof out->error, "%s", curl_easy_strerror(rc));
    if (out->body) out->json = json_loadb(out->body, out->len, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, NULL);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return out->status;
}

long rt_ct_import(const char *repo_tag, const void *tar, size_t len, struct rt_http_resp *out)
{
    void *own = NULL;
    if (!tar) {
        const char *paths[] = {"bin", "bin/true"};
        const char *contents[] = {NULL, "#!/bin/sh\nexit 0\n"};
        tar = own = rt_ct_make_tar(paths, contents, 2, &len);
    }
    char *esc = curl_easy_escape(NULL, repo_tag, 0);
    char path[1024];
    snprintf(path, sizeof path, "/images/create?fromSrc=-&repo=%s", esc);
    curl_free(esc);
    rt_ct_post_tar(path, tar, len, out);
    free(own);
    return out->status;
}

void rt_ct_import_ok(void)
{
    struct rt_http_resp r;
    long st = rt_ct_import(RT_CT_IMAGE, NULL, 0, &r);
    if (st != 200) rt_env_error("image import failed: %ld %s %s", st, r.body ? r.body : "", r.error);
    rt_http_resp_free(&r);
}

void rt_ct_create(const char *name, const char *body, struct rt_http_resp *out)
{
    char path[1024];
    if (name) {
        CURL *c = curl_easy_init();
        char *esc = curl_easy_escape(c, name, 0);
        snprintf(path, sizeof path, "/containers/create?name=%s", esc);
        curl_free(esc);
        curl_easy_cleanup(c);
    } else {
        snprintf(path, sizeof path, "/containers/create");
    }
    rt_api("POST", path, body, out);
}

char *rt_ct_create_ok(const char *name, const char *body)
{
    struct rt_http_resp r;
    rt_ct_create(name, body, &r);
    ck_assert_msg(r.status == 201, "create %s: status %ld (%s), want 201", body, r.status, r.body ? r.body : "");
    const char *id = rt_json_str(r.json, "Id", NULL);
    ck_assert_msg(id && strlen(id) == 64, "create: no Id in %s", r.body ? r.body : "");
    char *out = strdup(id);
    rt_http_resp_free(&r);
    return out;
}

json_t *rt_ct_inspect(const char *ref)
{
    char path[512];
    snprintf(path, sizeof path, "/containers/%s/json", ref);
    json_t *v = rt_api_get_json(path);
    rt_observe("runtime", "%s", rt_json_str(json_object_get(v, "HostConfig"), "Runtime", "(none)"));
    return v;
}

size_t rt_ct_count_all(void)
{
    json_t *l = rt_api_get_json("/containers/json?all=1");
    ck_assert_msg(json_is_array(l), "/containers/json is not an array");
    size_t n = json_array_size(l);
    json_decref(l);
    return n;
}

size_t rt_ct_count_dirs(void)
{
    char *p = rt_path_join(rt_t.sb->data_root, "containers");
    DIR *d = opendir(p);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    if (d) closedir(d);
    free(p);
    return n;
}

json_t *rt_ct_hostconfig_on_disk(const char *id)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/containers/%s/hostconfig.json", rt_t.sb->data_root, id);
    return rt_json_load_file(p, 16 << 20, NULL, 0);
}

const char *rt_ct_msg(const struct rt_http_resp *r) { return rt_json_str(r->json, "message", ""); }

void rt_ct_assert_error(const struct rt_http_resp *r, long status, const char *msg)
{
    ck_assert_msg(r->status == status && !strcmp(rt_ct_msg(r), msg), "got %ld \"%s\", want %ld \"%s\"", r->status,
                  rt_ct_msg(r), status, msg);
}

const char *rt_ct_corpus_dir(void)
{
    static char buf[4096];
    const char *env = getenv("RTCONFORM_FIXTURES");
    const char *build = getenv("RT_BUILD");
    /* RTCONFORM_FIXTURES, the data dir (installed or the build tree's link,
     * harness/paths.h), then the source tree of a `make` run. */
    const char *cands[4] = {NULL, NULL, NULL, "fixtures"};
    char b1[4096], b2[4096], b3[4096];
    if (env) snprintf(b1, sizeof b1, "%s", env), cands[0] = b1;
    if (rt_t.run && rt_t.run->datadir) snprintf(b3, sizeof b3, "%s/fixtures", rt_t.run->datadir), cands[1] = b3;
    if (build) snprintf(b2, sizeof b2, "%s/../fixtures", build), cands[2] = b2;
    for (int i = 0; i < 4; i++) {
        if (!cands[i]) continue;
        snprintf(buf, sizeof buf, "%s/upgrade/dockerd-20.10.24", cands[i]);
        char idx[4200];
        snprintf(idx, sizeof idx, "%s/INDEX.tsv", buf);
        if (access(idx, R_OK) == 0) return buf;
    }
    rt_skip("fixtures/upgrade/dockerd-20.10.24 not found (set RTCONFORM_FIXTURES)");
}

void rt_ct_copy_corpus(void)
{
    const char *src = rt_ct_corpus_dir();
    char sdir[4200];
    snprintf(sdir, sizeof sdir, "%s/containers", src);
    char *ddir = rt_path_join(rt_t.sb->data_root, "containers");
    if (rt_mkdir_p(ddir, 0700) < 0) rt_env_error("mkdir %s failed", ddir);
    DIR *d = opendir(sdir);
    if (!d) rt_env_error("cannot open %s", sdir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        static const char *const files[] = {"config.v2.json", "hostconfig.json"};
        char *dd = rt_path_join(ddir, e->d_name);
        rt_mkdir_p(dd, 0700);
        for (int i = 0; i < 2; i++) {
            char a[8192], b[8192];
            snprintf(a, sizeof a, "%s/%s/%s", sdir, e->d_name, files[i]);
            snprintf(b, sizeof b, "%s/%s", dd, files[i]);
            size_t len;
            char *s = rt_read_file(a, 16 << 20, &len);
            if (!s) continue;
            if (rt_atomic_write(b, s, len, 0600, NULL, 0) < 0) rt_env_error("cannot copy %s", a);
            free(s);
        }
        free(dd);
    }
    closedir(d);
    free(ddir);
}

void rt_ct_skip_without_shims(const struct rt_http_resp *r)
{
    if (r->status == 500 && strstr(rt_ct_msg(r), "no shim manager"))
        rt_skip("needs the shim manager (the engine has none wired yet)");
}

void rt_ct_start(const char *ref, struct rt_http_resp *out)
{
    char path[512];
    snprintf(path, sizeof path, "/containers/%s/start", ref);
    rt_api("POST", path, NULL, out);
}

void rt_ct_start_expect(const char *ref, long want, struct rt_http_resp *out)
{
    struct rt_http_resp r = {0};
    rt_ct_start(ref, &r);
    rt_ct_skip_without_shims(&r);
    ck_assert_msg(r.status == want, "start %s: HTTP %ld %s, want %ld", ref, r.status, r.body ? r.body : "", want);
    if (out) *out = r;
    else rt_http_resp_free(&r);
}

void rt_ct_start_ok(const char *ref)
{
    rt_ct_start_expect(ref, 204, NULL);
}
