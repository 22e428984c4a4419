/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-bcast.c - Wireshark 4.0 plugin "bcast": key management of the OMA
 * BCAST Smartcard Profile (MIKEY LTKM = MBMS MSK message, STKM = MBMS MTK
 * message, with the key chain SMK -> SEK/PEK -> TEK).
 *
 * The plugin parses nothing itself.  Every message goes through libbcastdec
 * (bcastdec_session_process(): decode, verify, decrypt, learn), and this
 * file draws the result: every decoded item carries a span (offset, length,
 * and whether it lies in the wire bytes or in the decrypted KEMAC data,
 * which gets its own data source "Decrypted KEMAC"), and every library
 * finding becomes the expert info bcast.<finding id>.
 *
 * Lifetime of results: the first pass processes each message once with the
 * capture's session (keys learned, replay counters advanced) and keeps the
 * result for the capture file (p_add_proto_data + a list freed by the
 * cleanup routine), so later passes and GUI redissection show the same
 * outcome without learning again.  The kept result holds the message packed
 * (bcastdec_mikey_msg_pack); a pass that draws it gets the message rebuilt
 * from the frame's bytes, owned by pinfo->pool.  A result computed outside
 * the first pass is owned by pinfo->pool through a wmem callback.  Either
 * way the result, including its decrypted keys, is wiped and freed even
 * when Wireshark throws while the tree is drawn.
 *
 * References: RFC 3830 (MIKEY), RFC 4563, RFC 5410, RFC 6043,
 * 3GPP TS 33.246, and bcastdec's wire profile (docs/fields.md lists every
 * field, preference and expert info of this plugin).
 *
 * Transport registrations: UDP 4359 (LTKM push, preference
 * bcast.ltkm_udp_port), the UDP port range bcast.stkm_udp_ports (empty by
 * default), Decode As on udp.port, an opt-in UDP heuristic
 * (bcast.heuristic) for MIKEY messages carrying the OMA BCAST extension,
 * and the media types application/vnd.oma.bcast.ltkm / .stkm.  UDP/TCP
 * 2269 and application/mikey stay with Wireshark's own MIKEY dissector.
 *
 * HTTP side (section "HTTP bodies"): the XML media types of the wire
 * profile (MSK request/response, (de)registration, sprov, smartcard
 * trigger), plus application/xml and text/xml bodies whose root element is
 * ours (bcast.generic_xml; others go on to the XML dissector): XML decoded
 * by libbcastdec, HTTP Digest and rspauth verified with the SRK of the
 * Digest username, LTKMs of MSK responses run through the session with that
 * username, exchange checks.  A postdissector (section "HTTP messages
 * without a body of ours") finds the other HTTP messages of our exchanges
 * (401 challenges, bodiless responses) for the exchange checks and the flow
 * tracker.  The tap "bcast" feeds the statistic "-z bcast,keys".
 */
#define WS_BUILD_DLL
#include <wireshark.h>

#include <inttypes.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include <epan/charsets.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/range.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <epan/to_str.h>
#include <epan/dissectors/packet-http.h>
#include <wsutil/pint.h>
#include <wsutil/to_str.h>

#include <bcastdec/bcastdec.h>
#include <bcastdec/digest.h>
#include <bcastdec/flow.h>
#include <bcastdec/http.h>
#include <bcastdec/xml.h>

#include "bcast-keys.h"

#ifndef PLUGIN_VERSION
#define PLUGIN_VERSION "0.0.0"
#endif

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

void proto_register_bcast(void);
void proto_reg_handoff_bcast(void);

#define BCAST_LTKM_UDP_PORT 4359 /* IANA omabcastltkm */

/* ------------------------------------------------------------------------ */
/* Preferences                                                              */
/* ------------------------------------------------------------------------ */

static guint pref_ltkm_udp_port = BCAST_LTKM_UDP_PORT;
static range_t *pref_stkm_udp_ports;
static gboolean pref_heuristic = FALSE;
static guint pref_keyid_ext_type = 3;
static guint pref_bcast_ext_type = 5;
static gboolean pref_stkm_try_ltkm_rand = TRUE;

/* Decoder options made from the preferences at the start of each file. */
static bcastdec_opts bcast_opts;

/* ------------------------------------------------------------------------ */
/* Protocol, fields, subtrees, expert infos                                 */
/* ------------------------------------------------------------------------ */

static int proto_bcast = -1;

static dissector_handle_t bcast_handle;
static dissector_handle_t bcast_media_handle;

/* summary */
static int hf_bcast_kind = -1;
static int hf_bcast_status = -1;
static int hf_bcast_error = -1;
static int hf_bcast_outcome = -1;
static int hf_bcast_mac_status = -1;
static int hf_bcast_kdid = -1;
static int hf_bcast_sekpek_id = -1;
static int hf_bcast_tek_id = -1;
static int hf_bcast_replay = -1;
static int hf_bcast_replay_last = -1;
static int hf_bcast_key_used = -1;
static int hf_bcast_key_used_role = -1;
static int hf_bcast_key_used_found_by = -1;
static int hf_bcast_key_used_origin = -1;
static int hf_bcast_key_used_line = -1;
static int hf_bcast_key_used_frame = -1;
static int hf_bcast_key_used_rand_variant = -1;
static int hf_bcast_keys_tried = -1;
static int hf_bcast_key_tried = -1;
static int hf_bcast_verif_answers = -1;
static int hf_bcast_verif_mac_input = -1;
/* keys delivered by the message */
static int hf_bcast_key = -1;
static int hf_bcast_key_role = -1;
static int hf_bcast_key_kdid = -1;
static int hf_bcast_key_sekpek_id = -1;
static int hf_bcast_key_tek_id = -1;
static int hf_bcast_key_frame = -1;
static int hf_bcast_sek = -1;
static int hf_bcast_pek = -1;
static int hf_bcast_tek = -1;
static int hf_bcast_salt = -1;
/* HDR */
static int hf_bcast_hdr = -1;
static int hf_bcast_hdr_version = -1;
static int hf_bcast_hdr_data_type = -1;
static int hf_bcast_hdr_next_payload = -1;
static int hf_bcast_hdr_v = -1;
static int hf_bcast_hdr_prf = -1;
static int hf_bcast_hdr_csb_id = -1;
static int hf_bcast_hdr_cs_count = -1;
static int hf_bcast_hdr_map_type = -1;
static int hf_bcast_hdr_map_info = -1;
static int hf_bcast_cs = -1;
static int hf_bcast_cs_policy = -1;
static int hf_bcast_cs_ssrc = -1;
static int hf_bcast_cs_roc = -1;
static int hf_bcast_cs_id = -1;
static int hf_bcast_cs_prot_type = -1;
static int hf_bcast_cs_s = -1;
static int hf_bcast_cs_policy_count = -1;
static int hf_bcast_cs_policies = -1;
static int hf_bcast_cs_session_data_len = -1;
static int hf_bcast_cs_session_data = -1;
static int hf_bcast_cs_spi_len = -1;
static int hf_bcast_cs_spi = -1;
/* payloads */
static int hf_bcast_next_payload = -1;
static int hf_bcast_payload = -1;
static int hf_bcast_t = -1;
static int hf_bcast_t_ts_type = -1;
static int hf_bcast_t_value = -1;
static int hf_bcast_rand = -1;
static int hf_bcast_rand_len = -1;
static int hf_bcast_rand_value = -1;
static int hf_bcast_id = -1;
static int hf_bcast_id_role = -1;
static int hf_bcast_id_type = -1;
static int hf_bcast_id_len = -1;
static int hf_bcast_id_value = -1;
static int hf_bcast_id_bytes = -1;
static int hf_bcast_idi = -1;
static int hf_bcast_idr = -1;
static int hf_bcast_kemac = -1;
static int hf_bcast_kemac_encr_alg = -1;
static int hf_bcast_kemac_encr_len = -1;
static int hf_bcast_kemac_encr_data = -1;
static int hf_bcast_kemac_mac_alg = -1;
static int hf_bcast_kemac_mac = -1;
static int hf_bcast_kd = -1;
static int hf_bcast_kd_next = -1;
static int hf_bcast_kd_type = -1;
static int hf_bcast_kd_kv = -1;
static int hf_bcast_kd_key_len = -1;
static int hf_bcast_kd_key = -1;
static int hf_bcast_kd_salt_len = -1;
static int hf_bcast_kd_salt = -1;
static int hf_bcast_kd_spi_len = -1;
static int hf_bcast_kd_spi = -1;
static int hf_bcast_kd_vf_len = -1;
static int hf_bcast_kd_vf = -1;
static int hf_bcast_kd_vt_len = -1;
static int hf_bcast_kd_vt = -1;
static int hf_bcast_v = -1;
static int hf_bcast_v_auth_alg = -1;
static int hf_bcast_v_mac = -1;
static int hf_bcast_sp = -1;
static int hf_bcast_sp_policy_no = -1;
static int hf_bcast_sp_prot_type = -1;
static int hf_bcast_sp_param_len = -1;
static int hf_bcast_sp_params = -1;
static int hf_bcast_sp_param = -1;
static int hf_bcast_sp_param_type = -1;
static int hf_bcast_sp_param_length = -1;
static int hf_bcast_sp_param_value = -1;
static int hf_bcast_err = -1;
static int hf_bcast_err_no = -1;
static int hf_bcast_err_reserved = -1;
static int hf_bcast_ext = -1;
static int hf_bcast_ext_type = -1;
static int hf_bcast_ext_len = -1;
static int hf_bcast_ext_data = -1;
static int hf_bcast_ext_assumed = -1;
static int hf_bcast_keyid = -1;
static int hf_bcast_keyid_type = -1;
static int hf_bcast_keyid_len = -1;
static int hf_bcast_keyid_value = -1;
static int hf_bcast_keyid_kdid = -1;
static int hf_bcast_keyid_sekpek_id = -1;
static int hf_bcast_keyid_key_group = -1;
static int hf_bcast_keyid_tek_id = -1;
static int hf_bcast_keyid_muk_id = -1;
static int hf_bcast_ob_subtype = -1;
static int hf_bcast_ob_spe = -1;
static int hf_bcast_ob_flags = -1;
static int hf_bcast_ob_par = -1;
static int hf_bcast_ob_acf = -1;
static int hf_bcast_ob_tpp = -1;
static int hf_bcast_ob_taf = -1;
static int hf_bcast_ob_ntf = -1;
static int hf_bcast_ob_tlv = -1;
static int hf_bcast_ob_tlv_tag = -1;
static int hf_bcast_ob_tlv_len = -1;
static int hf_bcast_ob_tlv_value = -1;
static int hf_bcast_ob_undecoded = -1;
static int hf_bcast_undecoded = -1;

static gint ett_bcast = -1;
static gint ett_bcast_hdr = -1;
static gint ett_bcast_cs = -1;
static gint ett_bcast_payload = -1;
static gint ett_bcast_key_data = -1;
static gint ett_bcast_keyid = -1;
static gint ett_bcast_ob_flags = -1;
static gint ett_bcast_tlv = -1;
static gint ett_bcast_sp_param = -1;
static gint ett_bcast_key = -1;
static gint ett_bcast_key_used = -1;
static gint ett_bcast_tried = -1;

/* One expert info per library finding, in bcastdec_finding_table() order. */
static const bcastdec_finding_info *finding_table;
static size_t n_findings;
static expert_field *ei_bcast_finding;
static expert_field ei_bcast_library_error = EI_INIT;

/* ------------------------------------------------------------------------ */
/* Value tables, filled from the library's *_name() functions               */
/* ------------------------------------------------------------------------ */

#define VS_CAP 64 /* distinct names per table; the library's tables are smaller */

static value_string vs_payload[VS_CAP + 1];
static value_string vs_data_type[VS_CAP + 1];
static value_string vs_map_type[VS_CAP + 1];
static value_string vs_ts_type[VS_CAP + 1];
static value_string vs_encr_alg[VS_CAP + 1];
static value_string vs_mac_alg[VS_CAP + 1];
static value_string vs_prf[VS_CAP + 1];
static value_string vs_kd_type[VS_CAP + 1];
static value_string vs_kv_type[VS_CAP + 1];
static value_string vs_id_type[VS_CAP + 1];
static value_string vs_id_role[VS_CAP + 1];
static value_string vs_err[VS_CAP + 1];
static value_string vs_keyid_type[VS_CAP + 1];
static value_string vs_ob_subtype[VS_CAP + 1];
static value_string vs_tpp[VS_CAP + 1];
static value_string vs_role[VS_CAP + 1];
static value_string vs_kind[VS_CAP + 1];
static value_string vs_outcome[VS_CAP + 1];
static value_string vs_mac_state[VS_CAP + 1];
static value_string vs_found_by[VS_CAP + 1];
static value_string vs_rand_variant[VS_CAP + 1];
static value_string vs_status[VS_CAP + 1];

static void
vs_fill(value_string *vs, const char *(*name)(unsigned), unsigned max)
{
    size_t n = 0;
    for (unsigned v = 0; v <= max && n < VS_CAP; v++) {
        const char *s = name(v);
        if (s != NULL) {
            vs[n].value = v;
            vs[n].strptr = s;
            n++;
        }
    }
}

/* bcastdec_status is negative; the field is FT_INT32 (VALS match on the
 * 32-bit pattern). */
static void
vs_fill_status(void)
{
    size_t n = 0;
    for (int st = 0; st >= -31 && n < VS_CAP; st--) {
        const char *s = bcastdec_status_name((bcastdec_status)st);
        if (strcmp(s, "unknown") != 0) {
            vs_status[n].value = (guint32)st;
            vs_status[n].strptr = s;
            n++;
        }
    }
}

/* Where a key comes from (bcastdec_key_origin; UAT rows are the plugin's). */
static const value_string key_origin_vals[] = {
    { BCAST_ORIGIN_UAT,         "key table (bcast_keys)" },
    { BCASTDEC_ORIGIN_FILE,     "key file (bcast.keys_file)" },
    { BCASTDEC_ORIGIN_GBA,      "GBA line of the key file" },
    { BCASTDEC_ORIGIN_LEARNED,  "learned from a message" },
    { 0, NULL }
};

/* bcastdec_verif_input */
static const value_string verif_input_vals[] = {
    { BCASTDEC_VINPUT_NONE,  "none" },
    { BCASTDEC_VINPUT_T64,   "message || T of the LTKM (8 bytes)" },
    { BCASTDEC_VINPUT_IDS_T, "message || IDi || IDr || T of the LTKM" },
    { 0, NULL }
};

/* OMA BCAST extension TLV tags (wire profile section 5, assumed). */
static const value_string ob_tlv_tag_vals[] = {
    { 0x01, "Token quantity" },
    { 0x02, "Playback counter" },
    { 0x03, "Permissions issuer URI" },
    { 0x04, "Parental rating" },
    { 0, NULL }
};

static void
fmt_ext_type(gchar *buf, guint32 v)
{
    const char *n = bcastdec_gen_ext_name(v, &bcast_opts);
    snprintf(buf, ITEM_LABEL_LENGTH, "%s (%u)", n != NULL ? n : "Unknown", v);
}

static void
opts_from_prefs(void)
{
    bcastdec_opts_init(&bcast_opts);
    bcast_opts.keyid_ext_type = (uint8_t)MIN(pref_keyid_ext_type, 255);
    bcast_opts.bcast_ext_type = (uint8_t)MIN(pref_bcast_ext_type, 255);
    bcast_opts.stkm_try_ltkm_rand = pref_stkm_try_ltkm_rand ? 1 : 0;
}

/* ------------------------------------------------------------------------ */
/* Results                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct bcast_result {
    guint8 *wire;               /* copy of the message; msg->wire points here
                                 * (NULL once packed: the frame has it) */
    bcastdec_mikey_msg *msg;    /* NULL when the library failed (rc) or packed */
    bcastdec_status rc;
    bcastdec_packed_msg *packed; /* stored results: msg packed (rebuilt per pass) */
    guint len;                  /* of |wire| */
    gboolean in_store;          /* this and |packed| live in the result store */
    bcastdec_finding *flow;     /* the flow tracker's findings on it, or NULL */
    guint n_flow;
} bcast_result_t;

/* The capture's flow tracker (bcastdec/flow.h): fed on the first pass. */
static bcastdec_flow *file_flow;
#define BCAST_FLOW_MAX 8

/* Keeps |n| flow findings from |f| (g_free'd with their owner). */
static bcastdec_finding *
flow_keep(const bcastdec_finding *f, size_t n, guint *count)
{
    if (n > BCAST_FLOW_MAX)
        n = BCAST_FLOW_MAX;
    *count = (guint)n;
    return n != 0 ? (bcastdec_finding *)g_memdup2(f, n * sizeof *f) : NULL;
}

/* The terminal's address as text (|buf| of 64 bytes), or NULL. */
static const char *
flow_addr(const address *a, char *buf)
{
    if (a == NULL || a->type == AT_NONE)
        return NULL;
    address_to_str_buf(a, buf, 64);
    return buf;
}

/* Every result stored for the open capture file (message packed); freed by
 * the cleanup routine, the packed messages wiped (store_release()). */
static GPtrArray *file_results;

/* pinfo->pool key of the per-pass count of bcast messages in a frame. */
#define BCAST_KEY_COUNT 0x7fffffffU
/* pinfo->pool key: the frame's end-of-capture flow findings are drawn. */
#define BCAST_KEY_FLOW_END 0x7ffffffeU

static void
result_free(gpointer p)
{
    bcast_result_t *r = (bcast_result_t *)p;
    if (r == NULL)
        return;
    bcastdec_mikey_msg_free(r->msg);
    g_free(r->wire);
    g_free(r->flow);
    if (r->in_store)
        return; /* wiped and released by store_release() */
    bcastdec_packed_msg_free(r->packed);
    g_free(r);
}

static gboolean
result_free_cb(wmem_allocator_t *allocator _U_, wmem_cb_event_t event _U_, void *data)
{
    result_free(data);
    return FALSE;
}

/*
 * The result store: stored results of the first pass (bcast_result_t and
 * the packed message, a few hundred bytes, one per message of the capture)
 * are carved from blocks of 2 MiB, released with the file's results and
 * wiped first (they hold decrypted keys).  This saves malloc's cost per
 * record and, on Linux, lets a block be one transparent huge page: one page
 * fault per block instead of 512, page faults being much of what keeping
 * 100,000 results costs.
 */
#define STORE_BLOCK ((gsize)2 << 20)

typedef struct store_block {
    struct store_block *next;
    gsize used;                 /* bytes in use after the header */
    gboolean mapped;            /* mmap'd, else g_malloc'd */
} store_block_t;

#define STORE_HDR ((sizeof(store_block_t) + 15) & ~(gsize)15)

static store_block_t *store_blocks;

