#!/bin/sh
# SPDX-License-Identifier: MIT
# cli.sh BIN TMPDIR -- the command line's promises (SPEC.md 2, 6, 8):
# expectations and exit codes, replay byte for byte, same seed same JSON,
# bad input exit 2 with FILE:LINE:COL.
BIN=$1
T=$2/cli
mkdir -p "$T"
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

S=scenarios/punch-hole-vs-read.yaml

# The pre-fix scenario finds its race: exit 0, as expected.
"$BIN" run -q --out "$T/o1" "$S" >/dev/null; rc=$?
[ $rc -eq 0 ] && ok "v5.14 race found as expected (exit 0)" || bad "v5.14 run exit $rc"

# The same file with expect: removed now fails: exit 1.
sed '/^expect:/,$d' "$S" > "$T/noexpect.yaml"
"$BIN" run -q --out "$T/o2" "$T/noexpect.yaml" >/dev/null; rc=$?
[ $rc -eq 1 ] && ok "without expect: the violation fails the run (exit 1)" ||
	bad "without expect: exit $rc, wanted 1"

# A violation expected but not found: exit 1.
"$BIN" run -q --out "$T/o3" --fixes invalidate-lock "$S" >/dev/null; rc=$?
[ $rc -eq 1 ] && ok "expected violation not found (exit 1)" || bad "missing violation exit $rc"

# replay prints the same report as the run did, byte for byte.
"$BIN" run --out "$T/o4" "$S" | sed '/^  trace: /,$d' > "$T/run.txt"
"$BIN" replay "$T/o4/punch-hole-vs-read.stale-read.trace" > "$T/replay.txt"; rc=$?
if [ $rc -eq 0 ] && [ -s "$T/replay.txt" ] && cmp -s "$T/run.txt" "$T/replay.txt"; then
	ok "replay prints the same report"
else
	bad "replay differs (exit $rc)"; diff "$T/run.txt" "$T/replay.txt" | head -20
fi

# --strategy native (sim/native.c): the operating system picks who runs,
# so what a run finds is not asserted; the interleave: directs the start
# under the same global mutex, so the race is found at once, and its trace
# says native and replays the run's report byte for byte.
"$BIN" run --strategy native --out "$T/on" "$S" | sed '/^  trace: /,$d' > "$T/nrun.txt"
NT=$T/on/punch-hole-vs-read.stale-read.trace
"$BIN" replay "$NT" > "$T/nreplay.txt"; rc=$?
if [ $rc -eq 0 ] && grep -q '^strategy: native$' "$NT" && [ -s "$T/nrun.txt" ] &&
   cmp -s "$T/nrun.txt" "$T/nreplay.txt"; then
	ok "native: the directed race found, its trace replays the same report"
else
	bad "native run or replay differs (exit $rc)"; diff "$T/nrun.txt" "$T/nreplay.txt" | head -20
fi
sed 's/^strategy: native$/strategy: native\nprior-executions: 0/; s/^execution: 0$/execution: 1/' "$NT" > "$T/nprior.trace"
"$BIN" replay "$T/nprior.trace" >/dev/null 2>"$T/err.txt"; rc=$?
[ $rc -eq 2 ] && grep -q "native run's earlier executions" "$T/err.txt" &&
	ok "a native trace naming prior executions is refused (exit 2)" ||
	bad "native trace with prior executions: exit $rc"

# Every finding has its pictures beside its trace, and replay draws the
# same ones, byte for byte: beside the trace, or under --out.
P=$T/o4/punch-hole-vs-read.stale-read
if [ -s "$P.perfetto.json" ] && [ -s "$P.html" ]; then
	cp "$P.perfetto.json" "$T/run.perfetto.json"; cp "$P.html" "$T/run.html"
	rm -f "$P.perfetto.json" "$P.html"
	"$BIN" replay "$P.trace" >/dev/null 2>&1
	"$BIN" replay --out "$T/rp" "$P.trace" >/dev/null 2>&1
	if cmp -s "$T/run.perfetto.json" "$P.perfetto.json" && cmp -s "$T/run.html" "$P.html" &&
	   cmp -s "$T/run.perfetto.json" "$T/rp/punch-hole-vs-read.stale-read.perfetto.json" &&
	   cmp -s "$T/run.html" "$T/rp/punch-hole-vs-read.stale-read.html"; then
		ok "pictures beside the trace; replay draws the same bytes (beside it, and under --out)"
	else
		bad "replay's pictures differ from the run's"
	fi
