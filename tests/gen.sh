#!/bin/sh
# SPDX-License-Identifier: MIT
# gen.sh BIN DIR -- `lockstep gen`: the same seed gives the same files byte
# for byte, another seed other files; every file lints clean and names
# itself gen-SEED-INDEX; bad options exit 2 with a message.
BIN=$1
d=$2/gen
fail=0
bad() { echo "FAILED: gen: $*"; fail=1; }

rm -rf "$d"
"$BIN" gen -q --seed 7 --count 40 --out "$d/a" || bad "gen exited $?"
"$BIN" gen -q --seed 7 --count 40 --out "$d/b" || bad "gen exited $?"
"$BIN" gen -q --seed 8 --count 40 --out "$d/c" || bad "gen exited $?"
diff -r "$d/a" "$d/b" >/dev/null || bad "seed 7 twice: different files"
[ "$(ls "$d/a" | wc -l)" -eq 40 ] || bad "not 40 files"
cmp -s "$d/a/gen-7-0.yaml" "$d/c/gen-8-0.yaml" && bad "seeds 7 and 8 gave the same file"
"$BIN" lint -q "$d"/a/*.yaml || bad "generated files do not lint"
grep -q '^name: gen-7-3$' "$d/a/gen-7-3.yaml" || bad "name"
grep -q '^kernel: v5.15$' "$d/a/gen-7-3.yaml" || bad "default kernel"
"$BIN" gen -q --seed 7 --count 3 --kernel v5.8 --out "$d/k" &&
	grep -q '^kernel: v5.8$' "$d/k/gen-7-0.yaml" || bad "--kernel v5.8"
# every operation, and each into: variant, somewhere in 40 programs
for op in read write dio_read dio_write punch_hole truncate readahead mmap \
	  load store munmap pin dma_write unpin set_dax statx evict fsync clone; do
	grep -q "^      - $op: " "$d"/a/*.yaml || bad "no $op in 40 programs"
done
for op in read dio_read dio_write; do
	grep -q "^      - $op: .*into:" "$d"/a/*.yaml || bad "no $op into: in 40 programs"
done
grep -q 'may_fail' "$d"/a/*.yaml || bad "no may_fail in 40 programs"
# A DMA through a pin into a page another thread may punch part of, with
# 1 KiB blocks: Linux loses the DMA's bytes over the freed blocks at
# writeback, so gen keeps away (gen_pin_punches); program 377 of seed 22
# at v6.6 had one and found a lost-write.
"$BIN" gen -q --seed 22 --count 378 --kernel v6.6 --schedules 100 \
	--out "$d/p" || bad "gen seed 22 exited $?"
"$BIN" run -q --out "$d/p.out" "$d/p/gen-22-377.yaml" >"$d.out" 2>&1 ||
	bad "gen-22-377 at v6.6: $(cat "$d.out")"
# A write(2) to a DAX file with holes while another thread's write fault
# is between allocating the block and unmapping the zero page a third
# mapping's load put there: Linux's own stale read, so gen keeps away
# (gen_dax_zero_writes); program 3652 of seed 41 at v5.15 had one, found
# by fuzz --generate under random with this seed.
"$BIN" gen -q --seed 41 --count 3653 --kernel v5.15 --schedules 50 \
	--out "$d/z" || bad "gen seed 41 exited $?"
"$BIN" run -q --strategy random --seed 3965122564481496253 --schedules 10 \
	--out "$d/z.out" "$d/z/gen-41-3652.yaml" >"$d.out" 2>&1 ||
	bad "gen-41-3652 at v5.15: $(cat "$d.out")"
for args in "--count x" "--kernel v9" "--kernel nope" "--seed -1" "--bogus" \
	    "--out /dev/null/x" "extra"; do
	# shellcheck disable=SC2086
	"$BIN" gen -q $args --out "${d}/e" >"$d.out" 2>&1
	rc=$?
	case "$args" in --out*) "$BIN" gen -q $args >"$d.out" 2>&1; rc=$? ;; esac
	[ $rc -eq 2 ] && grep -q 'lockstep gen: ' "$d.out" ||
		bad "'gen $args': exit $rc, $(cat "$d.out")"
done
"$BIN" gen --help | grep -q 'usage: lockstep gen' || bad "gen --help"
"$BIN" --help | grep -q '  gen --seed N' || bad "lockstep --help lacks gen"
[ $fail -eq 0 ] && echo "ok   gen: same seed same files, lint-clean, every operation, bad input exit 2"
exit $fail