static store_block_t *
store_block_new(void)
{
    store_block_t *b = NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    /* 2 MiB aligned, so that the block can be one huge page */
    void *p = mmap(NULL, 2 * STORE_BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (p != MAP_FAILED) {
        guintptr a = ((guintptr)p + STORE_BLOCK - 1) & ~(guintptr)(STORE_BLOCK - 1);
        gsize head = (gsize)(a - (guintptr)p);
        if (head != 0)
            munmap(p, head);
        munmap((void *)(a + STORE_BLOCK), STORE_BLOCK - head);
        (void)madvise((void *)a, STORE_BLOCK, MADV_HUGEPAGE);
        b = (store_block_t *)a;
        b->mapped = TRUE;
    }
#endif
    if (b == NULL) {
        b = (store_block_t *)g_malloc(STORE_BLOCK);
        b->mapped = FALSE;
    }
    b->used = 0;
    b->next = store_blocks;
    store_blocks = b;
    return b;
}

/* |n| bytes, 16-byte aligned, until store_release(); NULL when too large. */
static void *
store_alloc(gsize n)
{
    store_block_t *b = store_blocks;
    void *p;
    n = (n + 15) & ~(gsize)15;
    if (n > STORE_BLOCK - STORE_HDR)
        return NULL;
    if (b == NULL || STORE_BLOCK - STORE_HDR - b->used < n)
        b = store_block_new();
    p = (char *)b + STORE_HDR + b->used;
    b->used += n;
    return p;
}

/* Wipes and releases every stored result (after file_results is freed). */
static void
store_release(void)
{
    while (store_blocks != NULL) {
        store_block_t *b = store_blocks;
        store_blocks = b->next;
        bcastdec_memzero((char *)b + STORE_HDR, b->used);
#ifdef __linux__
        if (b->mapped) {
            munmap(b, STORE_BLOCK);
            continue;
        }
#endif
        g_free(b);
    }
}

/* This frame's own message and the wire bytes it points to, freed (and the
 * message wiped) with pinfo->pool: at the end of the frame, also when
 * Wireshark throws. */
typedef struct frame_msg {
    bcastdec_mikey_msg *msg;
    guint8 *wire;               /* g_malloc'd, or NULL (then in pinfo->pool) */
} frame_msg_t;

static gboolean
frame_msg_free_cb(wmem_allocator_t *allocator _U_, wmem_cb_event_t event _U_, void *data)
{
    frame_msg_t *f = (frame_msg_t *)data;
    bcastdec_mikey_msg_free(f->msg);
    g_free(f->wire);
    return FALSE;
}

/*
 * A stored result as this frame sees it: a copy in pinfo->pool with a
 * message of its own.  Stored results keep the message packed (no copy of
 * the wire bytes, a few hundred bytes instead of kilobytes per message,
 * which is what a capture of many messages costs); each later pass that
 * shows the frame rebuilds it from the frame's bytes, identical to the one
 * the first pass computed.  |f|: the first pass's own message, or NULL.
 */
static const bcast_result_t *
result_view(bcast_result_t *r, tvbuff_t *tvb, packet_info *pinfo, frame_msg_t *f)
{
    bcast_result_t *v;
    if (r->packed == NULL)
        return r; /* never packed (library error, or NOMEM while packing) */
    v = wmem_new(pinfo->pool, bcast_result_t);
    *v = *r;
    if (f == NULL) {
        guint len = tvb_captured_length(tvb);
        f = wmem_new0(pinfo->pool, frame_msg_t);
        v->wire = (guint8 *)tvb_memdup(pinfo->pool, tvb, 0, len);
        v->len = len;
        v->rc = bcastdec_mikey_msg_unpack(r->packed, v->wire, len, &f->msg);
        if (v->rc != BCASTDEC_OK)
            f->msg = NULL;
    }
    v->msg = f->msg;
    v->wire = f->wire != NULL ? f->wire : v->wire;
    wmem_register_callback(pinfo->pool, frame_msg_free_cb, f);
    return v;
}

/* Packs the message of a result about to be stored, the result moving into
 * the result store (*rp updated): the message and its wire bytes become
 * this frame's.  NULL: the result stays whole. */
static frame_msg_t *
result_pack(bcast_result_t **rp, packet_info *pinfo)
{
    bcast_result_t *r = *rp, *s = NULL;
    bcastdec_packed_msg *pk = NULL;
    gsize n;
    frame_msg_t *f;

    if (r->msg == NULL)
        return NULL;
    n = bcastdec_mikey_msg_packed_size(r->msg);
    if (n != 0)
        s = (bcast_result_t *)store_alloc(sizeof *s + n);
    if (s != NULL)
        pk = bcastdec_mikey_msg_pack_into(r->msg, s + 1, n);
    if (pk == NULL) {
        s = NULL;
        pk = bcastdec_mikey_msg_pack(r->msg);
        if (pk == NULL)
            return NULL; /* keep it whole */
    }
    f = wmem_new(pinfo->pool, frame_msg_t);
    f->msg = r->msg;
    f->wire = r->wire;
    r->msg = NULL;
    r->wire = NULL;
    r->packed = pk;
    if (s != NULL) {
        *s = *r;
        s->in_store = TRUE;
        g_free(r);
        *rp = s;
    }
    return f;
}

static bcast_result_t *
result_compute(tvbuff_t *tvb, packet_info *pinfo, gboolean first_pass)
{
    guint len = tvb_captured_length(tvb);
    bcast_result_t *r = g_new0(bcast_result_t, 1);
    bcastdec_session *s = bcast_keys_session(first_pass);
    bcastdec_msg_ctx ctx;

    r->wire = (guint8 *)tvb_memdup(NULL, tvb, 0, len);
    r->len = len;
    memset(&ctx, 0, sizeof ctx);
    ctx.ref = pinfo->num;
    ctx.no_learn = first_pass ? 0 : 1;
    if (s != NULL)
        r->rc = bcastdec_session_process(s, r->wire, len, &ctx, &r->msg);
    else
        r->rc = bcastdec_mikey_decode(&r->msg, r->wire, len, &bcast_opts);
    if (first_pass && file_flow != NULL && r->msg != NULL) {
        /* the terminal: where an LTKM goes, where a verification comes from */
        bcastdec_flow_mikey ev;
        bcastdec_finding fl[BCAST_FLOW_MAX];
        char addr[64];
        memset(&ev, 0, sizeof ev);
        ev.ref = pinfo->num;
        ev.path = BCASTDEC_FLOW_UDP;
        ev.terminal = flow_addr(r->msg->kind == BCASTDEC_KIND_VERIFICATION ? &pinfo->src
                                                                           : &pinfo->dst, addr);
        ev.msg = r->msg;
        r->flow = flow_keep(fl, bcastdec_flow_mikey_msg(file_flow, &ev, fl, BCAST_FLOW_MAX),
                            &r->n_flow);
    }
    return r;
}

/* Index of the next bcast message of this frame in this pass. */
static guint32
frame_index(packet_info *pinfo, gboolean advance)
{
    guint32 *count = (guint32 *)p_get_proto_data(pinfo->pool, pinfo, proto_bcast, BCAST_KEY_COUNT);
    guint32 idx;
    if (count == NULL) {
        count = wmem_new0(pinfo->pool, guint32);
        p_add_proto_data(pinfo->pool, pinfo, proto_bcast, BCAST_KEY_COUNT, count);
    }
    idx = *count;
    if (advance)
        (*count)++;
    return idx;
}

/*
 * The result for the message in |tvb|: the one stored on the first pass, or
 * a new one.  The pointer is never owned by the caller.
 */
static const bcast_result_t *
result_get(tvbuff_t *tvb, packet_info *pinfo)
{
    guint32 idx = frame_index(pinfo, TRUE);
    bcast_result_t *r = (bcast_result_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_bcast, idx);

    if (r != NULL)
        return result_view(r, tvb, pinfo, NULL);
    if (!PINFO_FD_VISITED(pinfo) && file_results != NULL) {
        frame_msg_t *f;
        r = result_compute(tvb, pinfo, TRUE);
        f = result_pack(&r, pinfo);
        g_ptr_array_add(file_results, r);
        p_add_proto_data(wmem_file_scope(), pinfo, proto_bcast, idx, r);
        if (f != NULL)
            return result_view(r, tvb, pinfo, f);
    } else {
        /* Not seen on the first pass: verify and decrypt, learn nothing. */
        r = result_compute(tvb, pinfo, FALSE);
        wmem_register_callback(pinfo->pool, result_free_cb, r);
    }
    return r;
}

/* ------------------------------------------------------------------------ */
/* Drawing                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct bcast_render {
    packet_info *pinfo;
    tvbuff_t *wire;             /* the message as received */
    tvbuff_t *plain;            /* decrypted KEMAC data, or NULL */
    const bcastdec_mikey_msg *m;
} bcast_render_t;

#define READ(num) ((num).sp.len != 0)

/* Text from the library (identities, labels, finding texts) as valid UTF-8:
 * it may quote wire bytes or be cut inside a character. */
static const char *
utf8(wmem_allocator_t *pool, const char *s, size_t len)
{
    return (const char *)get_utf_8_string(pool, (const guint8 *)s, (gint)len);
}

/* The tvb, offset and length of a span; NULL/0/0 for a derived value or a
 * span that does not fit its buffer. */
static tvbuff_t *
span_loc(const bcast_render_t *rc, const bcastdec_span *sp, gint *off, gint *len)
{
    tvbuff_t *t = NULL;
    if (sp->src == BCASTDEC_SRC_WIRE)
        t = rc->wire;
    else if (sp->src == BCASTDEC_SRC_PLAIN)
        t = rc->plain;
    if (t == NULL || (guint64)sp->off + sp->len > tvb_captured_length(t)) {
        *off = 0;
        *len = 0;
        return NULL;
    }
    *off = (gint)sp->off;
    *len = (gint)sp->len;
    return t;
}

/* An integer field; |shift| places a bit-field's value under its mask. */
static proto_item *
add_uint(const bcast_render_t *rc, proto_tree *t, int hf, const bcastdec_num *n, unsigned shift)
{
    gint off, len;
    tvbuff_t *tvb = span_loc(rc, &n->sp, &off, &len);
    return proto_tree_add_uint(t, hf, tvb, off, len, (guint32)(n->v << shift));
}

static proto_item *
add_bool(const bcast_render_t *rc, proto_tree *t, int hf, const bcastdec_num *n, unsigned shift)
{
    gint off, len;
    tvbuff_t *tvb = span_loc(rc, &n->sp, &off, &len);
    return proto_tree_add_boolean(t, hf, tvb, off, len, (guint32)(n->v << shift));
}

static proto_item *
add_uint64(const bcast_render_t *rc, proto_tree *t, int hf, const bcastdec_num *n)
{
    gint off, len;
    tvbuff_t *tvb = span_loc(rc, &n->sp, &off, &len);
    return proto_tree_add_uint64(t, hf, tvb, off, len, n->v);
}

static proto_item *
add_bytes(const bcast_render_t *rc, proto_tree *t, int hf, const bcastdec_bytes *b)
{
    gint off, len;
    tvbuff_t *tvb = span_loc(rc, &b->sp, &off, &len);
    return proto_tree_add_bytes_with_length(t, hf, tvb, off, len, b->p, (gint)b->len);
}

/* A text field from decoded bytes (identities are UTF-8/ASCII). */
static proto_item *
add_text(const bcast_render_t *rc, proto_tree *t, int hf, const bcastdec_bytes *b)
{
    gint off, len;
    tvbuff_t *tvb = span_loc(rc, &b->sp, &off, &len);
    return proto_tree_add_string(t, hf, tvb, off, len,
                                 utf8(rc->pinfo->pool, (const char *)b->p, b->len));
}

/* A subtree item over a span. */
static proto_tree *
add_subtree(const bcast_render_t *rc, proto_tree *t, int hf, gint ett, const bcastdec_span *sp,
            proto_item **item_out)
{
    gint off, len;
    tvbuff_t *tvb = span_loc(rc, sp, &off, &len);
    proto_item *ti;
    if (tvb != NULL)
        ti = proto_tree_add_item(t, hf, tvb, off, len, ENC_NA);
    else
        ti = proto_tree_add_none_format(t, hf, NULL, 0, 0, "%s", proto_registrar_get_name(hf));
    if (item_out != NULL)
        *item_out = ti;
    return proto_item_add_subtree(ti, ett);
}

static const char *
nz(const char *s)
{
    return s != NULL ? s : "Unknown";
}

static void
draw_hdr(const bcast_render_t *rc, proto_tree *tree)
{
    const bcastdec_hdr *h = &rc->m->hdr;
    proto_item *ti;
    proto_tree *ht;

    if (h->sp.len == 0)
        return;
    ht = add_subtree(rc, tree, hf_bcast_hdr, ett_bcast_hdr, &h->sp, &ti);
    if (READ(h->data_type))
        proto_item_append_text(ti, ": %s", nz(bcastdec_data_type_name((unsigned)h->data_type.v)));
    if (READ(h->version))
        add_uint(rc, ht, hf_bcast_hdr_version, &h->version, 0);
    if (READ(h->data_type))
        add_uint(rc, ht, hf_bcast_hdr_data_type, &h->data_type, 0);
    if (READ(h->next_payload))
        add_uint(rc, ht, hf_bcast_hdr_next_payload, &h->next_payload, 0);
    if (READ(h->v_flag))
        add_bool(rc, ht, hf_bcast_hdr_v, &h->v_flag, 7);
    if (READ(h->prf))
        add_uint(rc, ht, hf_bcast_hdr_prf, &h->prf, 0);
    if (READ(h->csb_id))
        add_uint(rc, ht, hf_bcast_hdr_csb_id, &h->csb_id, 0);
    if (READ(h->n_cs))
        add_uint(rc, ht, hf_bcast_hdr_cs_count, &h->n_cs, 0);
    if (READ(h->map_type))
        add_uint(rc, ht, hf_bcast_hdr_map_type, &h->map_type, 0);
    if (h->map_info.len != 0)
        add_bytes(rc, ht, hf_bcast_hdr_map_info, &h->map_info);

    for (size_t i = 0; i < h->n_srtp; i++) {
        const bcastdec_cs_srtp *c = &h->srtp[i];
        bcastdec_span sp = c->policy.sp;
        proto_tree *ct;
        if (READ(c->roc) && c->roc.sp.src == sp.src && c->roc.sp.off >= sp.off)
            sp.len = c->roc.sp.off + c->roc.sp.len - sp.off;
        ct = add_subtree(rc, ht, hf_bcast_cs, ett_bcast_cs, &sp, &ti);
        proto_item_append_text(ti, " %zu (SRTP-ID)", i);
        if (READ(c->policy))
            add_uint(rc, ct, hf_bcast_cs_policy, &c->policy, 0);
        if (READ(c->ssrc))
            add_uint(rc, ct, hf_bcast_cs_ssrc, &c->ssrc, 0);
        if (READ(c->roc))
            add_uint(rc, ct, hf_bcast_cs_roc, &c->roc, 0);
    }
    for (size_t i = 0; i < h->n_generic; i++) {
        const bcastdec_cs_generic *g = &h->generic[i];
        bcastdec_span sp = g->cs_id.sp;
        const bcastdec_span *last = READ(g->spi_len) ? &g->spi.sp : &g->cs_id.sp;
        proto_tree *ct;
        if (last->src == sp.src && last->off + last->len >= sp.off)
            sp.len = last->off + last->len - sp.off;
        ct = add_subtree(rc, ht, hf_bcast_cs, ett_bcast_cs, &sp, &ti);
        proto_item_append_text(ti, " %u (GENERIC-ID)", (unsigned)g->cs_id.v);
        if (READ(g->cs_id))
            add_uint(rc, ct, hf_bcast_cs_id, &g->cs_id, 0);
        if (READ(g->prot_type))
            add_uint(rc, ct, hf_bcast_cs_prot_type, &g->prot_type, 0);
        if (READ(g->s_flag))
            add_bool(rc, ct, hf_bcast_cs_s, &g->s_flag, 7);
        if (READ(g->n_p))
            add_uint(rc, ct, hf_bcast_cs_policy_count, &g->n_p, 0);
        if (g->policies.len != 0)
            add_bytes(rc, ct, hf_bcast_cs_policies, &g->policies);
        if (READ(g->session_data_len))
            add_uint(rc, ct, hf_bcast_cs_session_data_len, &g->session_data_len, 0);
        if (g->session_data.len != 0)
            add_bytes(rc, ct, hf_bcast_cs_session_data, &g->session_data);
        if (READ(g->spi_len))
            add_uint(rc, ct, hf_bcast_cs_spi_len, &g->spi_len, 0);
        if (g->spi.len != 0)
            add_bytes(rc, ct, hf_bcast_cs_spi, &g->spi);
    }
}

static void
draw_keyid(const bcast_render_t *rc, proto_tree *et, const bcastdec_ext *e)
{
    for (size_t i = 0; i < e->n_keyid; i++) {
        const bcastdec_keyid_entry *k = &e->keyid[i];
        const bcastdec_bytes *v = &k->value;
        unsigned type = (unsigned)k->type.v;
        proto_item *ti;
        proto_tree *kt = add_subtree(rc, et, hf_bcast_keyid, ett_bcast_keyid, &k->sp, &ti);
        gint off, len;
        tvbuff_t *tvb;

        proto_item_set_text(ti, "%s: %s", nz(bcastdec_keyid_type_name(type)),
                            v->len != 0 ? bytes_to_str(rc->pinfo->pool, v->p, v->len) : "(empty)");
        if (READ(k->type))
            add_uint(rc, kt, hf_bcast_keyid_type, &k->type, 0);
        if (READ(k->len))
            add_uint(rc, kt, hf_bcast_keyid_len, &k->len, 0);
        tvb = span_loc(rc, &v->sp, &off, &len);
        if (type == BCASTDEC_KEYID_KDID) {
            add_bytes(rc, kt, hf_bcast_keyid_kdid, v);
        } else if (type == BCASTDEC_KEYID_SEKPEK && v->len == 4) {
            proto_tree_add_uint(kt, hf_bcast_keyid_sekpek_id, tvb, off, len, pntoh32(v->p));
            /* the first two bytes are the key group */
            proto_tree_add_uint(kt, hf_bcast_keyid_key_group, tvb, off, tvb != NULL ? 2 : 0,
                                pntoh16(v->p));
        } else if (type == BCASTDEC_KEYID_TEK && v->len == 2) {
            proto_tree_add_uint(kt, hf_bcast_keyid_tek_id, tvb, off, len, pntoh16(v->p));
        } else if (type == BCASTDEC_KEYID_MUK) {
            add_bytes(rc, kt, hf_bcast_keyid_muk_id, v);
        } else {
            add_bytes(rc, kt, hf_bcast_keyid_value, v);
        }
    }
}

static void
draw_omabcast(const bcast_render_t *rc, proto_tree *et, const bcastdec_ext *e)
{
    proto_item *ti;

    add_uint(rc, et, hf_bcast_ob_subtype, &e->subtype, 0);
    if (READ(e->spe))
        add_uint(rc, et, hf_bcast_ob_spe, &e->spe, 0);
    if (READ(e->stkm_flags)) {
        proto_tree *ft;
        ti = add_uint(rc, et, hf_bcast_ob_flags, &e->stkm_flags, 0);
        ft = proto_item_add_subtree(ti, ett_bcast_ob_flags);
        add_uint(rc, ft, hf_bcast_ob_par, &e->par, 6);
        add_bool(rc, ft, hf_bcast_ob_acf, &e->acf, 5);
        add_uint(rc, ft, hf_bcast_ob_tpp, &e->tpp, 2);
        add_bool(rc, ft, hf_bcast_ob_taf, &e->taf, 1);
        add_bool(rc, ft, hf_bcast_ob_ntf, &e->ntf, 0);
    }
    for (size_t i = 0; i < e->n_tlv; i++) {
        const bcastdec_tlv *tl = &e->tlv[i];
        proto_tree *tt = add_subtree(rc, et, hf_bcast_ob_tlv, ett_bcast_tlv, &tl->sp, &ti);
        proto_item_append_text(ti, ": %s",
                               val_to_str((guint32)tl->tag.v, ob_tlv_tag_vals, "tag 0x%02x"));
        if (READ(tl->tag))
            add_uint(rc, tt, hf_bcast_ob_tlv_tag, &tl->tag, 0);
        if (READ(tl->len))
            add_uint(rc, tt, hf_bcast_ob_tlv_len, &tl->len, 0);
        if (READ(tl->len))
            add_bytes(rc, tt, hf_bcast_ob_tlv_value, &tl->value);
    }
    if (e->rest.len != 0)
        add_bytes(rc, et, hf_bcast_ob_undecoded, &e->rest);
}

static void
draw_ext(const bcast_render_t *rc, proto_tree *pt, proto_item *pi, const bcastdec_ext *e)
{
    if (READ(e->type)) {
        add_uint(rc, pt, hf_bcast_ext_type, &e->type, 0);
        proto_item_append_text(pi, ": %s",
                               nz(bcastdec_gen_ext_name((unsigned)e->type.v, &bcast_opts)));
    }
    if (READ(e->len))
        add_uint(rc, pt, hf_bcast_ext_len, &e->len, 0);
    if (e->assumed) {
        proto_item *ti = proto_tree_add_boolean(pt, hf_bcast_ext_assumed, NULL, 0, 0, TRUE);
        proto_item_set_generated(ti);
        proto_item_append_text(pi, " (assumed layout)");
    }
    if (!READ(e->len) || e->data.len != e->len.v || e->inner_status_is_error) {
        if (e->data.p != NULL)
            add_bytes(rc, pt, hf_bcast_ext_data, &e->data);
        return;
    }
    if (e->kind == BCASTDEC_EXT_KEYID)
        draw_keyid(rc, pt, e);
    else if (e->kind == BCASTDEC_EXT_BCAST && READ(e->subtype))
        draw_omabcast(rc, pt, e);
    else
        add_bytes(rc, pt, hf_bcast_ext_data, &e->data);
}

static void
draw_key_data(const bcast_render_t *rc, proto_tree *pt, const bcastdec_key_data *kd)
{
    proto_item *ti;
    proto_tree *kt = add_subtree(rc, pt, hf_bcast_kd, ett_bcast_key_data, &kd->sp, &ti);

    if (READ(kd->type))
        proto_item_append_text(ti, ": %s", nz(bcastdec_kd_type_name((unsigned)kd->type.v)));
    if (READ(kd->next))
        add_uint(rc, kt, hf_bcast_kd_next, &kd->next, 0);
    if (READ(kd->type))
        add_uint(rc, kt, hf_bcast_kd_type, &kd->type, 4);
    if (READ(kd->kv))
        add_uint(rc, kt, hf_bcast_kd_kv, &kd->kv, 0);
    if (READ(kd->key_len)) {
        add_uint(rc, kt, hf_bcast_kd_key_len, &kd->key_len, 0);
        add_bytes(rc, kt, hf_bcast_kd_key, &kd->key);
    }
    if (READ(kd->salt_len)) {
        add_uint(rc, kt, hf_bcast_kd_salt_len, &kd->salt_len, 0);
        add_bytes(rc, kt, hf_bcast_kd_salt, &kd->salt);
    }
    if (READ(kd->spi_len)) {
        add_uint(rc, kt, hf_bcast_kd_spi_len, &kd->spi_len, 0);
        add_bytes(rc, kt, hf_bcast_kd_spi, &kd->spi);
    }
    if (READ(kd->vf_len)) {
        add_uint(rc, kt, hf_bcast_kd_vf_len, &kd->vf_len, 0);
        add_bytes(rc, kt, hf_bcast_kd_vf, &kd->vf);
    }
    if (READ(kd->vt_len)) {
        add_uint(rc, kt, hf_bcast_kd_vt_len, &kd->vt_len, 0);
        add_bytes(rc, kt, hf_bcast_kd_vt, &kd->vt);
    }
}

