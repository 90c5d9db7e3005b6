/* Expectation files (fixtures/expect/<target>.json): known failures, skips
 * and flaky tests of one target, each with a reason class, a link and an
 * expiry date. Schema: fixtures/expect/README.md. Validation is strict: an
 * unknown key or a bad value is an error naming the entry and the field. */
#ifndef RT_EXPECT_H
#define RT_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

enum rt_expect_kind { RT_EXPECT_FAIL, RT_EXPECT_SKIP, RT_EXPECT_FLAKY };

struct rt_expect_entry {
    char *id;
    enum rt_expect_kind kind;
    char *reason_class;  /* engine-bug | environment | test-bug */
    char *reason;
    char *link;
    char *expires;       /* YYYY-MM-DD */
    bool expired;        /* expires < today: still applied, reported as a warning */
};

struct rt_expect {
    char *path;          /* as given */
    char *target;
    struct rt_expect_entry *entries;
    size_t n;
};

/* Parse TEXT (named NAME in messages). TODAY is "YYYY-MM-DD" (NULL: the
 * current UTC date). NULL and a one-line message in ERR on any error. */
struct rt_expect *rt_expect_parse(const char *text, size_t len, const char *name,
                                  const char *today, char *err, size_t errlen);
struct rt_expect *rt_expect_load(const char *path, const char *today, char *err, size_t errlen);
const struct rt_expect_entry *rt_expect_find(const struct rt_expect *e, const char *id);
const char *rt_expect_kind_name(enum rt_expect_kind k);
/* Is S a real calendar date written YYYY-MM-DD? */
bool rt_expect_valid_date(const char *s);
void rt_expect_free(struct rt_expect *e);

#endif
