/* SPDX-License-Identifier: MIT */
/*
 * oracle/oracle.h -- the data oracles of a scenario's executions: each
 * file's history, and stale-read and lost-write verdicts on what reads
 * returned (SPEC.md 4).
 *
 * Owns: struct oracle, one per scenario run, and the files' histories
 * (oracle/stamp.h), started afresh by oracle_reset() before each
 * execution.  An operation that changes a file is entered in the file's
 * history over its logical interval: oracle_begin() or oracle_copy() at
 * its start, oracle_trim() if it changed less, oracle_end() when it ends.
 * A read is checked when it returns (oracle_check_read), and the final
 * reads of each file once every operation has finished.  Lost-block is
 * the core's invariant (core_check_blocks), applied by the engine.
 *
 * Instants are the scheduler's (sim_now), and each one an operation's
 * interval or a read's check takes is announced to the systematic search
 * (oracle_touch): the verdicts depend on the order of a read's instants
 * against a write's, and of two writes', and on nothing else.
 *
 * Calls sim/ (instants, announcements) and scenarios/ (to name the
 * operation that wrote a word), never the engine: whoever runs the
 * operations passes what the oracle needs.  Used by one execution at a
 * time, from whichever thread runs (the scheduler runs one at a time).
 */
#ifndef LOCKSTEP_ORACLE_ORACLE_H
#define LOCKSTEP_ORACLE_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oracle/stamp.h"
#include "scenarios/scen.h"

struct oracle;

/* oracle_new -- the oracle of sc's executions (sc must outlive it); NULL
 * when out of memory. */
struct oracle *oracle_new(const struct scen *sc);
void oracle_free(struct oracle *o);

/* oracle_reset -- before an execution: every file holds its initial
 * content, stamped as written by op id 0, and nothing else. */
void oracle_reset(struct oracle *o);

/* oracle_op_id -- the op id (the stamps') of thread tid's operation op:
 * the operations are numbered from 1, thread after thread. */
uint32_t oracle_op_id(const struct oracle *o, int tid, int op);

/*
 * oracle_touch -- the instant just taken (sim_now()) is the start or end
 * of an interval of file's history (-1: of any file's, where the file is
 * not known yet): a write's, or a read's to be checked against it.
 * Announced to the systematic search (sim_touch).
 */
void oracle_touch(int file, bool write);

/* oracle_begin -- op 'id' starts changing [lo, hi) of file at instant rs
 * (kind: its stamps, or zeros); returns its slot. */
uint32_t oracle_begin(struct oracle *o, int file, uint32_t id,
		      enum hist_kind kind, uint64_t lo, uint64_t hi,
		      uint32_t rs);
/* oracle_copy -- op 'id' starts writing bytes that came from elsewhere (a
 * read's buffer, a clone's source) to [lo, hi) of file: 'data' holds them
 * by the time each reaches the file, and lives as long as the execution. */
uint32_t oracle_copy(struct oracle *o, int file, uint32_t id, uint64_t lo,
		     uint64_t hi, const void *data, uint32_t rs);
/* oracle_trim -- the operation changed its range up to hi only (a short
 * write; hi at or below its start: nothing, it failed). */
void oracle_trim(struct oracle *o, int file, uint32_t slot, uint64_t hi);
/* oracle_end -- the operation in 'slot' of file's history ends now. */
void oracle_end(struct oracle *o, int file, uint32_t slot);

/*
 * oracle_check_read -- were the bytes buf[0..n) of file at pos, read over
 * [rs, re], values the file held at some instant of that interval?  True
 * if so; otherwise false with what was wrong in detail ("at offset 4096
 * of a, a word the file did not hold WHEN:\n    got ...\n    expected
 * ..."), naming the operations that wrote the words in the scenario's
 * terms.  Announces re (oracle_touch).
 */
bool oracle_check_read(const struct oracle *o, int file, const void *buf,
		       uint64_t pos, uint64_t n, uint32_t rs, uint32_t re,
		       const char *when, char *detail, size_t len);

#endif
