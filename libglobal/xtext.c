/*
 * xtext - decode RFC 3461 section 4 xtext.  See xtext.h.
 */
#include "xtext.h"

/* xtext_hex - the value of one upper-case hex digit, or -1 */
static int
xtext_hex(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* xtext_decode - RFC 3461 xtext to out; 0, or -1 when malformed */
int
xtext_decode(const char *text, size_t len, size_t max, STRBUF *out)
{
    unsigned char ch;
    size_t i;
    int hi, lo;

    strbuf_reset(out);
    for (i = 0; i < len; i++) {
        ch = (unsigned char) text[i];
        if (ch == '+') {
            /* RFC 3461 section 4: "+" is followed by two HEXCHARs. */
            if (len - i < 3 || (hi = xtext_hex(text[i + 1])) < 0 ||
                (lo = xtext_hex(text[i + 2])) < 0)
                return -1;
            ch = (unsigned char) (hi * 16 + lo);
            if (ch < 0x20 || ch == 0x7f)
                return -1;
            i += 2;
        } else if (ch < 0x21 || ch > 0x7e || ch == '=') {
            return -1;
        }
        if (LEN(out) >= max)
            return -1;
        strbuf_addch(out, ch);
    }
    return 0;
}
