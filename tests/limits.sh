#!/bin/sh
# SPDX-License-Identifier: MIT
# limits.sh BIN TMPDIR -- bounded on any input, nothing lost silently
# (issue 13): the loader's nesting limit and memory budget, forged traces,
# the step limit as a livelock, outputs that cannot be written (a file as
# --out, a missing directory, a full tmpfs, a read-only bind mount; the
# mounts are skipped, saying so, where mounting is not allowed), two
# campaigns on one --out.  Times and memory are printed, never asserted.
BIN=$1
T=$2/limits
mkdir -p "$T"
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
now() { date +%s.%N; }

# 100,000 nested [ : refused at the first collection past the limit.
awk 'BEGIN { s = ""; for (i = 0; i < 100000; i++) s = s "["; print s }' > "$T/nest.yaml"
t0=$(now)
"$BIN" lint "$T/nest.yaml" > "$T/nest.txt" 2>&1; rc=$?
t1=$(now)
if [ $rc -eq 2 ] && grep -q "nest.yaml:1:33: error: nested more than 32 levels" "$T/nest.txt"; then
	ok "100,000 nested [: exit 2 at 1:33 ($(awk "BEGIN { printf \"%.3f\", $t1 - $t0 }") s)"
else
	bad "100,000 nested [ (exit $rc)"; head -c 300 "$T/nest.txt"
fi

# 16 threads x 64 reads of nearly 2^64 bytes: refused by lint, at the
# operation that takes the execution past its memory budget.
{
	printf 'lockstep: 1\nname: huge-reads\nfiles:\n  - name: a\n    size: 16384\nthreads:\n'
	for t in $(seq 16); do
		printf '  - name: t%d\n    ops:\n' "$t"
		for o in $(seq 64); do
			printf '      - read: {file: a, offset: 0, len: 18446744073709547520}\n'
		done
	done
} > "$T/huge.yaml"
"$BIN" lint "$T/huge.yaml" > "$T/huge.txt" 2>&1; rc=$?
if [ $rc -eq 2 ] && grep -q "huge.yaml:12:9: error: this operation takes the memory one execution needs to 257 MiB, past the limit of 256 MiB" "$T/huge.txt"; then
	ok "16 x 64 reads of 2^64 bytes: lint exit 2 at the 4th read"
else
	bad "16 x 64 huge reads (exit $rc)"; cat "$T/huge.txt"
fi
# Within the budget, a read longer than the file costs what it reads.
sed -n '1,10p' "$T/huge.yaml" | sed 's/name: huge-reads/name: three-huge-reads/' > "$T/three.yaml"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%M' "$BIN" run -q --schedules 20 --out "$T/o" "$T/three.yaml" \
		> /dev/null 2> "$T/three.time"; rc=$?
	kb=$(tail -1 "$T/three.time")
else
	"$BIN" run -q --schedules 20 --out "$T/o" "$T/three.yaml" > /dev/null 2>&1; rc=$?
	kb="(no /usr/bin/time)"
fi
[ $rc -eq 0 ] && ok "three reads of 2^64 bytes of a 16 KiB file run (max RSS $kb KiB)" ||
	bad "three huge reads: exit $rc"

# Forged traces: exit 2 at once, with the line at fault.
"$BIN" run -q --out "$T/o" scenarios/punch-hole-vs-read.yaml > /dev/null
TR=$T/o/punch-hole-vs-read.stale-read.trace
forge() {	# name, sed expression, expected message
	sed "$2" "$TR" > "$T/$1.trace"
	"$BIN" replay "$T/$1.trace" > "$T/$1.txt" 2>&1; rc=$?
	"$BIN" minimize "$T/$1.trace" > "$T/$1.min.txt" 2>&1; rc2=$?
	if [ $rc -eq 2 ] && [ $rc2 -eq 2 ] && grep -qF -- "$3" "$T/$1.txt"; then
		ok "forged trace, $1: replay and minimize exit 2"
	else
		bad "forged trace, $1 (replay $rc, minimize $rc2)"; cat "$T/$1.txt"
	fi
}
forge strategy 's/^strategy: .*/strategy: bogus/' ":6: strategy 'bogus' is not one a run writes"
forge depth 's/^depth: .*/depth: -5/' ":8: bad depth (0..16)"
forge prior 's/^strategy: .*/strategy: dfs/; s/^execution: .*/execution: 100000001\nprior-executions: 100000000/' \
	":11: prior-executions 100000000: a dfs replay runs every execution up to the last prior one, at most 1048576"
