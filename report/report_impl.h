/* SPDX-License-Identifier: MIT */
/*
 * report/report_impl.h -- what the renderers of report/ share (text.c,
 * perfetto.c, html.c, picture.c); not for callers outside report/.
 */
#ifndef LOCKSTEP_REPORT_IMPL_H
#define LOCKSTEP_REPORT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/report.h"
#include "sim/sim.h"

/*
 * report_row -- the row of the column diagram that event i of ev[0..n)
 * makes, in text ("" when it is not drawn: field accesses, an open file's
 * own reference); returns the index of the last event the row stands
 * for (a lock taken and dropped with nothing between is one row: the
 * release is skipped).  The next row starts after it.
 */
uint32_t report_row(const struct sim_event *ev, uint32_t n, uint32_t i,
		    char *text, size_t len);

/*
 * report_racing -- which operations the finding names (its 'what' and
 * its evidence: "read(a, 0, 4096) by reader", "... by gup in
 * get_user_pages, during pin(m, 0, 8192) as p"): for each event, 0 when
 * the operation it belongs to is not named, 1 when it is, 2 for the
 * finding's own operation.  'mark' has n entries.
 */
void report_racing(const struct report_in *in, const struct sim_event *ev,
		   uint32_t n, uint8_t *mark);

/* report_result_text -- "= ok", "= -EFAULT" (or "= -117" for a value the
 * scenario format has no name for): an operation's result as drawn. */
void report_result_text(int32_t res, char *buf, size_t len);

#endif
