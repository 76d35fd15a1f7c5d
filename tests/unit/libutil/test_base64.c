/* test_base64 - Check suite for RFC 4648 base64. */
#include <stdint.h>
#include <string.h>

#include "base64.h"
#include "test_main.h"

/* RFC 4648 section 10 test vectors, plus binary and alphabet edges. */
static const struct {
    const char *name;
    const char *in;
    size_t len;
    const char *want;
} vectors[] = {
    {"rfc empty", "", 0, ""},
    {"rfc f", "f", 1, "Zg=="},
    {"rfc fo", "fo", 2, "Zm8="},
    {"rfc foo", "foo", 3, "Zm9v"},
    {"rfc foob", "foob", 4, "Zm9vYg=="},
    {"rfc fooba", "fooba", 5, "Zm9vYmE="},
    {"rfc foobar", "foobar", 6, "Zm9vYmFy"},
    {"nul bytes", "\0\0\0", 3, "AAAA"},
    {"one nul", "\0", 1, "AA=="},
    {"all ones", "\xff\xff\xff", 3, "////"},
    {"plus and slash", "\xfb\xff", 2, "+/8="},
    {"sasl plain", "\0user\0pass", 10, "AHVzZXIAcGFzcw=="},
};

START_TEST(test_encode)
{
    STRBUF *sb = strbuf_create(0);

    strbuf_strcpy(sb, "old content");
    ck_assert_ptr_eq(base64_encode(sb, vectors[_i].in, vectors[_i].len), sb);
    ck_assert_str_eq(STR(sb), vectors[_i].want);
    ck_assert_uint_eq(LEN(sb), strlen(vectors[_i].want));
    strbuf_free(sb);
}
END_TEST

START_TEST(test_decode_vectors)
{
    STRBUF *sb = strbuf_create(0);
    const char *in = vectors[_i].want;

    strbuf_strcpy(sb, "old content");
    ck_assert_int_eq(base64_decode(sb, in, strlen(in)), 0);
    ck_assert_uint_eq(LEN(sb), vectors[_i].len);
    ck_assert_int_eq(memcmp(STR(sb), vectors[_i].in, vectors[_i].len), 0);
    ck_assert_int_eq(STR(sb)[LEN(sb)], 0);
    strbuf_free(sb);
}
END_TEST

/* Input that is not canonical base64; out must keep "old". */
static const struct {
    const char *name;
    const char *in;
    size_t len;
} bad_inputs[] = {
    {"truncated 1", "Z", 1},
    {"truncated 2", "Zg", 2},
    {"truncated 3", "Zm9", 3},
    {"truncated 5", "Zm9vY", 5},
    {"missing pad", "Zg=", 3},
    {"lone pad", "=", 1},
    {"three pads", "a===", 4},
    {"four pads", "====", 4},
    {"pad then data", "ab=c", 4},
    {"leading pad", "=Zg=", 4},
    {"pad in middle quad", "Zg==Zg==", 8},
    {"pad in first of two", "Zm8=Zm9v", 8},
    {"space", "Zm9 ", 4},
    {"inner space", "Zm 9v", 5},
    {"newline", "Zm9v\r\nZm9v", 10},
    {"bad char", "Zm9*", 4},
    {"url-safe char", "-_8=", 4},
    {"nul byte", "Zm\0v", 4},
    {"8-bit byte", "Zm9\xff", 4},
    {"nonzero bits one byte", "Zh==", 4},
    {"nonzero bits two bytes", "Zm9=", 4},
    {"bad later quad", "Zm9vYm*y", 8},
};

START_TEST(test_decode_bad)
{
    STRBUF *sb = strbuf_create(0);

    strbuf_strcpy(sb, "old");
    ck_assert_int_eq(base64_decode(sb, bad_inputs[_i].in, bad_inputs[_i].len),
                     -1);
    ck_assert_str_eq(STR(sb), "old");
    ck_assert_int_eq(sb->overflow, 0);
    strbuf_free(sb);
}
END_TEST

/* Every byte value survives a round trip, at each length mod 3. */
START_TEST(test_round_trip)
{
    STRBUF *enc = strbuf_create(0);
    STRBUF *dec = strbuf_create(0);
    unsigned char in[256];
    size_t i, len;

    for (i = 0; i < sizeof(in); i++)
        in[i] = (unsigned char) i;
    for (len = sizeof(in) - 3; len <= sizeof(in); len++) {
        base64_encode(enc, in, len);
        ck_assert_uint_eq(LEN(enc), (len + 2) / 3 * 4);
        ck_assert_int_eq(base64_decode(dec, STR(enc), LEN(enc)), 0);
        ck_assert_uint_eq(LEN(dec), len);
        ck_assert_int_eq(memcmp(STR(dec), in, len), 0);
    }
    strbuf_free(enc);
    strbuf_free(dec);
}
END_TEST

/* A result that would pass the hard limit leaves out unchanged. */
START_TEST(test_limit)
{
    STRBUF *sb = strbuf_create(0);

    strbuf_set_limit(sb, 4);
    strbuf_strcpy(sb, "old");
    base64_encode(sb, "foob", 4);
    ck_assert_int_eq(sb->overflow, 1);
    ck_assert_str_eq(STR(sb), "old");
    base64_encode(sb, "foo", 3);
    ck_assert_str_eq(STR(sb), "Zm9v");
    strbuf_reset(sb);
    strbuf_strcpy(sb, "old");
    ck_assert_int_eq(base64_decode(sb, "Zm9vYmE=", 8), -1);
    ck_assert_int_eq(sb->overflow, 1);
    ck_assert_str_eq(STR(sb), "old");
    ck_assert_int_eq(base64_decode(sb, "Zm9vYg==", 8), 0);
    ck_assert_str_eq(STR(sb), "foob");
    strbuf_free(sb);
}
END_TEST

START_TEST(test_encode_huge_panics)
{
    STRBUF *sb = strbuf_create(0);

    base64_encode(sb, "", SIZE_MAX);
}
END_TEST

static Suite *
base64_suite(void)
{
    Suite *s = suite_create("base64");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_encode, 0, NITEMS(vectors));
    tcase_add_loop_test(tc, test_decode_vectors, 0, NITEMS(vectors));
    tcase_add_loop_test(tc, test_decode_bad, 0, NITEMS(bad_inputs));
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_limit);
    tcase_add_test_raise_signal(tc, test_encode_huge_panics, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(base64_suite)