forge prior-order 's/^execution: .*/execution: 3\nprior-executions: 5/' \
	"prior-executions must increase and come before execution 3"
forge seed 's/^seed: .*/seed: 1x/' ":7: bad seed"
# ... while every strategy a run or a campaign writes stays accepted
# ("first": the calibration run of a campaign that killed its worker).
sed 's/^strategy: .*/strategy: first/' "$TR" > "$T/first.trace"
"$BIN" replay "$T/first.trace" > /dev/null 2>&1 && ok "a trace of strategy first replays" ||
	bad "a trace of strategy first is refused"

# The step limit is a livelock, with the threads' positions; never a crash,
# and reported though check: does not list it.
LOCKSTEP_MAX_STEPS=10 "$BIN" run --out "$T/ll" --json "$T/ll.json" \
	scenarios/punch-hole-vs-read-5.15.yaml > "$T/ll.txt" 2>&1; rc=$?
if [ $rc -eq 1 ] && grep -q '^livelock: the threads never finished' "$T/ll.txt" &&
   grep -q '^    puncher: at punch_hole(a, 4096, 4096), operation 1 of 3' "$T/ll.txt" &&
   grep -q '"livelock"' "$T/ll.json" && ! grep -q crash "$T/ll.txt" &&
   LOCKSTEP_MAX_STEPS=10 "$BIN" replay "$T/ll/punch-hole-vs-read-5-15.livelock.trace" > /dev/null 2>&1; then
	ok "the step limit: a livelock finding with the threads' positions (exit 1), replayable"
else
	bad "the step limit as a livelock (exit $rc)"; tail -12 "$T/ll.txt"
fi

# Outputs that cannot be written: a message on stderr and a non-zero exit,
# with and without -q; nothing half-written is left behind.
S=scenarios/punch-hole-vs-read.yaml
: > "$T/afile"
lost() {	# description, expected exit, expected message, lockstep args...
	d=$1 want=$2 msg=$3
	shift 3
	for q in "" -q; do
		"$BIN" run $q "$@" "$S" > "$T/lost.out" 2> "$T/lost.err"; rc=$?
		if [ $rc -eq "$want" ] && grep -qF -- "$msg" "$T/lost.err"; then
			ok "$d${q:+ (-q)}: exit $rc, '$msg'"
		else
			bad "$d${q:+ (-q)}: exit $rc, wanted $want and '$msg'"
			cat "$T/lost.err"
		fi
	done
}
lost "--out naming a file" 2 "--out $T/afile: not a directory" --out "$T/afile"
lost "--out in a missing directory" 2 "--out $T/none/x: No such file or directory" --out "$T/none/x"
lost "--json in a missing directory" 2 "--json $T/none/r.json: $T/none is not a directory" \
	--out "$T/o" --json "$T/none/r.json"
lost "--junit under a file" 2 "--junit $T/afile/j.xml: $T/afile is not a directory" \
	--out "$T/o" --junit "$T/afile/j.xml"
lost "--json naming a directory" 3 "--json $T/o: cannot write it: Is a directory" \
	--out "$T/o" --json "$T/o"

