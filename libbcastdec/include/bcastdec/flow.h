/* SPDX-License-Identifier: MIT */
/*
 * libbcastdec - following each subscriber across a capture (PROFILE.md
 * section 8, inspector rules 11, 13, 14, 16 and 21 of docs/findings.md).
 *
 * The caller (the Wireshark plugin, a test) feeds what it decoded, in
 * capture order: HTTP messages with their decoded bodies and MIKEY messages
 * after bcastdec_session_process().  A subscriber is named by its Digest
 * username (B-TID or NAI), by the IDr of its LTKMs or by the identity of the
 * SMK that verified them; the terminal's address links a UDP push or an
 * unauthenticated request to the subscriber last seen at that address.
 *
 * Two kinds of judgement:
 *  - at once, returned by the feeding call (a Registration from an NAI
 *    subscriber; an LTKM pushed after a Deregistration; an LTKM delivered
 *    while the Registration that registrationRequired asked for is missing;
 *    an LTKM Request for an unknown SEK/PEK ID);
 *  - at the end, asked per reference with bcastdec_flow_end_findings(): what
 *    never happened before the end of what was fed (no verification message
 *    for an LTKM with V = 1, no LTKM or LTKM Request after a purchase, no
 *    Registration after registrationRequired=true).  The answer follows the
 *    state at the time of the call, so after the whole capture was fed (a
 *    second pass) it is final.
 *
 * Memory grows with the number of subscribers and of pending expectations;
 * nothing is kept of the messages themselves.
 */
#ifndef BCASTDEC_FLOW_H
#define BCASTDEC_FLOW_H

#include <bcastdec/bcastdec.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bcastdec_xml; /* bcastdec/xml.h */

typedef struct bcastdec_flow bcastdec_flow;

/* Returns NULL on NOMEM. */
BCASTDEC_API BCASTDEC_NODISCARD bcastdec_flow *bcastdec_flow_new(void);
BCASTDEC_API void bcastdec_flow_free(bcastdec_flow *f);
/* Forgets everything fed (a new capture). */
BCASTDEC_API void bcastdec_flow_reset(bcastdec_flow *f);

/* One HTTP message: a request, or a response naming its request. */
typedef struct bcastdec_flow_http {
  uint32_t ref;           /* frame of this message (the caller's reference)  */
  uint32_t request_ref;   /* responses: ref of the request; 0 when unknown   */
  uint8_t is_response;
  uint16_t status_code;   /* responses: HTTP status                          */
  const char *terminal;   /* the terminal's address ("192.0.2.7"), or NULL:
                             the client of the request, the destination of
                             a response                                      */
  const char *username;   /* Digest username of the request (responses: of
                             their request), or NULL                         */
  const struct bcastdec_xml *xml; /* the decoded body, or NULL              */
  const bcastdec_keystore *ks; /* the user's keys, or NULL: an LTKM Request for
                                  a SEK/PEK ID held there is not "unknown"    */
  const bcastdec_keystore *learned; /* the session's learned keys
                                  (bcastdec_session_learned()), or NULL: same */
} bcastdec_flow_http;

/* How a MIKEY message travelled. */
typedef enum bcastdec_flow_path {
  BCASTDEC_FLOW_UDP = 0,    /* UDP: an LTKM push to the terminal, an STKM on
                               the broadcast, a verification from the terminal */
  BCASTDEC_FLOW_INLINE = 1  /* inside an MSK response (<bcast:LTKM>)         */
} bcastdec_flow_path;

typedef struct bcastdec_flow_mikey {
  uint32_t ref;             /* frame                                          */
  uint8_t path;             /* bcastdec_flow_path                             */
  const char *terminal;     /* UDP push: destination address; verification:
                               source; inline: the HTTP client; may be NULL   */
  const char *username;     /* inline: Digest username of the exchange, NULL  */
  const bcastdec_mikey_msg *msg; /* after bcastdec_session_process()          */
} bcastdec_flow_mikey;

/*
 * Feed one message.  Each returns the number of immediate findings (spans
 * empty; texts name the subscriber and the frames involved) and writes at
 * most |cap| of them to |out|.  Returns 0 for NULL arguments.  Feed in
 * capture order: a message whose ref is below the last one fed (of the same
 * call, HTTP or MIKEY) is ignored, so a later pass may feed again harmlessly.
 */
BCASTDEC_API size_t bcastdec_flow_http_msg(bcastdec_flow *f, const bcastdec_flow_http *ev,
                                           bcastdec_finding *out, size_t cap);
BCASTDEC_API size_t bcastdec_flow_mikey_msg(bcastdec_flow *f, const bcastdec_flow_mikey *ev,
                                            bcastdec_finding *out, size_t cap);

/*
 * The end-of-capture judgements attached to |ref| (an LTKM with V = 1 never
 * answered; a purchase or registration followed by no LTKM and no LTKM
 * Request; registrationRequired=true followed by no Registration), given
 * everything fed so far.  Same return convention as above.
 */
BCASTDEC_API size_t bcastdec_flow_end_findings(const bcastdec_flow *f, uint32_t ref,
                                               bcastdec_finding *out, size_t cap);

/* All refs with end-of-capture findings, ascending: writes at most |cap|,
 * returns how many there are. */
BCASTDEC_API size_t bcastdec_flow_end_refs(const bcastdec_flow *f, uint32_t *out, size_t cap);

/* Number of subscribers followed so far. */
BCASTDEC_API size_t bcastdec_flow_subscribers(const bcastdec_flow *f);

#ifdef __cplusplus
}
#endif

#endif /* BCASTDEC_FLOW_H */
