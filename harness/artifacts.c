#include "harness/artifacts.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "jsonutil.h"

#define TAIL_BYTES 4096
#define JOURNAL_LINES 60
#define CONFIG_BYTES 16384

int rt_sha256_file(const char *path, char out[65])
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    unsigned char buf[8192], md[EVP_MAX_MD_SIZE];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) EVP_DigestUpdate(ctx, buf, n);
    unsigned mdlen = 0;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    for (unsigned i = 0; i < mdlen && i < 32; i++) sprintf(out + 2 * i, "%02x", md[i]);
    out[64] = '\0';
    return 0;
}

/* The last MAX bytes of a file, starting at a line boundary when possible. */
static json_t *tail(const char *path, size_t max)
{
    size_t len;
    char *s = rt_read_file(path, 256 << 20, &len);
    if (!s) return json_null();
    const char *p = s;
    if (len > max) {
        p = s + len - max;
        const char *nl = strchr(p, '\n');
        if (nl && nl[1]) p = nl + 1;
    }
    /* jansson wants UTF-8; logs are ours and ASCII, but be safe. */
    json_t *v = json_stringn(p, strlen(p));
    if (!v) {
        for (char *q = (char *)p; *q; q++)
            if ((unsigned char)*q >= 0x80) *q = '?';
        v = json_string(p);
    }
    free(s);
    return v ? v : json_null();
}

static json_t *journal_lines(const char *path)
{
    json_t *arr = json_array();
    size_t len;
    char *s = rt_read_file(path, 256 << 20, &len);
    if (!s) return arr;
    size_t total = 0;
    for (size_t i = 0; i < len; i++) total += s[i] == '\n';
    size_t skip = total > JOURNAL_LINES ? total - JOURNAL_LINES : 0, at = 0;
    for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        if (at++ >= skip) {
            json_t *v = json_string(l);
            if (v) json_array_append_new(arr, v);
        }
    free(s);
    return arr;
}

/* daemon.json.<n> in generation order. */
static json_t *configs(const struct rt_sandbox *sb)
{
    json_t *arr = json_array();
    for (int n = 1; n < 1000; n++) {
        char name[64];
        snprintf(name, sizeof name, "daemon.json.%d", n);
        char *p = rt_path_join(sb->dir, name);
        if (access(p, F_OK) != 0) {
            free(p);
            break;
        }
        json_t *c = tail(p, CONFIG_BYTES);
        json_array_append_new(arr, json_pack("{s:s,s:o}", "name", name, "content", c));
        free(p);
    }
    return arr;
}

static void walk(const char *base, const char *rel, int depth, json_t *out)
{
    char *dir = rel[0] ? rt_path_join(base, rel) : strdup(base);
    DIR *d = opendir(dir);
    if (!d) {
        free(dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char *r = rel[0] ? rt_path_join(rel, e->d_name) : strdup(e->d_name);
        char *full = rt_path_join(base, r);
        struct stat st;
        if (lstat(full, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth < 4) {
                walk(base, r, depth + 1, out);
            } else {
                char sum[65] = "";
                if (S_ISREG(st.st_mode)) rt_sha256_file(full, sum);
                json_array_append_new(out, json_pack("{s:s,s:I,s:s,s:s}", "path", r, "size",
                                                     (json_int_t)st.st_size, "mode",
                                                     S_ISLNK(st.st_mode) ? "symlink" : "file",
                                                     "sha256", sum));
            }
        }
        free(full);
        free(r);
    }
    closedir(d);
    free(dir);
}

/* Runtimes directories of the engine: <data-root>/runtimes (dockerd's
 * layout) and <exec-root>/runtimes if an engine uses that. Paths relative
 * to the sandbox. */
static json_t *runtimes(const struct rt_sandbox *sb)
{
    json_t *arr = json_array();
    walk(sb->dir, "data/runtimes", 0, arr);
    walk(sb->dir, "exec/runtimes", 0, arr);
    return arr;
}

json_t *rt_artifacts_details(const struct rt_sandbox *sb)
{
    return json_pack("{s:o,s:o,s:o,s:o,s:o}", "engine_log_tail", tail(sb->engine_log, TAIL_BYTES),
                     "test_log_tail", tail(sb->test_log, TAIL_BYTES), "journal", journal_lines(sb->journal),
                     "configs", configs(sb), "runtimes", runtimes(sb));
}

static int copy_file(const char *src, const char *dst)
{
    size_t len;
    char *s = rt_read_file(src, 512 << 20, &len);
    if (!s) return errno == ENOENT ? 0 : -1;
    FILE *f = fopen(dst, "wb");
    int rc = f && fwrite(s, 1, len, f) == len ? 0 : -1;
    if (f && fclose(f) != 0) rc = -1;
    free(s);
    return rc;
}

int rt_artifacts_copy(const struct rt_sandbox *sb, const char *dest, char *err, size_t len)
{
    if (rt_mkdir_p(dest, 0755) < 0) {
        snprintf(err, len, "mkdir %s: %s", dest, rt_strerror(errno));
        return -1;
    }
    static const char *const files[] = {"engine.log", "test.log", "journal.jsonl", "outcome",
                                        "daemon.json", "containerd.log"};
    int rc = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *s = rt_path_join(sb->dir, files[i]), *d = rt_path_join(dest, files[i]);
        if (copy_file(s, d) < 0) rc = -1;
        free(s), free(d);
    }
    for (int n = 1; n < 1000; n++) {
        char name[64];
        snprintf(name, sizeof name, "daemon.json.%d", n);
        char *s = rt_path_join(sb->dir, name), *d = rt_path_join(dest, name);
        bool have = access(s, F_OK) == 0;
        if (have && copy_file(s, d) < 0) rc = -1;
        free(s), free(d);
        if (!have) break;
    }
    json_t *rts = runtimes(sb);
    char *d = rt_path_join(dest, "runtimes.txt");
    FILE *f = fopen(d, "w");
    if (f) {
        size_t i;
        json_t *v;
        json_array_foreach(rts, i, v)
            fprintf(f, "%s  %s  %lld  %s\n", json_string_value(json_object_get(v, "sha256")),
                    json_string_value(json_object_get(v, "mode")),
                    (long long)json_integer_value(json_object_get(v, "size")),
                    json_string_value(json_object_get(v, "path")));
        fclose(f);
    } else {
        rc = -1;
    }
    free(d);
    json_decref(rts);
    if (rc < 0) snprintf(err, len, "copying artifacts to %s failed", dest);
    return rc;
}
