/* SPDX-License-Identifier: MIT */
/*
 * libbcastdec - HTTP/1.x messages of the Smartcard Profile's interaction
 * channel (terminal <-> BSM): start line, header fields and entity body.
 *
 * The splitter works on raw message bytes as a capture or a file holds them
 * (RFC 9112 message syntax; RFC 7230 obs-fold tolerated).  It does not
 * interpret bodies: XML bodies go to bcastdec/xml.h, Authorization and
 * WWW-Authenticate values to bcastdec/digest.h.  Ownership follows
 * bcastdec.h: the message points into the caller's buffer (spans with
 * src == BCASTDEC_SRC_WIRE, offsets from the start of that message) and owns
 * only what it had to rebuild (a de-chunked body, unfolded header values).
 */
#ifndef BCASTDEC_HTTP_H
#define BCASTDEC_HTTP_H

#include <bcastdec/bcastdec.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bcastdec_http_header {
  bcastdec_span name;  /* field name */
  bcastdec_span value; /* field value without leading/trailing blanks; with
                          obs-fold it runs across the folded lines */
  const char *unfolded; /* NUL-terminated value with each fold replaced by
                           one space; NULL when the value was on one line */
} bcastdec_http_header;

typedef struct bcastdec_http_msg {
  const uint8_t *wire; /* first byte of this message in the caller's buffer */
  size_t wire_len;     /* bytes of this message (start line .. end of body) */
  bcastdec_status status; /* OK, TRUNCATED, MALFORMED or UNSUPPORTED */
  bcastdec_span err_sp;   /* where the first problem is */

  uint8_t is_request;
  bcastdec_span start_line; /* without its line end */
  bcastdec_span method, target; /* requests */
  bcastdec_span version;        /* "HTTP/1.1" */
  bcastdec_num status_code;     /* responses; the span covers the 3 digits */
  bcastdec_span reason;         /* responses, may be empty */

  size_t n_headers;
  bcastdec_http_header *headers;
  bcastdec_span header_block; /* start line .. the empty line, inclusive */

  /* The entity body after transfer decoding.  body.p points into the wire
   * for an identity body and into the message for a chunked one; body.sp is
   * the span of the body's bytes on the wire (chunk framing included). */
  bcastdec_bytes body;
  uint8_t chunked;
  uint8_t body_to_eof; /* no length given: the body ran to the end of input */

  size_t n_findings;
  bcastdec_finding *findings; /* "http.*" */
  void *priv_;
} bcastdec_http_msg;

/*
 * Splits one HTTP message off the front of |buf|.  Returns BCASTDEC_OK
 * whenever *out was set: (*out)->status then says whether the message was
 * complete and well formed, and (*out)->wire_len how many bytes it took;
 * empty lines before a message are skipped (RFC 9112 2.2), so the next
 * message, if any, starts at (*out)->wire + (*out)->wire_len.  A response with neither
 * Content-Length nor chunked coding takes the rest of |buf| as its body
 * (RFC 9112 6.3); a request without them has no body.  Other returns:
 * BCASTDEC_ERR_ARG, BCASTDEC_ERR_NOMEM (and *out is NULL).
 */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_status
bcastdec_http_parse(const uint8_t *buf, size_t len, bcastdec_http_msg **out);

BCASTDEC_API void bcastdec_http_msg_free(bcastdec_http_msg *m);

/* The first header named |name| (case-insensitive) after |after| (NULL:
 * from the start), or NULL. */
BCASTDEC_API const bcastdec_http_header *
bcastdec_http_header_find(const bcastdec_http_msg *m, const char *name,
                          const bcastdec_http_header *after);

/* The text of a header's value (unfolded when it was folded); *len gets its
 * length.  Not NUL-terminated unless it was unfolded. */
BCASTDEC_API const char *bcastdec_http_header_text(const bcastdec_http_msg *m,
                                                   const bcastdec_http_header *h,
                                                   size_t *len);

/* The media type of Content-Type ("type/subtype", without parameters and
 * blanks; compare case-insensitively), or NULL when there is none. */
BCASTDEC_API const char *bcastdec_http_media_type(const bcastdec_http_msg *m, size_t *len);

/* Highest severity among the findings, or -1 when there are none. */
BCASTDEC_API int bcastdec_http_msg_max_severity(const bcastdec_http_msg *m);

/* ------------------------------------------------------------------------ */
/* One exchange: request, response and the 401 it may retry                 */
/* ------------------------------------------------------------------------ */

struct bcastdec_digest_msg; /* bcastdec/digest.h */
struct bcastdec_xml;        /* bcastdec/xml.h */

/* What the caller (CLI, plugin) gathered about one exchange; every member
 * may be NULL when that part was not seen. */
typedef struct bcastdec_http_exchange {
  const bcastdec_http_msg *request;
  const bcastdec_http_msg *response;
  const struct bcastdec_digest_msg *authorization; /* the request's, parsed */
  const struct bcastdec_digest_msg *challenge;     /* the response's WWW-Authenticate */
  /* The WWW-Authenticate of the 401 this request answers (the previous
   * exchange of the same client ended in 401). */
  const struct bcastdec_digest_msg *prev_challenge;
  const struct bcastdec_xml *response_xml; /* the response body, decoded */
} bcastdec_http_exchange;

/*
 * Checks of one exchange (seed 000 5.4.7.2.3, inspector rules 9-11):
 * a 401 without a Digest challenge; a retry without Authorization or with
 * another realm/nonce than the challenge; credentials answered by 401 again;
 * a request without credentials answered 2xx; registrationRequired=true
 * answered to an NAI subscriber; the HTTP status against globalStatusCode.
 * Writes at most |cap| findings to |out| (spans: offsets into the response,
 * or the request for request-side findings) and returns how many there are
 * (which may exceed |cap|).
 */
BCASTDEC_API size_t bcastdec_http_check_exchange(const bcastdec_http_exchange *ex,
                                                 bcastdec_finding *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* BCASTDEC_HTTP_H */