else
	bad "run saved no pictures beside $P.trace"
fi

# JUnit a CI page can show: the failure's body is the text report (the
# race diagram and the finding), every case and suite has a time, and a
# tolerated kind is called tolerated.  (The times are never compared.)
"$BIN" run -q --out "$T/ju" --junit "$T/ju.xml" "$T/noexpect.yaml" \
	tests/scenarios/dfs/dfs-mmap-truncate.yaml >/dev/null 2>&1
if grep -q '<failure type="stale-read" message="stale-read: read(a, 4096, 4096) by reader">== punch-hole-vs-read: stale-read ==' "$T/ju.xml" &&
   grep -q '^  reader  *puncher$' "$T/ju.xml" &&
   grep -q '^replay: lockstep replay .*punch-hole-vs-read.stale-read.trace$' "$T/ju.xml" &&
   grep -q '<testsuite name="lockstep" tests="2" failures="1" time="[0-9.]*">' "$T/ju.xml" &&
   [ "$(grep -c '<testcase [^>]* time="[0-9.]*"' "$T/ju.xml")" -eq 2 ] &&
   grep -q '<system-out>tolerated op-result: ' "$T/ju.xml" &&
   ! grep -q 'expected op-result' "$T/ju.xml"; then
	ok "JUnit: the failure's body is the report, times on cases and suite, tolerated called tolerated"
else
	bad "JUnit lacks the report body, the times or 'tolerated'"; head -20 "$T/ju.xml"
fi

# The diagram names an operation's error as the finding does.
"$BIN" run --out "$T/en" tests/scenarios/dfs/dfs-mmap-truncate.yaml > "$T/en.txt" 2>&1
grep -q '^  = -EFAULT$' "$T/en.txt" && ! grep -q '^ *= -14$' "$T/en.txt" &&
	ok "the diagram says = -EFAULT, not = -14" || bad "the diagram's result is not an errno name"

