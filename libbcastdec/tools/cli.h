/* SPDX-License-Identifier: MIT */
/* Pieces shared by the bcastdec CLI's subcommands. */
#ifndef BCASTDEC_TOOLS_CLI_H
#define BCASTDEC_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <bcastdec/bcastdec.h>

#define EXIT_FINDINGS 1
#define EXIT_INPUT 2

/* Whole file (or stdin for "-"); NULL with a message on stderr. */
uint8_t *cli_read_file(const char *path, size_t *len);
/* Loads a key file into |ks|; 0 with a message (file:line, no key bytes). */
int cli_load_keys(bcastdec_keystore *ks, const char *path);
/* A number 0..255 (decimal or 0x hex). */
int cli_parse_u8(const char *s, uint8_t *out);

int cmd_http(int argc, char **argv);
int cmd_xml(int argc, char **argv);

#endif