static void
draw_payload(const bcast_render_t *rc, proto_tree *tree, size_t index)
{
    const bcastdec_mikey_msg *m = rc->m;
    const bcastdec_payload *pl = &m->payloads[index];
    int hf;
    proto_item *pi;
    proto_tree *pt;

    switch (pl->type) {
    case BCASTDEC_PT_T:       hf = hf_bcast_t; break;
    case BCASTDEC_PT_RAND:    hf = hf_bcast_rand; break;
    case BCASTDEC_PT_ID:
    case BCASTDEC_PT_IDR:     hf = hf_bcast_id; break;
    case BCASTDEC_PT_KEMAC:   hf = hf_bcast_kemac; break;
    case BCASTDEC_PT_V:       hf = hf_bcast_v; break;
    case BCASTDEC_PT_SP:      hf = hf_bcast_sp; break;
    case BCASTDEC_PT_ERR:     hf = hf_bcast_err; break;
    case BCASTDEC_PT_GEN_EXT: hf = hf_bcast_ext; break;
    default:                  hf = hf_bcast_payload; break;
    }
    pt = add_subtree(rc, tree, hf, ett_bcast_payload, &pl->sp, &pi);
    proto_item_set_text(pi, "%s payload", nz(bcastdec_payload_name(pl->type)));
    if (READ(pl->next))
        add_uint(rc, pt, hf_bcast_next_payload, &pl->next, 0);

    switch (pl->type) {
    case BCASTDEC_PT_T:
        if (READ(pl->u.t.ts_type)) {
            add_uint(rc, pt, hf_bcast_t_ts_type, &pl->u.t.ts_type, 0);
            proto_item_append_text(pi, ": %s",
                                   nz(bcastdec_ts_type_name((unsigned)pl->u.t.ts_type.v)));
        }
        if (READ(pl->u.t.value)) {
            add_uint64(rc, pt, hf_bcast_t_value, &pl->u.t.value);
            proto_item_append_text(pi, " %" PRIu64, pl->u.t.value.v);
        }
        break;
    case BCASTDEC_PT_RAND:
        if (READ(pl->u.rand.len)) {
            add_uint(rc, pt, hf_bcast_rand_len, &pl->u.rand.len, 0);
            add_bytes(rc, pt, hf_bcast_rand_value, &pl->u.rand.rand);
        }
        break;
    case BCASTDEC_PT_IDR:
        if (READ(pl->u.id.role))
            add_uint(rc, pt, hf_bcast_id_role, &pl->u.id.role, 0);
        /* FALLTHROUGH */
    case BCASTDEC_PT_ID: {
        int hf_val = hf_bcast_id_value;
        if ((int)index == m->i_idi) {
            hf_val = hf_bcast_idi;
            proto_item_append_text(pi, " (IDi)");
        } else if ((int)index == m->i_idr) {
            hf_val = hf_bcast_idr;
            proto_item_append_text(pi, " (IDr)");
        }
        if (READ(pl->u.id.id_type))
            add_uint(rc, pt, hf_bcast_id_type, &pl->u.id.id_type, 0);
        if (READ(pl->u.id.id_len)) {
            add_uint(rc, pt, hf_bcast_id_len, &pl->u.id.id_len, 0);
            if (pl->u.id.id_type.v == 2) /* byte string */
                add_bytes(rc, pt, hf_bcast_id_bytes, &pl->u.id.id);
            else
                add_text(rc, pt, hf_val, &pl->u.id.id);
        }
        break;
    }
    case BCASTDEC_PT_KEMAC:
        if (READ(pl->u.kemac.encr_alg))
            add_uint(rc, pt, hf_bcast_kemac_encr_alg, &pl->u.kemac.encr_alg, 0);
        if (READ(pl->u.kemac.encr_len)) {
            add_uint(rc, pt, hf_bcast_kemac_encr_len, &pl->u.kemac.encr_len, 0);
            add_bytes(rc, pt, hf_bcast_kemac_encr_data, &pl->u.kemac.encr_data);
        }
        if (READ(pl->u.kemac.mac_alg)) {
            add_uint(rc, pt, hf_bcast_kemac_mac_alg, &pl->u.kemac.mac_alg, 0);
            if (pl->u.kemac.mac.len != 0)
                add_bytes(rc, pt, hf_bcast_kemac_mac, &pl->u.kemac.mac);
        }
        if ((int)index == m->i_kemac && rc->plain != NULL)
            for (size_t i = 0; i < m->n_key_data; i++)
                draw_key_data(rc, pt, &m->key_data[i]);
        break;
    case BCASTDEC_PT_V:
        if (READ(pl->u.v.auth_alg)) {
            add_uint(rc, pt, hf_bcast_v_auth_alg, &pl->u.v.auth_alg, 0);
            if (pl->u.v.mac.len != 0)
                add_bytes(rc, pt, hf_bcast_v_mac, &pl->u.v.mac);
        }
        break;
    case BCASTDEC_PT_SP:
        if (READ(pl->u.sp.policy_no))
            add_uint(rc, pt, hf_bcast_sp_policy_no, &pl->u.sp.policy_no, 0);
        if (READ(pl->u.sp.prot_type))
            add_uint(rc, pt, hf_bcast_sp_prot_type, &pl->u.sp.prot_type, 0);
        if (READ(pl->u.sp.param_len)) {
            add_uint(rc, pt, hf_bcast_sp_param_len, &pl->u.sp.param_len, 0);
            if (pl->u.sp.n_param == 0 && pl->u.sp.params.len != 0)
                add_bytes(rc, pt, hf_bcast_sp_params, &pl->u.sp.params);
        }
        for (size_t i = 0; i < pl->u.sp.n_param; i++) {
            const bcastdec_tlv *tl = &pl->u.sp.param[i];
            proto_item *ti;
            proto_tree *tt = add_subtree(rc, pt, hf_bcast_sp_param, ett_bcast_sp_param, &tl->sp, &ti);
            proto_item_append_text(ti, " %u", (unsigned)tl->tag.v);
            if (READ(tl->tag))
                add_uint(rc, tt, hf_bcast_sp_param_type, &tl->tag, 0);
            if (READ(tl->len)) {
                add_uint(rc, tt, hf_bcast_sp_param_length, &tl->len, 0);
                add_bytes(rc, tt, hf_bcast_sp_param_value, &tl->value);
            }
        }
        break;
    case BCASTDEC_PT_ERR:
        if (READ(pl->u.err.err_no)) {
            add_uint(rc, pt, hf_bcast_err_no, &pl->u.err.err_no, 0);
            proto_item_append_text(pi, ": %s", nz(bcastdec_err_name((unsigned)pl->u.err.err_no.v)));
        }
        if (pl->u.err.reserved.len != 0)
            add_bytes(rc, pt, hf_bcast_err_reserved, &pl->u.err.reserved);
        break;
    case BCASTDEC_PT_GEN_EXT:
        draw_ext(rc, pt, pi, &pl->u.ext);
        break;
    default:
        break;
    }
}

/* |digits| lowercase hex digits of |v| (no printf: runs for every message). */
static void
sb_hex(wmem_strbuf_t *sb, guint32 v, int digits)
{
    static const char hx[] = "0123456789abcdef";
    char b[8];
    for (int i = 0; i < digits; i++)
        b[i] = hx[(v >> (4 * (digits - 1 - i))) & 15];
    wmem_strbuf_append_len(sb, b, (gsize)digits);
}

/* "b8709d/68c90000[/0001]" */
static void
ids_append(wmem_strbuf_t *sb, int has_kdid, const uint8_t kdid[3], int has_sekpek,
           uint32_t sekpek_id, int has_tek, uint16_t tek_id)
{
    if (has_kdid)
        sb_hex(sb, (guint32)kdid[0] << 16 | (guint32)kdid[1] << 8 | kdid[2], 6);
    if (has_sekpek) {
        if (has_kdid)
            wmem_strbuf_append_c(sb, '/');
        sb_hex(sb, sekpek_id, 8);
    }
    if (has_tek) {
        wmem_strbuf_append_c(sb, '/');
        sb_hex(sb, tek_id, 4);
    }
}

static const char *
ids_text(wmem_allocator_t *pool, int has_kdid, const uint8_t kdid[3], int has_sekpek,
         uint32_t sekpek_id, int has_tek, uint16_t tek_id)
{
    wmem_strbuf_t *sb = wmem_strbuf_new(pool, "");
    ids_append(sb, has_kdid, kdid, has_sekpek, sekpek_id, has_tek, tek_id);
    return wmem_strbuf_get_str(sb);
}

/* Keys the message delivered (decrypted from its KEMAC). */
static void
draw_keys(const bcast_render_t *rc, proto_tree *tree)
{
    const bcastdec_mikey_msg *m = rc->m;

    for (size_t i = 0; i < m->n_keys; i++) {
        const bcastdec_out_key *k = &m->keys[i];
        int has_tek = k->role == BCASTDEC_ROLE_TEK && k->has_tek_id;
        int hf = k->role == BCASTDEC_ROLE_TEK ? hf_bcast_tek
               : k->role == BCASTDEC_ROLE_PEK ? hf_bcast_pek : hf_bcast_sek;
        proto_item *ti;
        proto_tree *kt;
        gint off, len;
        tvbuff_t *tvb;

        kt = add_subtree(rc, tree, hf_bcast_key, ett_bcast_key, &k->key.sp, &ti);
        proto_item_set_generated(ti);
        proto_item_set_text(ti, "%s %s delivered in frame %u", nz(bcastdec_role_name(k->role)),
                            k->has_ids ? ids_text(rc->pinfo->pool, 1, k->kdid, 1, k->sekpek_id,
                                                  has_tek, k->tek_id)
                                       : "(identifiers unknown)",
                            rc->pinfo->num);

        ti = proto_tree_add_uint(kt, hf_bcast_key_role, NULL, 0, 0, k->role);
        proto_item_set_generated(ti);
        if (k->has_ids) {
            ti = proto_tree_add_bytes_with_length(kt, hf_bcast_key_kdid, NULL, 0, 0, k->kdid, 3);
            proto_item_set_generated(ti);
            ti = proto_tree_add_uint(kt, hf_bcast_key_sekpek_id, NULL, 0, 0, k->sekpek_id);
            proto_item_set_generated(ti);
            if (has_tek) {
                ti = proto_tree_add_uint(kt, hf_bcast_key_tek_id, NULL, 0, 0, k->tek_id);
                proto_item_set_generated(ti);
            }
        }
        ti = add_bytes(rc, kt, hf, &k->key);
        proto_item_set_generated(ti);
        if (k->salt.len != 0) {
            ti = add_bytes(rc, kt, hf_bcast_salt, &k->salt);
            proto_item_set_generated(ti);
        }
        tvb = span_loc(rc, &k->key.sp, &off, &len);
        ti = proto_tree_add_uint(kt, hf_bcast_key_frame, tvb, off, len, rc->pinfo->num);
        proto_item_set_generated(ti);
    }
}

/* The key that verified the message, keys that failed, replay state. */
static void
draw_key_result(const bcast_render_t *rc, proto_tree *tree)
{
    const bcastdec_mikey_msg *m = rc->m;
    proto_item *ti;

    if (m->mac == BCASTDEC_MAC_VERIFIED) {
        const bcastdec_key_ref *k = &m->key_used;
        proto_tree *kt;

        ti = proto_tree_add_string(tree, hf_bcast_key_used, NULL, 0, 0,
                                   utf8(rc->pinfo->pool, k->label, strnlen(k->label, sizeof k->label)));
        proto_item_set_generated(ti);
        proto_item_append_text(ti, " (found by %s", nz(bcastdec_found_by_name(m->found_by)));
        switch (k->origin) {
        case BCASTDEC_ORIGIN_LEARNED:
            proto_item_append_text(ti, "; learned in frame %u)", (unsigned)k->origin_ref);
            break;
        case BCAST_ORIGIN_UAT:
            proto_item_append_text(ti, "; key table row %u)", (unsigned)k->origin_ref);
            break;
        case BCASTDEC_ORIGIN_GBA:
            proto_item_append_text(ti, "; key file GBA line %u)", (unsigned)k->origin_ref);
            break;
        default:
            proto_item_append_text(ti, "; key file line %u)", (unsigned)k->origin_ref);
            break;
        }
        kt = proto_item_add_subtree(ti, ett_bcast_key_used);
        ti = proto_tree_add_uint(kt, hf_bcast_key_used_role, NULL, 0, 0, k->role);
        proto_item_set_generated(ti);
        ti = proto_tree_add_uint(kt, hf_bcast_key_used_found_by, NULL, 0, 0, m->found_by);
        proto_item_set_generated(ti);
        ti = proto_tree_add_uint(kt, hf_bcast_key_used_origin, NULL, 0, 0, k->origin);
        proto_item_set_generated(ti);
        if (k->origin == BCASTDEC_ORIGIN_LEARNED)
            ti = proto_tree_add_uint(kt, hf_bcast_key_used_frame, NULL, 0, 0, k->origin_ref);
        else
            ti = proto_tree_add_uint(kt, hf_bcast_key_used_line, NULL, 0, 0, k->origin_ref);
        proto_item_set_generated(ti);
        if (m->rand_variant != BCASTDEC_RANDV_NONE) {
            ti = proto_tree_add_uint(kt, hf_bcast_key_used_rand_variant, NULL, 0, 0, m->rand_variant);
            proto_item_set_generated(ti);
        }
    }
    if (m->n_tried_total != 0) {
        proto_tree *tt;
        ti = proto_tree_add_uint(tree, hf_bcast_keys_tried, NULL, 0, 0, (guint32)m->n_tried_total);
        proto_item_set_generated(ti);
        tt = proto_item_add_subtree(ti, ett_bcast_tried);
        for (size_t i = 0; i < m->n_tried && i < BCASTDEC_TRIED_MAX; i++) {
            ti = proto_tree_add_string(tt, hf_bcast_key_tried, NULL, 0, 0,
                                       utf8(rc->pinfo->pool, m->tried[i].label,
                                            strnlen(m->tried[i].label, sizeof m->tried[i].label)));
            proto_item_set_generated(ti);
        }
    }
    if (m->kind == BCASTDEC_KIND_VERIFICATION &&
        (m->mac == BCASTDEC_MAC_VERIFIED || m->mac == BCASTDEC_MAC_FAILED) && m->answers_ref != 0) {
        ti = proto_tree_add_uint(tree, hf_bcast_verif_answers, NULL, 0, 0, m->answers_ref);
        proto_item_set_generated(ti);
        if (m->verif_input != BCASTDEC_VINPUT_NONE) {
            ti = proto_tree_add_uint(tree, hf_bcast_verif_mac_input, NULL, 0, 0, m->verif_input);
            proto_item_set_generated(ti);
        }
    }
    if (m->has_counter && m->mac == BCASTDEC_MAC_VERIFIED) {
        ti = proto_tree_add_boolean(tree, hf_bcast_replay, NULL, 0, 0, m->replay ? TRUE : FALSE);
        proto_item_set_generated(ti);
        if (m->replay) {
            ti = proto_tree_add_uint64(tree, hf_bcast_replay_last, NULL, 0, 0, m->replay_last);
            proto_item_set_generated(ti);
        }
    }
}

static void
draw_findings(const bcast_render_t *rc, proto_tree *tree)
{
    const bcastdec_mikey_msg *m = rc->m;

    for (size_t i = 0; i < m->n_findings; i++) {
        const bcastdec_finding *f = &m->findings[i];
        size_t id = (size_t)(f->info - finding_table);
        gint off, len;
        tvbuff_t *tvb;

        if (f->info < finding_table || id >= n_findings)
            continue; /* not from the table this plugin registered */
        tvb = span_loc(rc, &f->sp, &off, &len);
        if (tvb == NULL)
            tvb = rc->wire; /* off = len = 0: expert infos need a tvb without a tree */
        proto_tree_add_expert_format(tree, rc->pinfo, &ei_bcast_finding[id], tvb, off, len, "%s",
                                     utf8(rc->pinfo->pool, f->text, strnlen(f->text, sizeof f->text)));
    }
}

/*
 * The flow tracker's findings on this message (kept from the first pass),
 * and, once per frame when the whole capture was read first (a second pass),
 * its end-of-capture judgements on this frame.
 */
static void
draw_flow(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, const bcastdec_finding *f, guint n)
{
    bcastdec_finding end[BCAST_FLOW_MAX];
    size_t n_end = 0;

    if (PINFO_FD_VISITED(pinfo) && file_flow != NULL &&
        p_get_proto_data(pinfo->pool, pinfo, proto_bcast, BCAST_KEY_FLOW_END) == NULL) {
        p_add_proto_data(pinfo->pool, pinfo, proto_bcast, BCAST_KEY_FLOW_END, GINT_TO_POINTER(1));
        n_end = bcastdec_flow_end_findings(file_flow, pinfo->num, end, BCAST_FLOW_MAX);
        if (n_end > BCAST_FLOW_MAX)
            n_end = BCAST_FLOW_MAX;
    }
    for (size_t k = 0; k < (size_t)n + n_end; k++) {
        const bcastdec_finding *x = k < n ? &f[k] : &end[k - n];
        size_t id = (size_t)(x->info - finding_table);
        proto_item *ti;
        if (x->info < finding_table || id >= n_findings)
            continue;
        ti = proto_tree_add_expert_format(tree, pinfo, &ei_bcast_finding[id], tvb, 0, 0, "%s",
                                          utf8(pinfo->pool, x->text, strnlen(x->text, sizeof x->text)));
        proto_item_set_generated(ti);
    }
}

/* "LTKM b8709d/68c90000: SEK delivered" and the like. */
static const char *
summary_text(wmem_allocator_t *pool, const bcastdec_mikey_msg *m)
{
    wmem_strbuf_t *sb = wmem_strbuf_sized_new(pool, 64, 0);
    const char *kind = nz(bcastdec_kind_name(m->kind));

    if (m->kind == BCASTDEC_KIND_LTKM || m->kind == BCASTDEC_KIND_STKM) {
        for (const char *c = kind; *c != '\0'; c++)
            wmem_strbuf_append_c(sb, g_ascii_toupper(*c));
    } else {
        wmem_strbuf_append(sb, kind);
    }
    if (m->has_kdid || m->has_sekpek_id) {
        wmem_strbuf_append_c(sb, ' ');
        ids_append(sb, m->has_kdid, m->kdid, m->has_sekpek_id, m->sekpek_id, m->has_tek_id,
                   m->tek_id);
    }
    switch (m->outcome) {
    case BCASTDEC_OUT_DECRYPTED:
        if (m->n_keys != 0) {
            wmem_strbuf_append(sb, ":");
            for (size_t i = 0; i < m->n_keys; i++) {
                wmem_strbuf_append(sb, i ? ", " : " ");
                wmem_strbuf_append(sb, nz(bcastdec_role_name(m->keys[i].role)));
            }
            wmem_strbuf_append(sb, " delivered");
        } else {
            wmem_strbuf_append(sb, ": verified");
        }
        break;
    case BCASTDEC_OUT_NONE:
        break;
    case BCASTDEC_OUT_MAC_FAILED:
        wmem_strbuf_append(sb, ": MAC failed");
        break;
    case BCASTDEC_OUT_NO_KEY:
        wmem_strbuf_append(sb, ": no key");
        break;
    default:
        wmem_strbuf_append_printf(sb, ": %s", nz(bcastdec_outcome_name(m->outcome)));
        break;
    }
    if (m->replay)
        wmem_strbuf_append(sb, " [replay]");
    if (m->status != BCASTDEC_OK)
        wmem_strbuf_append_printf(sb, " [%s]", bcastdec_status_name(m->status));
    return wmem_strbuf_get_str(sb);
}

