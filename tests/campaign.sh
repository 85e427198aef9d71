#!/bin/sh
# SPDX-License-Identifier: MIT
# campaign.sh BIN TMPDIR [bisect] -- the campaign commands' promises
# (SPEC.md 2, 7, 8; issue 5), in a few seconds each:
#
#   dfs        exhausts a small scenario and says how many schedules; the
#              reduction explores no more than the full search; it finds
#              the pre-fix race without the directed start
#   fuzz       a deterministic campaign (--schedules) over scenarios/ finds
#              every expected violation and nothing in the fixed scenarios;
#              JSON and JUnit are written
#   crash      a crash injected by the test-only operation test_crash is a
#              finding with a replayable trace, its worker is replaced and
#              the campaign goes on to its end
#   kill -9    a campaign killed leaves every saved finding readable and
#              replayable, no worker behind, and --resume goes on
#   shards     K/N shards are disjoint and their union is the whole: merged,
#              they ran exactly the executions of the unsharded campaign
#   minimize   a finding's trace minimized replays, with no more preemptions
#   undirected fuzz --undirected searches around a directed scenario; its
#              traces say so and replay; a fixed scenario's random slot
#              runs undirected by default
#   generate   fuzz --generate at v4.0 (a deterministic --programs
#              campaign) saves a minimized stale-read scenario that lints,
#              runs as its expect: says and whose traces replay; the same
#              seed gives the same programs and the same findings
#   bisect     (with 'bisect') finds a deliberately broken commit in a
#              temporary repository
#
# Every assertion is on executions, findings and files, never on time; the
# time budgets given are only upper bounds that a correct run never hits.
BIN=$1
T=$2/campaign
mkdir -p "$T"
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

# json_field FILE SCENARIO FIELD -- a scenario's field from results.json
json_field() {
	grep "{\"name\": \"$2\"" "$1" | sed -n "s/.*\"$3\": \"\([^\"]*\)\".*/\1/p"
}

# ---- dfs -------------------------------------------------------------------

S=scenarios/punch-hole-vs-read-5.15.yaml
"$BIN" run --strategy dfs --depth 2 --out "$T/d1" "$S" > "$T/dfs.txt" 2>&1; rc=$?
# the reduced search may end complete at a lower bound ("within 1
# preemption, and no schedule has more")
por=$(sed -n 's/.*dfs: explored all \([0-9]*\) schedules within [0-9]* preemptions\{0,1\}.*/\1/p' "$T/dfs.txt")
"$BIN" run --strategy dfs --depth 2 --no-por --out "$T/d2" "$S" > "$T/dfs2.txt" 2>&1
full=$(sed -n 's/.*dfs: explored all \([0-9]*\) schedules within 2 preemptions.*/\1/p' "$T/dfs2.txt")
if [ $rc -eq 0 ] && [ -n "$por" ] && [ -n "$full" ] && [ "$por" -ge 1 ] &&
   [ "$por" -le "$full" ]; then
	ok "dfs exhausts $S: $por schedules ($full without reduction within 2 preemptions)"
else
	bad "dfs on $S (exit $rc, '$por' vs '$full')"; cat "$T/dfs.txt"
fi
# The verdict: "verified" only when the bound cut nothing; --depth 16 asks
# for every schedule and runs each once (executions = schedules).
grep -q "dfs verdict: verified: $por complete schedules, 0 blocked by sleep sets, nothing cut by the bound" "$T/dfs.txt" &&
	ok "dfs verdict on $S: verified (the bound cut nothing)" ||
	{ bad "dfs verdict on $S"; cat "$T/dfs.txt"; }
grep -v -e '^interleave:' -e '^  - [a-z]*: \(run\|until\)' \
	-e '^expect:' -e '^  violations:' "$S" > "$T/all.yaml"
"$BIN" run --strategy dfs --depth 2 --out "$T/d5" "$T/all.yaml" > "$T/dfs5.txt" 2>&1
grep -q "dfs verdict: not verified: [0-9]* complete schedules, 0 blocked by sleep sets, the bound cut some schedules ([0-9]* branches at bound 2)" "$T/dfs5.txt" &&
	ok "dfs within 2 preemptions of $S undirected: not verified (the bound cut)" ||
	{ bad "dfs verdict within 2 preemptions, undirected"; cat "$T/dfs5.txt"; }
