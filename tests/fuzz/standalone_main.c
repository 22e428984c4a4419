/* SPDX-License-Identifier: MIT */
/*
 * standalone_main.c - replay driver for the fuzz targets when no fuzzing
 * engine is linked (gcc builds, BCASTDEC_ENABLE_FUZZING=OFF).
 *
 * Calls LLVMFuzzerTestOneInput() once per input, so every corpus seed and
 * every saved crash runs under ctest (and under ASan/UBSan in build-asan/).
 * Usage: fuzz_<name> [-flag...] PATH...
 *   PATH a directory: every regular file directly in it, in sorted order;
 *   PATH a file: that file.  Arguments starting with '-' are libFuzzer flags
 *   and are ignored, so one command line works with both drivers.
 * Exit status: 0 if at least one input ran and every path could be read,
 * 1 otherwise.  A finding aborts the process (sanitizer) as with libFuzzer.
 *
 * Each input is copied into a heap buffer of exactly its size, so ASan sees
 * a read one byte past the end.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional, as in libFuzzer: a target may define it to set itself up. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned long n_ran;

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "standalone_main: %s: %s\n", path, strerror(errno));
    return -1;
  }
  size_t cap = 4096, size = 0;
  uint8_t *tmp = malloc(cap);
  if (tmp == NULL) {
    fclose(f);
    return -1;
  }
  for (;;) {
    size_t n = fread(tmp + size, 1, cap - size, f);
    size += n;
    if (size < cap) {
      break;
    }
    uint8_t *bigger = realloc(tmp, cap * 2);
    if (bigger == NULL) {
      free(tmp);
      fclose(f);
      return -1;
    }
    tmp = bigger;
    cap *= 2;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    fprintf(stderr, "standalone_main: %s: read error\n", path);
    free(tmp);
    return -1;
  }

  /* Exact-size copy: no slack after the input for an over-read to hide in. */
  uint8_t *data = malloc(size);
  if (data == NULL && size == 0) {
    data = malloc(1);
  }
  if (data == NULL) {
    free(tmp);
    return -1;
  }
  if (size > 0) {
    memcpy(data, tmp, size);
  }
  free(tmp);

  fprintf(stderr, "Running: %s (%zu bytes)\n", path, size);
  LLVMFuzzerTestOneInput(data, size);
  free(data);
  n_ran++;
  return 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) {
    fprintf(stderr, "standalone_main: %s: %s\n", dir, strerror(errno));
    return -1;
  }
  char **paths = NULL;
  size_t n = 0, cap = 0;
  int rv = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
      continue;
    }
    size_t len = strlen(dir) + 1 + strlen(e->d_name) + 1;
    char *p = malloc(len);
    if (p == NULL) {
      rv = -1;
      break;
    }
    snprintf(p, len, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
      free(p);
      continue;
    }
    if (n == cap) {
      size_t ncap = cap ? cap * 2 : 64;
      char **bigger = realloc(paths, ncap * sizeof(*paths));
      if (bigger == NULL) {
        free(p);
        rv = -1;
        break;
      }
      paths = bigger;
      cap = ncap;
    }
    paths[n++] = p;
  }
  closedir(d);

  if (n > 0) {
    qsort(paths, n, sizeof(*paths), cmp_names);
  }
  for (size_t i = 0; i < n; i++) {
    if (rv == 0 && run_file(paths[i]) != 0) {
      rv = -1;
    }
    free(paths[i]);
  }
  free(paths);
  return rv;
}

int main(int argc, char **argv) {
  int failed = 0;

  if (LLVMFuzzerInitialize != NULL) {
    LLVMFuzzerInitialize(&argc, &argv);
  }
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    struct stat st;
    if (arg[0] == '-') {
      continue; /* libFuzzer flag such as -runs=0 */
    }
    if (stat(arg, &st) != 0) {
      fprintf(stderr, "standalone_main: %s: %s\n", arg, strerror(errno));
      failed = 1;
      continue;
    }
    if ((S_ISDIR(st.st_mode) ? run_dir(arg) : run_file(arg)) != 0) {
      failed = 1;
    }
  }

  printf("standalone_main: ran %lu input%s\n", n_ran, n_ran == 1 ? "" : "s");
  if (n_ran == 0) {
    fprintf(stderr, "standalone_main: no input ran (usage: %s [-flag...] DIR|FILE...)\n",
            argc > 0 ? argv[0] : "fuzz_target");
    return 1;
  }
  return failed;
}