/* The fields of a message (everything but the columns and expert infos). */
static void
draw_details(const bcast_render_t *rc, proto_tree *bt)
{
    const bcastdec_mikey_msg *m = rc->m;
    proto_item *ti;

    /* summary fields */
    ti = proto_tree_add_uint(bt, hf_bcast_kind, NULL, 0, 0, m->kind);
    proto_item_set_generated(ti);
    ti = proto_tree_add_int(bt, hf_bcast_status, NULL, 0, 0, m->status);
    proto_item_set_generated(ti);
    if (m->status != BCASTDEC_OK) {
        gint off, len;
        tvbuff_t *etvb = span_loc(rc, &m->err_sp, &off, &len);
        /* err_text and bcastdec_strerror() are static ASCII texts */
        ti = proto_tree_add_string(bt, hf_bcast_error, etvb, off, len,
                                   m->err_text != NULL ? m->err_text : bcastdec_strerror(m->status));
        proto_item_set_generated(ti);
    }
    ti = proto_tree_add_uint(bt, hf_bcast_outcome, NULL, 0, 0, m->outcome);
    proto_item_set_generated(ti);
    ti = proto_tree_add_uint(bt, hf_bcast_mac_status, NULL, 0, 0, m->mac);
    proto_item_set_generated(ti);
    if (m->has_kdid) {
        ti = proto_tree_add_bytes_with_length(bt, hf_bcast_kdid, NULL, 0, 0, m->kdid, 3);
        proto_item_set_generated(ti);
    }
    if (m->has_sekpek_id) {
        ti = proto_tree_add_uint(bt, hf_bcast_sekpek_id, NULL, 0, 0, m->sekpek_id);
        proto_item_set_generated(ti);
    }
    if (m->has_tek_id) {
        ti = proto_tree_add_uint(bt, hf_bcast_tek_id, NULL, 0, 0, m->tek_id);
        proto_item_set_generated(ti);
    }
    draw_key_result(rc, bt);
    draw_keys(rc, bt);

    /* the message */
    draw_hdr(rc, bt);
    for (size_t i = 0; i < m->n_payloads; i++)
        draw_payload(rc, bt, i);
    if (m->rest.len != 0) {
        bcastdec_bytes b;
        b.p = m->wire + m->rest.off;
        b.len = m->rest.len;
        b.sp = m->rest;
        add_bytes(rc, bt, hf_bcast_undecoded, &b);
    }
}

static void
draw_message(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const bcast_result_t *r,
             gboolean in_body)
{
    const bcastdec_mikey_msg *m = r->msg;
    bcast_render_t rc;
    proto_item *ti;
    proto_tree *bt;
    const char *summary;

    ti = proto_tree_add_item(tree, proto_bcast, tvb, 0, -1, ENC_NA);
    bt = proto_item_add_subtree(ti, ett_bcast);
    if (m == NULL) {
        proto_tree_add_expert_format(bt, pinfo, &ei_bcast_library_error, tvb, 0, -1,
                                     "libbcastdec could not decode this message: %s",
                                     bcastdec_strerror(r->rc));
        col_append_sep_str(pinfo->cinfo, COL_INFO, in_body ? " " : NULL, "BCAST (not decoded)");
        return;
    }

    memset(&rc, 0, sizeof rc);
    rc.pinfo = pinfo;
    rc.wire = tvb;
    rc.m = m;
    if (m->plain != NULL && m->plain_len != 0) {
        rc.plain = tvb_new_child_real_data(tvb, m->plain, (guint)m->plain_len, (gint)m->plain_len);
        add_new_data_source(pinfo, rc.plain, "Decrypted KEMAC");
    }

    summary = summary_text(pinfo->pool, m);
    proto_item_append_text(ti, ", %s", summary);
    col_append_sep_str(pinfo->cinfo, COL_INFO, in_body ? " " : NULL, summary);

    /* Without a tree (tshark printing summaries, a first pass) the fields
     * leave no trace: only the columns above and the expert infos below. */
    if (tree != NULL)
        draw_details(&rc, bt);
    draw_findings(&rc, bt);
    draw_flow(bt, pinfo, tvb, r->flow, r->n_flow);
}

static void tap_message(packet_info *pinfo, const bcastdec_mikey_msg *m, const char *path,
                        const char *user);

/* ------------------------------------------------------------------------ */
/* Dissectors                                                               */
/* ------------------------------------------------------------------------ */

static int
dissect_bcast_common(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, gboolean in_body)
{
    const bcast_result_t *r;

    if (tvb_captured_length(tvb) == 0)
        return 0;
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "BCAST");
    if (!in_body)
        col_clear(pinfo->cinfo, COL_INFO);
    r = result_get(tvb, pinfo);
    draw_message(tvb, pinfo, tree, r, in_body);
    tap_message(pinfo, r->msg, in_body ? "http_body" : "udp", NULL);
    return tvb_captured_length(tvb);
}

/* UDP (LTKM push port, STKM ports, Decode As). */
static int
dissect_bcast(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    return dissect_bcast_common(tvb, pinfo, tree, FALSE);
}

/* application/vnd.oma.bcast.ltkm and .stkm bodies (data: http_message_info_t
 * when HTTP carries them; not used yet). */
static int
dissect_bcast_media(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    return dissect_bcast_common(tvb, pinfo, tree, TRUE);
}

/* Opt-in UDP heuristic: a MIKEY message (version 1) with the OMA BCAST
 * extension, as the library decodes it. */
static gboolean
dissect_bcast_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    guint len = tvb_captured_length(tvb);
    bcastdec_mikey_msg *m = NULL;
    gboolean ours;

    if (!pref_heuristic || len == 0)
        return FALSE;
    /* Already recognised on the first pass? */
    if (p_get_proto_data(wmem_file_scope(), pinfo, proto_bcast, frame_index(pinfo, FALSE)) == NULL) {
        if (bcastdec_mikey_decode(&m, tvb_get_ptr(tvb, 0, len), len, &bcast_opts) != BCASTDEC_OK ||
            m == NULL)
            return FALSE;
        ours = READ(m->hdr.version) && m->hdr.version.v == 1 && m->i_bcast >= 0;
        bcastdec_mikey_msg_free(m);
        if (!ours)
            return FALSE;
    }
    dissect_bcast_common(tvb, pinfo, tree, FALSE);
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Statistics: tshark -z bcast,keys                                         */
/* ------------------------------------------------------------------------ */

/*
 * Every LTKM/STKM the plugin shows is queued to the tap "bcast" as a
 * bcast_tap_rec_t (pinfo->pool); the statistic "bcast,keys" lists, per
 * subscriber and per key, the frame, the path and the outcome.
 */
typedef struct bcast_tap_rec {
    const bcastdec_mikey_msg *m;
    const char *path;           /* "udp_push", "udp", "inline", "http_body" */
    const char *subscriber;     /* IDr / Digest username, or NULL */
} bcast_tap_rec_t;

static int bcast_tap = -1;

static const char *
msg_idr(wmem_allocator_t *pool, const bcastdec_mikey_msg *m)
{
    if (m->i_idr >= 0 && (size_t)m->i_idr < m->n_payloads) {
        const bcastdec_bytes *b = &m->payloads[m->i_idr].u.id.id;
        if (b->p != NULL && b->len != 0)
            return utf8(pool, (const char *)b->p, b->len);
    }
    return NULL;
}

static void
tap_message(packet_info *pinfo, const bcastdec_mikey_msg *m, const char *path, const char *user)
{
    bcast_tap_rec_t *r;
    if (m == NULL || !have_tap_listener(bcast_tap))
        return;
    r = wmem_new0(pinfo->pool, bcast_tap_rec_t);
    r->m = m;
    r->path = path;
    r->subscriber = m->kind == BCASTDEC_KIND_LTKM || m->kind == BCASTDEC_KIND_VERIFICATION
                        ? (msg_idr(pinfo->pool, m) != NULL ? msg_idr(pinfo->pool, m) : user)
                        : NULL;
    tap_queue_packet(bcast_tap, pinfo, r);
}

typedef struct keys_row {
    char *subscriber;
    char *key;
    guint32 frame;
    char *path;
    char *outcome;
} keys_row_t;

static void
keys_row_free(gpointer p)
{
    keys_row_t *r = (keys_row_t *)p;
    g_free(r->subscriber);
    g_free(r->key);
    g_free(r->path);
    g_free(r->outcome);
    g_free(r);
}

static void
keys_reset(void *tapdata)
{
    g_ptr_array_set_size((GPtrArray *)tapdata, 0);
}

static tap_packet_status
keys_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
            tap_flags_t flags _U_)
{
    GPtrArray *rows = (GPtrArray *)tapdata;
    const bcast_tap_rec_t *t = (const bcast_tap_rec_t *)data;
    const bcastdec_mikey_msg *m = t->m;
    const char *sub = t->subscriber != NULL ? t->subscriber : "-";
    const char *path = t->path;

    if (m->kind != BCASTDEC_KIND_LTKM && m->kind != BCASTDEC_KIND_STKM)
        return TAP_PACKET_DONT_REDRAW;
    if (strcmp(path, "udp") == 0)
        path = m->kind == BCASTDEC_KIND_LTKM ? "udp_push" : "udp_broadcast";
    if (m->n_keys != 0) {
        for (size_t i = 0; i < m->n_keys; i++) {
            const bcastdec_out_key *k = &m->keys[i];
            keys_row_t *r = g_new0(keys_row_t, 1);
            r->subscriber = g_strdup(m->kind == BCASTDEC_KIND_LTKM ? sub : "-");
            r->key = g_strdup_printf("%s %s", nz(bcastdec_role_name(k->role)),
                                     k->has_ids ? ids_text(pinfo->pool, 1, k->kdid, 1, k->sekpek_id,
                                                           k->role == BCASTDEC_ROLE_TEK && k->has_tek_id,
                                                           k->tek_id)
                                                : "?");
            r->frame = pinfo->num;
            r->path = g_strdup(path);
            r->outcome = g_strdup_printf("%s%s", nz(bcastdec_outcome_name(m->outcome)),
                                         m->replay ? " (replay)" : "");
            g_ptr_array_add(rows, r);
        }
    } else {
        keys_row_t *r = g_new0(keys_row_t, 1);
        r->subscriber = g_strdup(m->kind == BCASTDEC_KIND_LTKM ? sub : "-");
        r->key = g_strdup_printf("%s %s", m->kind == BCASTDEC_KIND_LTKM ? "SEK/PEK" : "TEK",
                                 (m->has_kdid || m->has_sekpek_id)
                                     ? ids_text(pinfo->pool, m->has_kdid, m->kdid, m->has_sekpek_id,
                                                m->sekpek_id, m->has_tek_id, m->tek_id)
                                     : "?");
        r->frame = pinfo->num;
        r->path = g_strdup(path);
        r->outcome = g_strdup_printf("%s%s", nz(bcastdec_outcome_name(m->outcome)),
                                     m->replay ? " (replay)" : "");
        g_ptr_array_add(rows, r);
    }
    return TAP_PACKET_REDRAW;
}

static gint
keys_row_cmp(gconstpointer a, gconstpointer b)
{
    const keys_row_t *x = *(const keys_row_t *const *)a;
    const keys_row_t *y = *(const keys_row_t *const *)b;
    int c = strcmp(x->subscriber, y->subscriber);
    if (c == 0)
        c = strcmp(x->key, y->key);
    if (c == 0)
        c = x->frame < y->frame ? -1 : x->frame > y->frame;
    return c;
}

static void
keys_draw(void *tapdata)
{
    GPtrArray *rows = (GPtrArray *)tapdata;
    const char *last = NULL;

    g_ptr_array_sort(rows, keys_row_cmp);
    printf("\n===================================================================\n");
    printf("OMA BCAST keys (bcast,keys): per subscriber and key\n");
    printf("%-8s %-15s %-32s %s\n", "Frame", "Path", "Key", "Outcome");
    for (guint i = 0; i < rows->len; i++) {
        const keys_row_t *r = (const keys_row_t *)g_ptr_array_index(rows, i);
        if (last == NULL || strcmp(last, r->subscriber) != 0) {
            printf("Subscriber %s\n", strcmp(r->subscriber, "-") == 0
                                          ? "- (STKMs: broadcast to the service)" : r->subscriber);
            last = r->subscriber;
        }
        printf("%-8u %-15s %-32s %s\n", r->frame, r->path, r->key, r->outcome);
    }
    printf("===================================================================\n");
}

static void
keys_finish(void *tapdata)
{
    g_ptr_array_free((GPtrArray *)tapdata, TRUE);
}

static void
keys_init(const char *opt_arg _U_, void *userdata _U_)
{
    GPtrArray *rows = g_ptr_array_new_with_free_func(keys_row_free);
    GString *err = register_tap_listener("bcast", rows, NULL, TL_REQUIRES_NOTHING, keys_reset,
                                         keys_packet, keys_draw, keys_finish);
    if (err != NULL) {
        fprintf(stderr, "tshark: couldn't register bcast,keys tap: %s\n", err->str);
        g_string_free(err, TRUE);
        g_ptr_array_free(rows, TRUE);
    }
}

static stat_tap_ui keys_ui = {
    REGISTER_STAT_GROUP_GENERIC, "BCAST keys", "bcast,keys", keys_init, 0, NULL
};

/* ------------------------------------------------------------------------ */
/* HTTP bodies (PROFILE section 7 media types) and HTTP Digest              */
/* ------------------------------------------------------------------------ */

/*
 * The HTTP dissector hands each body of a registered media type to
 * dissect_bcast_xml() with http_message_info_t.  The whole HTTP message
 * (start line, headers, body) is found in the data source the body lies in
 * (the reassembled TCP payload or the frame) and split with
 * bcastdec_http_parse(); it gives the method, the status code and the
 * headers (Authorization, WWW-Authenticate, Authentication-Info,
 * Content-Type).  A chunked body (its de-chunked tvb is its own data
 * source) is matched against the complete chunked messages found in the
 * frame's other data sources (the reassembled TCP payload), de-chunked by
 * bcastdec_http_parse().  A body whose message is not found gets no HTTP
 * envelope: then rule 7, Digest and the exchange checks are skipped (the
 * XML and its LTKMs are still decoded).
 *
 * HTTP messages without a body of ours (a 401 with or without a text/html
 * page, a bodiless 200, curl's empty first POST) are found by the
 * postdissector dissect_bcast_post() (section "HTTP messages without a
 * body of ours").
 *
 * The first pass computes everything once per body in capture order
 * (LTKMs learned by the capture's session, SMK picked by the Digest
 * username of the exchange) and keeps it for the capture file.  A response
 * finds its request through HTTP's request/response link (http_req_res_t).
 */

#define BCAST_HTTP_EX_MAX 16

typedef struct bcast_http {
    guint32 frame;
    guint8 *body;               /* copy of the body */
    guint body_len;
    guint8 *msg_copy;           /* copy of the whole HTTP message, or NULL */
    bcastdec_http_msg *http;    /* parsed envelope, or NULL */
    guint msg_off;              /* offset of the message in its data source */
    gboolean is_response;
    bcastdec_xml *x;            /* NULL when the library failed */
    bcastdec_status xrc;
    /* Digest: [0] Authorization (requests) or Authentication-Info
     * (responses), [1] WWW-Authenticate (responses) */
    bcastdec_digest_msg *dg[2];
    guint dg_off[2];            /* offset of the header value in the message */
    bcastdec_digest_result dres;
    gboolean dchecked;
    char *username;             /* the exchange's Digest username, or NULL */
    guint32 req_frame;          /* responses: the request's frame, or 0 */
    bcastdec_finding ex[BCAST_HTTP_EX_MAX];
    size_t n_ex;
    bcastdec_finding *flow;     /* the flow tracker's findings, or NULL */
    guint n_flow;
    guint msg_len;              /* bytes of the whole HTTP message */
    gboolean fed;               /* fed to the flow tracker */
    struct bcast_http *next_post; /* next message of the frame without a body
                                   * of ours (postdissector), or NULL */
} bcast_http_t;

static GPtrArray *file_http;          /* every bcast_http_t of the file */
static GHashTable *http_by_frame;     /* request frame -> bcast_http_t */
/* The Digest challenges of 401s not answered yet: "client|server|port|target"
 * -> WWW-Authenticate (owned by the 401's bcast_http_t in file_http). */
static GHashTable *http_pending;
static int proto_http_id = -1;

static dissector_handle_t bcast_xml_handle;
static dissector_handle_t xml_handle; /* Wireshark's XML dissector */
static gboolean pref_generic_xml = TRUE;

static int hf_bx_kind = -1;
static int hf_bx_kind_by = -1;
static int hf_bx_status = -1;
static int hf_bx_error = -1;
static int hf_bx_elem = -1;
static int hf_bx_ns = -1;
static int hf_bx_attr = -1;
static int hf_bx_text = -1;
static int hf_bx_value = -1;
static int hf_bx_assumed = -1;
static int hf_bx_ltkm = -1;
static int hf_bx_ltkm_ids = -1;
static int hf_bx_ltkm_version = -1;
static int hf_bx_f[BCASTDEC_XF_LTKM_VERSION + 1];
static int hf_bh_status_code = -1;
static int hf_bh_request_frame = -1;
static int hf_bd = -1;
static int hf_bd_header = -1;
static int hf_bd_status = -1;
static int hf_bd_username = -1;
static int hf_bd_user_kind = -1;
static int hf_bd_realm = -1;
static int hf_bd_algorithm = -1;
static int hf_bd_qop = -1;
static int hf_bd_outcome = -1;
static int hf_bd_rspauth = -1;
static int hf_bd_pwform = -1;
static int hf_bd_srk = -1;
static int hf_bd_srk_tried = -1;

static gint ett_bx = -1;
static gint ett_bx_elem = -1;
static gint ett_bx_ltkm = -1;
static gint ett_bd = -1;

static value_string vs_xml_kind[VS_CAP + 1];
static value_string vs_xml_ids[VS_CAP + 1];
static value_string vs_dg_alg[VS_CAP + 1];
static value_string vs_dg_qop[VS_CAP + 1];
static value_string vs_dg_user_kind[VS_CAP + 1];
static value_string vs_dg_outcome[VS_CAP + 1];
static value_string vs_dg_pwform[VS_CAP + 1];
static value_string vs_dg_kind[VS_CAP + 1];

static const value_string kind_by_vals[] = {
    { BCASTDEC_XML_BY_NONE,       "nothing" },
    { BCASTDEC_XML_BY_MEDIA_TYPE, "media type" },
    { BCASTDEC_XML_BY_ROOT,       "root element" },
    { 0, NULL }
};

static void
http_free(gpointer p)
{
    bcast_http_t *h = (bcast_http_t *)p;
    if (h == NULL)
        return;
    bcastdec_xml_free(h->x);
    bcastdec_digest_msg_free(h->dg[0]);
    bcastdec_digest_msg_free(h->dg[1]);
    bcastdec_http_msg_free(h->http);
    g_free(h->flow);
    g_free(h->msg_copy);
    g_free(h->body);
    g_free(h->username);
    g_free(h);
}

static gboolean
http_free_cb(wmem_allocator_t *allocator _U_, wmem_cb_event_t event _U_, void *data)
{
    http_free(data);
    return FALSE;
}

static gboolean
is_method_at(const guint8 *p, gsize n)
{
    static const char *const methods[] = { "POST ", "GET ", "PUT ", "DELETE ", "HEAD ",
                                           "OPTIONS ", "PATCH ", NULL };
    if (n < 4 || (p[0] != 'P' && p[0] != 'G' && p[0] != 'D' && p[0] != 'H' && p[0] != 'O'))
        return FALSE;
    for (size_t i = 0; methods[i] != NULL; i++) {
        gsize k = strlen(methods[i]);
        if (n >= k && memcmp(p, methods[i], k) == 0)
            return TRUE;
    }
    return n >= 9 && memcmp(p, "HTTP/1.", 7) == 0 && p[8] == ' ';
}

/* Keeps |m| (parsed from |d| + |o|) as |h|'s envelope: a copy of the
 * message's bytes, parsed again so that |h| owns everything. */
static gboolean
http_keep_envelope(bcast_http_t *h, const guint8 *d, guint o, const bcastdec_http_msg *m)
{
    bcastdec_http_msg *c = NULL;
    guint8 *copy = (guint8 *)g_memdup2(d + o, (gsize)m->wire_len);
    if (bcastdec_http_parse(copy, m->wire_len, &c) != BCASTDEC_OK || c == NULL ||
        c->wire != copy || c->status != m->status || c->body.len != m->body.len) {
        bcastdec_http_msg_free(c);
        g_free(copy);
        return FALSE;
    }
    h->http = c;
    h->msg_copy = copy;
    h->msg_off = o;
    h->msg_len = (guint)m->wire_len;
    return TRUE;
}

/* A chunked message: its de-chunked body tvb is its own data source, so
 * the whole message is looked for in the frame's other data sources (the
 * reassembled TCP payload, the frame): a complete chunked message whose
 * de-chunked body is this body. */
