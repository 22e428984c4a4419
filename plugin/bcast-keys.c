/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bcast-keys.c - key configuration of the "bcast" plugin.
 *
 * Two sources, one format (keys/README.md, parsed only by libbcastdec):
 *  - the key file named by the preference bcast.keys_file; loaded when a
 *    capture file is opened and re-read during the first pass whenever it
 *    changes on disk (new or changed keys are merged, like tls.keylog_file);
 *  - the UAT "bcast_keys": one row = Role, Identity/IDs, Key, Salt, which the
 *    plugin turns into one key-file line ("SMK <identity> <key>",
 *    "SEK <kdid> <sekpek-id> <key>", "TEK <kdid> <sekpek-id> <tek-id> <key>
 *    [<salt>]", "GBA <identity> ks=<key> rand=.. impi=.. naf=.. [mode=..]").
 *    Rows are validated by the library when they are entered and are
 *    applied after the key file, so a row replaces a file key of the same
 *    address.  Keys from rows are marked with origin BCAST_ORIGIN_UAT and
 *    the row number.
 *
 * A missing or unreadable key file is never a dissection error: it is
 * reported once (report_warning) and messages are decoded without it.
 * Key bytes are never logged; error texts come from the library, whose
 * diagnostics never quote a key field.
 */
#define WS_BUILD_DLL
#include <wireshark.h>

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/uat.h>
#include <wsutil/report_message.h>

#include "bcast-keys.h"

/* ------------------------------------------------------------------------ */
/* State                                                                    */
/* ------------------------------------------------------------------------ */

static const char *pref_keys_file = "";

static bcastdec_keystore *store;  /* key file + UAT rows; borrowed by |session| */
static bcastdec_session *session; /* one per capture file */

/* What was last loaded from the key file, to notice changes on disk. */
static gboolean kf_known;
static char *kf_path;
static gint64 kf_mtime, kf_size, kf_ino;

/* The last warning given, so the same problem is reported once. */
static char *last_warning;

/* ------------------------------------------------------------------------ */
/* UAT bcast_keys                                                           */
/* ------------------------------------------------------------------------ */

#define ROW_ROLE_GBA 16 /* not a key role: a GBA line derives SMK + SRK */

typedef struct bcast_key_row {
    guint role;
    char *ids;
    char *key;
    char *salt;
} bcast_key_row_t;

static bcast_key_row_t *key_rows;
static guint n_key_rows;

static const value_string row_role_vals[] = {
    { BCASTDEC_ROLE_SMK, "SMK" },
    { BCASTDEC_ROLE_SRK, "SRK" },
    { BCASTDEC_ROLE_SEK, "SEK" },
    { BCASTDEC_ROLE_PEK, "PEK" },
    { BCASTDEC_ROLE_TEK, "TEK" },
    { ROW_ROLE_GBA,      "GBA" },
    { 0, NULL }
};

static void
wipe_free(char *s)
{
    if (s != NULL) {
        bcastdec_memzero(s, strlen(s));
        g_free(s);
    }
}

UAT_VS_DEF(bcast_key_rows, role, bcast_key_row_t, guint, BCASTDEC_ROLE_SMK, "SMK")
UAT_CSTRING_CB_DEF(bcast_key_rows, ids, bcast_key_row_t)

/* Key and salt: like UAT_CSTRING_CB_DEF, but the old value is wiped. */
static void
bcast_key_rows_key_set_cb(void *rec, const char *buf, guint len, const void *u1 _U_,
                          const void *u2 _U_)
{
    bcast_key_row_t *r = (bcast_key_row_t *)rec;
    wipe_free(r->key);
    r->key = g_strndup(buf, len);
}

static void
bcast_key_rows_key_tostr_cb(void *rec, char **out, unsigned *out_len, const void *u1 _U_,
                            const void *u2 _U_)
{
    const bcast_key_row_t *r = (const bcast_key_row_t *)rec;
    *out = g_strdup(r->key != NULL ? r->key : "");
    *out_len = (unsigned)strlen(*out);
}

static void
bcast_key_rows_salt_set_cb(void *rec, const char *buf, guint len, const void *u1 _U_,
                           const void *u2 _U_)
{
    bcast_key_row_t *r = (bcast_key_row_t *)rec;
    wipe_free(r->salt);
    r->salt = g_strndup(buf, len);
}

static void
bcast_key_rows_salt_tostr_cb(void *rec, char **out, unsigned *out_len, const void *u1 _U_,
                             const void *u2 _U_)
{
    const bcast_key_row_t *r = (const bcast_key_row_t *)rec;
    *out = g_strdup(r->salt != NULL ? r->salt : "");
    *out_len = (unsigned)strlen(*out);
}

static void *
row_copy_cb(void *dest, const void *src, size_t len _U_)
{
    bcast_key_row_t *d = (bcast_key_row_t *)dest;
    const bcast_key_row_t *s = (const bcast_key_row_t *)src;
    d->role = s->role;
    d->ids = g_strdup(s->ids);
    d->key = g_strdup(s->key);
    d->salt = g_strdup(s->salt);
    return d;
}

static void
row_free_cb(void *rec)
{
    bcast_key_row_t *r = (bcast_key_row_t *)rec;
    g_free(r->ids);
    wipe_free(r->key);
    wipe_free(r->salt);
    r->ids = r->key = r->salt = NULL;
}

/*
 * The key-file line of a row (g_malloc'd; the caller wipes and frees it),
 * or NULL with *err set (g_malloc'd).
 */
static char *
row_to_line(const bcast_key_row_t *r, char **err)
{
    const char *role = try_val_to_str(r->role, row_role_vals);
    char *ids = g_strstrip(g_strdup(r->ids != NULL ? r->ids : ""));
    char *key = g_strstrip(g_strdup(r->key != NULL ? r->key : ""));
    char *salt = g_strstrip(g_strdup(r->salt != NULL ? r->salt : ""));
    char *line = NULL;

    if (role == NULL) {
        *err = g_strdup("Role must be SMK, SRK, SEK, PEK, TEK or GBA");
    } else if (*key == '\0') {
        *err = g_strdup("the Key column is empty");
    } else if (*salt != '\0' && r->role != BCASTDEC_ROLE_TEK) {
        *err = g_strdup("a salt is only given for a TEK");
    } else if (r->role == ROW_ROLE_GBA) {
        /* Identity/IDs = "<identity> rand=<hex> impi=<text> naf=<fqdn> [mode=u|me]";
         * the Key column holds Ks. */
        char *sp = strpbrk(ids, " \t");
        if (sp != NULL)
            *sp++ = '\0';
        line = g_strdup_printf("GBA %s ks=%s %s", ids, key, sp != NULL ? sp : "");
    } else {
        line = g_strdup_printf("%s %s %s%s%s", role, ids, key, *salt != '\0' ? " " : "", salt);
    }
    g_free(ids);
    wipe_free(key);
    wipe_free(salt);
    return line;
}

/*
 * Parses the row with the library into |ks| (a scratch store when
 * validating).  Returns FALSE with *err set when the library refuses it.
 */
static gboolean
row_parse(const bcast_key_row_t *r, bcastdec_keystore *ks, char **err)
{
    bcastdec_diag diag;
    bcastdec_status st;
    size_t before = bcastdec_keystore_count(ks, 0);
    char *line = row_to_line(r, err);

    if (line == NULL)
        return FALSE;
    memset(&diag, 0, sizeof diag);
    st = bcastdec_keystore_add_line(ks, line, &diag);
    wipe_free(line);
    if (st != BCASTDEC_OK) {
        *err = g_strdup_printf("%s", diag.msg[0] != '\0' ? diag.msg : bcastdec_strerror(st));
        return FALSE;
    }
    if (bcastdec_keystore_count(ks, 0) == before) {
        *err = g_strdup("the row gives no key (is there a '#' in it?)");
        return FALSE;
    }
    return TRUE;
}

static gboolean
row_update_cb(void *rec, char **err)
{
    bcastdec_keystore *tmp = bcastdec_keystore_new();
    gboolean ok;

    if (tmp == NULL) {
        *err = g_strdup("out of memory");
        return FALSE;
    }
    ok = row_parse((const bcast_key_row_t *)rec, tmp, err);
    bcastdec_keystore_free(tmp);
    return ok;
}

/* Adds the keys of every UAT row to |store|, marked with their row. */
static void
store_add_rows(void)
{
    for (guint i = 0; i < n_key_rows; i++) {
        bcastdec_keystore *tmp = bcastdec_keystore_new();
        char *err = NULL;

        if (tmp == NULL)
            return;
        if (row_parse(&key_rows[i], tmp, &err)) {
            for (const bcastdec_key *k = bcastdec_keystore_next(tmp, 0, NULL); k != NULL;
                 k = bcastdec_keystore_next(tmp, 0, k)) {
                bcastdec_key c = *k;
                c.origin = BCAST_ORIGIN_UAT;
                c.origin_ref = i + 1;
                if (bcastdec_keystore_add(store, &c) != BCASTDEC_OK)
                    report_warning("bcast: key table (bcast_keys) row %u could not be added", i + 1);
                bcastdec_memzero(&c, sizeof c);
            }
        }
        g_free(err); /* rows were validated when entered */
        bcastdec_keystore_free(tmp);
    }
}

/* ------------------------------------------------------------------------ */
/* Key file                                                                 */
/* ------------------------------------------------------------------------ */

/* report_warning(), unless this exact message was the last one given. */
static void
warn_once(char *msg)
{
    if (last_warning != NULL && strcmp(last_warning, msg) == 0) {
        g_free(msg);
        return;
    }
    report_warning("%s", msg);
    g_free(last_warning);
    last_warning = msg;
}

static void
kf_forget(void)
{
    kf_known = FALSE;
    g_free(kf_path);
    kf_path = NULL;
}

/* Loads (or merges, when re-reading) the key file into |store|. */
static void
kf_load(void)
{
    const char *path = pref_keys_file;
    GStatBuf st;
    bcastdec_diag diag;
    bcastdec_status rc;

    kf_forget();
    if (path == NULL || *path == '\0' || store == NULL)
        return;
    if (g_stat(path, &st) != 0) {
        warn_once(g_strdup_printf("bcast: cannot read the key file \"%s\" (preference "
                                  "bcast.keys_file): %s. Messages are decoded without its keys.",
                                  path, g_strerror(errno)));
        return;
    }
    kf_known = TRUE;
    kf_path = g_strdup(path);
    kf_mtime = (gint64)st.st_mtime;
    kf_size = (gint64)st.st_size;
    kf_ino = (gint64)st.st_ino;

    memset(&diag, 0, sizeof diag);
    rc = bcastdec_keystore_load_file(store, path, &diag);
    if (rc != BCASTDEC_OK) {
        warn_once(g_strdup_printf("bcast: the key file \"%s\" (preference bcast.keys_file) was "
                                  "not loaded: %s. Messages are decoded without its keys.",
                                  path, diag.msg[0] != '\0' ? diag.msg : bcastdec_strerror(rc)));
        return;
    }
    g_free(last_warning);
    last_warning = NULL;
}

/* When the key file was last looked at (g_get_monotonic_time()). */
static gint64 kf_checked_at;
/* At most one stat() per millisecond: with a message every few microseconds
 * the stat() would cost more than the decryption.  A change on disk is seen
 * at the latest by the first message dissected a millisecond after it. */
#define KF_CHECK_INTERVAL_US 1000

/* First pass: re-reads the key file when it changed since it was loaded. */
static void
kf_check_changed(void)
{
    const char *path = pref_keys_file;
    GStatBuf st;
    gint64 now;

    if (path == NULL || *path == '\0' || store == NULL)
        return;
    now = g_get_monotonic_time();
    if (now - kf_checked_at < KF_CHECK_INTERVAL_US)
        return;
    kf_checked_at = now;
    if (g_stat(path, &st) != 0)
        return; /* gone: keep the keys already loaded; reported when opened */
    if (kf_known && kf_path != NULL && strcmp(kf_path, path) == 0 &&
        (gint64)st.st_mtime == kf_mtime && (gint64)st.st_size == kf_size &&
        (gint64)st.st_ino == kf_ino)
        return;
    kf_load();
    store_add_rows(); /* rows keep priority over file keys of the same address */
}

/* ------------------------------------------------------------------------ */
/* Interface                                                                */
/* ------------------------------------------------------------------------ */

void
bcast_keys_register_prefs(module_t *module)
{
    static uat_field_t fields[] = {
        UAT_FLD_VS(bcast_key_rows, role, "Role", row_role_vals,
                   "SMK (= MUK), SRK (= MRK), SEK, PEK, TEK, or GBA (derives SMK and SRK)"),
        UAT_FLD_CSTRING(bcast_key_rows, ids, "Identity / IDs",
                        "SMK/SRK: subscriber identity (B-TID or NAI) or * for any LTKM; "
                        "SEK/PEK: <kdid hex> <SEK/PEK ID hex>; "
                        "TEK: <kdid> <SEK/PEK ID> <TEK ID>; "
                        "GBA: <identity> rand=<hex> impi=<IMPI> naf=<NAF FQDN> [mode=u|me]"),
        UAT_FLD_CSTRING_OTHER(bcast_key_rows, key, "Key (hex)", uat_fld_chk_str,
                              "The key in hex (GBA: Ks = CK || IK)"),
        UAT_FLD_CSTRING_OTHER(bcast_key_rows, salt, "Salt (hex)", uat_fld_chk_str,
                              "TEK only, optional: the SRTP master salt in hex"),
        UAT_END_FIELDS
    };
    uat_t *uat;

    prefs_register_filename_preference(module, "keys_file", "Key file",
        "A bcastdec key file (format: keys/README.md of bcastdec): SMK/MUK, SRK, SEK, PEK, "
        "TEK and GBA lines. Re-read when it changes on disk.",
        &pref_keys_file, FALSE);

    uat = uat_new("BCAST keys", sizeof(bcast_key_row_t), "bcast_keys", TRUE, &key_rows,
                  &n_key_rows, UAT_AFFECTS_DISSECTION, NULL, row_copy_cb, row_update_cb,
                  row_free_cb, NULL, NULL, fields);
    prefs_register_uat_preference(module, "keys_table", "Key table",
        "Keys in the same form as key-file lines; applied after the key file.", uat);
}

void
bcast_keys_file_open(const bcastdec_opts *opts)
{
    bcast_keys_file_close();
    bcastdec_keystore_free(store);
    store = bcastdec_keystore_new();
    if (store == NULL)
        return;
    kf_load();
    store_add_rows();
    session = bcastdec_session_new(store, opts);
}

void
bcast_keys_file_close(void)
{
    bcastdec_session_free(session);
    session = NULL;
}

bcastdec_session *
bcast_keys_session(gboolean first_pass)
{
    if (first_pass && session != NULL)
        kf_check_changed();
    return session;
}

const bcastdec_keystore *
bcast_keys_store(void)
{
    return store;
}

void
bcast_keys_shutdown(void)
{
    bcast_keys_file_close();
    bcastdec_keystore_free(store);
    store = NULL;
    kf_forget();
    g_free(last_warning);
    last_warning = NULL;
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
