#!/bin/sh
# SPDX-License-Identifier: MIT
# layers.sh -- the layer rule of docs/design.md, checked: a directory may
# include the headers of its own layer and of the layers before it in the
# Makefile's LAYERS, never one after it; cli/ may include everything, and
# nothing includes cli/.  Prints each violation; exits 1 if any.
layers=$(sed -n 's/^LAYERS *:= *//p' Makefile)
[ -n "$layers" ] || { echo "layers.sh: no LAYERS in the Makefile"; exit 1; }
rank() {
	i=0
	for l in $layers; do
		[ "$l" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
	echo -1
}
bad=0
for dir in $layers; do
	me=$(rank "$dir")
	for f in "$dir"/*.c "$dir"/*.h; do
		[ -e "$f" ] || continue
		for inc in $(sed -n 's/^#include "\([a-z_]*\)\/.*"/\1/p' "$f" | sort -u); do
			r=$(rank "$inc")
			if [ "$r" -lt 0 ] || [ "$r" -gt "$me" ]; then
				echo "layers: $f includes $inc/ (above $dir/, or not a layer)"
				bad=1
			fi
		done
	done
done
if grep -l '#include "cli/' $(for l in $layers; do echo "$l"/*.[ch]; done) tests/*.c bench/*.c 2>/dev/null; then
	echo "layers: the files above include cli/"
	bad=1
fi
[ $bad -eq 0 ] && echo "ok   layers: every include points down ($(echo $layers | wc -w) layers)"
exit $bad