static void
http_find_chunked(bcast_http_t *h, packet_info *pinfo, tvbuff_t *tvb)
{
    for (GSList *l = pinfo->data_src; l != NULL; l = l->next) {
        tvbuff_t *t = get_data_source_tvb((struct data_source *)l->data);
        guint n;
        const guint8 *d;
        if (t == NULL || t == tvb)
            continue;
        n = tvb_captured_length(t);
        if (n < 16)
            continue;
        d = tvb_get_ptr(t, 0, n);
        for (guint o = 0; o + 16 <= n; o++) {
            bcastdec_http_msg *m = NULL;
            gboolean hit;
            if (!is_method_at(d + o, (gsize)(n - o)))
                continue;
            if (bcastdec_http_parse(d + o, n - o, &m) != BCASTDEC_OK || m == NULL) {
                bcastdec_http_msg_free(m);
                continue;
            }
            hit = m->wire == d + o && m->start_line.len != 0 && m->status == BCASTDEC_OK &&
                  m->chunked && m->body.len == h->body_len &&
                  (h->body_len == 0 || memcmp(m->body.p, h->body, h->body_len) == 0) &&
                  http_keep_envelope(h, d, o, m);
            bcastdec_http_msg_free(m);
            if (hit)
                return;
        }
    }
}

/* Finds the HTTP message whose body is |tvb| in |tvb|'s data source. */
static void
http_find_slice(bcast_http_t *h, tvbuff_t *tvb)
{
    tvbuff_t *ds = tvb_get_ds_tvb(tvb);
    gint body_off;
    guint ds_len;
    const guint8 *d;

    if (ds == NULL || ds == tvb)
        return;
    body_off = tvb_raw_offset(tvb);
    ds_len = tvb_captured_length(ds);
    if (body_off < 4 || (guint)body_off + h->body_len > ds_len)
        return;
    d = tvb_get_ptr(ds, 0, ds_len);
    if (memcmp(d + body_off, h->body, h->body_len) != 0)
        return;
    /* the header block ends right before the body */
    for (gint o = body_off - 4; o >= 0 && body_off - o <= 65536; o--) {
        bcastdec_http_msg *m = NULL;
        gboolean hit;
        if (!((o == 0 || d[o - 1] == '\n' || !g_ascii_isupper(d[o - 1])) &&
              is_method_at(d + o, (gsize)(body_off - o))))
            continue;
        if (bcastdec_http_parse(d + o, ds_len - (guint)o, &m) != BCASTDEC_OK || m == NULL) {
            bcastdec_http_msg_free(m);
            continue;
        }
        hit = m->wire == d + o && m->start_line.len != 0 &&
              (m->chunked || (m->body.len == h->body_len &&
                              m->body.sp.off == (size_t)(body_off - o)));
        if (hit && !m->chunked)
            http_keep_envelope(h, d, (guint)o, m);
        bcastdec_http_msg_free(m);
        if (hit)
            return; /* chunked: see http_find_chunked() */
    }
}

static void
http_find_envelope(bcast_http_t *h, packet_info *pinfo, tvbuff_t *tvb)
{
    http_find_slice(h, tvb);
    if (h->http == NULL)
        http_find_chunked(h, pinfo, tvb);
}

/* The data source holding |h|'s message at h->msg_off (|hint| first), or
 * |hint| when none does. */
static tvbuff_t *
http_msg_tvb(packet_info *pinfo, tvbuff_t *hint, const bcast_http_t *h)
{
    tvbuff_t *cand = hint;
    GSList *l = pinfo->data_src;
    if (h->http == NULL || h->msg_copy == NULL)
        return hint;
    for (;;) {
        if (cand != NULL && tvb_captured_length(cand) >= h->msg_off + h->msg_len &&
            memcmp(tvb_get_ptr(cand, h->msg_off, h->msg_len), h->msg_copy, h->msg_len) == 0)
            return cand;
        if (l == NULL)
            return hint;
        cand = get_data_source_tvb((struct data_source *)l->data);
        l = l->next;
    }
}

static bcastdec_digest_msg *
http_digest(bcast_http_t *h, const char *name, unsigned kind, guint *off)
{
    const bcastdec_http_header *hd = bcastdec_http_header_find(h->http, name, NULL);
    bcastdec_digest_msg *dm = NULL;
    size_t n;
    const char *t;
    if (hd == NULL)
        return NULL;
    t = bcastdec_http_header_text(h->http, hd, &n);
    if (bcastdec_digest_parse(&dm, kind, t, n) != BCASTDEC_OK)
        return NULL;
    /* highlight only when the value is on one line (spans then match) */
    *off = hd->unfolded == NULL ? (guint)hd->value.off : G_MAXUINT;
    return dm;
}

/* The key of a pending challenge: the client's address, the server's
 * address and port, and the request target.  A retry may come on a new TCP
 * connection (a new client port), so the client port is not part of it. */
static char *
pending_key(packet_info *pinfo, gboolean is_response, const bcastdec_http_msg *req)
{
    char client[64], server[64];
    const address *ca = is_response ? &pinfo->dst : &pinfo->src;
    const address *sa = is_response ? &pinfo->src : &pinfo->dst;
    guint32 port = is_response ? pinfo->srcport : pinfo->destport;
    if (req == NULL || !req->is_request || flow_addr(ca, client) == NULL ||
        flow_addr(sa, server) == NULL)
        return NULL;
    return g_strdup_printf("%s|%s|%u|%.*s", client, server, port, (int)req->target.len,
                           (const char *)req->wire + req->target.off);
}

/* A 401's Digest challenge, kept for the next request of that client to
 * that server and target (first pass only). */
static void
pending_put(packet_info *pinfo, const bcast_http_t *h, const bcast_http_t *req)
{
    const bcastdec_digest_msg *c = h->dg[1];
    gboolean digest = FALSE;
    char *k;
    if (http_pending == NULL || c == NULL || h->http == NULL || h->http->status_code.v != 401 ||
        req == NULL || req->http == NULL)
        return;
    for (size_t i = 0; i < c->n_auths; i++)
        digest = digest || c->auths[i].is_digest;
    if (!digest)
        return;
    k = pending_key(pinfo, TRUE, req->http);
    if (k != NULL)
        g_hash_table_replace(http_pending, k, (gpointer)c);
}

/* The challenge the request |m| answers, taken off the pending list. */
static const bcastdec_digest_msg *
pending_take(packet_info *pinfo, const bcastdec_http_msg *m)
{
    const bcastdec_digest_msg *c = NULL;
    char *k;
    if (http_pending == NULL || m == NULL)
        return NULL;
    k = pending_key(pinfo, FALSE, m);
    if (k != NULL) {
        c = (const bcastdec_digest_msg *)g_hash_table_lookup(http_pending, k);
        g_hash_table_remove(http_pending, k);
        g_free(k);
    }
    return c;
}

static bcast_http_t *
http_compute(tvbuff_t *tvb, packet_info *pinfo, const http_message_info_t *mi, gboolean first_pass)
{
    bcast_http_t *h = g_new0(bcast_http_t, 1);
    bcastdec_session *s = bcast_keys_session(first_pass);
    const bcastdec_keystore *ks = bcast_keys_store();
    bcast_http_t *req = NULL;
    bcastdec_msg_ctx ctx;
    bcastdec_xml_http hx, *hxp = NULL;
    char method[32], ctype[128];
    const char *mt = pinfo->match_string;
    size_t mtn = 0;

    h->frame = pinfo->num;
    h->body_len = tvb_captured_length(tvb);
    h->body = (guint8 *)tvb_memdup(NULL, tvb, 0, h->body_len);
    h->is_response = mi != NULL && mi->type == HTTP_RESPONSE;
    http_find_envelope(h, pinfo, tvb);
    if (h->http != NULL) {
        h->is_response = !h->http->is_request;
        if (bcastdec_http_media_type(h->http, &mtn) != NULL) {
            snprintf(ctype, sizeof ctype, "%.*s", (int)mtn, bcastdec_http_media_type(h->http, &mtn));
            mt = ctype;
        }
    }
    if (h->is_response && proto_http_id > 0) {
        http_req_res_t *rr = (http_req_res_t *)p_get_proto_data(wmem_file_scope(), pinfo,
                                                                 proto_http_id, 0);
        if (rr != NULL && rr->req_framenum != 0 && rr->req_framenum != pinfo->num) {
            h->req_frame = rr->req_framenum;
            if (http_by_frame != NULL)
                req = (bcast_http_t *)g_hash_table_lookup(http_by_frame,
                                                          GUINT_TO_POINTER(rr->req_framenum));
        }
    }

    /* Digest */
    if (h->http != NULL && !h->is_response) {
        h->dg[0] = http_digest(h, "Authorization", BCASTDEC_DIGEST_AUTHORIZATION, &h->dg_off[0]);
        if (h->dg[0] != NULL && h->http->method.len != 0 && h->http->method.len < sizeof method) {
            snprintf(method, sizeof method, "%.*s", (int)h->http->method.len,
                     (const char *)h->http->wire + h->http->method.off);
            h->dchecked = bcastdec_digest_verify(h->dg[0], method, h->http->body.p,
                                                 h->http->body.len, ks, NULL, 0,
                                                 &h->dres) == BCASTDEC_OK;
        }
        {
            const bcastdec_digest_auth *a = bcastdec_digest_msg_auth(h->dg[0]);
            if (a != NULL && a->username != NULL)
                h->username = g_strdup(a->username);
        }
    } else if (h->http != NULL) {
        h->dg[0] = http_digest(h, "Authentication-Info", BCASTDEC_DIGEST_AUTHENTICATION_INFO,
                               &h->dg_off[0]);
        h->dg[1] = http_digest(h, "WWW-Authenticate", BCASTDEC_DIGEST_WWW_AUTHENTICATE,
                               &h->dg_off[1]);
        if (req != NULL && req->username != NULL)
            h->username = g_strdup(req->username);
        if (h->dg[0] != NULL && req != NULL && req->dg[0] != NULL) {
            unsigned form = req->dchecked && req->dres.outcome == BCASTDEC_DIGEST_VERIFIED
                                ? req->dres.password_form : BCASTDEC_DIGEST_PW_ANY;
            h->dchecked = bcastdec_digest_verify_rspauth(h->dg[0], req->dg[0], h->http->body.p,
                                                         h->http->body.len, ks, NULL, 0, form,
                                                         &h->dres) == BCASTDEC_OK;
        }
        memset(&hx, 0, sizeof hx);
        hx.is_response = 1;
        hx.status_code = (uint16_t)h->http->status_code.v;
        hx.has_authentication_info =
            bcastdec_http_header_find(h->http, "Authentication-Info", NULL) != NULL;
        hx.content_type = mt;
        hxp = &hx;
    }

    /* the body and its LTKMs */
    h->xrc = bcastdec_xml_decode(&h->x, h->body, h->body_len, mt, NULL);
    if (h->xrc != BCASTDEC_OK)
        h->x = NULL;
    if (h->x != NULL) {
        memset(&ctx, 0, sizeof ctx);
        ctx.ref = pinfo->num;
        ctx.digest_username = h->username;
        ctx.no_learn = first_pass ? 0 : 1;
        if (bcastdec_xml_process_ltkms(h->x, s, &ctx, hxp) != BCASTDEC_OK)
            h->xrc = BCASTDEC_ERR_NOMEM;
    }

    /* exchange checks (without the 401 this request may retry: its
     * challenge has no body of ours) */
    if (h->http != NULL) {
        bcastdec_http_exchange ex;
        memset(&ex, 0, sizeof ex);
        if (h->is_response) {
            ex.request = req != NULL ? req->http : NULL;
            ex.response = h->http;
            ex.authorization = req != NULL ? req->dg[0] : NULL;
            ex.challenge = h->dg[1];
            ex.response_xml = h->x;
        } else {
            ex.request = h->http;
            ex.authorization = h->dg[0];
            /* the 401 this request may retry (postdissector, first pass) */
            if (first_pass)
                ex.prev_challenge = pending_take(pinfo, h->http);
        }
        h->n_ex = bcastdec_http_check_exchange(&ex, h->ex, BCAST_HTTP_EX_MAX);
        if (h->n_ex > BCAST_HTTP_EX_MAX)
            h->n_ex = BCAST_HTTP_EX_MAX;
        if (first_pass && h->is_response)
            pending_put(pinfo, h, req);
    }

    /* the subscriber's flow: this message, then the LTKMs it carries */
    if (first_pass && file_flow != NULL) {
        bcastdec_finding fl[BCAST_FLOW_MAX];
        size_t n = 0;
        char addr[64];
        const char *term = flow_addr(h->is_response ? &pinfo->dst : &pinfo->src, addr);
        bcastdec_flow_http fe;
        memset(&fe, 0, sizeof fe);
        fe.ref = pinfo->num;
        fe.request_ref = h->req_frame;
        fe.is_response = h->is_response ? 1 : 0;
        fe.status_code = h->http != NULL && h->is_response ? (uint16_t)h->http->status_code.v : 0;
        fe.terminal = term;
        fe.username = h->username;
        fe.xml = h->x;
        fe.ks = ks;
        fe.learned = s != NULL ? bcastdec_session_learned(s) : NULL;
        n = bcastdec_flow_http_msg(file_flow, &fe, fl, BCAST_FLOW_MAX);
        h->fed = TRUE;
        for (size_t i = 0; h->x != NULL && i < h->x->n_ltkms; i++) {
            bcastdec_flow_mikey me;
            if (h->x->ltkms[i].msg == NULL)
                continue;
            memset(&me, 0, sizeof me);
            me.ref = pinfo->num;
            me.path = BCASTDEC_FLOW_INLINE;
            me.terminal = term;
            me.username = h->username;
            me.msg = h->x->ltkms[i].msg;
            n += bcastdec_flow_mikey_msg(file_flow, &me, n < BCAST_FLOW_MAX ? fl + n : NULL,
                                         n < BCAST_FLOW_MAX ? BCAST_FLOW_MAX - n : 0);
        }
        h->flow = flow_keep(fl, n, &h->n_flow);
    }
    return h;
}

static const bcast_http_t *
http_get(tvbuff_t *tvb, packet_info *pinfo, const http_message_info_t *mi)
{
    guint32 key = 0x40000000U + frame_index(pinfo, TRUE);
    bcast_http_t *h = (bcast_http_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_bcast, key);

    if (h != NULL)
        return h;
    if (!PINFO_FD_VISITED(pinfo) && file_http != NULL) {
        h = http_compute(tvb, pinfo, mi, TRUE);
        g_ptr_array_add(file_http, h);
        p_add_proto_data(wmem_file_scope(), pinfo, proto_bcast, key, h);
        if (!h->is_response && http_by_frame != NULL)
            g_hash_table_insert(http_by_frame, GUINT_TO_POINTER(pinfo->num), h);
    } else {
        h = http_compute(tvb, pinfo, mi, FALSE);
        wmem_register_callback(pinfo->pool, http_free_cb, h);
    }
    return h;
}

/* A tvb location for a span of length |len| at |off| in |t|, or NULL. */
static tvbuff_t *
loc(tvbuff_t *t, guint64 off, guint64 len, gint *o, gint *l)
{
    if (t == NULL || off + len > tvb_captured_length(t)) {
        *o = 0;
        *l = 0;
        return NULL;
    }
    *o = (gint)off;
    *l = (gint)len;
    return t;
}

static void
add_findings(proto_tree *tree, packet_info *pinfo, tvbuff_t *t, guint base,
             const bcastdec_finding *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t id = (size_t)(f[i].info - finding_table);
        gint off, len;
        tvbuff_t *tt;
        if (f[i].info < finding_table || id >= n_findings)
            continue;
        tt = (f[i].sp.src == BCASTDEC_SRC_WIRE && base != G_MAXUINT)
                 ? loc(t, (guint64)base + f[i].sp.off, f[i].sp.len, &off, &len)
                 : loc(NULL, 0, 0, &off, &len);
        if (tt == NULL)
            tt = t; /* no span: an empty item (expert infos need a tvb without a tree) */
        proto_tree_add_expert_format(tree, pinfo, &ei_bcast_finding[id], tt, off, len, "%s",
                                     utf8(pinfo->pool, f[i].text, strnlen(f[i].text, sizeof f[i].text)));
    }
}

static void
draw_digest(proto_tree *tree, packet_info *pinfo, tvbuff_t *ds, const bcast_http_t *h, int which)
{
    const bcastdec_digest_msg *dm = h->dg[which];
    const bcastdec_digest_auth *a = bcastdec_digest_msg_auth(dm);
    guint base = h->dg_off[which] == G_MAXUINT ? G_MAXUINT : h->msg_off + h->dg_off[which];
    proto_item *ti;
    proto_tree *dt;
    gint off, len;
    tvbuff_t *t;

    if (dm == NULL)
        return;
    t = base != G_MAXUINT ? loc(ds, base, dm->text_len, &off, &len) : loc(NULL, 0, 0, &off, &len);
    ti = proto_tree_add_item(tree, hf_bd, t, off, len, ENC_NA);
    proto_item_append_text(ti, ": %s", nz(bcastdec_digest_kind_name(dm->kind)));
    dt = proto_item_add_subtree(ti, ett_bd);
    ti = proto_tree_add_uint(dt, hf_bd_header, NULL, 0, 0, dm->kind);
    proto_item_set_generated(ti);
    ti = proto_tree_add_int(dt, hf_bd_status, NULL, 0, 0, dm->status);
    proto_item_set_generated(ti);
    if (a != NULL) {
        const bcastdec_digest_param *p;
        if (a->username != NULL) {
            p = bcastdec_digest_param_get(a, a->user_src == BCASTDEC_DIGEST_USRC_EXT
                                                 ? BCASTDEC_DIGEST_P_USERNAME_EXT
                                                 : BCASTDEC_DIGEST_P_USERNAME);
            t = (p != NULL && base != G_MAXUINT) ? loc(ds, (guint64)base + p->value_sp.off,
                                                       p->value_sp.len, &off, &len)
                                                 : loc(NULL, 0, 0, &off, &len);
            proto_tree_add_string(dt, hf_bd_username, t, off, len,
                                  utf8(pinfo->pool, a->username, a->username_len));
            if (dm->kind == BCASTDEC_DIGEST_AUTHORIZATION) {
                ti = proto_tree_add_uint(dt, hf_bd_user_kind, NULL, 0, 0, a->user_kind);
                proto_item_set_generated(ti);
            }
        }
        p = bcastdec_digest_param_get(a, BCASTDEC_DIGEST_P_REALM);
        if (p != NULL) {
            t = base != G_MAXUINT ? loc(ds, (guint64)base + p->value_sp.off, p->value_sp.len, &off, &len)
                                  : loc(NULL, 0, 0, &off, &len);
            proto_tree_add_string(dt, hf_bd_realm, t, off, len,
                                  utf8(pinfo->pool, p->value, p->value_len));
        }
        if (dm->kind != BCASTDEC_DIGEST_AUTHENTICATION_INFO) {
            ti = proto_tree_add_uint(dt, hf_bd_algorithm, NULL, 0, 0, a->algorithm);
            proto_item_set_generated(ti);
        }
        if (dm->kind != BCASTDEC_DIGEST_WWW_AUTHENTICATE) {
            ti = proto_tree_add_uint(dt, hf_bd_qop, NULL, 0, 0, a->qop);
            proto_item_set_generated(ti);
        }
    }
    if (which == 0 && h->dchecked) {
        int hf = dm->kind == BCASTDEC_DIGEST_AUTHENTICATION_INFO ? hf_bd_rspauth : hf_bd_outcome;
        ti = proto_tree_add_uint(dt, hf, NULL, 0, 0, h->dres.outcome);
        proto_item_set_generated(ti);
        if (h->dres.outcome == BCASTDEC_DIGEST_VERIFIED) {
            ti = proto_tree_add_uint(dt, hf_bd_pwform, NULL, 0, 0, h->dres.password_form);
            proto_item_set_generated(ti);
            ti = proto_tree_add_string(dt, hf_bd_srk, NULL, 0, 0,
                                       utf8(pinfo->pool, h->dres.srk.label,
                                            strnlen(h->dres.srk.label, sizeof h->dres.srk.label)));
            proto_item_set_generated(ti);
        }
        ti = proto_tree_add_uint(dt, hf_bd_srk_tried, NULL, 0, 0, (guint32)h->dres.n_srk_tried);
        proto_item_set_generated(ti);
    }
    add_findings(dt, pinfo, ds, base, dm->findings, dm->n_findings);
    if (which == 0 && h->dchecked)
        add_findings(dt, pinfo, ds, base, h->dres.findings, h->dres.n_findings);
}

