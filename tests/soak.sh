#!/bin/sh
# SPDX-License-Identifier: MIT
# soak.sh BIN N SEED KERNEL [SCHEDULES] -- the consistency soak (issue 10,
# docs/gen.md): generate N programs with `lockstep gen` and run each with
# `lockstep run -q`.  A generated program runs clean on a model that
# agrees with Linux, so every finding is a false one (or a generator bug).
# Prints the findings by kind, "soak: N programs, F with a finding" and the
# failing files; exits 1 if any (2 if gen itself fails).
BIN=${1:?usage: soak.sh BIN N SEED KERNEL [SCHEDULES]}
N=${2:?N}
SEED=${3:?SEED}
KERNEL=${4:?KERNEL}
SCHED=${5:-50}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$BIN" gen -q --seed "$SEED" --count "$N" --kernel "$KERNEL" \
	--schedules "$SCHED" --out "$dir/gen" || exit 2
: >"$dir/failing"
: >"$dir/kinds"
for f in "$dir"/gen/gen-*.yaml; do
	"$BIN" run -q --out "$dir/out" "$f" >"$dir/run.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && continue
	echo "$(basename "$f") (exit $rc)" >>"$dir/failing"
	# FAIL name: found stale-read, op-result (...)
	sed -n "s/^FAIL [^:]*: found \(.*\), not expected$/\1/p" "$dir/run.out" |
		tr ',' '\n' | sed 's/^ *//; s/ *$//' | grep . >>"$dir/kinds"
	[ $rc -eq 1 ] || echo "exit-$rc" >>"$dir/kinds"
done
F=$(wc -l <"$dir/failing")
if [ "$F" -gt 0 ]; then
	echo "findings by kind (programs):"
	sort "$dir/kinds" | uniq -c | sort -rn | sed 's/^/  /'
	echo "failing (seed $SEED, kernel $KERNEL; lockstep gen --seed $SEED --count $N --kernel $KERNEL --schedules $SCHED):"
	sed 's/^/  /' "$dir/failing"
fi
echo "soak: $N programs, $F with a finding"
[ "$F" -eq 0 ]
