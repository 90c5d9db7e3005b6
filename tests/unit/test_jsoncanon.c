/* lib/jsoncanon: rt_json_is_dump() says true only for texts that are their
 * own rt_json_dump(): fixed cases, every state file of the dockerd 20.10
 * upgrade corpus, random dumps (always recognised) and random mutations
 * of real state (never wrongly recognised). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "jsoncanon.h"
#include "jsonutil.h"

#define CORPUS "fixtures/upgrade/dockerd-20.10.24/containers"

/* The property: if TEXT is recognised, it is its own dump. Returns whether
 * it was recognised (-1: TEXT does not parse). */
static int check_text(const char *text, size_t len)
{
    json_t *v = rt_json_parse(text, len, NULL, 0);
    if (!v) return -1;
    bool is = rt_json_is_dump(text, len);
    char *d = rt_json_dump(v);
    assert_non_null(d);
    if (is && (strlen(d) != len || memcmp(d, text, len))) fail_msg("recognised but not its own dump: %.*s", (int)len, text);
    free(d);
    json_decref(v);
    return is;
}

static void test_cases(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int want;
    } cases[] = {
        {"{\"a\":1}", 1},
        {"{}", 1},
        {"{\"a\":{},\"b\":[]}", 1},
        {"{\"a\":[true,false,null,-12,0]}", 1},
        {"{\"a\":\"x\\ny\\t\\\"q\\\"\\\\ \\b\\f\\r\"}", 1},
        {"{\"a\":\"\xc3\xa9\xe2\x80\xa8\"}", 1}, /* raw UTF-8, U+2028 too */
        {"{\"a\": 1}", 0},
        {"{\"a\":1}\n", 0},
        {" {\"a\":1}", 0},
        {"{\"a\":-0}", 0},
        {"{\"a\":1.5}", 0},
        {"{\"a\":1.0}", 0},
        {"{\"a\":1e5}", 0},
        {"{\"a\":1E5}", 0},
        {"{\"a\":\"\\u00e9\"}", 0},
        {"{\"a\":\"\\u001f\"}", 0}, /* jansson writes upper case */
        {"{\"a\":\"\\u0001\\u001F\"}", 1},
        {"{\"a\":\"\\u000A\"}", 0},
        {"{\"a\":\"\\/\"}", 0},
        {"{\"a\":\"\\u003c\"}", 0}, /* Go's HTML escape */
        {"[1,2]", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = check_text(cases[i].text, strlen(cases[i].text));
        if (got != cases[i].want) fail_msg("%s: got %d, want %d", cases[i].text, got, cases[i].want);
    }
    assert_false(rt_json_is_dump("", 0));
    assert_false(rt_json_is_dump("\"ab", 3));
    assert_false(rt_json_is_dump("tru", 3));
}

/* Every state file of the 20.10 corpus and its dump. Returns the count. */
static int each_corpus_file(void (*fn)(const char *text, size_t len))
{
    DIR *d = opendir(CORPUS);
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (strlen(e->d_name) != 64) continue;
        static const char *const files[] = {"config.v2.json", "hostconfig.json"};
        for (int i = 0; i < 2; i++) {
            char p[512];
            snprintf(p, sizeof p, CORPUS "/%s/%s", e->d_name, files[i]);
            size_t len;
            char *s = rt_read_file(p, 1 << 24, &len);
            if (!s) continue;
            fn(s, len);
            free(s);
            n++;
        }
    }
    closedir(d);
    return n;
}

static void corpus_one(const char *text, size_t len)
{
    assert_int_not_equal(check_text(text, len), -1);
    json_t *v = rt_json_parse(text, len, NULL, 0);
    char *dump = rt_json_dump(v);
    assert_int_equal(check_text(dump, strlen(dump)), 1); /* normalised once, then recognised */
    free(dump);
    json_decref(v);
}

static void test_corpus(void **state)
{
    (void)state;
    assert_true(each_corpus_file(corpus_one) >= 2);
}

/* Random mutations of real state: whatever still parses and is recognised
 * must be its own dump. */
static const char *const inserts[] = {" ",       "\n",      "\\u0041", "\\/",     "-0",       "1.5",     "2e3",
                                      "\\n",     "\\t",     "\t",       "0",        "\\\"",    "\xc3\xa9", "null",
                                      "\r\n",     "-7",       "\\u00e9", "\\u001F", "\\u001f", "\\u0001", "\\u000D"};

static void mutate_one(const char *text, size_t len)
{
    unsigned seed = (unsigned)len;
    for (int k = 0; k < 300; k++) {
        const char *ins = inserts[rand_r(&seed) % (sizeof inserts / sizeof inserts[0])];
        size_t at = (size_t)rand_r(&seed) % (len + 1), il = strlen(ins);
        size_t cut = (size_t)rand_r(&seed) % 3; /* sometimes replace a byte or two */
        if (at + cut > len) cut = len - at;
        char *m = malloc(len + il + 1);
        assert_non_null(m);
        memcpy(m, text, at);
        memcpy(m + at, ins, il);
        memcpy(m + at + il, text + at + cut, len - at - cut);
        check_text(m, len + il - cut);
        free(m);
    }
}

static void test_mutations(void **state)
{
    (void)state;
    each_corpus_file(mutate_one);
}

/* Random values: their dump is always recognised. */
static json_t *random_value(unsigned *seed, int depth)
{
    switch (rand_r(seed) % (depth > 3 ? 4 : 6)) {
    case 0: return json_integer((json_int_t)rand_r(seed) - RAND_MAX / 2);
    case 1: {
        char s[16];
        for (int i = 0; i < 15; i++) s[i] = (char)(1 + rand_r(seed) % 127); /* control characters too */
        s[15] = '\0';
        return json_string(s);
    }
    case 2: return json_boolean(rand_r(seed) % 2);
    case 3: return json_null();
    case 4: {
        json_t *a = json_array();
        for (int i = rand_r(seed) % 4; i > 0; i--) json_array_append_new(a, random_value(seed, depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (int i = rand_r(seed) % 5; i > 0; i--) {
            char k[8];
            snprintf(k, sizeof k, "k%d\t", rand_r(seed) % 100);
            json_object_set_new(o, k, random_value(seed, depth + 1));
        }
        return o;
    }
    }
}

static void test_random_dumps(void **state)
{
    (void)state;
    unsigned seed = 42;
    for (int k = 0; k < 2000; k++) {
        json_t *v = random_value(&seed, 0);
        char *d = rt_json_dump(v);
        assert_non_null(d);
        if (!rt_json_is_dump(d, strlen(d))) fail_msg("a dump not recognised: %s", d);
        free(d);
        json_decref(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_random_dumps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