static void
draw_xml_field(proto_tree *t, packet_info *pinfo, tvbuff_t *tvb, const bcastdec_xml_field *f)
{
    gint off, len;
    tvbuff_t *tt = loc(tvb, f->sp.off, f->sp.len, &off, &len);
    int hf = f->id <= BCASTDEC_XF_LTKM_VERSION ? hf_bx_f[f->id] : -1;
    proto_item *ti = NULL;

    if (f->id == BCASTDEC_XF_LTKM || (f->id == BCASTDEC_XF_LTKM_VERSION && f->valid))
        return; /* drawn with the LTKM */
    if (hf > 0 && f->valid) {
        switch (proto_registrar_get_ftype(hf)) {
        case FT_UINT32:
        case FT_UINT8:
            ti = proto_tree_add_uint(t, hf, tt, off, len, (guint32)f->num);
            break;
        case FT_BOOLEAN:
            ti = proto_tree_add_boolean(t, hf, tt, off, len, f->num ? TRUE : FALSE);
            break;
        case FT_BYTES:
            if (f->bytes != NULL)
                ti = proto_tree_add_bytes_with_length(t, hf, tt, off, len, f->bytes,
                                                      (gint)f->bytes_len);
            break;
        default:
            ti = proto_tree_add_string(t, hf, tt, off, len, utf8(pinfo->pool, f->value, f->value_len));
            break;
        }
    }
    if (ti == NULL)
        ti = proto_tree_add_string_format_value(t, hf_bx_value, tt, off, len,
                                                utf8(pinfo->pool, f->value, f->value_len),
                                                "%s = \"%s\" (invalid)", f->name,
                                                utf8(pinfo->pool, f->value, f->value_len));
    if (f->assumed) {
        proto_item *ai;
        proto_tree *at = proto_item_add_subtree(ti, ett_bx_elem);
        ai = proto_tree_add_boolean(at, hf_bx_assumed, NULL, 0, 0, TRUE);
        proto_item_set_generated(ai);
        proto_item_append_text(ti, " (assumed name)");
    }
}

static void
draw_xml(proto_tree *bt, packet_info *pinfo, tvbuff_t *tvb, const bcast_http_t *h)
{
    const bcastdec_xml *x = h->x;
    proto_tree **trees;
    proto_item *ti;
    gint off, len;
    tvbuff_t *tt;

    ti = proto_tree_add_uint(bt, hf_bx_kind, NULL, 0, 0, x->kind);
    proto_item_set_generated(ti);
    ti = proto_tree_add_uint(bt, hf_bx_kind_by, NULL, 0, 0, x->kind_by);
    proto_item_set_generated(ti);
    ti = proto_tree_add_int(bt, hf_bx_status, NULL, 0, 0, x->status);
    proto_item_set_generated(ti);
    if (x->status != BCASTDEC_OK) {
        tt = loc(tvb, x->err_sp.off, x->err_sp.len, &off, &len);
        proto_tree_add_string(bt, hf_bx_error, tt, off, len,
                              x->err_text != NULL ? utf8(pinfo->pool, x->err_text, strlen(x->err_text))
                                                  : bcastdec_strerror(x->status));
    }

    /* element tree */
    trees = wmem_alloc0_array(pinfo->pool, proto_tree *, x->n_elems + 1);
    for (size_t i = 0; i < x->n_elems; i++) {
        const bcastdec_xml_elem *e = &x->elems[i];
        proto_tree *parent = (e->parent >= 0 && (size_t)e->parent < i) ? trees[e->parent] : bt;
        proto_tree *et;
        const char *name = wmem_strdup_printf(pinfo->pool, "%s%s%s", e->prefix,
                                              *e->prefix ? ":" : "", e->name);
        tt = loc(tvb, e->sp.off, e->sp.len, &off, &len);
        ti = proto_tree_add_string_format(parent, hf_bx_elem, tt, off, len,
                                          utf8(pinfo->pool, name, strlen(name)), "<%s>%s",
                                          utf8(pinfo->pool, name, strlen(name)),
                                          e->complete ? "" : " (incomplete)");
        et = trees[i] = proto_item_add_subtree(ti, ett_bx_elem);
        if (*e->ns && (e->parent < 0 || strcmp(e->ns, x->elems[e->parent].ns) != 0))
            proto_tree_add_string(et, hf_bx_ns, NULL, 0, 0, utf8(pinfo->pool, e->ns, strlen(e->ns)));
        for (size_t k = 0; k < e->n_attrs; k++) {
            const bcastdec_xml_attr *a = &e->attrs[k];
            if (strcmp(a->ns, BCASTDEC_XML_NS_XMLNS) == 0)
                continue;
            tt = loc(tvb, a->sp.off, a->sp.len, &off, &len);
            proto_tree_add_string(et, hf_bx_attr, tt, off, len,
                                  utf8(pinfo->pool,
                                       wmem_strdup_printf(pinfo->pool, "%s%s%s=%.*s", a->prefix,
                                                          *a->prefix ? ":" : "", a->name,
                                                          (int)MIN(a->value_len, 4096), a->value),
                                       strlen(a->prefix) + strlen(a->name) + 2 + MIN(a->value_len, 4096)));
        }
        if (e->text_len != 0 && e->first_child < 0) {
            tt = loc(tvb, e->inner_sp.off, e->inner_sp.len, &off, &len);
            proto_tree_add_string(et, hf_bx_text, tt, off, len, utf8(pinfo->pool, e->text, e->text_len));
        }
    }
    /* semantic fields, under their element */
    for (size_t i = 0; i < x->n_fields; i++) {
        const bcastdec_xml_field *f = &x->fields[i];
        proto_tree *t = (f->elem >= 0 && (size_t)f->elem < x->n_elems) ? trees[f->elem] : bt;
        draw_xml_field(t, pinfo, tvb, f);
    }
    /* LTKMs, each in its own data source */
    for (size_t i = 0; i < x->n_ltkms; i++) {
        const bcastdec_xml_ltkm *l = &x->ltkms[i];
        proto_tree *parent = (l->elem >= 0 && (size_t)l->elem < x->n_elems) ? trees[l->elem] : bt;
        proto_tree *lt;
        tt = loc(tvb, l->text_sp.off, l->text_sp.len, &off, &len);
        ti = proto_tree_add_bytes_format(parent, hf_bx_ltkm, tt, off, len, NULL,
                                         "LTKM %zu (%zu bytes base64-decoded)", i, l->len);
        lt = proto_item_add_subtree(ti, ett_bx_ltkm);
        ti = proto_tree_add_uint(lt, hf_bx_ltkm_ids, NULL, 0, 0, l->ids);
        proto_item_set_generated(ti);
        if (l->has_version) {
            ti = proto_tree_add_uint(lt, hf_bx_ltkm_version, NULL, 0, 0, l->version);
            proto_item_set_generated(ti);
        }
        if (l->msg != NULL && l->bytes != NULL && l->len != 0) {
            bcast_result_t r;
            tvbuff_t *lv = tvb_new_child_real_data(tvb, l->bytes, (guint)l->len, (gint)l->len);
            add_new_data_source(pinfo, lv, wmem_strdup_printf(pinfo->pool, "LTKM %zu", i));
            memset(&r, 0, sizeof r);
            r.msg = l->msg;
            r.rc = BCASTDEC_OK;
            draw_message(lv, pinfo, lt, &r, TRUE);
            tap_message(pinfo, l->msg, "inline", h->username);
        }
    }
    add_findings(bt, pinfo, tvb, 0, x->findings, x->n_findings);
}

/* application/mbms-*+xml and application/vnd.oma.bcast.*+xml bodies. */
static int
dissect_bcast_xml(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    const http_message_info_t *mi = (const http_message_info_t *)data;
    const bcast_http_t *h;
    proto_item *ti;
    proto_tree *bt;
    tvbuff_t *ds;

    if (tvb_captured_length(tvb) == 0)
        return 0;
    if (mi != NULL && mi->type != HTTP_REQUEST && mi->type != HTTP_RESPONSE)
        mi = NULL; /* not from HTTP */
    if (pinfo->match_string != NULL && bcastdec_xml_kind_from_media_type(pinfo->match_string) == 0) {
        /* application/xml, text/xml: ours only when the root element names a
         * Smartcard Profile body (and bcast.generic_xml is on); otherwise,
         * and for a body seen as not ours on the first pass, Wireshark's XML
         * dissector shows it */
        guint32 key = 0x40000000U + frame_index(pinfo, FALSE);
        gboolean ours = p_get_proto_data(wmem_file_scope(), pinfo, proto_bcast, key) != NULL;
        if (!ours && pref_generic_xml && !PINFO_FD_VISITED(pinfo)) {
            bcastdec_xml *x = NULL;
            guint n = tvb_captured_length(tvb);
            if (bcastdec_xml_decode(&x, tvb_get_ptr(tvb, 0, n), n, NULL, NULL) == BCASTDEC_OK &&
                x != NULL && x->kind != BCASTDEC_XML_UNKNOWN)
                ours = TRUE;
            bcastdec_xml_free(x);
        }
        if (!ours)
            return xml_handle != NULL ? call_dissector_with_data(xml_handle, tvb, pinfo, tree, data)
                                      : 0;
    }
    h = http_get(tvb, pinfo, mi);
    ds = http_msg_tvb(pinfo, tvb_get_ds_tvb(tvb), h);
    col_append_str(pinfo->cinfo, COL_PROTOCOL, "/BCAST");

    ti = proto_tree_add_item(tree, proto_bcast, tvb, 0, -1, ENC_NA);
    bt = proto_item_add_subtree(ti, ett_bx);
    proto_item_append_text(ti, ", HTTP body");
    if (h->x != NULL) {
        proto_item_append_text(ti, ": %s", nz(bcastdec_xml_kind_name(h->x->kind)));
        /* with the Digest outcome: "Digest verified", "rspauth failed" */
        if (h->dchecked && h->dg[0] != NULL)
            col_append_fstr(pinfo->cinfo, COL_INFO, " [BCAST %s, %s %s]",
                            nz(bcastdec_xml_kind_name(h->x->kind)),
                            h->dg[0]->kind == BCASTDEC_DIGEST_AUTHENTICATION_INFO ? "rspauth" : "Digest",
                            nz(bcastdec_digest_outcome_name(h->dres.outcome)));
        else
            col_append_fstr(pinfo->cinfo, COL_INFO, " [BCAST %s]",
                            nz(bcastdec_xml_kind_name(h->x->kind)));
    }
    if (h->http != NULL && h->is_response && h->http->status_code.sp.len != 0) {
        proto_item *si = proto_tree_add_uint(bt, hf_bh_status_code, ds,
                                             (gint)(h->msg_off + h->http->status_code.sp.off),
                                             (gint)h->http->status_code.sp.len,
                                             (guint32)h->http->status_code.v);
        proto_item_set_generated(si);
    }
    if (h->req_frame != 0) {
        proto_item *ri = proto_tree_add_uint(bt, hf_bh_request_frame, NULL, 0, 0, h->req_frame);
        proto_item_set_generated(ri);
    }
    draw_digest(bt, pinfo, ds, h, 0);
    draw_digest(bt, pinfo, ds, h, 1);
    if (h->x == NULL) {
        proto_tree_add_expert_format(bt, pinfo, &ei_bcast_library_error, tvb, 0, -1,
                                     "libbcastdec could not decode this body: %s",
                                     bcastdec_strerror(h->xrc));
    } else {
        draw_xml(bt, pinfo, tvb, h);
    }
    add_findings(bt, pinfo, ds, h->msg_off, h->ex, h->n_ex);
    draw_flow(bt, pinfo, tvb, h->flow, h->n_flow);
    return tvb_captured_length(tvb);
}

/* ------------------------------------------------------------------------ */
/* HTTP messages without a body of ours (postdissector)                     */
/* ------------------------------------------------------------------------ */

/*
 * The HTTP dissector hands us bodies of our media types only.  The exchange
 * checks also need the messages without such a body: the 401 (bodiless or
 * with an HTML page) with its WWW-Authenticate, a bodiless 200, the empty
 * first POST of a client that expects a challenge.  The postdissector
 * dissect_bcast_post() runs after every other dissector of a frame and
 * returns at once unless HTTP is one of the frame's layers (pinfo->layers:
 * a few pointer compares, so UDP key messages pay nothing measurable).  It
 * wants no fields (set_postdissector_wanted_hfids() would make tshark build
 * a protocol tree for every frame): it finds the HTTP messages itself in
 * the frame's data sources (the frame, the reassembled TCP payload), as
 * complete messages split by bcastdec_http_parse(), and skips those whose
 * body was one of ours (dissect_bcast_xml() has them).
 *
 * Which messages concern us (the others are left alone, so ordinary web
 * traffic gets nothing): a request whose Content-Type is a media type of
 * the profile or that carries a Digest Authorization; a response (other
 * than 1xx) to such a request or to a request with a body of ours.  For
 * those, on the first pass: the exchange checks (the response with its
 * request's credentials and its own WWW-Authenticate: http.challenge_missing,
 * http.auth_rejected, http.unauthenticated; a request with the challenge of
 * the 401 it retries: http.retry_without_authorization, http.retry_mismatch),
 * the 401's Digest challenge kept for the next such request of the same
 * client to the same server and target, and the response fed to the flow
 * tracker when its request was (the pending request is closed; a bodiless
 * 2xx to a (de)registration or a purchase counts).  The result is kept for
 * the capture file (file_http) and drawn on every pass.
 */

#define BCAST_KEY_POST 0x50000000U

static gboolean
frame_has_proto(packet_info *pinfo, int proto)
{
    for (wmem_list_frame_t *f = wmem_list_head(pinfo->layers); f != NULL;
         f = wmem_list_frame_next(f))
        if (GPOINTER_TO_INT(wmem_list_frame_data(f)) == proto)
            return TRUE;
    return FALSE;
}

/* The Content-Type of |m| is a media type of the profile. */
static gboolean
http_ours_media_type(const bcastdec_http_msg *m)
{
    size_t n = 0;
    const char *mt = bcastdec_http_media_type(m, &n);
    char t[128];
    if (mt == NULL || n == 0 || n >= sizeof t)
        return FALSE;
    snprintf(t, sizeof t, "%.*s", (int)n, mt);
    return bcastdec_xml_kind_from_media_type(t) != 0 ||
           g_ascii_strcasecmp(t, "application/vnd.oma.bcast.ltkm") == 0 ||
           g_ascii_strcasecmp(t, "application/vnd.oma.bcast.stkm") == 0;
}

/* |m| is a message whose body dissect_bcast_xml() had in this frame. */
static gboolean
http_body_handled(packet_info *pinfo, const bcastdec_http_msg *m)
{
    guint32 n = frame_index(pinfo, FALSE);
    if (m->body.len == 0)
        return FALSE;
    for (guint32 i = 0; i < n; i++) {
        const bcast_http_t *h = (const bcast_http_t *)p_get_proto_data(wmem_file_scope(), pinfo,
                                                                      proto_bcast, 0x40000000U + i);
        if (h != NULL && h->body != NULL && h->body_len == m->body.len &&
            memcmp(h->body, m->body.p, h->body_len) == 0)
            return TRUE;
    }
    return FALSE;
}

/* One message without a body of ours (parsed from |d| + |o|): a kept
 * bcast_http_t when it concerns us, else NULL.  First pass only. */
static bcast_http_t *
post_compute(packet_info *pinfo, const guint8 *d, guint o, const bcastdec_http_msg *m)
{
    const bcastdec_keystore *ks = bcast_keys_store();
    bcast_http_t *h = g_new0(bcast_http_t, 1);
    bcast_http_t *req = NULL;
    bcastdec_http_exchange ex;

    h->frame = pinfo->num;
    if (!http_keep_envelope(h, d, o, m))
        goto drop;
    h->is_response = !h->http->is_request;
    memset(&ex, 0, sizeof ex);
    if (!h->is_response) {
        const bcastdec_digest_auth *a;
        h->dg[0] = http_digest(h, "Authorization", BCASTDEC_DIGEST_AUTHORIZATION, &h->dg_off[0]);
        a = bcastdec_digest_msg_auth(h->dg[0]);
        if (!(a != NULL && a->is_digest) && !http_ours_media_type(h->http))
            goto drop;
        if (a != NULL && a->username != NULL)
            h->username = g_strdup(a->username);
        if (a != NULL && a->is_digest && h->http->method.len != 0 && h->http->method.len < 32) {
            char method[32];
            snprintf(method, sizeof method, "%.*s", (int)h->http->method.len,
                     (const char *)h->http->wire + h->http->method.off);
            h->dchecked = bcastdec_digest_verify(h->dg[0], method, h->http->body.p,
                                                 h->http->body.len, ks, NULL, 0,
                                                 &h->dres) == BCASTDEC_OK;
        }
        ex.request = h->http;
        ex.authorization = h->dg[0];
        ex.prev_challenge = pending_take(pinfo, h->http);
    } else {
        http_req_res_t *rr = (http_req_res_t *)p_get_proto_data(wmem_file_scope(), pinfo,
                                                                 proto_http_id, 0);
        if (h->http->status_code.v < 200 || rr == NULL || rr->req_framenum == 0 ||
            rr->req_framenum == pinfo->num || http_by_frame == NULL)
            goto drop;
        req = (bcast_http_t *)g_hash_table_lookup(http_by_frame,
                                                  GUINT_TO_POINTER(rr->req_framenum));
        if (req == NULL || req->http == NULL)
            goto drop;
        h->req_frame = rr->req_framenum;
        if (req->username != NULL)
            h->username = g_strdup(req->username);
        h->dg[0] = http_digest(h, "Authentication-Info", BCASTDEC_DIGEST_AUTHENTICATION_INFO,
                               &h->dg_off[0]);
        h->dg[1] = http_digest(h, "WWW-Authenticate", BCASTDEC_DIGEST_WWW_AUTHENTICATE,
                               &h->dg_off[1]);
        if (h->dg[0] != NULL && req->dg[0] != NULL &&
            bcastdec_digest_value(bcastdec_digest_msg_auth(h->dg[0]), BCASTDEC_DIGEST_P_RSPAUTH) != NULL) {
            unsigned form = req->dchecked && req->dres.outcome == BCASTDEC_DIGEST_VERIFIED
                                ? req->dres.password_form : BCASTDEC_DIGEST_PW_ANY;
            h->dchecked = bcastdec_digest_verify_rspauth(h->dg[0], req->dg[0], h->http->body.p,
                                                         h->http->body.len, ks, NULL, 0, form,
                                                         &h->dres) == BCASTDEC_OK;
        }
        ex.request = req->http;
        ex.response = h->http;
        ex.authorization = req->dg[0];
        ex.challenge = h->dg[1];
    }
    h->n_ex = bcastdec_http_check_exchange(&ex, h->ex, BCAST_HTTP_EX_MAX);
    if (h->n_ex > BCAST_HTTP_EX_MAX)
        h->n_ex = BCAST_HTTP_EX_MAX;
    if (h->is_response)
        pending_put(pinfo, h, req);

    /* the flow: a response whose request it followed (closes that request;
     * a bodiless 2xx to a (de)registration or a purchase counts) */
    if (h->is_response && req->fed && file_flow != NULL) {
        bcastdec_finding fl[BCAST_FLOW_MAX];
        char addr[64];
        bcastdec_session *s = bcast_keys_session(TRUE);
        bcastdec_flow_http fe;
        memset(&fe, 0, sizeof fe);
        fe.ref = pinfo->num;
        fe.request_ref = h->req_frame;
        fe.is_response = 1;
        fe.status_code = (uint16_t)h->http->status_code.v;
        fe.terminal = flow_addr(&pinfo->dst, addr);
        fe.username = h->username;
        fe.ks = ks;
        fe.learned = s != NULL ? bcastdec_session_learned(s) : NULL;
        h->flow = flow_keep(fl, bcastdec_flow_http_msg(file_flow, &fe, fl, BCAST_FLOW_MAX),
                            &h->n_flow);
        h->fed = TRUE;
    }
    if (!h->is_response && http_by_frame != NULL &&
        g_hash_table_lookup(http_by_frame, GUINT_TO_POINTER(pinfo->num)) == NULL)
        g_hash_table_insert(http_by_frame, GUINT_TO_POINTER(pinfo->num), h);
    g_ptr_array_add(file_http, h);
    return h;
drop:
    http_free(h);
    return NULL;
}

/* First pass: every complete HTTP message in the frame's data sources that
 * is not one of our bodies; the kept ones chained under BCAST_KEY_POST. */