# Two runs with one seed give the same JSON (and the same traces).
for i in 1 2; do
	rm -rf "$T/j"
	"$BIN" run -q --seed 7 --out "$T/j" --json "$T/j$i.json" \
		scenarios/*.yaml >/dev/null
	cat "$T"/j/*.trace > "$T/j$i.traces"
done
if [ -s "$T/j1.json" ] && cmp -s "$T/j1.json" "$T/j2.json" &&
   cmp -s "$T/j1.traces" "$T/j2.traces"; then
	ok "same seed, same JSON and traces"
else
	bad "JSON or traces differ between two runs with one seed"
fi

# A different seed (without the directed interleaving) explores differently.
grep -v -e '^interleave:' -e '^  - [a-z]*: \(run\|until\)' "$S" > "$T/free.yaml"
"$BIN" run -q --seed 1 --out "$T/f1" --json "$T/f1.json" "$T/free.yaml" >/dev/null
"$BIN" run -q --seed 2 --out "$T/f2" --json "$T/f2.json" "$T/free.yaml" >/dev/null
if grep -q '"outcome": "pass"' "$T/f1.json" && ! cmp -s "$T/f1.json" "$T/f2.json"; then
	ok "PCT finds the race without the directed start; seeds differ"
else
	bad "undirected PCT run"
fi

# A trace carries its scenario: editing the file does not touch it, and it
# replays from any directory; --scenario replays against the edited file,
# saying so.  A trace without the text (older builds) names a path, and a
# changed scenario there is refused: exit 2, clearly.
cp "$S" "$T/edit.yaml"
"$BIN" run -q --out "$T/o5" "$T/edit.yaml" >/dev/null
echo "# edited" >> "$T/edit.yaml"
TR="$T/o5/punch-hole-vs-read.stale-read.trace"
mkdir -p "$T/elsewhere"
cp "$TR" "$T/elsewhere/t.trace"
"$BIN" replay "$TR" >"$T/r1.txt" 2>&1; rc1=$?
ABIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
(cd "$T/elsewhere" && "$ABIN" replay t.trace) >"$T/r2.txt" 2>&1; rc2=$?
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && cmp -s "$T/r1.txt" "$T/r2.txt" &&
	grep -q "^scenario-text: " "$TR" &&
	ok "a trace replays its own copy of the scenario, from another directory too" ||
	bad "self-contained trace: exit $rc1 and $rc2"
"$BIN" replay --scenario "$T/edit.yaml" "$TR" >/dev/null 2>"$T/err.txt"; rc=$?
[ $rc -eq 0 ] && grep -q "is not the scenario the trace was recorded with" "$T/err.txt" &&
	ok "replay --scenario replays against the edited file, saying so" ||
	bad "replay --scenario exit $rc"
sed '/^scenario-text:/,$d' "$TR" > "$T/old.trace"
"$BIN" replay "$T/old.trace" >/dev/null 2>"$T/err.txt"; rc=$?
[ $rc -eq 2 ] && grep -q "changed since the trace" "$T/err.txt" &&
	ok "an old trace (no scenario text) refuses a changed scenario (exit 2)" || bad "changed scenario replay exit $rc"

# The scenario path is written escaped: a newline in it does not make a
# line of the trace, and the trace still replays.
NL="$T/new
line"
mkdir -p "$NL"
cp "$S" "$NL/x.yaml"
"$BIN" run -q --out "$T/o6" "$NL/x.yaml" >/dev/null
TR6="$T/o6/punch-hole-vs-read.stale-read.trace"
if grep -q '^scenario: .*new\\nline/x.yaml$' "$TR6" && ! grep -q '^line/x.yaml' "$TR6" &&
   "$BIN" replay "$TR6" >/dev/null 2>&1; then
	ok "a newline in the scenario path is escaped in the trace"
else
	bad "scenario path with a newline"
fi

# Each command's own --help; flags a command does not use are refused.
hb=0
for c in run replay lint list fuzz minimize merge gen bisect; do
	"$BIN" $c --help > "$T/h.txt" 2>&1 && grep -q "^usage: lockstep $c" "$T/h.txt" || { hb=1; echo "  $c --help"; }
done
"$BIN" replay --seed 3 "$TR" >/dev/null 2>"$T/err.txt"; r1=$?
"$BIN" list --json "$T/l.json" >/dev/null 2>&1; r2=$?
"$BIN" replay -q --json "$T/r.json" "$TR" >/dev/null 2>&1; r3=$?
[ $hb -eq 0 ] && [ $r1 -eq 2 ] && grep -q "does not apply to replay" "$T/err.txt" &&
	[ $r2 -eq 2 ] && [ $r3 -eq 0 ] && grep -q '"reproduced": true' "$T/r.json" &&
	ok "per-command --help; replay --seed and list --json refused, replay --json written" ||
	bad "per-command help or flags: help $hb, replay --seed $r1, list --json $r2, replay --json $r3"

# A misspelt fix names the nearest one.
"$BIN" run -q --fixes invalidate-lok "$S" >/dev/null 2>"$T/err.txt"; rc=$?
[ $rc -eq 2 ] && grep -q "did you mean 'invalidate-lock'" "$T/err.txt" &&
	ok "--fixes invalidate-lok: did you mean 'invalidate-lock' (exit 2)" ||
	bad "--fixes did-you-mean (exit $rc)"

# The build's identity covers the sources that decide behaviour: an edit
# to core/ changes the hash (on a copy of those sources), an edit outside
# them does not, and --version prints this tree's hash.
H="$T/tree"
rm -rf "$H"; mkdir -p "$H"
cp Makefile "$H/"
for f in $(MAKEFLAGS= make -s source-hash-inputs); do
	mkdir -p "$H/$(dirname "$f")"; cp "$f" "$H/$f"
done
h0=$(MAKEFLAGS= make -s -C "$H" source-hash)
mkdir -p "$H/docs"; echo "# note" > "$H/docs/x.md"
h1=$(MAKEFLAGS= make -s -C "$H" source-hash)
echo "/* an edit */" >> "$H/core/filemap.c"
h2=$(MAKEFLAGS= make -s -C "$H" source-hash)
if [ -n "$h0" ] && [ "$h0" = "$h1" ] && [ "$h1" != "$h2" ] &&
   "$BIN" --version | grep -q " sources $(MAKEFLAGS= make -s source-hash)\$" &&
   MAKEFLAGS= make -s source-hash-inputs | grep '^core/filemap.c$' >/dev/null; then
	ok "an edit to core/ changes the source hash ($h0 -> $h2); --version prints it"
