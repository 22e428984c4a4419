/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bcast-keys.h - key configuration of the "bcast" Wireshark plugin: the
 * bcast.keys_file preference and the bcast_keys UAT feed one libbcastdec key
 * store; a libbcastdec session over that store lives for one capture file
 * and holds the keys learned from LTKMs/STKMs.
 */
#ifndef BCAST_KEYS_H
#define BCAST_KEYS_H

#include <epan/prefs.h>

#include <bcastdec/bcastdec.h>

/* Registers the keys_file preference and the bcast_keys UAT in |module|. */
void bcast_keys_register_prefs(module_t *module);

/*
 * Start of a capture file (init routine): rebuilds the key store from the
 * key file and the UAT rows (a missing or broken key file is reported once
 * with report_warning()) and creates the capture's session with |opts|.
 */
void bcast_keys_file_open(const bcastdec_opts *opts);

/* End of a capture file (cleanup routine): frees the session and with it
 * every learned key. */
void bcast_keys_file_close(void);

/*
 * The capture's session, or NULL when none could be created.  On the first
 * pass (|first_pass| TRUE) the key file is re-read first if it changed on
 * disk since it was last loaded (as tls.keylog_file is).
 */
bcastdec_session *bcast_keys_session(gboolean first_pass);

/* The key store (key file + key table rows; SRKs for HTTP Digest), or NULL. */
const bcastdec_keystore *bcast_keys_store(void);

/* Program exit: wipes and frees the key store. */
void bcast_keys_shutdown(void);

/* Origin value the plugin gives keys that come from a UAT row (their
 * origin_ref is the 1-based row number). */
#define BCAST_ORIGIN_UAT BCASTDEC_ORIGIN_API

#endif /* BCAST_KEYS_H */