M=$T/mnt
mkdir -p "$M" "$T/rosrc"
if mount -t tmpfs -o size=1m tmpfs "$M" 2>/dev/null; then
	head -c 2M /dev/zero > "$M/fill" 2>/dev/null
	mkdir -p "$M/out"
	lost "a full 1 MiB tmpfs: the trace" 3 "trace not saved: $M/out/punch-hole-vs-read.stale-read.trace: No space left on device" --out "$M/out"
	lost "a full 1 MiB tmpfs: --json" 3 "--json $M/r.json: cannot write it: No space left on device" \
		--out "$T/o" --json "$M/r.json"
	lost "a full 1 MiB tmpfs: --junit" 3 "--junit $M/j.xml: cannot write it: No space left on device" \
		--out "$T/o" --junit "$M/j.xml"
	left=$(find "$M" -type f ! -name fill | wc -l)
	if [ "$left" -eq 0 ]; then ok "a full tmpfs: no partial file left"; else
		bad "a full tmpfs: $left partial files left"; find "$M" -type f; fi
	umount "$M"
else
	echo "skip a full 1 MiB tmpfs: mounting is not allowed here"
fi
if mount --bind "$T/rosrc" "$M" 2>/dev/null &&
   mount -o remount,bind,ro "$M" 2>/dev/null; then
	lost "a read-only directory (bind mount): the trace" 3 "trace not saved: $M/punch-hole-vs-read.stale-read.trace: Read-only file system" --out "$M"
	lost "a read-only directory (bind mount): --json" 3 "--json $M/r.json: cannot write it: Read-only file system" \
		--out "$T/o" --json "$M/r.json"
	umount "$M"
else
	umount "$M" 2>/dev/null
	echo "skip a read-only bind mount: mounting is not allowed here"
fi

# Two campaigns on one --out: the second, resumed or not, is refused.
F=scenarios/punch-hole-vs-read-5.15.yaml
"$BIN" fuzz -q --time 4 --jobs 1 --out "$T/camp" "$F" > "$T/camp1.txt" 2>&1 &
pid=$!
for i in $(seq 50); do [ -e "$T/camp/campaign" ] && break; sleep 0.1; done
"$BIN" fuzz -q --time 1 --jobs 1 --out "$T/camp" --resume "$F" > "$T/camp2.txt" 2>&1; rc2=$?
"$BIN" fuzz -q --time 1 --jobs 1 --out "$T/camp" --fresh "$F" > "$T/camp3.txt" 2>&1; rc3=$?
wait $pid; rc1=$?
if [ $rc1 -eq 0 ] && [ $rc2 -eq 2 ] && [ $rc3 -eq 2 ] &&
   grep -q "another campaign is running on it" "$T/camp2.txt" &&
   grep -q "another campaign is running on it" "$T/camp3.txt"; then
	ok "two campaigns on one --out: the second (--resume or --fresh) exits 2 and says why"
else
	bad "two campaigns on one --out (first $rc1, --resume $rc2, --fresh $rc3)"
	cat "$T/camp2.txt" "$T/camp3.txt"
fi
"$BIN" fuzz -q --time 1 --jobs 1 --out "$T/camp" --resume "$F" > /dev/null 2>&1 &&
	ok "--resume once the first has ended" || bad "--resume after the first campaign ended"

# merge: --out a file is refused (2); what it cannot write is exit 3.
"$BIN" merge -q "$T/camp" --out "$T/afile" > "$T/m1.txt" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "merge: --out $T/afile: Not a directory" "$T/m1.txt" &&
	ok "merge --out naming a file: exit 2" || { bad "merge --out a file (exit $rc)"; cat "$T/m1.txt"; }
if mount -t tmpfs -o size=64k tmpfs "$M" 2>/dev/null; then
	head -c 100k /dev/zero > "$M/fill" 2>/dev/null
	"$BIN" merge -q "$T/camp" --out "$M/m" > "$T/m2.txt" 2>&1; rc=$?
	[ $rc -eq 3 ] && grep -q "summary.txt: No space left on device" "$T/m2.txt" &&
		ok "merge --out on a full tmpfs: exit 3, each file named" ||
		{ bad "merge --out on a full tmpfs (exit $rc)"; cat "$T/m2.txt"; }
	umount "$M"
else
	echo "skip merge on a full tmpfs: mounting is not allowed here"
fi

exit $fail