else
	bad "source hash: $h0 $h1 $h2, version $("$BIN" --version)"
fi

# A replay that stops fitting says where: a trace whose decisions are cut
# to 5 runs out of them with a choice to make.
"$BIN" run -q --out "$T/o7" scenarios/punch-hole-vs-fault.yaml >/dev/null
awk '/^decisions:/ { print "decisions: 5"; getline; print $1, $2, $3, $4, $5; skip = 1; next }
	/^scenario-text:/ { skip = 0 } !skip' \
	"$T/o7/punch-hole-vs-fault.stale-read.trace" > "$T/cut.trace"
"$BIN" replay "$T/cut.trace" >"$T/cut.txt" 2>"$T/err.txt"; rc=$?
[ $rc -eq 2 ] && grep -q "decisions are spent" "$T/err.txt" &&
	grep -q "where the threads were" "$T/err.txt" &&
	grep -q "== punch-hole-vs-fault: replay stopped at decision 5 ==" "$T/cut.txt" &&
	grep -q "punch_hole(a, 4096, 4096)" "$T/cut.txt" &&
	ok "a replay that stops fitting names the decision, the threads' places, and draws the execution" ||
	bad "replay divergence report (exit $rc)"


# Bad input: an unknown key on line 7, a bad trace, bad flags, bad commands.
cat > "$T/key7.yaml" <<'YAML'
lockstep: 1
name: key-on-line-7
kernel: v5.14
storage:
  block_size: 4096
  blocks: 64
  blok_size: 4096
files:
  - {name: a, size: 4096}
threads:
  - name: t
    ops:
      - read: {file: a, offset: 0, len: 4096}
YAML
"$BIN" run "$T/key7.yaml" >/dev/null 2>"$T/err.txt"; rc=$?
[ $rc -eq 2 ] && grep -q "^$T/key7.yaml:7:[0-9]*: error: .*blok_size" "$T/err.txt" &&
	ok "unknown key on line 7: FILE:7:COL, exit 2" || { bad "line 7 key exit $rc"; cat "$T/err.txt"; }
echo "garbage" > "$T/bad.trace"
"$BIN" replay "$T/bad.trace" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "bad trace: exit 2" || bad "bad trace exit $rc"
"$BIN" run --schedules x "$S" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "bad flag value: exit 2" || bad "bad flag exit $rc"
"$BIN" frobnicate >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "unknown command: exit 2" || bad "unknown command exit $rc"
"$BIN" --help > "$T/help.txt" && grep -q "run FILE" "$T/help.txt" && ok "--help" || bad "--help"
"$BIN" list > "$T/list.txt" && grep -q "punch_hole.pages_truncated" "$T/list.txt" && ok "list names the points" || bad "list"

# A lock-order cycle made of edges from several executions: the trace
# names them, and replay runs them again first, then prints the same report.
grep -v -e '^interleave:' -e '^  - [a-z]*: \(run\|until\)' \
	scenarios/dax-gup-vs-break-layouts-naive.yaml > "$T/naive.yaml"