static void
post_scan(packet_info *pinfo)
{
    bcast_http_t *first = NULL, **tail = &first;
    /* the messages found so far (pointers into this frame's data sources) */
    GArray *seen = g_array_new(FALSE, FALSE, sizeof(bcastdec_bytes));

    for (GSList *l = pinfo->data_src; l != NULL; l = l->next) {
        tvbuff_t *t = get_data_source_tvb((struct data_source *)l->data);
        guint n = t != NULL ? tvb_captured_length(t) : 0;
        const guint8 *d = n >= 16 ? tvb_get_ptr(t, 0, n) : NULL;
        for (guint o = 0; d != NULL && o + 16 <= n; o++) {
            bcastdec_http_msg *m = NULL;
            gboolean dup = FALSE;
            if (!is_method_at(d + o, (gsize)(n - o)))
                continue;
            if (bcastdec_http_parse(d + o, n - o, &m) != BCASTDEC_OK || m == NULL ||
                m->wire != d + o || m->status != BCASTDEC_OK || m->start_line.len == 0 ||
                m->wire_len == 0) {
                bcastdec_http_msg_free(m);
                continue;
            }
            /* the same message in two data sources: once */
            for (guint i = 0; i < seen->len && !dup; i++) {
                const bcastdec_bytes *b = &g_array_index(seen, bcastdec_bytes, i);
                dup = b->len == m->wire_len && memcmp(b->p, d + o, b->len) == 0;
            }
            if (!dup && !http_body_handled(pinfo, m)) {
                bcast_http_t *h = post_compute(pinfo, d, o, m);
                if (h != NULL) {
                    *tail = h;
                    tail = &h->next_post;
                }
            }
            if (!dup) {
                bcastdec_bytes b;
                memset(&b, 0, sizeof b);
                b.p = d + o;
                b.len = m->wire_len;
                g_array_append_val(seen, b);
            }
            o += (guint)m->wire_len - 1;
            bcastdec_http_msg_free(m);
        }
    }
    g_array_free(seen, TRUE);
    if (first != NULL)
        p_add_proto_data(wmem_file_scope(), pinfo, proto_bcast, BCAST_KEY_POST, first);
}

static void
draw_post(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const bcast_http_t *h)
{
    tvbuff_t *ds = http_msg_tvb(pinfo, NULL, h);
    proto_item *ti;
    proto_tree *bt;

    if (ds != NULL)
        ti = proto_tree_add_item(tree, proto_bcast, ds, (gint)h->msg_off, (gint)h->msg_len, ENC_NA);
    else
        ti = proto_tree_add_item(tree, proto_bcast, tvb, 0, 0, ENC_NA);
    proto_item_append_text(ti, ", HTTP %s without a body of ours",
                           h->is_response ? "response" : "request");
    bt = proto_item_add_subtree(ti, ett_bx);
    if (ds == NULL)
        ds = tvb;
    if (h->is_response && h->http->status_code.sp.len != 0) {
        proto_item *si = proto_tree_add_uint(bt, hf_bh_status_code, ds,
                                             (gint)(h->msg_off + h->http->status_code.sp.off),
                                             (gint)h->http->status_code.sp.len,
                                             (guint32)h->http->status_code.v);
        proto_item_set_generated(si);
    }
    if (h->req_frame != 0) {
        proto_item *ri = proto_tree_add_uint(bt, hf_bh_request_frame, NULL, 0, 0, h->req_frame);
        proto_item_set_generated(ri);
    }
    draw_digest(bt, pinfo, ds, h, 0);
    draw_digest(bt, pinfo, ds, h, 1);
    add_findings(bt, pinfo, ds, h->msg_off, h->ex, h->n_ex);
    draw_flow(bt, pinfo, ds, h->flow, h->n_flow);
}

/* Postdissector: HTTP messages without a body of ours (see above). */
static int
dissect_bcast_post(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    const bcast_http_t *h;

    if (proto_http_id <= 0 || !frame_has_proto(pinfo, proto_http_id))
        return 0;
    if (!PINFO_FD_VISITED(pinfo) && file_http != NULL)
        post_scan(pinfo);
    h = (const bcast_http_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_bcast,
                                               BCAST_KEY_POST);
    if (h == NULL)
        return 0;
    for (; h != NULL; h = h->next_post)
        draw_post(tvb, pinfo, tree, h);
    return tvb_captured_length(tvb);
}

