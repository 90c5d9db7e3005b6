/* lib/sha256: the FIPS 180-4 / NIST CSRC example vectors, the padding
 * boundaries (55/56 and 119/120 bytes: one more block for the length), and
 * incremental updates split at every offset agreeing with the one-shot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "naming.h"
#include "sha256.h"

static void hex(const unsigned char md[32], char out[65])
{
    for (int i = 0; i < 32; i++) {
        out[2 * i] = "0123456789abcdef"[md[i] >> 4];
        out[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
    }
    out[64] = '\0';
}

static void check(const void *data, size_t len, const char *want)
{
    unsigned char md[32];
    char got[65];
    rt_sha256(data, len, md);
    hex(md, got);
    assert_string_equal(got, want);
}

static void test_nist_vectors(void **state)
{
    (void)state;
    check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check(m448, strlen(m448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    check(m896, strlen(m896), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void **state)
{
    (void)state;
    char chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    struct rt_sha256 c;
    rt_sha256_init(&c);
    for (int i = 0; i < 1000; i++) rt_sha256_update(&c, chunk, sizeof chunk);
    unsigned char md[32];
    char got[65];
    rt_sha256_final(&c, md);
    hex(md, got);
    assert_string_equal(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths around the padding edges ('x' repeated; digests from sha256sum). */
static void test_padding_boundaries(void **state)
{
    (void)state;
    static const struct { size_t n; const char *md; } v[] = {
        {55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"},
        {56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"},
        {63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2"},
        {64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"},
        {65, "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9"},
        {119, "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c"},
        {120, "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98"},
    };
    char buf[128];
    memset(buf, 'x', sizeof buf);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) check(buf, v[i].n, v[i].md);
}

static void test_split_updates(void **state)
{
    (void)state;
    unsigned char data[200], one[32], two[32];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i * 7 + 3);
    rt_sha256(data, sizeof data, one);
    for (size_t cut = 0; cut <= sizeof data; cut++) {
        struct rt_sha256 c;
        rt_sha256_init(&c);
        rt_sha256_update(&c, data, cut);
        rt_sha256_update(&c, data + cut, sizeof data - cut);
        rt_sha256_final(&c, two);
        assert_memory_equal(one, two, 32);
    }
}

/* rt_sha256_hex (lib/naming) is the engine's digest for image ids. */
static void test_hex_helper(void **state)
{
    (void)state;
    char out[65];
    assert_int_equal(rt_sha256_hex("abc", 3, out), 0);
    assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nist_vectors),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_padding_boundaries),
        cmocka_unit_test(test_split_updates),
        cmocka_unit_test(test_hex_helper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