"$BIN" run --strategy dfs --depth 16 --out "$T/d4" "$T/all.yaml" > "$T/dfs4.txt" 2>&1
n=$(sed -n 's/.*dfs: explored all \([0-9]*\) schedules within 16 preemptions, and no schedule has more (\([0-9]*\) executions.*/\1 \2/p' "$T/dfs4.txt")
[ -n "$n" ] && [ "${n% *}" = "${n#* }" ] &&
	grep -q "dfs verdict: verified: ${n% *} complete schedules" "$T/dfs4.txt" &&
	ok "dfs --depth 16 verifies $S undirected: ${n% *} schedules, each run once" ||
	{ bad "dfs --depth 16 on $S undirected ('$n')"; cat "$T/dfs4.txt"; }
# Without its directed start, the pre-fix race is found by dfs alone.
grep -v -e '^interleave:' -e '^  - [a-z]*: \(run\|until\)' \
	scenarios/punch-hole-vs-read.yaml > "$T/free.yaml"
"$BIN" run -q --strategy dfs --depth 2 --out "$T/d3" "$T/free.yaml" > "$T/dfs3.txt" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "stale-read found as expected" "$T/dfs3.txt" &&
	ok "dfs finds the pre-fix race without the directed start" ||
	{ bad "dfs on the undirected pre-fix scenario (exit $rc)"; cat "$T/dfs3.txt"; }

# ---- a short campaign over the bundled scenarios ----------------------------

F=$T/fuzz
"$BIN" fuzz scenarios/ --schedules 300 --time 300s --jobs 2 --out "$F" \
	--json "$T/fuzz.json" --junit "$T/fuzz.xml" > "$T/fuzz.txt" 2>&1; rc=$?
missing=$(grep -c '"why": "expected [^"]*, not found' "$T/fuzz.json")
dirty=0
for s in $(grep -o '{"name": "[^"]*"' "$T/fuzz.json" | cut -d'"' -f4); do
	exp=$(json_field "$T/fuzz.json" "$s" expected)
	out=$(json_field "$T/fuzz.json" "$s" outcome)
	if [ "$exp" = none ] && [ "$out" != pass ]; then
		echo "     fixed scenario $s: $(json_field "$T/fuzz.json" "$s" why)"
		dirty=$((dirty + 1))
	fi
