#!/bin/sh
# SPDX-License-Identifier: MIT
# bisect.sh BIN TMPDIR -- `lockstep bisect` finds a deliberately broken
# commit: a temporary repository holds this tree as its first commit, then
# a harmless commit, the break (filemap_create_page without its
# invalidate_lock, the 5.15 fix), and two more harmless commits.  Bisecting
# between the first and the last with the 5.15 scenario must name the
# break.  About five builds of the tree, most of them incremental.
BIN=$(realpath "$1")
T=$2/bisect
if ! command -v git > /dev/null 2>&1 || ! git rev-parse --git-dir > /dev/null 2>&1; then
	echo "skip bisect: needs git and a git checkout"
	exit 0
fi
rm -rf "$T"
mkdir -p "$T/repo"
fail=0
git ls-files -co --exclude-standard | grep -v '^lockstep-out/' |
	tar -cf - -T - | tar -xf - -C "$T/repo"
cd "$T/repo" || exit 1
git init -q . && git config user.email bisect@test && git config user.name bisect &&
	git config commit.gpgsign false || exit 1
git add -A && git commit -qm "base: the tree under test" || exit 1
good=$(git rev-parse HEAD)
echo "# notes" >> docs/design.md && git commit -qam "docs: a harmless change"
sed -i '/^static int filemap_create_page/,/^}/ s/fix_on(mapping->host->fs, FIX_INVALIDATE_LOCK)/false/' \
	core/filemap.c
if git diff --quiet; then
	echo "FAIL bisect: the deliberate break no longer applies to core/filemap.c"
	exit 1
fi
git commit -qam "filemap: drop invalidate_lock from filemap_create_page (the break)"
broke=$(git rev-parse HEAD)
echo "# more notes" >> docs/design.md && git commit -qam "docs: another harmless change"
echo "# the end" >> docs/design.md && git commit -qam "docs: a third harmless change"
cd - > /dev/null
"$BIN" bisect --repo "$T/repo" --good "$good" --bad HEAD --schedules 2000 \
	--out "$T/out" scenarios/punch-hole-vs-read-5.15.yaml > "$T/bisect.txt" 2> "$T/bisect.err"
rc=$?
if [ $rc -eq 0 ] && grep -q "^commit $broke" "$T/bisect.txt" &&
   ls "$T/out"/*.trace > /dev/null 2>&1 && grep -q "stale-read" "$T/bisect.txt"; then
	echo "ok   bisect names the broken commit $(echo $broke | cut -c1-12), with its stale-read trace"
else
	echo "FAIL bisect (exit $rc; the break is $broke)"
	cat "$T/bisect.err" "$T/bisect.txt" | tail -30
	fail=1
fi
exit $fail
