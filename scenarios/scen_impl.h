/* SPDX-License-Identifier: MIT */
/*
 * scenarios/scen_impl.h -- private to scenarios/: the YAML access layer
 * (scen_util.c) that the loader (scen_load.c) reads a file with, and the
 * vocabulary helpers both use.  Nothing outside scenarios/ includes it.
 *
 * Every error goes through scen_fail(), which keeps the first error at a
 * node's position and returns -1.
 */
#ifndef LOCKSTEP_SCENARIOS_SCEN_IMPL_H
#define LOCKSTEP_SCENARIOS_SCEN_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "scenarios/scen.h"

#define ARRAY_LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))

int scen_fail(struct scen_error *err, const yaml_node_t *n, const char *fmt,
	      ...) __attribute__((format(printf, 3, 4)));
int scen_fail_pos(struct scen_error *err, struct scen_pos pos, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));
struct scen_pos scen_pos_of(const yaml_node_t *n);
const char *scen_got(const yaml_node_t *n, char *buf, size_t size);
const char *scen_scalar(struct scen_error *err, const yaml_node_t *n,
			const char *what);
int scen_get_u64(struct scen_error *err, const yaml_node_t *n, uint64_t *out);
int scen_get_range(struct scen_error *err, const yaml_node_t *n,
		   const char *what, uint64_t lo, uint64_t hi, uint64_t *out);
int scen_get_bool(struct scen_error *err, const yaml_node_t *n, bool *out);
int scen_get_name(struct scen_error *err, const yaml_node_t *n,
		  const char *what, bool underscore, char *buf);
const char *scen_join(const char *base, size_t stride, int n, char *buf,
		      size_t size);
const char *scen_join_ptrs(const char *const *names, int n, char *buf,
			   size_t size);
int scen_find(const char *name, const char *base, size_t stride, int n);
int scen_lookup(struct scen_error *err, const yaml_node_t *n, const char *kind,
		const char *const *names, int count, const char *extra);
int scen_fields(struct scen_error *err, yaml_document_t *doc,
		const yaml_node_t *n, const char *what, const char *const *keys,
		int nkeys, unsigned allowed, yaml_node_t **vals);
int scen_missing(struct scen_error *err, const yaml_node_t *map,
		 const char *key, const char *what);
int scen_seq(struct scen_error *err, yaml_document_t *doc, const yaml_node_t *n,
	     const char *what, int max);
int scen_yaml_load(const char *path, yaml_document_t *doc, uint64_t *hash,
		   char **text, size_t *len, struct scen_error *err);
int scen_nearest(const char *word, const char *const *cands, int n);
int scen_errno_value(const char *name);
extern const char *const scen_errno_names[];
extern const int scen_nerrno;

#endif