done
nscen=$(ls scenarios/*.yaml | wc -l)
if [ $rc -le 1 ] && [ "$missing" -eq 0 ] && [ $dirty -eq 0 ] &&
   [ "$(grep -c '<testcase ' "$T/fuzz.xml")" -eq "$nscen" ] &&
   grep -q '"executions_per_second"' "$T/fuzz.json"; then
	ok "fuzz: every pre-fix race found, the fixed scenarios clean, JSON and JUnit ($nscen testcases)"
else
	bad "fuzz (exit $rc, $missing expected violations missing, $dirty fixed scenarios not clean)"
	tail -30 "$T/fuzz.txt"
fi
# JUnit: times on every case and on the suite (never compared), what was
# allowed in system-out as expected or tolerated, by the scenario's lists.
badtol=0
for s in dax-switch-vs-mmap read-into-mapping-lock-over-copy; do
	tol=$(sed -n 's/^  tolerate: \[\(.*\)\]/\1/p' scenarios/$s.yaml | tr -d ' ' | tr , ' ')
	sed -n "/<testcase [^>]*name=\"$s\"/,/<\/testcase>/p" "$T/fuzz.xml" > "$T/case.xml"
	for k in $tol; do
		grep -q "expected $k: " "$T/case.xml" && badtol=$((badtol + 1))
	done
done
"$BIN" fuzz tests/scenarios/dfs/dfs-mmap-truncate.yaml --schedules 20 --time 60s \
	--jobs 1 --out "$T/tol" >/dev/null 2>&1
grep -q '<system-out>tolerated op-result: ' "$T/tol/junit.xml" || badtol=$((badtol + 1))
if [ "$(grep -c '<testcase [^>]* time="[0-9.]*"' "$T/fuzz.xml")" -eq "$nscen" ] &&
   grep -q '<testsuite name="lockstep fuzz" tests="[0-9]*" failures="[0-9]*" time="[0-9.]*">' "$T/fuzz.xml" &&
   grep -q '<system-out>expected ' "$T/fuzz.xml" && [ $badtol -eq 0 ]; then
	ok "fuzz JUnit: time on every case and the suite, tolerated kinds not called expected"
else
	bad "fuzz JUnit: times missing or a tolerated kind called expected ($badtol)"
fi
nopic=0
for m in "$F"/findings/*.meta; do
	[ -e "$m" ] || continue
	b=${m%.meta}
	[ -s "$b.perfetto.json" ] && [ -s "$b.html" ] || nopic=$((nopic + 1))
	if [ -e "$b.min.trace" ]; then
		[ -s "$b.min.perfetto.json" ] && [ -s "$b.min.html" ] || nopic=$((nopic + 1))
	fi
done
[ "$(ls "$F"/findings/*.meta 2>/dev/null | wc -l)" -gt 0 ] && [ $nopic -eq 0 ] &&
	ok "fuzz: every saved finding (and minimized one) has its pictures" ||
	bad "fuzz: $nopic findings without a .perfetto.json and .html"
[ $rc -eq 1 ] && echo "     (exit 1: a pre-fix scenario also showed violations its expect: does not list)" &&
	grep -B1 'not expected' "$T/fuzz.txt" | head -10

# A trace of the campaign (one found by random, the most preempted, if
# any): replay, then minimize.
m=$(grep -l '^strategy: random' "$F"/findings/*.meta 2>/dev/null | head -1)
[ -n "$m" ] && tr=${m%.meta}.trace ||
	tr=$(ls "$F"/findings/*.trace 2>/dev/null | grep -v '\.min\.trace$' | head -1)
if [ -n "$tr" ] && "$BIN" replay "$tr" > /dev/null 2>&1 &&
   "$BIN" minimize -q -o "$T/min.trace" "$tr" > "$T/min.txt" 2>&1 &&
   "$BIN" replay "$T/min.trace" > /dev/null 2>&1; then
	before=$(sed -n 's/minimized: \([0-9]*\) -> \([0-9]*\) preemptions.*/\1/p' "$T/min.txt")
	after=$(sed -n 's/minimized: \([0-9]*\) -> \([0-9]*\) preemptions.*/\2/p' "$T/min.txt")
	[ -n "$after" ] && [ "$after" -le "$before" ] &&
		ok "minimize: $(basename "$tr"): $before -> $after preemptions, replays" ||
		bad "minimize figures: $(cat "$T/min.txt")"
else
	bad "replay/minimize of a campaign trace ($tr)"; cat "$T/min.txt" 2>/dev/null
fi

# ---- a crash is a finding, and the campaign goes on ---------------------------

cat > "$T/crasher.yaml" <<'YAML'
lockstep: 1
name: crasher
description: the test-only operation test_crash dereferences NULL in an execution
storage: {block_size: 4096, blocks: 64}
files:
  - {name: a, size: 8192}
threads:
  - name: reader
    ops:
      - read: {file: a, offset: 0, len: 4096}
  - name: crasher
    ops:
      - read: {file: a, offset: 4096, len: 4096}
      - test_crash: {}
expect:
  violations: [crash]
YAML
C=$T/crash
"$BIN" fuzz "$T/crasher.yaml" scenarios/punch-hole-vs-read.yaml --strategies pct-1,random \
	--schedules 40 --time 300s --jobs 2 --out "$C" > "$T/crash.txt" 2>&1; rc=$?
ctr=$(ls "$C"/findings/crasher.crash.*.trace 2>/dev/null | grep -v min | head -1)
restarts=$(sed -n 's/.*"worker_restarts": \([0-9]*\).*/\1/p' "$C/results.json")
# The replay reproduces the crash: a crash finding (exit 0), or, in a
# sanitizer build that turns the NULL store into an error exit, the same
# death (the sanitizer's report).
replay_rc=1
[ -n "$ctr" ] && { "$BIN" replay "$ctr" > /dev/null 2> "$T/replay.err"; replay_rc=$?; }
grep -q -e "runtime error" -e "Sanitizer" "$T/replay.err" 2>/dev/null && replay_rc=0
if [ $rc -eq 0 ] && { [ $replay_rc -eq 0 ] || [ $replay_rc -ge 128 ]; } &&
   [ "$(json_field "$C/results.json" crasher outcome)" = pass ] &&
   grep -q '{"name": "punch-hole-vs-read", [^}]*"executions": 80,' "$C/results.json" &&
   [ -n "$restarts" ] && [ "$restarts" -ge 1 ]; then
	ok "crash: a finding with a replayable trace; $restarts workers replaced, the campaign ran to its end"
else
	bad "crash campaign (exit $rc, trace '$ctr', restarts '$restarts')"; tail -20 "$T/crash.txt"
fi

# ---- kill -9 loses nothing saved; --resume goes on ----------------------------

K=$T/kill
"$BIN" fuzz scenarios/ --time 120s --jobs 2 --out "$K" -q > "$T/kill.txt" 2>&1 &
pid=$!
n=0
for i in $(seq 1 200); do
	n=$(ls "$K"/findings/*.meta 2>/dev/null | wc -l)
	[ "$n" -ge 3 ] && break
	sleep 0.1
done
workers=$(pgrep -P $pid)
kill -9 $pid
wait $pid 2>/dev/null
sleep 0.5
left=0
# A worker still running (a zombie waiting for its new parent is dead).
for w in $workers; do
	st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' /proc/$w/status 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ] && left=$((left + 1))
done
broken=0
nmeta=0
for m in "$K"/findings/*.meta; do
	[ -e "$m" ] || continue
	nmeta=$((nmeta + 1))
	id=${m%.meta}
	if [ ! -s "$id.txt" ] || ! "$BIN" replay "$id.trace" > /dev/null 2>&1; then
		echo "     not replayable: $id"
		broken=$((broken + 1))
	fi
done
"$BIN" fuzz --resume --time 2s --out "$K" -q > "$T/resume.txt" 2>&1; rc=$?
after=$(ls "$K"/findings/*.meta | wc -l)
if [ "$nmeta" -ge 1 ] && [ $broken -eq 0 ] && [ $left -eq 0 ] && [ $rc -le 1 ] &&
   [ "$after" -ge "$nmeta" ] && grep -q '"executions"' "$K/results.json"; then
	ok "kill -9: $nmeta findings saved, all replayable, no worker left; --resume went on ($after findings)"
else
	bad "kill -9 ($nmeta saved, $broken broken, $left workers left, resume exit $rc)"
	cat "$T/resume.txt" | tail -5
fi

# ---- campaign state is checked, not trusted ---------------------------------

cp -r "$K" "$T/forged"
sed -i 's/^jobs: .*/jobs: 2000/' "$T/forged/campaign"
timeout 20 "$BIN" fuzz --resume --time 2s --out "$T/forged" -q > "$T/forged.txt" 2>&1; rc=$?
if [ $rc -eq 2 ] && grep -q 'jobs 2000 (1..256)' "$T/forged.txt"; then
	ok "--resume of a campaign file forged to jobs: 2000 exits 2 and says why"
else
	bad "--resume with jobs: 2000 (exit $rc)"; cat "$T/forged.txt"
fi
"$BIN" fuzz scenarios/punch-hole-vs-read-5.15.yaml --jobs 2 --time 1s \
	--pool "$T/forged/campaign" --out "$T/pooled" -q > "$T/pool.txt" 2>&1; rc=$?
if [ $rc -eq 2 ] && grep -q 'a pool file serves one process' "$T/pool.txt"; then
	ok "fuzz --jobs 2 --pool FILE is refused (exit 2)"
else
	bad "fuzz --jobs 2 --pool FILE (exit $rc)"; cat "$T/pool.txt"
fi

# ---- shards: disjoint, and together the whole --------------------------------

SC="scenarios/punch-hole-vs-read.yaml scenarios/punch-hole-vs-read-5.15.yaml"
common="--strategies pct-1,pct-3,random --schedules 90 --min-budget 0 --time 300s -q"
"$BIN" fuzz $SC $common --jobs 2 --out "$T/s0" > /dev/null 2>&1
for k in 1 2 3; do
	"$BIN" fuzz $SC $common --jobs 1 --shard $k/3 --out "$T/s$k" > /dev/null 2>&1
done
"$BIN" merge -q --json "$T/merged.json" "$T/s1" "$T/s2" "$T/s3"; rc=$?
grep '"slots"' "$T/s0/results.json" > "$T/slots0"
grep '"slots"' "$T/merged.json" > "$T/slots3"
per=$(grep -o '"executions": 30,' "$T/s2/results.json" | wc -l)
if [ -s "$T/slots0" ] && cmp -s "$T/slots0" "$T/slots3" && [ "$per" -eq 6 ] && [ $rc -le 1 ]; then
	ok "shards 1/3, 2/3, 3/3: 30 executions per slot each, merged equal to the unsharded campaign"
else
	bad "shards (merge exit $rc, $per slots of 30)"; diff "$T/slots0" "$T/slots3" | head
fi

# merge joins one campaign's shards, all of them: an incomplete set, a shard
# given twice and a shard of another seed are refused (exit 2, saying why)
# unless --partial; with --out, the results name its own copies only.
"$BIN" fuzz $SC $common --jobs 1 --shard 3/3 --seed 7 --out "$T/s3seed" > /dev/null 2>&1
"$BIN" merge -q "$T/s1" "$T/s2" 2> "$T/m1.txt"; r1=$?
"$BIN" merge -q "$T/s1" "$T/s2" "$T/s2" "$T/s3" 2> "$T/m2.txt"; r2=$?
"$BIN" merge -q "$T/s1" "$T/s2" "$T/s3seed" 2> "$T/m3.txt"; r3=$?
"$BIN" merge -q --partial "$T/s1" "$T/s2" > /dev/null 2>&1; r4=$?
if [ $r1 -eq 2 ] && grep -q "incomplete: 2 of 3 shards given, shard 3/3 missing" "$T/m1.txt" &&
   [ $r2 -eq 2 ] && grep -q "shard 2/3 given twice" "$T/m2.txt" &&
   [ $r3 -eq 2 ] && grep -q "shards of different campaigns" "$T/m3.txt" &&
   [ $r4 -le 1 ]; then
	ok "merge refuses an incomplete set, a shard twice, another seed (exit 2); --partial merges"
else
	bad "merge refusals: $r1 $r2 $r3, --partial $r4"; cat "$T/m1.txt" "$T/m2.txt" "$T/m3.txt"
fi
"$BIN" merge -q --out "$T/merged" "$T/s1" "$T/s2" "$T/s3" > /dev/null 2>&1; rc=$?
nf=$(ls "$T/merged/findings" 2>/dev/null | grep -c '\.trace$')
if [ $rc -le 1 ] && [ "$nf" -gt 0 ] &&
   ! grep -F "$T/s" "$T/merged/results.json" "$T/merged/summary.txt" "$T/merged/junit.xml" > /dev/null &&
   grep -q '"trace": "findings/' "$T/merged/results.json"; then
	ok "merge --out: results.json, summary.txt and junit.xml name only its own copies ($nf traces)"
else
	bad "merge --out names paths outside it (exit $rc)"; grep -F "$T/s" "$T/merged/"* | head -3
fi

# --resume goes on with the campaign's own seed: another is refused.
"$BIN" fuzz $SC $common --jobs 1 --shard 1/3 --seed 9 --resume --out "$T/s1" > /dev/null 2> "$T/rs.txt"; rc=$?
[ $rc -eq 2 ] && grep -q "runs seed 1, not 9" "$T/rs.txt" &&
	ok "fuzz --resume with another --seed is refused (exit 2)" ||
	bad "fuzz --resume --seed 9 (exit $rc)"

# ---- undirected -------------------------------------------------------------

# A fully directed pre-fix scenario runs once per slot; --undirected drops
# its interleave: and searches around it.  Its findings' traces say
# 'undirected: yes', replay gives the saved report byte for byte (and
# without that line, another one), minimize keeps it.
S=scenarios/dax-gup-vs-break-layouts-naive.yaml
ucommon="--schedules 40 --jobs 2 --time 300s -q"
"$BIN" fuzz $S $ucommon --min-budget 0 --out "$T/dir" > /dev/null 2>&1; rd=$?
"$BIN" fuzz $S $ucommon --min-budget 50 --undirected --out "$T/und" > /dev/null 2>&1; ru=$?
nd=$(grep -o '"run_executions": [0-9]*' "$T/dir/results.json" | grep -o '[0-9]*$')
nu=$(grep -o '"run_executions": [0-9]*' "$T/und/results.json" | grep -o '[0-9]*$')
ntr=0; nrep=0
for t in "$T"/und/findings/*.trace; do
	[ -e "$t" ] || continue
	ntr=$((ntr + 1))
	"$BIN" replay "$t" > "$T/ureplay.txt" 2>&1 &&
		cmp -s "$T/ureplay.txt" "${t%.trace}.txt" &&
		grep -qx 'undirected: yes' "$t" && nrep=$((nrep + 1))
done
if [ $rd -eq 0 ] && [ $ru -eq 0 ] && [ -n "$nd" ] && [ -n "$nu" ] &&
   [ "$nd" -le 10 ] && [ "$nu" -ge 160 ] && grep -qx 'undirected: yes' "$T/und/campaign" &&
   [ $ntr -ge 2 ] && [ $nrep -eq $ntr ]; then
	ok "fuzz --undirected on $S: $nu executions (directed: $nd); $ntr traces say undirected and replay their reports"
else
	bad "fuzz --undirected (exit $rd/$ru, executions $nd/$nu, $nrep of $ntr traces replay)"
fi
t=$(ls "$T"/und/findings/*.deadlock.*[0-9a-f].trace | head -1)
grep -v '^undirected:' "$t" > "$T/directed.trace"
sed 's/^undirected: yes/undirected: maybe/' "$t" > "$T/maybe.trace"
"$BIN" replay "$T/directed.trace" 2> /dev/null | grep -q '^  schedule: pct, seed' &&
   grep -q '^  schedule: pct without interleave:, seed' "${t%.trace}.txt" &&
	ok "replay reads undirected: (without it, the directed schedule)" ||
	bad "replay ignores undirected:"
"$BIN" replay "$T/maybe.trace" > /dev/null 2> "$T/maybe.txt"; rc=$?
[ $rc -eq 2 ] && grep -q 'maybe.trace:7: bad undirected (yes or no)' "$T/maybe.txt" &&
	ok "a trace with undirected: maybe is refused (exit 2)" ||
	{ bad "undirected: maybe (exit $rc)"; cat "$T/maybe.txt"; }
"$BIN" minimize -o "$T/und.min.trace" "$t" > /dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && grep -qx 'undirected: yes' "$T/und.min.trace" &&
   "$BIN" replay "$T/und.min.trace" > /dev/null 2>&1 &&
	ok "minimize keeps undirected: and its trace replays" ||
	bad "minimize of an undirected trace (exit $rc)"
# By default the random slot of a fixed directed scenario runs undirected;
# a pct slot runs its one directed execution.
S=scenarios/dax-gup-vs-break-layouts.yaml
"$BIN" fuzz $S $ucommon --strategies random --out "$T/fixr" > /dev/null 2>&1; r1=$?
"$BIN" fuzz $S $ucommon --strategies pct-1 --out "$T/fixp" > /dev/null 2>&1; r2=$?
n1=$(grep -o '"run_executions": [0-9]*' "$T/fixr/results.json" | grep -o '[0-9]*$')
n2=$(grep -o '"run_executions": [0-9]*' "$T/fixp/results.json" | grep -o '[0-9]*$')
[ $r1 -eq 0 ] && [ $r2 -eq 0 ] && [ "$n1" = 40 ] && [ "$n2" -le 2 ] &&
	ok "fixed $S: the random slot searches undirected ($n1 executions), pct-1 runs directed ($n2)" ||
	bad "default undirected slot (exit $r1/$r2, executions $n1/$n2)"
"$BIN" fuzz --resume --undirected --time 1s --out "$T/dir" -q > /dev/null 2> "$T/ures.txt"; rc=$?
[ $rc -eq 2 ] && grep -q 'not started --undirected' "$T/ures.txt" &&
	ok "fuzz --resume --undirected of a directed campaign is refused (exit 2)" ||
	bad "fuzz --resume --undirected (exit $rc)"
"$BIN" fuzz --generate --undirected --out "$T/gen-und" > /dev/null 2>&1
[ $? -eq 2 ] || bad "fuzz --generate --undirected is exit 2"

# ---- generate ---------------------------------------------------------------

# gen_campaign DIR -- 12 programs at v4.0 on one worker: deterministic.
gen_campaign() {
	"$BIN" fuzz --generate --kernel v4.0 --programs 12 --jobs 1 --time 300s \
		--out "$1" -q > "$1.txt" 2>&1
}
G=$T/gen1
gen_campaign "$G"; rc=$?
f=$(ls "$G"/findings/generated.stale-read.*.yaml 2>/dev/null | grep -v orig | head -1)
if [ $rc -ne 1 ] || [ -z "$f" ]; then
	bad "generate: no stale-read scenario saved at v4.0 (exit $rc)"; cat "$G.txt"
else
	b=${f%.yaml}
	prog=$(sed -n 's/.*program \([0-9]*\), kernel v4.0.*/\1/p' "$f" | head -1)
	"$BIN" gen -q --races --seed 1 --kernel v4.0 --count $((prog + 1)) --out "$T/gen-prog"
	if ! grep -q '^  violations: \[stale-read\]$' "$f"; then
		bad "generate: $f does not expect its stale-read"
	elif ! "$BIN" lint -q "$f"; then
		bad "generate: $f does not lint"
	elif ! "$BIN" run -q --out "$T/gen-run" "$f" > "$T/gen-run.txt" 2>&1; then
		bad "generate: $f does not run as expected"; cat "$T/gen-run.txt"
	elif ! "$BIN" replay "$b.min.trace" > /dev/null 2>&1 ||
	     ! "$BIN" replay "$b.trace" > /dev/null 2>&1; then
		bad "generate: the traces of $b do not replay"
	elif [ "$(grep -c '^      - ' "$f")" -ge "$(grep -c '^      - ' "$b.orig.yaml")" ]; then
		bad "generate: $f is not smaller than the program it came from"
	elif ! cmp -s "$b.orig.yaml" "$T/gen-prog/gen-1-$prog.yaml"; then
		bad "generate: $b.orig.yaml is not lockstep gen's program $prog"
	else
		gen_campaign "$T/gen2"
		(cd "$G/findings" && cat *.yaml) > "$T/gen1.all"
		(cd "$T/gen2/findings" && cat *.yaml) > "$T/gen2.all"
		if [ "$(ls "$G/findings")" != "$(ls "$T/gen2/findings")" ] ||
		   ! cmp -s "$T/gen1.all" "$T/gen2.all"; then
			bad "generate: the same seed twice, other findings"
		else
			ok "generate: v4.0 stale-read saved minimized ($(grep -c '^      - ' "$b.orig.yaml") -> $(grep -c '^      - ' "$f") operations), lints, runs, replays; same seed, same findings"
		fi
	fi
fi
"$BIN" fuzz --generate scenarios --out "$T/gen-bad" > /dev/null 2>&1
[ $? -eq 2 ] || bad "fuzz --generate PATH is exit 2"
"$BIN" fuzz --generate --kernel v9.9 --out "$T/gen-bad" > /dev/null 2>&1
[ $? -eq 2 ] || bad "fuzz --generate --kernel v9.9 is exit 2"
"$BIN" fuzz --generate --fixes nope --out "$T/gen-bad2" > /dev/null 2>&1
[ $? -eq 2 ] || bad "fuzz --generate --fixes nope is exit 2"

# ---- help ---------------------------------------------------------------------

for c in fuzz minimize merge bisect; do
	"$BIN" $c --help > "$T/help.txt" 2>&1 && grep -q "^usage: lockstep $c" "$T/help.txt" ||
		bad "lockstep $c --help"
done
"$BIN" fuzz --bogus > /dev/null 2>&1; [ $? -eq 2 ] || bad "fuzz: a bad flag is exit 2"
"$BIN" fuzz "$T/crasher.yaml" --out "$C" > /dev/null 2>&1; [ $? -eq 2 ] ||
	bad "fuzz: an existing campaign without --resume is exit 2"

# ---- bisect ------------------------------------------------------------------

if [ "$3" = bisect ]; then
	sh tests/bisect.sh "$BIN" "$T" || fail=1
fi
exit $fail
