/*
 * base64 - RFC 4648 base64 encoding and strict decoding.
 *
 * base64_encode() replaces the content of the caller's STRBUF with the
 * padded encoding of len bytes and returns it.  base64_decode() replaces
 * the content of the caller's STRBUF with the decoded bytes (binary: use
 * LEN(), the result may hold NULs) and returns 0.  Decoding is strict,
 * so that each value has exactly one accepted encoding: it returns -1,
 * leaving out unchanged, when the length is not a multiple of four (no
 * white space, no line breaks, no missing padding), a byte is outside the
 * alphabet, '=' appears anywhere but as one or two final pad characters
 * ("a===", "ab=c" and "ab==cd==" are refused), or the unused bits before
 * the padding are not zero ("Zh==" is refused, "Zg==" accepted; RFC 4648
 * section 3.5 lets a decoder reject these).  Empty input decodes to empty
 * output.  What a lone "=" means (an empty SASL response, RFC 4954) is the
 * caller's business.
 *
 * When out has a hard limit that the result would pass, out is left
 * unchanged, out->overflow is set, and base64_decode() returns -1.  An
 * input length that cannot be encoded in memory is a panic.
 */
#include <stdint.h>

#include "base64.h"
#include "msg.h"

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* base64_value - the 6-bit value of an alphabet byte, or -1 */
static int
base64_value(int ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

/* base64_encode_quad - encode 1 to 3 bytes as four padded characters */
static void
base64_encode_quad(const unsigned char *in, size_t n, char quad[4])
{
    unsigned long bits = (unsigned long) in[0] << 16;

    if (n > 1)
        bits |= (unsigned long) in[1] << 8;
    if (n > 2)
        bits |= in[2];
    quad[0] = base64_alphabet[(bits >> 18) & 63];
    quad[1] = base64_alphabet[(bits >> 12) & 63];
    quad[2] = n > 1 ? base64_alphabet[(bits >> 6) & 63] : '=';
    quad[3] = n > 2 ? base64_alphabet[bits & 63] : '=';
}

/* base64_encode - replace out with the encoding of len bytes */
STRBUF *
base64_encode(STRBUF *out, const void *in, size_t len)
{
    const unsigned char *cp = in;
    char quad[4];
    size_t i;

    if (len > SIZE_MAX / 2)
        msg_panic("base64_encode: bad length %zu", len);
    if (out->limit > 0 && (len + 2) / 3 * 4 > out->limit) {
        out->overflow = 1;
        return out;
    }
    strbuf_truncate(out, 0);
    for (i = 0; i < len; i += 3) {
        base64_encode_quad(cp + i, len - i < 3 ? len - i : 3, quad);
        strbuf_memcat(out, quad, 4);
    }
    return out;
}

/* base64_decode_quad - decode four characters: 1 to 3 bytes, or -1 */
static int
base64_decode_quad(const char *in, int last, unsigned char bytes[3])
{
    unsigned long bits = 0;
    int n = 4;
    int i, v;

    /* Only the last quad may end in one or two pad characters. */
    while (last && n > 2 && in[n - 1] == '=')
        n--;
    for (i = 0; i < n; i++) {
        if ((v = base64_value((unsigned char) in[i])) < 0)
            return -1;
        bits |= (unsigned long) v << (18 - 6 * i);
    }
    /* RFC 4648 section 3.5: refuse non-zero bits before the padding. */
    if ((n == 2 && (bits & 0xffff) != 0) || (n == 3 && (bits & 0xff) != 0))
        return -1;
    bytes[0] = (unsigned char) (bits >> 16);
    bytes[1] = (unsigned char) (bits >> 8);
    bytes[2] = (unsigned char) bits;
    return n - 1;
}

/* base64_decode - replace out with the decoding of len bytes; 0 or -1 */
int
base64_decode(STRBUF *out, const char *in, size_t len)
{
    unsigned char bytes[3];
    size_t need = 0;
    size_t i;
    int n;

    /* Check everything first, so that a bad input leaves out alone. */
    if (len % 4 != 0)
        return -1;
    for (i = 0; i < len; i += 4) {
        if ((n = base64_decode_quad(in + i, i + 4 == len, bytes)) < 0)
            return -1;
        need += (size_t) n;
    }
    if (out->limit > 0 && need > out->limit) {
        out->overflow = 1;
        return -1;
    }
    strbuf_truncate(out, 0);
    for (i = 0; i < len; i += 4) {
        n = base64_decode_quad(in + i, i + 4 == len, bytes);
        strbuf_memcat(out, bytes, (size_t) n);
    }
    return 0;
}
