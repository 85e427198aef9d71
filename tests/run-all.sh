#!/bin/sh
# SPDX-License-Identifier: MIT
# run-all.sh -- make check: every Check suite, then every bundled scenario's
# expectation, then the bad-input fixtures, the command line and the
# campaign commands (tests/campaign.sh); keeps going after a failure and
# fails at the end.  BIN is the lockstep binary.
BIN=${BIN:-./lockstep}
fail=0
passed=0
failed=0
# Every execution checks the scheduler's invariants at each decision
# (sim_check, sim/sim.h): off by default, for speed.
export LOCKSTEP_CHECK_INVARIANTS=1

for t in "$@"; do
	echo "== $t"
	if "$t"; then passed=$((passed + 1)); else failed=$((failed + 1)); fail=1; fi
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== bundled scenarios"
for s in scenarios/*.yaml tests/scenarios/*.yaml tests/scenarios/fidelity/*.yaml; do
	[ -e "$s" ] || continue
	case "$s" in tests/scenarios/loader-*) continue ;; esac
	if "$BIN" run -q --out "$out" "$s"; then
		passed=$((passed + 1))
	else
		echo "FAILED: $s"; failed=$((failed + 1)); fail=1
	fi
done

echo "== bad input (exit 2 and FILE:LINE:COL)"
for s in tests/bad/*.yaml; do
	[ -e "$s" ] || continue
	want=$(sed -n '1s/^# expect-error: //p' "$s")
	pos=${want%%: *}
	msg=${want#*: }
	"$BIN" lint "$s" >"$out/lint.out" 2>&1
	rc=$?
	# a fixture with several errors lists the rest, '# and-error: L:C: MSG'
	# each: lint prints them all, in this order, after the first
	and=$(sed -n 's/^# and-error: //p' "$s" | sed "s|^\([0-9]*:[0-9]*\): |$s:\1: error: |")
	got=$(sed 1d "$out/lint.out")
	if [ $rc -eq 2 ] && head -1 "$out/lint.out" | grep -qF "$s:$pos: error: " &&
	   head -1 "$out/lint.out" | grep -qF -- "$msg" &&
	   [ "$(echo "$and" | wc -l)" -eq "$(echo "$got" | wc -l)" ] &&
	   echo "$got" | paste -d '\n' - /dev/null | awk -v want="$and" '
		BEGIN { n = split(want, w, "\n") }
		NF { i++; if (i > n || index($0, w[i]) != 1) bad = 1 }
		END { exit bad || i != n }'; then
		passed=$((passed + 1))
	else
		echo "FAILED: $s (exit $rc, wanted 2 and '$s:$pos: error: ...$msg')"
		cat "$out/lint.out"
		failed=$((failed + 1)); fail=1
	fi
done

echo "== layers"
sh tests/layers.sh && passed=$((passed + 1)) || { failed=$((failed + 1)); fail=1; }

sh tests/cli.sh "$BIN" "$out" && passed=$((passed + 1)) || { failed=$((failed + 1)); fail=1; }

echo "== a finding's HTML picture in headless Chromium (skipped without it)"
sh tests/html.sh "$BIN" "$out" && passed=$((passed + 1)) || { failed=$((failed + 1)); fail=1; }

echo "== fuzz corpora, through each target's entry point (tests/fuzz/)"
for t in scen trace campaign; do
	seeds=tests/fuzz/corpus/$t
	[ $t = scen ] && seeds="$seeds $(ls scenarios/*.yaml tests/bad/*.yaml)"
	if "${BUILD:-build}/fuzz-replay/$t" $seeds > "$out/fuzz-$t.out" 2>&1; then
		tail -1 "$out/fuzz-$t.out"; passed=$((passed + 1))
	else
		echo "FAILED: fuzz corpus $t"; tail -20 "$out/fuzz-$t.out"
		failed=$((failed + 1)); fail=1
	fi
done

echo "== limits: nesting, memory, forged traces, the step limit"
sh tests/limits.sh "$BIN" "$out" && passed=$((passed + 1)) || { failed=$((failed + 1)); fail=1; }

echo "== campaigns: dfs, fuzz, crash, kill -9, shards, minimize, bisect"
sh tests/campaign.sh "$BIN" "$out" bisect && passed=$((passed + 1)) ||
	{ failed=$((failed + 1)); fail=1; }

echo "== gen: deterministic, lint-clean, bad input"
if sh tests/gen.sh "$BIN" "$out"; then passed=$((passed + 1)); else
	echo "FAILED: tests/gen.sh"; failed=$((failed + 1)); fail=1; fi

# The consistency soak (issue 10): generated programs must run clean.  The
# v5.15 batch (200 programs) and the v5.8 one (100, the DAX switch) both
# run always.
for k in v5.15 v5.8; do
	n=200; [ $k = v5.8 ] && n=100
	echo "== soak: $n generated programs at $k"
	if sh tests/soak.sh "$BIN" $n 1 $k 30; then passed=$((passed + 1)); else
		failed=$((failed + 1)); fail=1; fi
done

echo "$passed passed, $failed failed"
exit $fail