static void
http_init(void)
{
    if (file_http != NULL)
        g_ptr_array_free(file_http, TRUE);
    if (http_by_frame != NULL)
        g_hash_table_destroy(http_by_frame);
    if (http_pending != NULL)
        g_hash_table_destroy(http_pending);
    file_http = g_ptr_array_new_with_free_func(http_free);
    http_by_frame = g_hash_table_new(g_direct_hash, g_direct_equal);
    http_pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

static void
http_cleanup(void)
{
    if (http_pending != NULL) {
        g_hash_table_destroy(http_pending);
        http_pending = NULL;
    }
    if (http_by_frame != NULL) {
        g_hash_table_destroy(http_by_frame);
        http_by_frame = NULL;
    }
    if (file_http != NULL) {
        g_ptr_array_free(file_http, TRUE);
        file_http = NULL;
    }
}

/* ------------------------------------------------------------------------ */
/* Capture file lifetime                                                    */
/* ------------------------------------------------------------------------ */

static void
bcast_init(void)
{
    opts_from_prefs();
    if (file_results != NULL)
        g_ptr_array_free(file_results, TRUE);
    store_release();
    file_results = g_ptr_array_new_with_free_func(result_free);
    bcastdec_flow_free(file_flow);
    file_flow = bcastdec_flow_new();
    http_init();
    bcast_keys_file_open(&bcast_opts);
}

static void
bcast_cleanup(void)
{
    if (file_results != NULL) {
        g_ptr_array_free(file_results, TRUE);
        file_results = NULL;
    }
    store_release();
    bcastdec_flow_free(file_flow);
    file_flow = NULL;
    http_cleanup();
    bcast_keys_file_close();
}

static void
bcast_shutdown(void)
{
    bcast_cleanup();
    bcast_keys_shutdown();
}

/* ------------------------------------------------------------------------ */
/* Registration                                                             */
/* ------------------------------------------------------------------------ */

static int
map_group(uint8_t g)
{
    switch (g) {
    case BCASTDEC_GROUP_MALFORMED:  return PI_MALFORMED;
    case BCASTDEC_GROUP_PROTOCOL:   return PI_PROTOCOL;
    case BCASTDEC_GROUP_DECRYPTION: return PI_DECRYPTION;
    case BCASTDEC_GROUP_SEQUENCE:   return PI_SEQUENCE;
    default:                        return PI_UNDECODED;
    }
}

static int
map_severity(uint8_t s)
{
    switch (s) {
    case BCASTDEC_SEV_ERROR:   return PI_ERROR;
    case BCASTDEC_SEV_WARNING: return PI_WARN;
    default:                   return PI_NOTE;
    }
}

static void
register_findings(expert_module_t *em)
{
    static ei_register_info ei_own[] = {
        { &ei_bcast_library_error,
          { "bcast.library_error", PI_UNDECODED, PI_ERROR,
            "libbcastdec could not decode the message (out of memory or invalid input)", EXPFILL } },
    };
    ei_register_info *ei;

    finding_table = bcastdec_finding_table(&n_findings);
    ei_bcast_finding = g_new(expert_field, n_findings);
    ei = g_new0(ei_register_info, n_findings);
    for (size_t i = 0; i < n_findings; i++) {
        const bcastdec_finding_info *f = &finding_table[i];
        expert_field init = EI_INIT;
        expert_field_info info = { g_strdup_printf("bcast.%s", f->id), map_group(f->group),
                                   map_severity(f->severity), f->summary, EXPFILL };
        ei_bcast_finding[i] = init;
        ei[i].ids = &ei_bcast_finding[i];
        ei[i].eiinfo = info;
    }
    expert_register_field_array(em, ei, (int)n_findings);
    expert_register_field_array(em, ei_own, array_length(ei_own));
}

void
proto_register_bcast(void)
{
    static hf_register_info hf[] = {
        /* summary */
        { &hf_bcast_kind, { "Message kind", "bcast.kind", FT_UINT8, BASE_DEC, VALS(vs_kind), 0x0,
            "LTKM, STKM, verification or error message, as the library classified it", HFILL } },
        { &hf_bcast_status, { "Decode status", "bcast.status", FT_INT32, BASE_DEC, VALS(vs_status), 0x0,
            "0 = the whole message decoded; otherwise the first problem", HFILL } },
        { &hf_bcast_error, { "Decode problem", "bcast.error", FT_STRING, BASE_NONE, NULL, 0x0,
            "What the first problem is, at the bytes where it is", HFILL } },
        { &hf_bcast_outcome, { "Outcome", "bcast.outcome", FT_UINT8, BASE_DEC, VALS(vs_outcome), 0x0,
            "Key outcome: decrypted, MAC failed, no key, unsupported, malformed", HFILL } },
        { &hf_bcast_mac_status, { "MAC", "bcast.mac_status", FT_UINT8, BASE_DEC, VALS(vs_mac_state), 0x0,
            "Result of the KEMAC / V MAC check", HFILL } },
        { &hf_bcast_kdid, { "Key Domain ID", "bcast.kdid", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Key Domain ID of the message (Key ID extension)", HFILL } },
        { &hf_bcast_sekpek_id, { "SEK/PEK ID", "bcast.sekpek_id", FT_UINT32, BASE_HEX, NULL, 0x0,
            "SEK/PEK ID of the message (Key ID extension)", HFILL } },
        { &hf_bcast_tek_id, { "TEK ID", "bcast.tek_id", FT_UINT16, BASE_HEX, NULL, 0x0,
            "TEK ID of the message (Key ID extension)", HFILL } },
        { &hf_bcast_replay, { "Replay", "bcast.replay", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "The T counter is not above the last one accepted for the same key", HFILL } },
        { &hf_bcast_replay_last, { "Last accepted counter", "bcast.replay.last_counter", FT_UINT64, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_key_used, { "Key used", "bcast.key_used", FT_STRING, BASE_NONE, NULL, 0x0,
            "The key whose MAC verified (named, never shown)", HFILL } },
        { &hf_bcast_key_used_role, { "Role", "bcast.key_used.role", FT_UINT8, BASE_DEC, VALS(vs_role), 0x0,
            NULL, HFILL } },
        { &hf_bcast_key_used_found_by, { "Found by", "bcast.key_used.found_by", FT_UINT8, BASE_DEC, VALS(vs_found_by), 0x0,
            "How the key was found: IDr, Digest username, wildcard, Key ID, search, LTKM", HFILL } },
        { &hf_bcast_key_used_origin, { "Origin", "bcast.key_used.origin", FT_UINT8, BASE_DEC, VALS(key_origin_vals), 0x0,
            NULL, HFILL } },
        { &hf_bcast_key_used_line, { "Line / row", "bcast.key_used.line", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Key file line or key table row of the key", HFILL } },
        { &hf_bcast_key_used_frame, { "Learned in frame", "bcast.key_used.frame", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            "The frame whose message delivered the key", HFILL } },
        { &hf_bcast_key_used_rand_variant, { "RAND for key derivation", "bcast.key_used.rand_variant", FT_UINT8, BASE_DEC, VALS(vs_rand_variant), 0x0,
            NULL, HFILL } },
        { &hf_bcast_keys_tried, { "Keys that failed the MAC", "bcast.keys_tried", FT_UINT32, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_key_tried, { "Key tried", "bcast.key_tried", FT_STRING, BASE_NONE, NULL, 0x0,
            "A candidate key that failed the MAC (named, never shown)", HFILL } },
        { &hf_bcast_verif_answers, { "Answers the LTKM in frame", "bcast.verification.answers", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_verif_mac_input, { "Verification MAC input", "bcast.verification.mac_input", FT_UINT8, BASE_DEC, VALS(verif_input_vals), 0x0,
            NULL, HFILL } },
        /* keys delivered */
        { &hf_bcast_key, { "Key delivered", "bcast.key", FT_NONE, BASE_NONE, NULL, 0x0,
            "A key decrypted from this message's KEMAC", HFILL } },
        { &hf_bcast_key_role, { "Role", "bcast.key.role", FT_UINT8, BASE_DEC, VALS(vs_role), 0x0,
            NULL, HFILL } },
        { &hf_bcast_key_kdid, { "Key Domain ID", "bcast.key.kdid", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_key_sekpek_id, { "SEK/PEK ID", "bcast.key.sekpek_id", FT_UINT32, BASE_HEX, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_key_tek_id, { "TEK ID", "bcast.key.tek_id", FT_UINT16, BASE_HEX, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_key_frame, { "Delivered in frame", "bcast.key.frame", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_sek, { "SEK", "bcast.sek", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Service Encryption Key (= MSK) delivered by an LTKM", HFILL } },
        { &hf_bcast_pek, { "PEK", "bcast.pek", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Program Encryption Key delivered by an LTKM", HFILL } },
        { &hf_bcast_tek, { "TEK", "bcast.tek", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Traffic Encryption Key (= MTK) delivered by an STKM", HFILL } },
        { &hf_bcast_salt, { "Salt", "bcast.salt", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Salt delivered with a TEK", HFILL } },
        /* HDR */
        { &hf_bcast_hdr, { "Common header (HDR)", "bcast.hdr", FT_NONE, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_hdr_version, { "Version", "bcast.hdr.version", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_hdr_data_type, { "Data type", "bcast.hdr.data_type", FT_UINT8, BASE_DEC, VALS(vs_data_type), 0x0,
            NULL, HFILL } },
        { &hf_bcast_hdr_next_payload, { "Next payload", "bcast.hdr.next_payload", FT_UINT8, BASE_DEC, VALS(vs_payload), 0x0,
            NULL, HFILL } },
        { &hf_bcast_hdr_v, { "V (verification requested)", "bcast.hdr.v", FT_BOOLEAN, 8, NULL, 0x80,
            NULL, HFILL } },
        { &hf_bcast_hdr_prf, { "PRF function", "bcast.hdr.prf", FT_UINT8, BASE_DEC, VALS(vs_prf), 0x7f,
            NULL, HFILL } },
        { &hf_bcast_hdr_csb_id, { "CSB ID", "bcast.hdr.csb_id", FT_UINT32, BASE_HEX, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_hdr_cs_count, { "#CS", "bcast.hdr.cs_count", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_hdr_map_type, { "CS ID map type", "bcast.hdr.map_type", FT_UINT8, BASE_DEC, VALS(vs_map_type), 0x0,
            NULL, HFILL } },
        { &hf_bcast_hdr_map_info, { "CS ID map info", "bcast.hdr.map_info", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_cs, { "Crypto session", "bcast.cs", FT_NONE, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_cs_policy, { "Policy no", "bcast.cs.policy", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_cs_ssrc, { "SSRC", "bcast.cs.ssrc", FT_UINT32, BASE_HEX, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_cs_roc, { "ROC", "bcast.cs.roc", FT_UINT32, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_cs_id, { "CS ID", "bcast.cs.id", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_cs_prot_type, { "Protocol type", "bcast.cs.prot_type", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_cs_s, { "S flag", "bcast.cs.s", FT_BOOLEAN, 8, NULL, 0x80,
            NULL, HFILL } },
        { &hf_bcast_cs_policy_count, { "#P", "bcast.cs.policy_count", FT_UINT8, BASE_DEC, NULL, 0x7f,
            NULL, HFILL } },
        { &hf_bcast_cs_policies, { "Policies", "bcast.cs.policies", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_cs_session_data_len, { "Session data length", "bcast.cs.session_data_len", FT_UINT16, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_cs_session_data, { "Session data", "bcast.cs.session_data", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_cs_spi_len, { "SPI length", "bcast.cs.spi_len", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_cs_spi, { "SPI", "bcast.cs.spi", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        /* payloads */
        { &hf_bcast_next_payload, { "Next payload", "bcast.next_payload", FT_UINT8, BASE_DEC, VALS(vs_payload), 0x0,
            NULL, HFILL } },
        { &hf_bcast_payload, { "Payload", "bcast.payload", FT_NONE, BASE_NONE, NULL, 0x0,
            "A payload the library does not decode further", HFILL } },
        { &hf_bcast_t, { "Timestamp (T)", "bcast.t", FT_NONE, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_t_ts_type, { "TS type", "bcast.t.ts_type", FT_UINT8, BASE_DEC, VALS(vs_ts_type), 0x0,
            NULL, HFILL } },
        { &hf_bcast_t_value, { "TS value", "bcast.t.value", FT_UINT64, BASE_DEC, NULL, 0x0,
            "Counter, or the NTP value as a 64-bit number", HFILL } },
        { &hf_bcast_rand, { "RAND", "bcast.rand", FT_NONE, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_rand_len, { "RAND length", "bcast.rand.len", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_rand_value, { "RAND", "bcast.rand.value", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_id, { "ID", "bcast.id", FT_NONE, BASE_NONE, NULL, 0x0,
            "ID or IDR payload", HFILL } },
        { &hf_bcast_id_role, { "ID role", "bcast.id.role", FT_UINT8, BASE_DEC, VALS(vs_id_role), 0x0,
            NULL, HFILL } },
        { &hf_bcast_id_type, { "ID type", "bcast.id.type", FT_UINT8, BASE_DEC, VALS(vs_id_type), 0x0,
            NULL, HFILL } },
        { &hf_bcast_id_len, { "ID length", "bcast.id.len", FT_UINT16, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_id_value, { "ID", "bcast.id.value", FT_STRING, BASE_NONE, NULL, 0x0,
            "An identity that is neither the message's IDi nor its IDr", HFILL } },
        { &hf_bcast_id_bytes, { "ID (byte string)", "bcast.id.bytes", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_idi, { "IDi", "bcast.idi", FT_STRING, BASE_NONE, NULL, 0x0,
            "Initiator identity (LTKM: the BSM/NAF FQDN)", HFILL } },
        { &hf_bcast_idr, { "IDr", "bcast.idr", FT_STRING, BASE_NONE, NULL, 0x0,
            "Responder identity (LTKM: the subscriber's B-TID or NAI)", HFILL } },
        { &hf_bcast_kemac, { "KEMAC", "bcast.kemac", FT_NONE, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_kemac_encr_alg, { "Encryption algorithm", "bcast.kemac.encr_alg", FT_UINT8, BASE_DEC, VALS(vs_encr_alg), 0x0,
            NULL, HFILL } },
        { &hf_bcast_kemac_encr_len, { "Encrypted data length", "bcast.kemac.encr_len", FT_UINT16, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_kemac_encr_data, { "Encrypted data", "bcast.kemac.encr_data", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_kemac_mac_alg, { "MAC algorithm", "bcast.kemac.mac_alg", FT_UINT8, BASE_DEC, VALS(vs_mac_alg), 0x0,
            NULL, HFILL } },
        { &hf_bcast_kemac_mac, { "MAC", "bcast.kemac.mac", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_kd, { "Key data", "bcast.key_data", FT_NONE, BASE_NONE, NULL, 0x0,
            "Key data sub-payload in the decrypted KEMAC data", HFILL } },
        { &hf_bcast_kd_next, { "Next payload", "bcast.key_data.next", FT_UINT8, BASE_DEC, VALS(vs_payload), 0x0,
            NULL, HFILL } },
        { &hf_bcast_kd_type, { "Type", "bcast.key_data.type", FT_UINT8, BASE_DEC, VALS(vs_kd_type), 0xf0,
            NULL, HFILL } },
        { &hf_bcast_kd_kv, { "Key validity", "bcast.key_data.kv", FT_UINT8, BASE_DEC, VALS(vs_kv_type), 0x0f,
            NULL, HFILL } },
        { &hf_bcast_kd_key_len, { "Key length", "bcast.key_data.key_len", FT_UINT16, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_kd_key, { "Key", "bcast.key_data.key", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_kd_salt_len, { "Salt length", "bcast.key_data.salt_len", FT_UINT16, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_kd_salt, { "Salt", "bcast.key_data.salt", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_kd_spi_len, { "SPI/MKI length", "bcast.key_data.spi_len", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_kd_spi, { "SPI/MKI", "bcast.key_data.spi", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_kd_vf_len, { "Valid from length", "bcast.key_data.valid_from_len", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_kd_vf, { "Valid from", "bcast.key_data.valid_from", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_kd_vt_len, { "Valid to length", "bcast.key_data.valid_to_len", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_kd_vt, { "Valid to", "bcast.key_data.valid_to", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_v, { "Verification (V)", "bcast.v", FT_NONE, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_v_auth_alg, { "Auth algorithm", "bcast.v.auth_alg", FT_UINT8, BASE_DEC, VALS(vs_mac_alg), 0x0,
            NULL, HFILL } },
        { &hf_bcast_v_mac, { "Verification MAC", "bcast.v.mac", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_sp, { "Security policy (SP)", "bcast.sp", FT_NONE, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_sp_policy_no, { "Policy no", "bcast.sp.policy_no", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_sp_prot_type, { "Protocol type", "bcast.sp.prot_type", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_sp_param_len, { "Policy param length", "bcast.sp.param_len", FT_UINT16, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_sp_params, { "Policy params", "bcast.sp.params", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_sp_param, { "Policy param", "bcast.sp.param", FT_NONE, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_sp_param_type, { "Type", "bcast.sp.param.type", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_sp_param_length, { "Length", "bcast.sp.param.len", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_sp_param_value, { "Value", "bcast.sp.param.value", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_err, { "Error (ERR)", "bcast.err", FT_NONE, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_err_no, { "Error no", "bcast.err.no", FT_UINT8, BASE_DEC, VALS(vs_err), 0x0,
            NULL, HFILL } },
        { &hf_bcast_err_reserved, { "Reserved", "bcast.err.reserved", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_ext, { "General Extension (EXT)", "bcast.ext", FT_NONE, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_ext_type, { "Extension type", "bcast.ext.type", FT_UINT8, BASE_CUSTOM, CF_FUNC(fmt_ext_type), 0x0,
            "Key ID and OMA BCAST type numbers come from preferences", HFILL } },
        { &hf_bcast_ext_len, { "Extension length", "bcast.ext.len", FT_UINT16, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_ext_data, { "Extension data", "bcast.ext.data", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_ext_assumed, { "Assumed layout", "bcast.ext.assumed", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "The layout of this extension is an assumption of bcastdec's wire profile", HFILL } },
        { &hf_bcast_keyid, { "Key ID entry", "bcast.keyid", FT_NONE, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_keyid_type, { "Key ID type", "bcast.keyid.type", FT_UINT8, BASE_DEC, VALS(vs_keyid_type), 0x0,
            NULL, HFILL } },
        { &hf_bcast_keyid_len, { "Key ID length", "bcast.keyid.len", FT_UINT16, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_keyid_value, { "Key ID", "bcast.keyid.value", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Value of a Key ID entry of an unknown type", HFILL } },
        { &hf_bcast_keyid_kdid, { "Key Domain ID", "bcast.keyid.kdid", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_keyid_sekpek_id, { "SEK/PEK ID", "bcast.keyid.sekpek_id", FT_UINT32, BASE_HEX, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_keyid_key_group, { "Key group", "bcast.keyid.key_group", FT_UINT16, BASE_HEX, NULL, 0x0,
            "First two bytes of the SEK/PEK ID", HFILL } },
        { &hf_bcast_keyid_tek_id, { "TEK ID", "bcast.keyid.tek_id", FT_UINT16, BASE_HEX, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_keyid_muk_id, { "MUK ID", "bcast.keyid.muk_id", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_ob_subtype, { "OMA BCAST subtype", "bcast.omabcast.subtype", FT_UINT8, BASE_DEC, VALS(vs_ob_subtype), 0x0,
            NULL, HFILL } },
        { &hf_bcast_ob_spe, { "security_policy_extension", "bcast.omabcast.spe", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_ob_flags, { "STKM flags", "bcast.omabcast.flags", FT_UINT8, BASE_HEX, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_ob_par, { "protection_after_reception", "bcast.omabcast.par", FT_UINT8, BASE_DEC, NULL, 0xc0,
            NULL, HFILL } },
        { &hf_bcast_ob_acf, { "access_criteria_flag", "bcast.omabcast.acf", FT_BOOLEAN, 8, NULL, 0x20,
            NULL, HFILL } },
        { &hf_bcast_ob_tpp, { "traffic_protection_protocol", "bcast.omabcast.tpp", FT_UINT8, BASE_DEC, VALS(vs_tpp), 0x1c,
            NULL, HFILL } },
        { &hf_bcast_ob_taf, { "traffic_authentication_flag", "bcast.omabcast.taf", FT_BOOLEAN, 8, NULL, 0x02,
            NULL, HFILL } },
        { &hf_bcast_ob_ntf, { "next_tek_flag", "bcast.omabcast.ntf", FT_BOOLEAN, 8, NULL, 0x01,
            NULL, HFILL } },
        { &hf_bcast_ob_tlv, { "TLV", "bcast.omabcast.tlv", FT_NONE, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_ob_tlv_tag, { "Tag", "bcast.omabcast.tlv.tag", FT_UINT8, BASE_HEX, VALS(ob_tlv_tag_vals), 0x0,
            NULL, HFILL } },
        { &hf_bcast_ob_tlv_len, { "Length", "bcast.omabcast.tlv.len", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_ob_tlv_value, { "Value", "bcast.omabcast.tlv.value", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_ob_undecoded, { "Undecoded subtype data", "bcast.omabcast.undecoded", FT_BYTES, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bcast_undecoded, { "Undecoded data", "bcast.undecoded", FT_BYTES, BASE_NONE, NULL, 0x0,
            "Bytes after a payload the library cannot decode", HFILL } },
    };

    static gint *ett[] = {
        &ett_bcast,
        &ett_bcast_hdr,
        &ett_bcast_cs,
        &ett_bcast_payload,
        &ett_bcast_key_data,
        &ett_bcast_keyid,
        &ett_bcast_ob_flags,
        &ett_bcast_tlv,
        &ett_bcast_sp_param,
        &ett_bcast_key,
        &ett_bcast_key_used,
        &ett_bcast_tried,
    };


    static hf_register_info hf_http[] = {
        { &hf_bx_kind, { "Body kind", "bcast.xml.kind", FT_UINT8, BASE_DEC, VALS(vs_xml_kind), 0x0,
            NULL, HFILL } },
        { &hf_bx_kind_by, { "Kind recognised by", "bcast.xml.kind_by", FT_UINT8, BASE_DEC, VALS(kind_by_vals), 0x0,
            NULL, HFILL } },
        { &hf_bx_status, { "XML decode status", "bcast.xml.status", FT_INT32, BASE_DEC, VALS(vs_status), 0x0,
            NULL, HFILL } },
        { &hf_bx_error, { "XML decode problem", "bcast.xml.error", FT_STRING, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bx_elem, { "Element", "bcast.xml.element", FT_STRING, BASE_NONE, NULL, 0x0,
            "An XML element (prefix:name), over its start tag .. end tag", HFILL } },
        { &hf_bx_ns, { "Namespace", "bcast.xml.ns", FT_STRING, BASE_NONE, NULL, 0x0,
            "Namespace URI of the element (where it changes)", HFILL } },
        { &hf_bx_attr, { "Attribute", "bcast.xml.attr", FT_STRING, BASE_NONE, NULL, 0x0,
            "name=value", HFILL } },
        { &hf_bx_text, { "Text", "bcast.xml.text", FT_STRING, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bx_value, { "Field value (invalid)", "bcast.xml.invalid_value", FT_STRING, BASE_NONE, NULL, 0x0,
            "A semantic field whose value does not parse as its type", HFILL } },
        { &hf_bx_assumed, { "Assumed name", "bcast.xml.assumed", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "The field's spelling or place is not confirmed by the seeds", HFILL } },
        { &hf_bx_ltkm, { "LTKM", "bcast.xml.ltkm", FT_BYTES, BASE_NONE, NULL, 0x0,
            "A <bcast:LTKM> element: base64 text of a MIKEY LTKM", HFILL } },
        { &hf_bx_ltkm_ids, { "MSK identifiers vs Key ID", "bcast.xml.ltkm.ids", FT_UINT8, BASE_DEC, VALS(vs_xml_ids), 0x0,
            "Rule 5: <MSK> keyDomainID/MSKID against the LTKM's Key ID entries", HFILL } },
        { &hf_bx_ltkm_version, { "LTKM version", "bcast.xml.ltkm.version", FT_UINT8, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bx_f[BCASTDEC_XF_REQUEST_ID], { "requestID", "bcast.xml.request_id", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_bx_f[BCASTDEC_XF_GLOBAL_STATUS_CODE], { "globalStatusCode", "bcast.xml.global_status_code", FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_bx_f[BCASTDEC_XF_ITEMWISE_STATUS_CODE], { "itemwiseStatusCode", "bcast.xml.itemwise_status_code", FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_bx_f[BCASTDEC_XF_REGISTRATION_REQUIRED], { "registrationRequired", "bcast.xml.registration_required", FT_BOOLEAN, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_bx_f[BCASTDEC_XF_GLOBAL_ID_REF], { "GlobalPurchaseItemID", "bcast.xml.global_id_ref", FT_STRING, BASE_NONE, NULL, 0x0, "GlobalPurchaseItemID / globalIDRef", HFILL } },
        { &hf_bx_f[BCASTDEC_XF_ID_REF], { "PurchaseDataRef", "bcast.xml.id_ref", FT_STRING, BASE_NONE, NULL, 0x0, "PurchaseDataRef / idRef", HFILL } },
        { &hf_bx_f[BCASTDEC_XF_KEY_DOMAIN_ID], { "keyDomainID", "bcast.xml.key_domain_id", FT_BYTES, BASE_NONE, NULL, 0x0, "Key Domain ID (base64 decoded)", HFILL } },
        { &hf_bx_f[BCASTDEC_XF_MSK_ID], { "MSKID", "bcast.xml.msk_id", FT_BYTES, BASE_NONE, NULL, 0x0, "MSK ID = SEK/PEK ID (base64 decoded)", HFILL } },
        { &hf_bx_f[BCASTDEC_XF_RESPONSE_CODE], { "ResponseCode", "bcast.xml.response_code", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_bx_f[BCASTDEC_XF_SERVICE_ID], { "serviceId", "bcast.xml.service_id", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_bh_status_code, { "HTTP status code", "bcast.http.status_code", FT_UINT16, BASE_DEC, NULL, 0x0,
            "Status code of the response that carries the body (rule 7)", HFILL } },
        { &hf_bh_request_frame, { "Request in frame", "bcast.http.request_frame", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0,
            "The request this response answers", HFILL } },
        { &hf_bd, { "HTTP Digest", "bcast.digest", FT_NONE, BASE_NONE, NULL, 0x0,
            "A Digest header of the HTTP message, parsed by libbcastdec", HFILL } },
        { &hf_bd_header, { "Header", "bcast.digest.header", FT_UINT8, BASE_DEC, VALS(vs_dg_kind), 0x0,
            NULL, HFILL } },
        { &hf_bd_status, { "Parse status", "bcast.digest.status", FT_INT32, BASE_DEC, VALS(vs_status), 0x0,
            NULL, HFILL } },
        { &hf_bd_username, { "Username", "bcast.digest.username", FT_STRING, BASE_NONE, NULL, 0x0,
            "Digest username (B-TID or NAI)", HFILL } },
        { &hf_bd_user_kind, { "Username kind", "bcast.digest.username_kind", FT_UINT8, BASE_DEC, VALS(vs_dg_user_kind), 0x0,
            NULL, HFILL } },
        { &hf_bd_realm, { "Realm", "bcast.digest.realm", FT_STRING, BASE_NONE, NULL, 0x0,
            NULL, HFILL } },
        { &hf_bd_algorithm, { "Algorithm", "bcast.digest.algorithm", FT_UINT8, BASE_DEC, VALS(vs_dg_alg), 0x0,
            NULL, HFILL } },
        { &hf_bd_qop, { "qop", "bcast.digest.qop", FT_UINT8, BASE_DEC, VALS(vs_dg_qop), 0x0,
            NULL, HFILL } },
        { &hf_bd_outcome, { "Response verification", "bcast.digest.outcome", FT_UINT8, BASE_DEC, VALS(vs_dg_outcome), 0x0,
            "The Authorization's response checked with the SRK of the username", HFILL } },
        { &hf_bd_rspauth, { "rspauth verification", "bcast.digest.rspauth", FT_UINT8, BASE_DEC, VALS(vs_dg_outcome), 0x0,
            "The Authentication-Info's rspauth checked with the SRK", HFILL } },
        { &hf_bd_pwform, { "Password form", "bcast.digest.password_form", FT_UINT8, BASE_DEC, VALS(vs_dg_pwform), 0x0,
            "Text form of the SRK that verified (assumption digest_password_form)", HFILL } },
        { &hf_bd_srk, { "SRK used", "bcast.digest.srk", FT_STRING, BASE_NONE, NULL, 0x0,
            "The SRK that verified, named (never shown)", HFILL } },
        { &hf_bd_srk_tried, { "SRKs tried", "bcast.digest.srk_tried", FT_UINT32, BASE_DEC, NULL, 0x0,
            NULL, HFILL } },
    };
    static gint *ett_http[] = { &ett_bx, &ett_bx_elem, &ett_bx_ltkm, &ett_bd };

    module_t *module;
    expert_module_t *em;

    vs_fill(vs_payload, bcastdec_payload_name, 255);
    vs_fill(vs_data_type, bcastdec_data_type_name, 255);
    vs_fill(vs_map_type, bcastdec_map_type_name, 255);
    vs_fill(vs_ts_type, bcastdec_ts_type_name, 255);
    vs_fill(vs_encr_alg, bcastdec_encr_alg_name, 255);
    vs_fill(vs_mac_alg, bcastdec_mac_alg_name, 255);
    vs_fill(vs_prf, bcastdec_prf_name, 127);
    vs_fill(vs_kd_type, bcastdec_kd_type_name, 15);
    vs_fill(vs_kv_type, bcastdec_kv_type_name, 15);
    vs_fill(vs_id_type, bcastdec_id_type_name, 255);
    vs_fill(vs_id_role, bcastdec_id_role_name, 255);
    vs_fill(vs_err, bcastdec_err_name, 255);
    vs_fill(vs_keyid_type, bcastdec_keyid_type_name, 255);
    vs_fill(vs_ob_subtype, bcastdec_bcast_subtype_name, 255);
    vs_fill(vs_tpp, bcastdec_tpp_name, 7);
    vs_fill(vs_role, bcastdec_role_name, 255);
    vs_fill(vs_kind, bcastdec_kind_name, 255);
    vs_fill(vs_outcome, bcastdec_outcome_name, 255);
    vs_fill(vs_mac_state, bcastdec_mac_state_name, 255);
    vs_fill(vs_found_by, bcastdec_found_by_name, 255);
    vs_fill(vs_rand_variant, bcastdec_rand_variant_name, 255);
    vs_fill_status();
    vs_fill(vs_xml_kind, bcastdec_xml_kind_name, 255);
    vs_fill(vs_xml_ids, bcastdec_xml_ids_name, 255);
    vs_fill(vs_dg_alg, bcastdec_digest_alg_name, 255);
    vs_fill(vs_dg_qop, bcastdec_digest_qop_name, 255);
    vs_fill(vs_dg_user_kind, bcastdec_digest_user_kind_name, 255);
    vs_fill(vs_dg_outcome, bcastdec_digest_outcome_name, 255);
    vs_fill(vs_dg_pwform, bcastdec_digest_pwform_name, 255);
    vs_fill(vs_dg_kind, bcastdec_digest_kind_name, 255);
    for (size_t i = 0; i < array_length(hf_bx_f); i++)
        hf_bx_f[i] = -1;
    opts_from_prefs();

    proto_bcast = proto_register_protocol("OMA BCAST Smartcard Profile Key Management",
                                          "BCAST", "bcast");
    proto_register_field_array(proto_bcast, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    proto_register_field_array(proto_bcast, hf_http, array_length(hf_http));
    proto_register_subtree_array(ett_http, array_length(ett_http));
    em = expert_register_protocol(proto_bcast);
    register_findings(em);

    bcast_handle = register_dissector("bcast", dissect_bcast, proto_bcast);
    bcast_media_handle = create_dissector_handle(dissect_bcast_media, proto_bcast);
    bcast_xml_handle = create_dissector_handle(dissect_bcast_xml, proto_bcast);

    range_convert_str(wmem_epan_scope(), &pref_stkm_udp_ports, "", 65535);

    module = prefs_register_protocol(proto_bcast, proto_reg_handoff_bcast);
    prefs_register_uint_preference(module, "ltkm_udp_port", "LTKM push UDP port",
        "UDP port of LTKM push (IANA omabcastltkm: 4359); 0 = none", 10, &pref_ltkm_udp_port);
    prefs_register_range_preference(module, "stkm_udp_ports", "STKM UDP ports",
        "UDP ports that carry STKMs (announced per service; none by default). "
        "Port 2269 is Wireshark's generic MIKEY port.",
        &pref_stkm_udp_ports, 65535);
    prefs_register_bool_preference(module, "heuristic", "Try heuristic on UDP",
        "Recognise MIKEY messages carrying the OMA BCAST extension on any UDP port",
        &pref_heuristic);
    prefs_register_uint_preference(module, "keyid_ext_type", "Key ID extension type",
        "General Extension type number of the RFC 4563 Key ID extension (assumed default 3; 0-255)",
        10, &pref_keyid_ext_type);
    prefs_register_uint_preference(module, "omabcast_ext_type", "OMA BCAST extension type",
        "General Extension type number of the OMA BCAST extension (assumed default 5; 0-255; "
        "bcastdec's option bcast_ext_type: Wireshark refuses preference names that start "
        "with the protocol name)",
        10, &pref_bcast_ext_type);
    prefs_register_bool_preference(module, "stkm_try_ltkm_rand", "STKM: also try the LTKM's RAND",
        "When an STKM's MAC fails with an empty RAND, also derive its transport keys with the "
        "RAND of the LTKM that delivered the SEK/PEK (assumed rule)",
        &pref_stkm_try_ltkm_rand);
    prefs_register_bool_preference(module, "generic_xml", "Look into application/xml bodies",
        "Decode application/xml and text/xml bodies whose root element is a Smartcard Profile "
        "message (e.g. an MSK response with the wrong Content-Type, rule 7); every other such "
        "body goes to Wireshark's XML dissector",
        &pref_generic_xml);
    bcast_keys_register_prefs(module);

    bcast_tap = register_tap("bcast");
    register_stat_tap_ui(&keys_ui, NULL);

    register_init_routine(bcast_init);
    register_cleanup_routine(bcast_cleanup);
    register_shutdown_routine(bcast_shutdown);
}

void
proto_reg_handoff_bcast(void)
{
    static gboolean initialized = FALSE;
    static guint cur_ltkm_udp_port;
    static range_t *cur_stkm_udp_ports;

    if (!initialized) {
        dissector_add_for_decode_as("udp.port", bcast_handle);
        dissector_add_string("media_type", "application/vnd.oma.bcast.ltkm", bcast_media_handle);
        dissector_add_string("media_type", "application/vnd.oma.bcast.stkm", bcast_media_handle);
        /* PROFILE section 7: the XML bodies (sprov and smartcard-trigger
         * are taken over from Wireshark's XML dissector) */
        dissector_add_string("media_type", BCASTDEC_XML_MT_MSK_REQUEST, bcast_xml_handle);
        dissector_add_string("media_type", BCASTDEC_XML_MT_MSK_RESPONSE, bcast_xml_handle);
        dissector_add_string("media_type", BCASTDEC_XML_MT_REGISTER, bcast_xml_handle);
        dissector_add_string("media_type", BCASTDEC_XML_MT_DEREGISTER, bcast_xml_handle);
        dissector_add_string("media_type", BCASTDEC_XML_MT_REGISTER_RESPONSE, bcast_xml_handle);
        dissector_add_string("media_type", BCASTDEC_XML_MT_SPROV, bcast_xml_handle);
        dissector_add_string("media_type", BCASTDEC_XML_MT_SMARTCARD_TRIGGER, bcast_xml_handle);
        /* generic XML types: only bodies whose root element is ours (else
         * handed on to Wireshark's XML dissector), preference bcast.generic_xml */
        xml_handle = find_dissector_add_dependency("xml", proto_bcast);
        if (xml_handle != NULL) {
            dissector_add_string("media_type", "application/xml", bcast_xml_handle);
            dissector_add_string("media_type", "text/xml", bcast_xml_handle);
        }
        proto_http_id = proto_get_id_by_filter_name("http");
        /* HTTP messages without a body of ours; no wanted hfids (they
         * would make tshark build a tree for every frame) */
        register_postdissector(create_dissector_handle(dissect_bcast_post, proto_bcast));
        heur_dissector_add("udp", dissect_bcast_heur, "OMA BCAST key management over UDP",
                           "bcast_udp", proto_bcast, HEURISTIC_ENABLE);
        initialized = TRUE;
    } else {
        if (cur_ltkm_udp_port != 0)
            dissector_delete_uint("udp.port", cur_ltkm_udp_port, bcast_handle);
        dissector_delete_uint_range("udp.port", cur_stkm_udp_ports, bcast_handle);
        wmem_free(wmem_epan_scope(), cur_stkm_udp_ports);
    }
    cur_ltkm_udp_port = pref_ltkm_udp_port;
    if (cur_ltkm_udp_port != 0)
        dissector_add_uint("udp.port", cur_ltkm_udp_port, bcast_handle);
    cur_stkm_udp_ports = range_copy(wmem_epan_scope(), pref_stkm_udp_ports);
    dissector_add_uint_range("udp.port", cur_stkm_udp_ports, bcast_handle);
}

void
plugin_register(void)
{
    static proto_plugin plug;

    plug.register_protoinfo = proto_register_bcast;
    plug.register_handoff = proto_reg_handoff_bcast;
    proto_register_plugin(&plug);
}

/*
 * Editor modelines  -  https://www.wireshark.org/tools/modelines.html
 *
 * Local variables:
 * c-basic-offset: 4
 * tab-width: 8
 * indent-tabs-mode: nil
 * End:
 *
 * vi: set shiftwidth=4 tabstop=8 expandtab:
 * :indentSize=4:tabSize=8:noTabs=true:
 */
