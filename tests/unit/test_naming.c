/* Wrapper naming: every vector of engine spec §3.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "naming.h"

struct vector { const char *content, *suffix; };

/* Content is "#!/bin/sh\n<path> <args joined by spaces> $@\n". */
static const struct vector vectors[] = {
    {"#!/bin/sh\nrunc --debug $@\n", "0RXGPLZYC6FYVG04-RZ9N02SBD3CRX0M30GGYX-VNF2XDY2Y38D0===="},
    {"#!/bin/sh\nrunc --debug --log-format=json $@\n", "69DK27MWYM7KJN0909XZ73-2NS06NZ-K-GB5W5HSM7Q00RQLL-N0===="},
    {"#!/bin/sh\nrunc --log-format=text $@\n", "F510VGLRGV-803KKVWXL2QNTPPY45NTKNW437-KNW60F865ZBW3J===="},
    {"#!/bin/sh\n/usr/sbin/runc --root /tmp/x y $@\n", "K4B0VTYC8R3W3SCRMG10H4DNYPKSVGG1S0R9MKQGLNX8SLVBYDMJ===="},
    {"#!/bin/sh\n/usr/local/bin/vm-manager --debug $@\n", "Q94-HZTW6M9L5RQ9LDG5RVJQBV-PN08LCMBMZ5XFLYQ2VNTB2D5J===="},
    /* computed, not observed */
    {"#!/bin/sh\nrunc  $@\n", "TJB9LPGHV9SRXFF7FJV9VT7SSW780CQ86B1LY8734N5G6PRHGSV0===="},
    {"#!/bin/sh\ncrun --systemd-cgroup $@\n", "CK-V6NDWZ1N2L9QFXF7K8KF0V1D0SCY-3YGXRLX6P4K0-6WYCZG0===="},
};

static void test_spec_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char out[RT_WRAPPER_SUFFIX_LEN + 1];
        assert_int_equal(rt_wrapper_suffix(vectors[i].content, strlen(vectors[i].content), out), 0);
        assert_string_equal(out, vectors[i].suffix);
        assert_int_equal(strlen(out), RT_WRAPPER_SUFFIX_LEN);
    }
}

/* RFC 4648 §10 vectors, mapped onto our alphabet (position-wise). */
static void test_b32_rfc4648_padding(void **state)
{
    (void)state;
    static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    static const struct { const char *in, *std_out; } cases[] = {
        {"", ""}, {"f", "MY======"}, {"fo", "MZXQ===="}, {"foo", "MZXW6==="},
        {"foob", "MZXW6YQ="}, {"fooba", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI======"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[32], got[32];
        size_t n = strlen(cases[i].std_out);
        for (size_t k = 0; k < n; k++) {
            char c = cases[i].std_out[k];
            want[k] = c == '=' ? '=' : RT_B32_ALPHABET[strchr(std, c) - std];
        }
        want[n] = '\0';
        size_t len = rt_b32_encode((const unsigned char *)cases[i].in, strlen(cases[i].in), got);
        assert_int_equal(len, n);
        assert_string_equal(got, want);
    }
}

static void test_same_content_same_suffix(void **state)
{
    (void)state;
    /* "new" and "gone" share a suffix: it depends on content only. */
    const char *c = "#!/bin/sh\nrunc --log-format=text $@\n";
    char a[RT_WRAPPER_SUFFIX_LEN + 1], b[RT_WRAPPER_SUFFIX_LEN + 1];
    rt_wrapper_suffix(c, strlen(c), a);
    rt_wrapper_suffix(c, strlen(c), b);
    assert_string_equal(a, b);
    rt_wrapper_suffix(c, strlen(c) - 1, b);
    assert_string_not_equal(a, b);
}

static void test_sha256_hex(void **state)
{
    (void)state;
    char hex[65];
    assert_int_equal(rt_sha256_hex("abc", 3, hex), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_vectors),
        cmocka_unit_test(test_b32_rfc4648_padding),
        cmocka_unit_test(test_same_content_same_suffix),
        cmocka_unit_test(test_sha256_hex),
    };
    return cmocka_run_group_tests_name("naming", tests, NULL, NULL);
}