echo "  tolerate: [deadlock, op-result]" >> "$T/naive.yaml"
sed -i 's/  violations: \[deadlock, lock-order\]/  violations: [lock-order]/' "$T/naive.yaml"
"$BIN" run --out "$T/o6" "$T/naive.yaml" > "$T/lo-run.txt"
sed -n '/: lock-order ==$/,/^  trace: /p' "$T/lo-run.txt" | sed '$d' > "$T/lo-run1.txt"
"$BIN" replay "$T/o6/dax-gup-vs-break-layouts-naive.lock-order.trace" > "$T/lo-replay.txt"; rc=$?
if [ $rc -eq 0 ] && grep -q '^prior-executions: ' "$T/o6/dax-gup-vs-break-layouts-naive.lock-order.trace" &&
   [ -s "$T/lo-run1.txt" ] && cmp -s "$T/lo-run1.txt" "$T/lo-replay.txt"; then
	ok "a lock-order cycle across executions replays, byte for byte"
else
	bad "cross-execution lock-order replay (exit $rc)"; diff "$T/lo-run1.txt" "$T/lo-replay.txt" | head
fi
# minimize keeps what the cycle rests on: it runs the prior executions
# before each candidate, keeps the trace's strategy for them, and its
# report is what a replay of the minimized trace prints.
LO=$T/o6/dax-gup-vs-break-layouts-naive.lock-order.trace
"$BIN" minimize "$LO" > "$T/lo-min.txt"; rc=$?
sed '/^minimized: /,$d' "$T/lo-min.txt" | sed '$d' > "$T/lo-min1.txt"
"$BIN" replay "$LO.min" > "$T/lo-min-replay.txt"; rc2=$?
if [ $rc -eq 0 ] && [ $rc2 -eq 0 ] && grep -q '^minimized: yes' "$LO.min" &&
   grep -q "^strategy: $(sed -n 's/^strategy: //p' "$LO")$" "$LO.min" &&
   [ -s "$T/lo-min1.txt" ] && cmp -s "$T/lo-min1.txt" "$T/lo-min-replay.txt"; then
	ok "minimize of a cross-execution lock-order trace: $(grep '^prior executions' "$T/lo-min.txt" | sed 's/.*: //') prior executions, replays byte for byte"
else
	bad "minimize of the cross-execution lock-order trace (exit $rc, replay $rc2)"
	diff "$T/lo-min1.txt" "$T/lo-min-replay.txt" | head
fi

# --pool: a file that is not lockstep's is refused (exit 2) and untouched.
head -c 300000 /dev/urandom > "$T/foreign"
cp "$T/foreign" "$T/foreign.orig"
"$BIN" run -q --pool "$T/foreign" scenarios/punch-hole-vs-read-5.15.yaml > "$T/foreign.txt" 2>&1; rc=$?
if [ $rc -eq 2 ] && cmp -s "$T/foreign" "$T/foreign.orig" &&
   grep -q "pool $T/foreign: not a lockstep pool" "$T/foreign.txt"; then
	ok "--pool naming a foreign file: exit 2, the file byte for byte as it was"
else
	bad "--pool naming a foreign file (exit $rc)"; cat "$T/foreign.txt"
fi

# lint stops after SCEN_MAX_ERRORS (20) errors of one file, and says so.
{ printf 'lockstep: 1\nname: cap\nfiles: [{name: a, size: 4096}]\nthreads:\n  - name: t\n    ops:\n'
  for i in $(seq 1 30); do echo "      - nosuch$i: {file: a}"; done; } > "$T/cap.yaml"
"$BIN" lint "$T/cap.yaml" > "$T/cap.txt" 2>&1; rc=$?
if [ $rc -eq 2 ] && [ "$(grep -c ': error: unknown operation' "$T/cap.txt")" -eq 20 ] &&
   grep -q "^$T/cap.yaml:7:9: error: unknown operation 'nosuch1'" "$T/cap.txt" &&
   grep -q 'too many errors, stopped after 20' "$T/cap.txt"; then
	ok "lint: 30 bad operations, the first 20 printed, then 'too many errors'"
else
	bad "lint's error cap (exit $rc)"; head -3 "$T/cap.txt"
fi

