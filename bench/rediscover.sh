#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/rediscover.sh BIN [CAP] [OUT] -- the last section of `make bench`:
# the time `lockstep fuzz --generate --jobs 2` takes, with no scenario
# written, to rediscover each race class of the seed threads at the preset
# of a kernel that had it (issue 10, item 6), capped at CAP seconds each
# (default 600: "not found in CAP s").  Each class is a campaign that stops
# at its first finding of the kind (--stop-on), resumed while that finding
# is not of the class; the time is the campaign's when the finding was
# saved (findings/ID.meta), minimization of earlier findings included.
# Each one found is checked: its minimized scenario runs as its expect:
# says and its trace replays.  Figures only: exit 0 whatever is found.
BIN=$1
CAP=${2:-600}
OUT=${3:-${TMPDIR:-/tmp}/lockstep-rediscover}
rm -rf "$OUT"
mkdir -p "$OUT"

# first_match DIR KIND PATTERN -- the .meta of the earliest finding of KIND
# whose report (ID.txt) matches PATTERN
first_match() {
	best= bs=
	for m in "$1"/findings/*.meta; do
		[ -e "$m" ] || continue
		grep -q "^kind: $2\$" "$m" || continue
		grep -q "^minimized: yes$" "$m" || continue
		grep -q -- "$3" "${m%.meta}.txt" || continue
		s=$(sed -n 's/^seconds: //p' "$m")
		if [ -z "$best" ] || [ "$(echo "$s < $bs" | bc)" = 1 ]; then
			best=$m bs=$s
		fi
	done
	echo "$best"
}

# class ID NAME KERNEL FIXES KIND PATTERN
class() {
	d=$OUT/$1 start=$(date +%s) first=--fresh m=
	shift
	while :; do
		left=$((CAP - ($(date +%s) - start)))
		[ $left -gt 0 ] || break
		# shellcheck disable=SC2086
		"$BIN" fuzz --generate --kernel "$2" ${3:+--fixes=$3} --jobs 2 \
			--stop-on "$4" --time "${left}s" --out "$d" $first -q \
			> "$d.log" 2>&1
		first=--resume
		m=$(first_match "$d" "$4" "$5")
		[ -n "$m" ] && break
		grep -q '(interrupted)' "$d.log" && break
		# stopped by a finding of another class: go on; by the time: done
		[ -f "$d/campaign" ] || break
	done
	if [ -z "$m" ]; then
		printf '  %-44s not found in %d s\n' "$1" "$CAP"
		return
	fi
	b=${m%.meta}
	s=$(sed -n 's/^seconds: //p' "$m")
	prog=$(sed -n 's/^what: .*(program \([0-9]*\))$/\1/p' "$m")
	ok=no
	if [ -f "$b.yaml" ] && "$BIN" run -q --out "$d.run" "$b.yaml" > /dev/null 2>&1 &&
	   "$BIN" replay "$b.min.trace" > /dev/null 2>&1; then
		ok=yes
	fi
	n0=$(grep -c '^      - ' "$b.orig.yaml")
	n1=$( [ -f "$b.yaml" ] && grep -c '^      - ' "$b.yaml" || echo '?')
	printf '  %-44s %7.1f s  program %s, %s -> %s ops, runs+replays: %s\n' \
		"$1" "$s" "$prog" "$n0" "$n1" "$ok"
	printf '  %-44s   %s\n' "" "$b.yaml"
}

echo "== rediscovery: fuzz --generate --jobs 2, no scenario written (cap $CAP s each)"
class sr40 "stale-read, punch vs read/fault (v4.0)" v4.0 "" stale-read "from punch_hole"
class sr514 "stale-read, punch vs read/fault (v5.14)" v5.14 "" stale-read "from punch_hole"
class lb415 "lost-block, DMA to pinned DAX vs truncate (v4.15)" v4.15 "" lost-block "freed while pinned"
class dr57 "data-race on S_DAX (v5.7)" v5.7 "" data-race "S_DAX"
class dl418 "deadlock, naive break-layouts (v4.18)" v4.18 \
	"-dax-break-layouts,dax-break-layouts-naive" deadlock "pins"
exit 0