# run --summary keeps its columns when a cell is long: the outcome column
# starts at the same place in the header and every row.
sed 's/^name: .*/name: a-scenario-with-a-rather-long-name-that-goes-on-and-on/' "$S" > "$T/long.yaml"
printf 'fixes: [-fault-lock, +dax-break-layouts-naive, +invalidate-lock-over-copy]\n' >> "$T/long.yaml"
"$BIN" run -q --summary --out "$T/lg" "$S" "$T/long.yaml" > "$T/long.txt" 2>&1
cols=$(sed -n '/^scenario /,/^$/p' "$T/long.txt" | sed '/^$/d' |
	awk '{ p = index($0, /^scenario / ? "outcome" : ($0 ~ / FAIL / ? " FAIL " : " pass ")); print p + ($0 !~ /^scenario / ? 1 : 0) }' | sort -u | wc -l)
rows=$(sed -n '/^scenario /,/^$/p' "$T/long.txt" | grep -c .)
[ "$rows" -eq 3 ] && [ "$cols" -eq 1 ] && ok "run --summary: a long name and fix list keep the columns" ||
	{ bad "run --summary columns ($rows rows, $cols outcome columns)"; cat "$T/long.txt"; }

"$BIN" --version > "$T/version.txt"

# docs/reference.md is `lockstep list`, verbatim.
"$BIN" list > "$T/list2.txt"
sed -n '/^```$/,/^```$/p' docs/reference.md | sed '1d;$d' > "$T/ref.txt"
cmp -s "$T/list2.txt" "$T/ref.txt" && ok "docs/reference.md matches lockstep list" ||
	bad "docs/reference.md is stale: regenerate it from lockstep list"

# make install: the binary, lockstep(1) made from the help text, the bash
# completion, under DESTDIR/PREFIX; the page reads (man -l, or groff with
# warnings as errors) and names every command; the completion loads in
# bash and completes the kernel presets of `lockstep list`.
I=$T/inst
if make --no-print-directory -s install DESTDIR="$I" PREFIX=/opt/ls > "$T/install.txt" 2>&1 &&
   [ -x "$I/opt/ls/bin/lockstep" ] && [ -s "$I/opt/ls/share/man/man1/lockstep.1" ] &&
   [ -s "$I/opt/ls/share/bash-completion/completions/lockstep" ] &&
   "$I/opt/ls/bin/lockstep" --version | cmp -s - "$T/version.txt"; then
	ok "make install DESTDIR PREFIX: binary, man page and completion in place"
else
	bad "make install"; cat "$T/install.txt"; ls -R "$I" | head
fi
M=$I/opt/ls/share/man/man1/lockstep.1
if command -v man >/dev/null 2>&1; then
	MANWIDTH=80 man -l "$M" 2>"$T/man.err" | { command -v col >/dev/null && col -b || cat; } > "$T/man.txt"
else
	nroff -man -ww "$M" 2>"$T/man.err" | { command -v col >/dev/null && col -b || cat; } > "$T/man.txt"
fi
missing=
for c in run replay lint list fuzz minimize merge bisect gen; do
	grep -q "^   lockstep $c\$" "$T/man.txt" || missing="$missing $c"
done
if [ -z "$missing" ] && [ ! -s "$T/man.err" ] && grep -q '^NAME' "$T/man.txt" &&
   grep -q -- '--strategy S' "$T/man.txt"; then
	ok "lockstep(1) reads without warnings and has a section per command"
else
	bad "lockstep(1): missing:$missing"; head "$T/man.err"
fi
if command -v bash >/dev/null 2>&1; then
	got=$(bash -c '. "$1"; COMP_WORDS=(lockstep run --kernel v5); COMP_CWORD=3
		_lockstep; echo "${COMPREPLY[*]}"' sh "$I/opt/ls/share/bash-completion/completions/lockstep")
	want=$("$BIN" list | awk '/^kernel presets/ { on = 1 } on && /^  v5/ { printf "%s%s", s, $1; s = " " }')
	[ -n "$want" ] && [ "$got" = "$want" ] && ok "bash completion: --kernel v5 gives $got" ||
		bad "bash completion: --kernel v5 gave '$got', wanted '$want'"
fi

exit $fail
